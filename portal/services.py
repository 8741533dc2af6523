"""Changes that span several apps, composed from each app's own steps.

This layer sits above `tenants`, `tokens` and `agents`, so it may call all three; none of
them calls up into another.
"""

from django.db import transaction
from django_tenants.utils import tenant_context

from agents.services.devices import devices_unregister_of_user
from tenants.audit import Origin
from tenants.models import User
from tenants.services import user_delete_check, user_remove
from tokens.services import tokens_revoke_of_user


def user_delete(*, actor: User, user: User, origin: Origin) -> int:
    """Delete a user, revoking their tokens and unregistering their devices (as the vendor
    does), in one transaction; returns how many devices were unregistered.

    Tokens go first: revoking waits for any registration holding a token row, so no device
    can appear under the user after they are counted.
    """
    user_delete_check(actor=actor, user=user)
    # In the user's own schema: deleting the account checks it owns no device there.
    with tenant_context(user.tenant), transaction.atomic():
        tokens_revoke_of_user(user=user)
        count = devices_unregister_of_user(actor=actor, user=user, origin=origin)
        user_remove(actor=actor, user=user, origin=origin, details={"devices_unregistered": count})
    return count
