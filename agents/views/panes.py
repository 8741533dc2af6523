"""The All devices page's right-hand panes: "Add devices" (with Registration token) and
"Manage active tokens". Mixed into the page view; the token views (`.tokens`) extend that
page, so the device page owns every step of its panes."""

from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext as _

from common.keyset import keyset_page_of
from tenants.permissions import Action, can
from tenants.selectors import covers, customers_at, users_at
from tokens import renewal, selectors, services
from tokens.forms import GRACE_CHOICES, LIFETIME_PRESETS, TokenGenerateForm, preset_for
from tokens.plans import catalog

from . import issued as issued_value
from .commands import register_commands

PANES = {"add", "tokens"}
PICKER_LIMIT = 50  # customers and units the picker at All customers lists before a search


class AddDevicesPaneMixin:
    pane: str | None = None

    def get(self, request, *args, **kwargs):
        pane = request.GET.get("pane")
        self.pane = pane if pane in PANES else None
        response = super().get(request, *args, **kwargs)
        if (self.pane, request.GET.get("step")) in (("add", "issued"), ("tokens", "reissued")):
            response["Cache-Control"] = "no-store"
            if not issued_value.pending(request):
                issued_value.forget(response, self.tenant)
        return response

    def token_form(self, data=None) -> TokenGenerateForm:
        user = self.request.user
        if not (can(user, Action.ACT_FOR_OTHERS) and self.tenant.is_customer):
            return TokenGenerateForm(data=data)
        return TokenGenerateForm(
            data=data,
            # The level's users and its units' (the token then belongs to the user's unit).
            users=users_at(actor=user, tenant=self.tenant).filter(is_active=True),
            plans=catalog().choices(self.tenant),
            level=self.tenant,
        )

    def pane_context(self, **kwargs) -> dict:
        may_generate = can(self.request.user, Action.GENERATE_TOKENS)
        context = {
            "pane": self.pane,
            "may_generate": may_generate,
            "generate_refusal": "",
            "step": kwargs.get("step") or self.request.GET.get("step"),
        }
        if self.pane == "add":
            context.update(self.add_pane_context(context, **kwargs))
        if self.pane == "tokens":
            context.update(self.tokens_pane_context(**kwargs))
        return context

    def add_pane_context(self, context: dict, **kwargs) -> dict:
        picker = {}
        if context["may_generate"] and not self.tenant.is_customer:
            context["generate_refusal"] = _(services.MSG_ALL_CUSTOMERS)
            picker = self.picker_context()
        issued = None
        if context["step"] == "issued":
            issued = issued_value.take(self.request, self.tenant)
        portal_address = self.request.build_absolute_uri("/").rstrip("/")
        return {
            **picker,
            "token_form": kwargs.get("token_form") or self.token_form(),
            "issued": issued,
            # A reload of the page that showed the value: say why it is gone.
            "issued_gone": context["step"] == "issued" and issued is None,
            "commands": register_commands(
                portal_address,
                issued.value if issued else None,
                plan=bool(issued and issued.token.plan_name),
            ),
        }

    def picker_context(self) -> dict:
        """At All customers: the customers and units of the level's subtree the picker under
        the refusal lists (the first ones, or those matching `tq`), by name."""
        search = self.request.GET.get("tq", "").strip()[:100]
        found = customers_at(self.tenant)
        if search:
            found = found.filter(name__icontains=search)
        rows = list(found[: PICKER_LIMIT + 1])
        more = len(rows) > PICKER_LIMIT
        return {
            "picker": rows[:PICKER_LIMIT],
            "picker_more": more,
            "picker_search": search,
            "picker_searchable": bool(search or more or len(rows) > 1),
        }

    def tokens_pane_context(self, **kwargs) -> dict:
        sort = self.request.GET.get("tsort", "-created")
        tokens = selectors.tokens_active_for(actor=self.request.user, tenant=self.tenant, sort=sort)
        page = keyset_page_of(tokens, self.request, size=settings.CONSOLE_PAGE_SIZE, param="tpage")
        return {
            "tokens": self.with_where(page.object_list),
            "tokens_page": page,
            "token_sort": sort,
            **self.token_actions_context(**kwargs),
        }

    def token_actions_context(self, **kwargs) -> dict:
        """The "Manage" panel of one token (`?manage=<id>`): description, renewal, and the
        leak response; any token the actor may not see is 404."""
        managed = kwargs.get("managed")
        token_id = self.request.GET.get("manage")
        if managed is None and token_id:
            managed = selectors.token_for(actor=self.request.user, token_id=token_id)
            if not covers(self.tenant, managed.tenant):
                raise Http404("No such registration token.")
        if managed is None:
            return {}
        reissued = None
        if self.request.GET.get("step") == "reissued":
            reissued = issued_value.take(self.request, self.tenant)
            if reissued is not None and reissued.token.pk != managed.pk:
                reissued = None
        portal_address = self.request.build_absolute_uri("/").rstrip("/")
        return {
            "managed": managed,
            "managed_form": kwargs.get("managed_form"),
            "confirm_leak": kwargs.get("confirm_leak"),
            "confirm_reissue": kwargs.get("confirm_reissue"),
            "may_unregister": can(self.request.user, Action.UNREGISTER_DEVICES),
            "lifetimes": LIFETIME_PRESETS,
            "extend_preset": preset_for(renewal.own_lifetime(managed)),
            "graces": GRACE_CHOICES,
            "reissued": reissued,
            # A reload of the page that showed the new value: say why it is gone.
            "reissued_gone": self.request.GET.get("step") == "reissued" and reissued is None,
            "replaced": selectors.replaced_in_grace(managed) if reissued else None,
            "reissued_commands": register_commands(
                portal_address, reissued.value, plan=bool(managed.plan_name)
            )
            if reissued
            else [],
        }
