"""Two-factor sign-in: who has a second factor, and who is required to have one.

A second factor is a confirmed TOTP device (authenticator app) or passkey / security key.
Recovery codes are their backup: they sign in once each, but do not count as enrolment.

A level's requirement (`Tenant.two_factor_required`) is "everyone" or "admins" (every role
but User); a customer is under its own requirement and its partner's, whichever is stricter,
so a customer can add a requirement and never loosen its partner's. The platform superuser
(no tenant) is under none, but may enrol.
"""

from django.db.models import Exists, OuterRef, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from .account_models import RecoveryCodes
from .models import Tenant, User

EVERYONE = "everyone"
ADMINS = "admins"
_STRICTNESS = {"": 0, ADMINS: 1, EVERYONE: 2}


def second_factors(user: User) -> list:
    """The user's confirmed TOTP devices and passkeys, oldest first."""
    totp = list(TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id"))
    passkeys = list(WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("id"))
    return totp + passkeys


def has_second_factor(user: User) -> bool:
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()
    )


def recovery_codes_of(user: User) -> RecoveryCodes | None:
    return RecoveryCodes.objects.filter(user=user, confirmed=True).first()


def _strictest(requirements: list[str]) -> str:
    return max(requirements, key=lambda value: _STRICTNESS[value or ""], default="") or ""


def level_requirement(tenant: Tenant) -> str:
    """The requirement in force at a level: the strictest of its own and every level above
    it (a level adds to what is above it, never loosens it)."""
    return _strictest([tenant.two_factor_required or "", inherited_requirement(tenant)])


def inherited_requirement(tenant: Tenant) -> str:
    """What the levels above a tenant require, the strictest ("" at the top of a tree). One
    query beyond the parent only below depth two: the parent's requirement comes with it."""
    if tenant.parent_id is None:
        return ""
    above = list(tenant.lineage or ())[:-2]  # the parent's own ancestors
    parent = tenant.parent.two_factor_required or ""
    if not above:
        return parent
    higher = Tenant.objects.filter(pk__in=above).values_list("two_factor_required", flat=True)
    return _strictest([parent, *higher])


def is_required(user: User) -> bool:
    """Whether a level the user belongs to requires them to sign in with a second factor."""
    if not user.is_authenticated or user.tenant is None:
        return False
    requirement = level_requirement(user.tenant)
    return requirement == EVERYONE or (requirement == ADMINS and user.role != User.Role.USER)


def requires_or_has_second_factor(user: User) -> bool:
    """Does this user have a second factor, or is under a two-factor requirement? The one
    question other parts of the portal ask (for instance before trusting a password alone)."""
    return is_required(user) or has_second_factor(user)


def with_enrolment(users: QuerySet[User]) -> QuerySet[User]:
    """Users annotated with `has_second_factor`, for the level's users list."""
    return users.annotate(
        has_second_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
        | Exists(WebAuthnCredential.objects.filter(user=OuterRef("pk"), confirmed=True))
    )
