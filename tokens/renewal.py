"""Renewing registration tokens: Extend (same value, later expiry) and Reissue (new value).

Both follow the rules of deleting: whoever may delete a token may renew it, and both are
audited in the same transaction. Neither is done for a token that no longer works (deleted,
expired, already replaced) nor for a deactivated user's token (it stopped working with the
account; reactivate the user first).

Reissue may leave the old value working for a grace period (`GRACES`, at most 7 days), so a
rollout that embeds it does not break half-way: the old row keeps its digest, its expiry is
brought forward to the grace's end (`works_until`) and `replaced_by` names the new token.
Until then it is listed ("Replaced; works until ...") and counted as active, and each use
of it is audited as a use during the grace period; then it expires like any token.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tenants.api_clients.services import account_of
from tenants.audit import Origin
from tenants.models import AuditEvent, User

from . import values
from .models import RegistrationToken, TokenReminder
from .services import (
    MAX_LIFETIME,
    MSG_GONE,
    IssuedToken,
    _lifetime,
    _record,
    token_manage_check,
)

MAX_GRACE = datetime.timedelta(days=7)
# The grace periods the console offers (seconds); the API and the command line take any
# number of seconds up to MAX_GRACE.
GRACES = (0, 3600, 86400, 7 * 86400)
MSG_GRACE = gettext_noop("The grace period must be between 0 seconds and 7 days.")
MSG_REPLACED = gettext_noop(
    "This token was already replaced by a new one: it works only until its grace period "
    "ends. Extend or reissue the new token instead."
)
MSG_SHORTER = gettext_noop(
    "The token already expires later than that. Extend never moves the expiry earlier: "
    "choose a longer lifetime."
)


def _renewable(now: datetime.datetime) -> QuerySet[RegistrationToken]:
    """The tokens that may be renewed now: active, not replaced, of an active user. (The
    user by EXISTS rather than a join, so the token's own conditions stay on the row the
    UPDATE locks and are checked again after a concurrent change.)"""
    active_user = User.objects.filter(pk=OuterRef("user_id"), is_active=True)
    return RegistrationToken.objects.active(now).filter(
        Exists(active_user), replaced_by__isnull=True
    )


def _refusal(token: RegistrationToken) -> ValidationError:
    """Why a renewal's UPDATE found no row: replaced, or no longer active (deleted, expired
    or its user deactivated)."""
    current = RegistrationToken.objects.filter(pk=token.pk).first()
    if current is not None and current.is_active() and current.replaced_by_id is not None:
        return ValidationError(_(MSG_REPLACED))
    return ValidationError(_(MSG_GONE))


def own_lifetime(token: RegistrationToken) -> datetime.timedelta:
    """The lifetime a token was issued with (creation to expiry, at most a year): what
    Extend offers first and Reissue gives the new value."""
    return min(token.expires_at - token.created_at, MAX_LIFETIME)


def token_extend(
    *,
    actor: User,
    token: RegistrationToken,
    lifetime: datetime.timedelta | int | str,
    origin: Origin,
) -> RegistrationToken:
    """Give an active token a new expiry, `lifetime` from now (60 seconds to 1 year); its
    value stays the same, so a rollout script that embeds it keeps working. Never earlier
    than its current expiry (MSG_SHORTER); a replaced token, a deactivated user's and one
    no longer active are refused."""
    token_manage_check(actor=actor, token=token)
    lifetime = _lifetime(lifetime)
    now = timezone.now()
    expires_at = now + lifetime
    with transaction.atomic():
        renewable = _renewable(now).filter(pk=token.pk)
        # Never earlier: checked in the UPDATE, on the row as it is when locked.
        later = renewable.filter(expires_at__lte=expires_at)
        if not later.update(expires_at=expires_at, expiry_reminded_at=None):
            raise ValidationError(_(MSG_SHORTER)) if renewable.exists() else _refusal(token)
        # A new expiry deserves its own reminder a day before it.
        TokenReminder.objects.filter(token=token, kind=TokenReminder.Kind.EXPIRES_SOON).delete()
        old = token.expires_at
        token.expires_at, token.expiry_reminded_at = expires_at, None
        _record(
            AuditEvent.Action.TOKEN_EXTEND,
            actor=actor,
            token=token,
            origin=origin,
            previous_expires_at=old.isoformat(),
            expires_at=expires_at.isoformat(),
        )
    return token


def _grace(grace: datetime.timedelta | int | str | None) -> datetime.timedelta:
    if grace in (None, ""):
        return datetime.timedelta(0)
    if not isinstance(grace, datetime.timedelta):
        try:
            grace = datetime.timedelta(seconds=int(grace))  # type: ignore[arg-type]
        except (TypeError, ValueError, OverflowError):
            raise ValidationError({"grace": _(MSG_GRACE)}) from None
    if not datetime.timedelta(0) <= grace <= MAX_GRACE:
        raise ValidationError({"grace": _(MSG_GRACE)})
    return grace


def token_reissue(
    *,
    actor: User,
    token: RegistrationToken,
    origin: Origin,
    grace: datetime.timedelta | int | str | None = None,
) -> IssuedToken:
    """Replace an active token by a new value with the same user, plan, description, use
    limit and allowed networks, and its own lifetime from now (at most a year). The new
    token counts its machines afresh. Without `grace` the old token is deleted in the same
    transaction; with one (up to 7 days) its value works until then (at the latest its own
    expiry), listed as replaced. A token deleted, expired or replaced meanwhile, or of a
    deactivated user, is refused."""
    token_manage_check(actor=actor, token=token)
    grace = _grace(grace)
    value = values.generate()
    normalized = values.normalize(value)
    now = timezone.now()
    lifetime = own_lifetime(token)
    with transaction.atomic():
        new = RegistrationToken.objects.create(
            tenant=token.tenant,
            family=token.family,
            customer_name=token.tenant.name,
            user=token.user,
            user_username=token.user.username,
            created_by=account_of(actor),
            created_by_name=actor.username,
            created_at=now,
            expires_at=now + lifetime,
            plan_id=token.plan_id,
            plan_name=token.plan_name,
            description=token.description,
            max_machines=token.max_machines,
            allowed_networks=token.allowed_networks,
            digest=values.digest(normalized),
            prefix=values.prefix(normalized),
        )
        old = _renewable(now).filter(pk=token.pk)
        if grace:
            works_until = min(token.expires_at, now + grace)
            # Its expiry reminder is not sent: the replacement is what the user needs.
            retired = old.update(replaced_by=new, expires_at=works_until, expiry_reminded_at=now)
        else:
            works_until = None
            retired = old.update(replaced_by=new, deleted_at=now)
        if not retired:
            raise _refusal(token)  # and the new token is rolled back with the transaction
        _record(
            AuditEvent.Action.TOKEN_REISSUE,
            actor=actor,
            token=new,
            origin=origin,
            replaces_token_id=str(token.public_id),
            replaces_prefix=token.prefix,
            expires_at=new.expires_at.isoformat(),
            grace_seconds=int(grace.total_seconds()),
            old_works_until=works_until.isoformat() if works_until else None,
        )
    return IssuedToken(token=new, value=value)
