"""Renewing registration tokens: Extend (same value, new expiry) and Reissue (new value).

Both follow the rules of deleting: whoever may delete a token may renew it, and both are
audited in the same transaction.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

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


def token_extend(
    *,
    actor: User,
    token: RegistrationToken,
    lifetime: datetime.timedelta | int | str,
    origin: Origin,
) -> RegistrationToken:
    """Give an active token a new expiry, `lifetime` from now (60 seconds to 1 year); its
    value stays the same, so a rollout script that embeds it keeps working."""
    token_manage_check(actor=actor, token=token)
    lifetime = _lifetime(lifetime)
    now = timezone.now()
    with transaction.atomic():
        previous = token.expires_at
        expires_at = now + lifetime
        if (
            not RegistrationToken.objects.active(now)
            .filter(pk=token.pk)
            .update(expires_at=expires_at, expiry_reminded_at=None)
        ):
            raise ValidationError(_(MSG_GONE))
        # A new expiry deserves its own reminder a day before it.
        TokenReminder.objects.filter(token=token, kind=TokenReminder.Kind.EXPIRES_SOON).delete()
        token.expires_at, token.expiry_reminded_at = expires_at, None
        _record(
            AuditEvent.Action.TOKEN_EXTEND,
            actor=actor,
            token=token,
            origin=origin,
            previous_expires_at=previous.isoformat(),
            expires_at=expires_at.isoformat(),
        )
    return token


def token_reissue(*, actor: User, token: RegistrationToken, origin: Origin) -> IssuedToken:
    """Replace an active token by a new value with the same user, plan, description, use
    limit and allowed networks, and the same lifetime from now (at most a year); the old
    token is deleted in the same transaction. The new token counts its machines afresh.
    A token deleted or expired meanwhile, or of a deactivated user, is refused (MSG_GONE)."""
    token_manage_check(actor=actor, token=token)
    value = values.generate()
    normalized = values.normalize(value)
    now = timezone.now()
    lifetime = min(token.expires_at - token.created_at, MAX_LIFETIME)
    with transaction.atomic():
        # The user is checked in the statement that retires the old token: a deactivated
        # user's tokens stop working with the account, so none is issued anew for them.
        # (EXISTS rather than a join, so the token's own conditions stay on the row the
        # UPDATE locks and are checked again after a concurrent delete.)
        active_user = User.objects.filter(pk=OuterRef("user_id"), is_active=True)
        retired = (
            RegistrationToken.objects.active(now)
            .filter(Exists(active_user), pk=token.pk)
            .update(deleted_at=now)
        )
        if not retired:
            raise ValidationError(_(MSG_GONE))
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
        _record(
            AuditEvent.Action.TOKEN_REISSUE,
            actor=actor,
            token=new,
            origin=origin,
            replaces_token_id=str(token.public_id),
            replaces_prefix=token.prefix,
            expires_at=new.expires_at.isoformat(),
        )
    return IssuedToken(token=new, value=value)
