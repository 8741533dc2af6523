"""Failed uses of a registration token, in the audit log.

Every failure (mistyped, unknown, expired, deleted, used up, refused by an address limit,
or a deactivated user's token) becomes one `token.use_failed` event, rolled up per reason,
client address, token and minute: the first failure of a minute inserts the event, the
next ones add to its `count` (one upsert each), so a flood of guesses is one row a minute.

A known token (found by its digest, even when expired or deleted) puts the event in its
customer's audit log, on behalf of its user; an unknown or mistyped value cannot be
attributed, so its event belongs to the platform (no tenant), seen in the Django admin.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants import audit
from tenants.audit import Origin
from tenants.models import AuditEvent

from .models import RegistrationToken


class Reason(models.TextChoices):
    MISTYPED = "mistyped", _("Mistyped")
    UNKNOWN = "unknown", _("Unknown token")
    EXPIRED = "expired", _("Expired")
    DELETED = "deleted", _("Deleted")
    USER_INACTIVE = "user_inactive", _("User deactivated")
    USED_UP = "used_up", _("Used up")
    NETWORK_REFUSED = "network_refused", _("Refused by the address limit")


def reason_of(token: RegistrationToken | None) -> str:
    """Why a token found by its digest (or not found) cannot be used now."""
    if token is None:
        return Reason.UNKNOWN
    if token.deleted_at is not None:
        return Reason.DELETED
    if token.expires_at <= timezone.now():
        return Reason.EXPIRED
    if not token.user.is_active:
        return Reason.USER_INACTIVE
    return Reason.UNKNOWN  # usable after all, so refused for a reason no longer visible


def rollup_key(reason: str, address: str | None, token: RegistrationToken | None) -> str:
    minute = timezone.now().replace(second=0, microsecond=0)
    token_part = str(token.public_id) if token is not None else "-"
    return f"token.use_failed|{reason}|{address or '-'}|{token_part}|{minute:%Y-%m-%dT%H:%M}"


def record(*, reason: str, origin: Origin, token: RegistrationToken | None = None) -> None:
    """Count one failed use: one statement, whatever the number of earlier failures."""
    details: dict = {"reason": str(reason)}
    if token is not None:
        # Never the value: the public id and the two symbols every list shows.
        details.update(token_id=str(token.public_id), prefix=token.prefix)
    audit.record_rollup(
        key=rollup_key(reason, origin.ip_address, token),
        origin=origin,
        action=AuditEvent.Action.TOKEN_USE_FAILED,
        tenant=token.tenant if token is not None else None,
        object_type="registrationtoken",
        object_id=str(token.pk) if token is not None else "",
        object_repr=token.masked if token is not None else "",
        on_behalf_of=token.user if token is not None else None,
        details=details,
    )
