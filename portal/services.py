"""Changes that span several apps, composed from each app's own steps.

This layer sits above `tenants`, `tokens` and `agents`, so it may call all three; none of
them calls up into another.
"""

from collections.abc import Iterable

from django.db import transaction
from django_tenants.utils import tenant_context

from agents.services.devices import devices_unregister_of_user
from tenants.api_clients.services import api_clients_delete
from tenants.audit import Origin
from tenants.models import ApiClient, User
from tenants.services import user_delete_check, user_remove, user_update
from tokens.services import tokens_revoke_of_user


def _created_by(user: User, clients: Iterable[ApiClient]) -> list[ApiClient]:
    """Only clients `user` created are deleted with them (a page's stale list, or a forged
    one, cannot take others along)."""
    return [client for client in clients if client.created_by_id == user.pk]


def user_delete(
    *, actor: User, user: User, origin: Origin, api_clients: Iterable[ApiClient] = ()
) -> int:
    """Delete a user, revoking their tokens and unregistering their devices (as the vendor
    does), in one transaction; returns how many devices were unregistered.

    `api_clients` (from `api_clients_created_by`) are the clients the user created that the
    actor chose to delete with them; the others keep working (a client belongs to its level).

    Tokens go first: revoking waits for any registration holding a token row, so no device
    can appear under the user after they are counted.
    """
    user_delete_check(actor=actor, user=user)
    # In the user's own schema: deleting the account checks it owns no device there.
    with tenant_context(user.tenant), transaction.atomic():
        api_clients_delete(actor=actor, clients=_created_by(user, api_clients), origin=origin)
        tokens_revoke_of_user(user=user)
        count = devices_unregister_of_user(actor=actor, user=user, origin=origin)
        user_remove(actor=actor, user=user, origin=origin, details={"devices_unregistered": count})
    return count


def user_deactivate(
    *, actor: User, user: User, origin: Origin, api_clients: Iterable[ApiClient] = ()
) -> list[str]:
    """Deactivate a user and delete the API clients they created that the actor chose, in
    one transaction (each deletion audited); returns the deleted clients' names."""
    with transaction.atomic():
        user_update(actor=actor, user=user, data={"is_active": False}, origin=origin)
        clients = _created_by(user, api_clients)
        return api_clients_delete(actor=actor, clients=clients, origin=origin)
