"""Management portal > Audit log: readable labels, filters that carry over to every page."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from common.paging import page_of
from tenants.models import AuditEvent
from tenants.permissions import Action
from tenants.views import ManagementMixin

from .selectors import AuditFilter, audit_events, safe_details

# How a failed token use's reason reads (the codes come from `tokens.failures.Reason`,
# which this layer cannot import; an unknown code is shown as it is).
REASON_LABELS = {
    "mistyped": _("mistyped"),
    "unknown": _("unknown token"),
    "expired": _("expired"),
    "deleted": _("deleted"),
    "user_inactive": _("user deactivated"),
    "used_up": _("used up"),
    "network_refused": _("refused by the address limit"),
}


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("All actions")), *AuditEvent.Action.choices],
    )
    user = forms.CharField(label=_("User"), required=False, max_length=150)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def filters(self) -> AuditFilter:
        """The valid fields' filters (an invalid one is shown with its error, and ignored)."""
        data = self.cleaned_data if self.is_valid() else getattr(self, "cleaned_data", {})
        start, end = data.get("date_from"), data.get("date_to")
        return AuditFilter(
            action=data.get("action") or "",
            user=(data.get("user") or "").strip(),
            since=_midnight(start) if start else None,
            until=_midnight(end + datetime.timedelta(days=1)) if end else None,
        )


def _midnight(day: datetime.date) -> datetime.datetime:
    """The start of a day in the portal's time zone (the dates people type)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def describe(event: AuditEvent) -> str:
    """The details a person needs in the list, in words: a failed token use's reason and
    count, a refused registration's machine."""
    details = safe_details(event.details)
    parts = []
    if event.action == AuditEvent.Action.TOKEN_USE_FAILED:
        reason = details.get("reason", "")
        parts.append(str(REASON_LABELS.get(reason, reason)))
        if event.count > 1:
            parts.append(str(_("%(n)s times") % {"n": event.count}))
    if details.get("machine_id"):
        parts.append(str(_("machine %(id)s") % {"id": details["machine_id"]}))
    if details.get("plan"):
        parts.append(str(_("plan %(name)s") % {"name": details["plan"]}))
    return ", ".join(parts)


class AuditLogView(ManagementMixin, TemplateView):
    template_name = "tenants/audit_list.html"
    section = "audit"
    required_action = Action.VIEW_MANAGEMENT

    def get_context_data(self, **kwargs):
        form = AuditFilterForm(self.request.GET or None)
        filters = form.filters() if form.is_bound else AuditFilter()
        events = audit_events(actor=self.request.user, tenant=self.tenant, filters=filters)
        page = page_of(events, self.request)
        rows = [(event, describe(event)) for event in page.object_list]
        filtered = filters != AuditFilter()
        return super().get_context_data(
            page=page, rows=rows, form=form, filtered=filtered, **kwargs
        )
