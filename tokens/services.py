"""Generating and deleting registration tokens: the one place their rules live.

The console, the admin, the REST API and the `tokens` command all call these functions.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tenants import audit
from tenants.api_clients.services import account_of
from tenants.audit import Origin
from tenants.authorization import authorize
from tenants.models import AuditEvent, Tenant, User
from tenants.permissions import Action
from tenants.selectors import covers

from . import failures, machines, networks, usage, values
from .descriptions import MAX_DESCRIPTION, MSG_DESCRIPTION  # noqa: F401 - the forms' and API's
from .descriptions import clean_description as _description
from .limits import (  # noqa: F401 - the forms', API's and command's
    DEFAULT_LIFETIME,
    MAX_LIFETIME,
    MIN_LIFETIME,
    MSG_LIFETIME,
    MSG_MAX_MACHINES,
)
from .limits import lifetime_of as _lifetime
from .limits import machine_limit as _machine_limit
from .models import RegistrationToken
from .plans import PlanRef, catalog

MSG_ALL_CUSTOMERS = gettext_noop("You cannot generate a token on the All customers level.")
MSG_UNKNOWN_USER = gettext_noop("There is no such user in this customer.")
# API only (a client has no page), so English like every API answer.
MSG_USER_ID_REQUIRED = "user_id is required: an API client generates tokens for a user it names."
MSG_UNKNOWN_PLAN = gettext_noop("There is no such protection plan in this customer.")
MSG_OWN_ACCOUNT_ONLY = gettext_noop(
    "You can generate registration tokens only for your own account."
)
MSG_PLAN_ADMINS_ONLY = gettext_noop("Only administrators can bind a protection plan to a token.")
MSG_GONE = gettext_noop("This registration token is no longer active.")


@dataclass(frozen=True)
class IssuedToken:
    """A new token and its value. The value is never stored; show it once, then drop it."""

    token: RegistrationToken
    value: str


def _token_owner(*, actor: User, tenant: Tenant, user_id: int | str | None) -> User:
    if user_id in (None, "") and actor.pk is None:  # an API client: it has no account
        raise ValidationError({"user_id": MSG_USER_ID_REQUIRED})
    if user_id in (None, ""):
        user_id = actor.pk
    # Refuse another account before looking it up: the answer never tells which ids exist.
    if str(user_id) != str(actor.pk):
        authorize(actor, Action.ACT_FOR_OTHERS, tenant=tenant, message=_(MSG_OWN_ACCOUNT_ONLY))
    try:
        owner = User.objects.select_related("tenant").get(pk=int(user_id))
    except (User.DoesNotExist, ValueError, TypeError):
        owner = None
    # Only for active users of this customer or its units (the token is their tenant's).
    if owner is None or not owner.is_active or not owner.tenant or not covers(tenant, owner.tenant):
        raise ValidationError({"user_id": _(MSG_UNKNOWN_USER)})
    return owner


def _bound_plan(
    *, actor: User, tenant: Tenant, plan_id: int | str | None, owner_tenant: Tenant
) -> PlanRef | None:
    """`plan_id` names a plan of the level the request is made at (`tenant`); for a user of a
    unit below it, the unit's plan of the same name (plan ids are per schema: the unit's
    plan with that id may be another plan)."""
    if plan_id in (None, ""):
        return None
    authorize(actor, Action.ACT_FOR_OTHERS, tenant=tenant, message=_(MSG_PLAN_ADMINS_ONLY))
    try:
        plan = catalog().by_id(tenant, int(plan_id))
    except (ValueError, TypeError):
        plan = None
    if plan is not None and owner_tenant.pk != tenant.pk:
        plan = catalog().by_name(owner_tenant, plan.name)
    if plan is None:
        raise ValidationError({"plan_id": _(MSG_UNKNOWN_PLAN)})
    return plan


def token_create_check(*, actor: User, tenant: Tenant) -> None:
    """May the actor generate tokens at this level at all? (Before asking for details.)"""
    authorize(actor, Action.GENERATE_TOKENS, tenant=tenant)
    if not tenant.is_customer:
        raise ValidationError(_(MSG_ALL_CUSTOMERS))


def token_create(
    *,
    actor: User,
    tenant: Tenant,
    user_id: int | str | None = None,
    lifetime: datetime.timedelta | int | str = DEFAULT_LIFETIME,
    plan_id: int | str | None = None,
    description: str = "",
    max_machines: int | str | None = None,
    allowed_networks: list[str] | str | None = None,
    origin: Origin,
) -> IssuedToken:
    """Issue a token for `user_id` (default: the actor) of the customer `tenant`;
    `max_machines` None is reusable, else at most that many distinct machines."""
    token_create_check(actor=actor, tenant=tenant)
    owner = _token_owner(actor=actor, tenant=tenant, user_id=user_id)
    lifetime = _lifetime(lifetime)
    description = _description(description)
    limit = _machine_limit(max_machines)
    allowed = networks.parse(allowed_networks)
    mine = owner.tenant or tenant  # a unit's user: the unit (machines register there)
    plan = _bound_plan(actor=actor, tenant=tenant, plan_id=plan_id, owner_tenant=mine)
    tenant = mine
    value = values.generate()
    normalized = values.normalize(value)
    now = timezone.now()
    with transaction.atomic():
        token = RegistrationToken.objects.create(
            tenant=tenant,
            family=tenant.family,
            customer_name=tenant.name,
            user=owner,
            user_username=owner.username,
            created_by=account_of(actor),
            created_by_name=actor.username,
            created_at=now,
            expires_at=now + lifetime,
            plan_id=plan.id if plan else None,
            plan_name=plan.name if plan else "",
            description=description,
            max_machines=limit,
            allowed_networks=allowed,
            digest=values.digest(normalized),
            prefix=values.prefix(normalized),
        )
        _record(
            AuditEvent.Action.TOKEN_CREATE,
            actor=actor,
            token=token,
            origin=origin,
            user=owner.username,
            expires_at=token.expires_at.isoformat(),
            max_machines=limit,
            allowed_networks=allowed,
        )
    return IssuedToken(token=token, value=value)


def _record(
    action: AuditEvent.Action,
    *,
    actor: User,
    token: RegistrationToken,
    origin: Origin,
    **more: object,
) -> None:
    """A token's audit event: which token (id and the two symbols lists show), never its
    value."""
    details: dict[str, object] = {"token_id": str(token.public_id), "prefix": token.prefix}
    details.update(more, plan=token.plan_name or None, description=token.description)
    audit.record(
        actor=actor,
        origin=origin,
        action=action,
        tenant=token.tenant,
        obj=token,
        on_behalf_of=token.user,
        details=details,
    )


def token_manage_check(*, actor: User, token: RegistrationToken) -> None:
    """May the actor delete (and so also describe, extend or reissue) this token?"""
    authorize(actor, Action.GENERATE_TOKENS, tenant=token.tenant)
    if token.user_id != actor.pk:
        authorize(actor, Action.ACT_FOR_OTHERS, tenant=token.tenant)


def token_update_description(
    *, actor: User, token: RegistrationToken, description: str, origin: Origin
) -> RegistrationToken:
    """Change an active token's description: whoever may delete the token may do this."""
    token_manage_check(actor=actor, token=token)
    description = _description(description)
    with transaction.atomic():
        previous = token.description
        updated = (
            RegistrationToken.objects.active().filter(pk=token.pk).update(description=description)
        )
        if not updated:
            raise ValidationError(_(MSG_GONE))
        token.description = description
        _record(
            AuditEvent.Action.TOKEN_UPDATE,
            actor=actor,
            token=token,
            origin=origin,
            previous_description=previous,
        )
    return token


