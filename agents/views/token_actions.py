"""Console: the "Manage" panel of one active token (Manage active tokens, `?manage=<id>`).

Each action is a POST through the token services, then back to the panel (or the list).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.moments import exact
from tenants.permissions import Action
from tenants.selectors import covers
from tokens import machines, renewal, selectors, services

from . import issued as issued_value
from .devices import DeviceListView


class TokenActionView(DeviceListView):
    """Base: the token named in the URL, within the selected level (404 otherwise)."""

    required_action = Action.GENERATE_TOKENS
    http_method_names = ["post"]

    def token(self):
        token = selectors.token_for(actor=self.request.user, token_id=self.kwargs["token_id"])
        if not covers(self.tenant, token.tenant):
            raise Http404("No such registration token.")
        return token

    def tokens_url(self, token=None) -> str:
        url = reverse("devices", kwargs={"tenant_id": self.tenant.slug}) + "?pane=tokens"
        return url + (f"&manage={token.public_id}" if token is not None else "")

    def refused(self, token, error: ValidationError, **kwargs):
        """Show the panel again with the service's message."""
        self.pane = "tokens"
        context = self.get_context_data(managed=token, managed_error=error.messages, **kwargs)
        context["managed_error"] = error.messages
        return self.render_to_response(context, status=400)


class TokenDescribeView(TokenActionView):
    def post(self, request, *args, **kwargs):
        token = self.token()
        try:
            services.token_update_description(
                actor=request.user,
                token=token,
                description=request.POST.get("description", ""),
                origin=self.origin(),
            )
        except ValidationError as error:
            return self.refused(token, error)
        messages.success(request, _("The description was saved."))
        return redirect(self.tokens_url(token))


class TokenLeakView(TokenActionView):
    """ "Delete and unregister its machines": the first POST asks to confirm, naming the
    number of machines; the confirmed POST does it in one transaction."""

    required_action = Action.UNREGISTER_DEVICES

    def post(self, request, *args, **kwargs):
        token = self.token()
        if request.POST.get("confirm") != "yes":
            self.pane = "tokens"
            count = machines.devices().count(token)
            context = self.get_context_data(managed=token, confirm_leak={"machines": count})
            return self.render_to_response(context)
        count = services.token_delete(
            actor=request.user, token=token, origin=self.origin(), unregister_machines=True
        )
        said = ngettext(
            "The token was deleted and %d machine was unregistered.",
            "The token was deleted and %d machines were unregistered.",
            count,
        )
        # Nothing unregistered: no "0 machines were unregistered".
        messages.success(
            request, said % count if count else _("The registration token was deleted.")
        )
        return redirect(self.tokens_url())


class TokenExtendView(TokenActionView):
    def post(self, request, *args, **kwargs):
        token = self.token()
        try:
            token = renewal.token_extend(
                actor=request.user,
                token=token,
                lifetime=request.POST.get("lifetime", ""),
                origin=self.origin(),
            )
        except ValidationError as error:
            return self.refused(token, error)
        messages.success(
            request,
            _("The token was extended: it now expires on %(when)s.")
            % {"when": exact(token.expires_at)},
        )
        return redirect(self.tokens_url(token))


class TokenReissueView(TokenActionView):
    """The first POST asks to confirm and for a grace period for the old value; the
    confirmed POST reissues and redirects (303, post/redirect/get like Generate) to the
    panel of the new token, which shows its value once, with the commands that use it."""

    def post(self, request, *args, **kwargs):
        token = self.token()
        if request.POST.get("confirm") != "yes":
            self.pane = "tokens"
            context = self.get_context_data(managed=token, confirm_reissue=True)
            return self.render_to_response(context)
        try:
            issued = renewal.token_reissue(
                actor=request.user,
                token=token,
                origin=self.origin(),
                grace=request.POST.get("grace") or 0,
            )
        except ValidationError as error:
            return self.refused(token, error)
        url = self.tokens_url(issued.token) + "&step=reissued#manage-title"
        response = HttpResponseRedirect(url, status=303)
        response["Cache-Control"] = "no-store"
        issued_value.keep(request, response, self.tenant, issued)
        return response
