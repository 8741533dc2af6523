"""Console: the Registration token section of the Add devices pane, and Manage active tokens.

The panes are part of the All devices page (`?pane=add`, `?pane=tokens`), so every step is a
plain page that works without JavaScript; portal.js only adds sliding, focus and Copy.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import View

from common.forms import add_service_errors
from tenants.mixins import TenantScopedMixin
from tenants.permissions import Action
from tenants.selectors import covers, customers_at, tenant_for
from tokens import selectors, services

from . import issued as issued_value
from .devices import DeviceListView

# The service's field names, as the Generate form calls them.
SERVICE_FIELDS = {"user_id": "user", "plan_id": "plan", "expires_in": "lifetime"}
FIND_LIMIT = 50  # "Find a customer": how many matches the picker then lists


def _devices_url(tenant, query: str) -> str:
    return reverse("devices", kwargs={"tenant_id": tenant.slug}) + query


class TokenGenerateView(DeviceListView):
    """POST the Generate step; on success redirect (303) to the pane that shows the value
    once (post/redirect/get: a reload cannot make a second token)."""

    required_action = Action.GENERATE_TOKENS
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.pane = "add"
        form = self.token_form(data=request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                issued = services.token_create(
                    actor=request.user,
                    tenant=self.tenant,
                    user_id=data.get("user") or None,
                    lifetime=data["seconds"],
                    plan_id=data.get("plan") or None,
                    description=data.get("description") or "",
                    max_machines=data.get("limit"),
                    allowed_networks=data.get("allowed_networks") or "",
                    origin=self.origin(),
                )
            except ValidationError as error:
                add_service_errors(form, _as_form_error(error))
            else:
                url = _devices_url(self.tenant, "?pane=add&step=issued#registration-token")
                response = HttpResponseRedirect(url, status=303)
                response["Cache-Control"] = "no-store"
                issued_value.keep(request, response, self.tenant, issued)
                return response
        context = self.get_context_data(token_form=form, step="generate")
        return self.render_to_response(context, status=400)


def _as_form_error(error: ValidationError) -> ValidationError:
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError({SERVICE_FIELDS.get(k, k): v for k, v in error.error_dict.items()})


class TokenCustomerView(TenantScopedMixin, View):
    """At All customers: the picker under "You cannot generate a token on the All customers
    level." switches to the chosen customer and opens its Generate form. "Find a customer"
    (`q`) goes there too when one customer matches (or one is named exactly); otherwise the
    pane says how many matched and its picker lists only them."""

    required_action = Action.GENERATE_TOKENS

    def get(self, request, *args, **kwargs):
        if "q" in request.GET and "customer" not in request.GET:
            return self.find(request, request.GET["q"].strip()[:100])
        slug = request.GET.get("customer", "")
        customer = tenant_for(actor=request.user, tenant_id=slug) if slug else None
        if customer is None or not customer.is_customer or not covers(self.tenant, customer):
            raise Http404("No such customer.")
        return redirect(_devices_url(customer, "?pane=add&step=generate#registration-token"))

    def find(self, request, search: str):
        found = customers_at(self.tenant).filter(name__icontains=search)
        matches = list(found[:FIND_LIMIT])
        exact = [t for t in matches if t.name.casefold() == search.casefold()]
        if search and (len(matches) == 1 or len(exact) == 1):
            customer = matches[0] if len(matches) == 1 else exact[0]
            return redirect(_devices_url(customer, "?pane=add&step=generate#registration-token"))
        if not search or not matches:
            messages.error(request, _("No customer matches “%(q)s”.") % {"q": search})
            return redirect(_devices_url(self.tenant, "?pane=add"))
        messages.info(
            request,
            ngettext(
                "%(n)d customer matches “%(q)s”: select it below.",
                "%(n)d customers match “%(q)s”: select one below.",
                len(matches),
            )
            % {"n": len(matches), "q": search},
        )
        return redirect(_devices_url(self.tenant, "?" + urlencode({"pane": "add", "tq": search})))


class TokenDeleteView(DeviceListView):
    """POST selected token ids; first answer asks to confirm, the confirmed POST deletes.
    What happened is said in the pane (messages show there while a pane is open)."""

    required_action = Action.GENERATE_TOKENS
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        ids = request.POST.getlist("token")
        tokens = [selectors.token_for(actor=request.user, token_id=i) for i in ids]
        tokens = [t for t in tokens if covers(self.tenant, t.tenant)]
        back = _devices_url(self.tenant, "?pane=tokens")
        if not tokens:
            messages.error(request, _("Select one or more tokens to delete."))
            return redirect(back)
        if request.POST.get("confirm") != "yes":
            self.pane = "tokens"
            return self.render_to_response(self.get_context_data(confirm_delete=tokens))
        for token in tokens:
            services.token_delete(actor=request.user, token=token, origin=self.origin())
        count = len(tokens)
        messages.success(
            request,
            ngettext("%d token was deleted.", "%d tokens were deleted.", count) % count,
        )
        return redirect(back)