def token_delete(
    *,
    actor: User,
    token: RegistrationToken,
    origin: Origin,
    unregister_machines: bool = False,
) -> int:
    """Delete (revoke) a token: no new registration or plan change can use it. With
    `unregister_machines` (the leak response; administrators who may unregister devices)
    also unregister every device it registered, in the same transaction and one audit
    event with the count; returns how many devices were unregistered."""
    token_manage_check(actor=actor, token=token)
    if unregister_machines:
        authorize(actor, Action.UNREGISTER_DEVICES, tenant=token.tenant)
    with transaction.atomic():
        updated = RegistrationToken.objects.filter(pk=token.pk, deleted_at__isnull=True).update(
            deleted_at=timezone.now()
        )
        if not updated:
            return 0
        if not unregister_machines:
            _record(AuditEvent.Action.TOKEN_DELETE, actor=actor, token=token, origin=origin)
            return 0
        count = machines.devices().unregister(token)
        _record(
            AuditEvent.Action.TOKEN_DELETE_UNREGISTER,
            actor=actor,
            token=token,
            origin=origin,
            machines_unregistered=count,
        )
    return count


class TokenNetworkRefused(Exception):
    """The token has an address limit and the client's address is outside it."""


def token_network_check(*, token: RegistrationToken, origin: Origin, use: str) -> None:
    """Refuse a use of `token` from outside its allowed networks, audited as a failed use
    (`network_refused`, rolled up like every failure). Pure Python on the token row the
    lookup already loaded: nothing is queried when the address is allowed. (`use` names
    the attempt, "register" or "plan", for the caller's own reading.)"""
    if networks.allows(token.allowed_networks, origin.ip_address):
        return
    failures.record(reason=failures.Reason.NETWORK_REFUSED, origin=origin, token=token)
    # Counted on Monitoring > Usage too, like every failure the audit log shows.
    usage.count_failure(token.tenant)
    raise TokenNetworkRefused


# The steps other apps compose into their own changes. Each runs inside the caller's
# transaction, after the caller has authorized the change it is part of.


def tokens_revoke_of_user(*, user: User) -> int:
    """Revoke every token of a user who is being deleted; returns how many were active.

    Waits for any registration holding one of the token rows, so no device can appear under
    the user after the caller counts them.
    """
    return RegistrationToken.objects.filter(user=user, deleted_at__isnull=True).update(
        deleted_at=timezone.now()
    )


def tokens_follow_plan(*, tenant: Tenant, plan: PlanRef | None, plan_id: int) -> None:
    """Tokens keep the name of their plan for listing: follow a rename, or (plan None) stop
    offering a deleted plan."""
    tokens = RegistrationToken.objects.filter(tenant=tenant, plan_id=plan_id)
    if plan is None:
        tokens.update(plan_id=None, plan_name="")
    else:
        tokens.update(plan_name=plan.name)
