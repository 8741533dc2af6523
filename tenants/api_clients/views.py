"""Management portal > API clients: the level's clients with their creators, creating one
(its secret shown once, post/redirect/get, with a curl example at this portal's full URL),
resetting a client's secret (shown once likewise) and deleting one (its access tokens stop
working at once)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from common.forms import add_service_errors
from common.paging import page_of
from common.shown_once import ShownOnce
from tenants.api_clients.authentication import TOKEN_URL
from tenants.api_clients.forms import ApiClientForm
from tenants.api_clients.selectors import api_client_for, api_clients_at
from tenants.api_clients.services import (
    api_client_create,
    api_client_delete,
    api_client_reset_secret,
)
from tenants.permissions import Action
from tenants.selectors import covers
from tenants.views import ManagementMixin

# The new client's secret, shown once on the list (post/redirect/get).
NEW_SECRET = ShownOnce(session_key="shown_once.api_client", cookie="api_client_pad")


def _list_path(tenant) -> str:
    return reverse("api-clients", kwargs={"tenant_id": tenant.slug})


class ApiClientListView(ManagementMixin, TemplateView):
    template_name = "tenants/api_client_list.html"
    section = "api-clients"

    def get(self, request, *args, **kwargs):
        self.issued = NEW_SECRET.take(request, tenant_slug=self.tenant.slug)
        response = super().get(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        if self.issued is not None:
            NEW_SECRET.forget(response, path=_list_path(self.tenant))
        return response

    def api_url(self) -> str:
        return self.request.build_absolute_uri("/api/v1/tenants")

    def token_command(self, client_id: str, secret: str) -> list[str]:
        """curl asking this portal (its full URL) for an access token, form-encoded."""
        url = self.request.build_absolute_uri(TOKEN_URL)
        return ["curl", "-u", f"'{client_id}:{secret}'", "-d", "grant_type=client_credentials", url]

    def get_context_data(self, **kwargs):
        clients = api_clients_at(actor=self.request.user, tenant=self.tenant)
        page = page_of(clients, self.request)
        issued = None
        if self.issued is not None:
            secret, facts = self.issued
            issued = {
                **facts,
                "client_secret": secret,
                "token_command": self.token_command(facts["client_id"], secret),
            }
        return super().get_context_data(
            page=page,
            issued=issued,
            token_url=self.request.build_absolute_uri(TOKEN_URL),
            call_command=["curl", "-H", "'Authorization: Bearer ACCESS_TOKEN'", self.api_url()],
            can_manage_api_clients=self.can(Action.MANAGE_API_CLIENTS),
            **kwargs,
        )


class ApiClientCreateView(ManagementMixin, FormView):
    template_name = "tenants/api_client_form.html"
    section = "api-clients"
    required_action = Action.MANAGE_API_CLIENTS
    form_class = ApiClientForm

    def form_valid(self, form):
        try:
            issued = api_client_create(
                actor=self.request.user,
                tenant=self.tenant,
                name=form.cleaned_data["name"],
                role=form.cleaned_data["role"],
                origin=self.origin(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        response = redirect("api-clients", tenant_id=self.tenant.slug)
        NEW_SECRET.keep(
            self.request,
            response,
            path=_list_path(self.tenant),
            tenant_slug=self.tenant.slug,
            value=issued.client_secret,
            facts={"name": issued.client.name, "client_id": issued.client_id},
        )
        return response


class ApiClientTargetMixin(ManagementMixin):
    """A page about one client of this level (another level's answers 404)."""

    section = "api-clients"
    required_action = Action.MANAGE_API_CLIENTS

    def target(self):
        client = api_client_for(actor=self.request.user, client_id=self.kwargs["client_id"])
        if not covers(self.tenant, client.tenant):
            raise Http404("No such API client.")  # not of this level
        return client

    def get_context_data(self, **kwargs):
        return super().get_context_data(target=self.target(), **kwargs)


class ApiClientResetSecretView(ApiClientTargetMixin, TemplateView):
    """Confirm, then give the client a new secret, shown once on the list: the old secret
    and its access tokens stop working at once."""

    template_name = "tenants/api_client_confirm_reset.html"

    def post(self, request, *args, **kwargs):
        issued = api_client_reset_secret(
            actor=request.user, client=self.target(), origin=self.origin()
        )
        response = redirect("api-clients", tenant_id=self.tenant.slug)
        NEW_SECRET.keep(
            request,
            response,
            path=_list_path(self.tenant),
            tenant_slug=self.tenant.slug,
            value=issued.client_secret,
            facts={"name": issued.client.name, "client_id": issued.client_id, "reset": True},
        )
        return response


class ApiClientDeleteView(ApiClientTargetMixin, TemplateView):
    """Confirm, then delete the client and its access tokens."""

    template_name = "tenants/api_client_confirm_delete.html"

    def post(self, request, *args, **kwargs):
        client = self.target()
        api_client_delete(actor=request.user, client=client, origin=self.origin())
        messages.success(request, _("API client “%s” was deleted.") % client.name)
        return redirect("api-clients", tenant_id=self.tenant.slug)
