"""Console: the Registration token section of the Add devices pane, and Manage active tokens.

The panes are part of the All devices page (`?pane=add`, `?pane=tokens`), so every step is a
plain page that works without JavaScript; portal.js only adds sliding, focus and Copy.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tenants.forms import add_service_errors
from tenants.permissions import Action
from tenants.selectors import covers
from tokens import selectors, services

from .devices import DeviceListView


class TokenGenerateView(DeviceListView):
    """POST the Generate step. The response is the only place the value ever appears."""

    required_action = Action.GENERATE_TOKENS
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.pane = "add"
        form = self.token_form(data=request.POST)
        issued = None
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
                add_service_errors(form, error)
        context = self.get_context_data(token_form=form, issued=issued, step="generate")
        response = self.render_to_response(context, status=201 if issued else 400)
        response["Cache-Control"] = "no-store"
        return response


class TokenDeleteView(DeviceListView):
    """POST selected token ids; first answer asks to confirm, the confirmed POST deletes."""

    required_action = Action.GENERATE_TOKENS
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        ids = request.POST.getlist("token")
        tokens = [selectors.token_for(actor=request.user, token_id=i) for i in ids]
        tokens = [t for t in tokens if covers(self.tenant, t.tenant)]
        back = reverse("devices", kwargs={"tenant_id": self.tenant.slug}) + "?pane=tokens"
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
