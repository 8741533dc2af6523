"""The one door: "may this actor do this action, here?"

Every service calls `authorize` before it reads or writes on behalf of someone, so the role
check (`tenants.permissions`) and the scope check (`tenants.selectors`) cannot be asked
separately, or forgotten, by a new entry point.
"""

from django.core.exceptions import PermissionDenied

from .models import Tenant, User
from .permissions import Action, can
from .selectors import in_scope


def authorize(actor: User, action: Action, *, tenant: Tenant | None, message: str = "") -> None:
    """Raise PermissionDenied unless the actor's role allows `action` and `tenant` is in the
    actor's scope. `tenant=None` is the whole platform, in scope of the superuser only.

    `message` is the refusal's text, for callers that show one.
    """
    if not can(actor, action) or not in_scope(actor, tenant):
        raise PermissionDenied(message)
