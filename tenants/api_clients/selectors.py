"""Reading API clients: a level's clients, and one client by id within the actor's scope."""

from django.db.models import QuerySet
from django.http import Http404

from tenants.authorization import authorize
from tenants.models import ApiClient, Tenant, User
from tenants.permissions import Action
from tenants.selectors import at_level, in_scope


def api_clients_at(*, actor: User, tenant: Tenant) -> QuerySet[ApiClient]:
    """The clients of a level (at a partner: its own and its customers'), by name."""
    authorize(actor, Action.VIEW_MANAGEMENT, tenant=tenant)
    clients = ApiClient.objects.filter(at_level(tenant, lineage="lineage")).select_related(
        "tenant", "application", "created_by"
    )
    return clients.order_by("name", "id")


def api_client_for(*, actor: User, client_id: str | int) -> ApiClient:
    """The client `client_id` if it is in the actor's scope; Http404 otherwise."""
    raw = str(client_id)
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise Http404("No such API client.")
    client = (
        ApiClient.objects.select_related("tenant__parent", "application")
        .filter(pk=int(client_id))
        .first()
    )
    if client is None or not in_scope(actor, client.tenant):
        raise Http404("No such API client.")
    return client


def api_clients_created_by(*, actor: User, tenant: Tenant, user: User) -> QuerySet[ApiClient]:
    """The clients of a level that `user` created: they keep working without their creator
    (a client belongs to its level), so deleting or deactivating the user lists them."""
    return api_clients_at(actor=actor, tenant=tenant).filter(created_by=user)
