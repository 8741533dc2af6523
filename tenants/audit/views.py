"""Management portal > Audit log: readable labels, filters that carry over to every page."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from common.paging import page_of
from tenants.models import AuditEvent
from tenants.permissions import Action
from tenants.selectors import users_at
from tenants.views import ManagementMixin

from .details import describe, object_label
from .selectors import AuditFilter, audit_events


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("All actions")), *AuditEvent.Action.choices],
    )
    # Anyone involved (initiator or on-behalf-of), any case; suggestions from the level's users.
    user = forms.CharField(
        label=_("User"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"list": "audit-users", "autocomplete": "off"}),
    )
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
            involving=(data.get("user") or "").strip(),
            since=_midnight(start) if start else None,
            until=_midnight(end + datetime.timedelta(days=1)) if end else None,
        )


def _midnight(day: datetime.date) -> datetime.datetime:
    """The start of a day in the portal's time zone (the dates people type)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


USER_SUGGESTIONS = 200


class AuditLogView(ManagementMixin, TemplateView):
    template_name = "tenants/audit_list.html"
    section = "audit"
    required_action = Action.VIEW_MANAGEMENT

    def get_context_data(self, **kwargs):
        form = AuditFilterForm(self.request.GET or None)
        filters = form.filters() if form.is_bound else AuditFilter()
        events = audit_events(actor=self.request.user, tenant=self.tenant, filters=filters)
        page = page_of(events, self.request)
        events = self.with_where(page.object_list)
        rows = [(event, object_label(event), describe(event)) for event in events]
        filtered = filters != AuditFilter()
        # The User filter's suggestions: the first of the level's users this actor may see
        # (an index range; a distributor's 150,000 users made every audit page read them
        # all, bench_depth). Any other name can still be typed.
        users = users_at(actor=self.request.user, tenant=self.tenant).values_list(
            "username", flat=True
        )[:USER_SUGGESTIONS]
        return super().get_context_data(
            page=page, rows=rows, form=form, filtered=filtered, user_names=users, **kwargs
        )
