"""The scopes of a vendor registration token, in and out.

- `urn:acronis.com:tenant-id:<personal tenant id>:backup_agent_admin`: the user machines
  register under; an empty id means the user whose personal tenant the path names.
- `urn:acronis.com::policy_management:<tenant id>|<plan id>:apply_revoke`: the protection
  plan the token may apply and revoke (the tenant's UUID, the plan's id as `/api/v1`
  lists it).

Anything else is refused (400). Who may name which user or plan is not decided here:
`tokens.services.token_create` decides, as for every other entry point.
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from tenants.models import User
from tokens.models import RegistrationToken

from .ids import Place, as_uuid

USER_SCOPE = re.compile(r"urn:acronis\.com:tenant-id:(?P<id>[^:]*):backup_agent_admin")
PLAN_SCOPE = re.compile(
    r"urn:acronis\.com::policy_management:(?P<tenant>[^:|]+)\|(?P<plan>[^:|]+):apply_revoke"
)
MSG_UNKNOWN = "Unknown scope: {scope}"
MSG_TWICE = "Name at most one user and one protection plan."
MSG_NO_USER = "Name the user: urn:acronis.com:tenant-id:<personal tenant id>:backup_agent_admin."
MSG_OTHER_TENANT = "The protection plan's scope names another tenant."
# A user id no account has (ids start at 1): an unknown personal tenant id is then refused
# by the token service exactly like an unknown user id on /api/v1.
NO_SUCH_USER = 0


@dataclass(frozen=True)
class Wanted:
    """What the scopes ask for, as the token service takes it."""

    user_id: int
    plan_id: str | None


def parse(scopes: list[str], *, place: Place, actor: User) -> Wanted:
    users, plans = [], []
    for scope in scopes:
        if match := USER_SCOPE.fullmatch(scope):
            users.append(match["id"])
        elif match := PLAN_SCOPE.fullmatch(scope):
            plans.append((match["tenant"], match["plan"]))
        else:
            raise ValidationError({"scopes": MSG_UNKNOWN.format(scope=scope[:200])})
    if len(users) > 1 or len(plans) > 1:
        raise ValidationError({"scopes": MSG_TWICE})
    plan_id = None
    if plans:
        tenant_id, plan_id = plans[0]
        named = {place.tenant.uuid}
        if place.person is not None:
            named.add(place.person.personal_tenant_uuid)
        if as_uuid(tenant_id) not in named:
            raise ValidationError({"scopes": MSG_OTHER_TENANT})
    return Wanted(user_id=_user_id(users[0] if users else "", place, actor), plan_id=plan_id)


def _user_id(personal_id: str, place: Place, actor: User) -> int:
    if not personal_id:
        if place.person is not None:
            return place.person.pk
        if actor.pk is None:  # an API client has no account of its own
            raise ValidationError({"scopes": MSG_NO_USER})
        return actor.pk
    key = as_uuid(personal_id)
    found = User.objects.filter(personal_tenant_uuid=key).values_list("pk", flat=True).first()
    return found if key is not None and found is not None else NO_SUCH_USER


def of_token(token: RegistrationToken) -> list[str]:
    """A token's scopes as the vendor lists them."""
    scopes = [f"urn:acronis.com:tenant-id:{token.user.personal_tenant_uuid}:backup_agent_admin"]
    if token.plan_id is not None:
        scopes.append(
            f"urn:acronis.com::policy_management:{token.tenant.uuid}|{token.plan_id}:apply_revoke"
        )
    return scopes
