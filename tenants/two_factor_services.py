"""Writes of two-factor sign-in: enrolling, renaming and removing second factors, recovery
codes, an administrator's reset, and a level's requirement. Rules: docs/security.md."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from . import audit
from .account_models import RecoveryCodes
from .audit import Origin
from .authorization import authorize
from .models import AuditEvent, Tenant, User
from .permissions import Action
from .selectors import at_level
from .two_factor import (
    ADMINS,
    EVERYONE,
    has_second_factor,
    inherited_requirement,
    is_required,
    level_requirement,
    with_enrolment,
)
from .user_sessions import end_other_sessions

KINDS = {"totp": TOTPDevice, "passkey": WebAuthnCredential}
_STRICTNESS = {"": 0, ADMINS: 1, EVERYONE: 2}


def kind_of(device) -> str:
    return "totp" if isinstance(device, TOTPDevice) else "passkey"


def _record(actor, user: User, action, origin: Origin, details: dict) -> None:
    audit.record(
        actor=actor, origin=origin, action=action, tenant=user.tenant, obj=user, details=details
    )


def record_enrolment(*, user: User, device, origin: Origin, keep_key: str | None) -> None:
    """A second factor was added (audited): every other session of the user ends, so one
    signed in with the password alone before cannot stay."""
    _record(user, user, AuditEvent.Action.TWO_FACTOR_ENROL, origin, {"kind": kind_of(device)})
    end_other_sessions(user=user, keep_key=keep_key)


def totp_pending(user: User, *, fresh: bool) -> TOTPDevice:
    """The authenticator app being added: one unconfirmed device per user. `fresh` (the
    enrolment page shown) replaces it with a new key, so each key is shown once; the code
    posted then confirms the one shown last."""
    if fresh:
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, confirmed=False, name=_("Authenticator app"))
    return device


@transaction.atomic
def totp_confirm(
    *, user: User, device: TOTPDevice, code: str, origin: Origin, keep_key: str | None
) -> bool:
    """Confirm the pending authenticator app with a code it shows; False if the code is
    wrong (django-otp throttles repeated failures)."""
    if device.user_id != user.pk or device.confirmed:
        raise PermissionDenied
    if not device.verify_token(code.strip().replace(" ", "")):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    record_enrolment(user=user, device=device, origin=origin, keep_key=keep_key)
    return True


def recovery_codes_renew(*, user: User) -> list[str]:
    """New recovery codes for a user with a second factor; the old ones stop working."""
    if not has_second_factor(user):
        raise ValidationError(_("Add an authenticator app or a passkey first."))
    device, _created = RecoveryCodes.objects.get_or_create(
        user=user, defaults={"name": "recovery", "confirmed": True}
    )
    return device.renew()


def own_factor(user: User, kind: str, device_id: int):
    """One of the user's own confirmed second factors; LookupError otherwise."""
    model = KINDS.get(kind)
    device = model and model.objects.filter(user=user, pk=device_id, confirmed=True).first()
    if not device:
        raise LookupError(device_id)
    return device


def factor_rename(*, user: User, device, name: str) -> None:
    device.name = name.strip()[:64]
    device.save(update_fields=["name"])


@transaction.atomic
def factor_remove(*, user: User, device, origin: Origin) -> None:
    """Remove one of the user's second factors. Not the last one while a level requires
    two-factor sign-in; with the last one go the recovery codes."""
    others = [
        d
        for model in KINDS.values()
        for d in model.objects.filter(user=user, confirmed=True)
        if not (type(d) is type(device) and d.pk == device.pk)
    ]
    if not others and is_required(user):
        raise ValidationError(
            _("Two-factor sign-in is required for your account: add another method first.")
        )
    device.delete()
    if not others:
        RecoveryCodes.objects.filter(user=user).delete()
    _record(user, user, AuditEvent.Action.TWO_FACTOR_REMOVE, origin, {"kind": kind_of(device)})


@transaction.atomic
def second_factors_reset(*, actor: User, user: User, origin: Origin) -> int:
    """An administrator removes every second factor of a user of their scope (a lost phone)
    and ends every session of that user; audited. Returns how many factors were removed."""
    if user.tenant_id is None:
        raise PermissionDenied
    authorize(actor, Action.MANAGE_USERS, tenant=user.tenant)
    removed = sum(model.objects.filter(user=user).delete()[0] for model in KINDS.values())
    RecoveryCodes.objects.filter(user=user).delete()
    ended = end_other_sessions(user=user, keep_key=None)
    _record(
        actor,
        user,
        AuditEvent.Action.TWO_FACTOR_RESET,
        origin,
        {"removed": removed, "sessions": ended},
    )
    return removed


@transaction.atomic
def requirement_set(*, actor: User, tenant: Tenant, value: str, origin: Origin) -> Tenant:
    """Set a level's two-factor requirement ("", "admins" or "everyone"); audited.

    A level cannot go below what the levels above it require. Users of the level's whole
    subtree (its sub-partners, customers and units) who now fall under a requirement without
    a second factor are signed out: they enrol at their next sign-in.
    """
    authorize(actor, Action.MANAGE_USERS, tenant=tenant)
    if value not in _STRICTNESS:
        raise ValidationError({"requirement": _("Choose one of the options.")})
    if _STRICTNESS[value] < _STRICTNESS[inherited_requirement(tenant)]:
        raise ValidationError(
            {"requirement": _("A level cannot loosen the requirement of the levels above it.")}
        )
    old = tenant.two_factor_required
    if old == value:
        return tenant
    Tenant.objects.filter(pk=tenant.pk).update(two_factor_required=value)
    tenant.two_factor_required = value
    unenrolled = with_enrolment(
        User.objects.filter(at_level(tenant, lineage="lineage"), family=tenant.family)
    )
    in_force: dict[int, str] = {}  # by tenant: one look up the path per tenant, not per user
    for user in unenrolled.filter(has_second_factor=False).select_related("tenant__parent"):
        if user.tenant_id not in in_force:
            in_force[user.tenant_id] = level_requirement(user.tenant)
        required = in_force[user.tenant_id]
        if user.pk != actor.pk and _applies(required, user):
            end_other_sessions(user=user, keep_key=None)
    _record_requirement(actor, tenant, origin, old, value)
    return tenant


def _applies(requirement: str, user: User) -> bool:
    return requirement == EVERYONE or (requirement == ADMINS and user.role != User.Role.USER)


def _record_requirement(actor: User, tenant: Tenant, origin: Origin, old: str, new: str) -> None:
    audit.record(
        actor=actor,
        origin=origin,
        action=AuditEvent.Action.TWO_FACTOR_REQUIREMENT,
        tenant=tenant,
        obj=tenant,
        details={"from": old or "none", "to": new or "none"},
    )
