"""The access token the vendor's plan script gets for a registration token (the JWT bearer
grant at `/bc/idp/token`): it may apply and revoke that token's protection plan, nothing
else.

The value is signed (Django's signing with the SECRET_KEY and a salt of its own), not
stored: it names the registration token's public id and its own expiry. Each use reads the
registration token again, so deleting the token, its expiry or its user's deactivation
stops the access token at once; the plan rules are then `agents`' own.
"""

import datetime
import time

from django.core import signing
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from tokens.models import RegistrationToken

SALT = "vendorapi.plan-access"
LIFETIME = datetime.timedelta(hours=1)
MSG_INVALID = "The access token is invalid or has expired."


def issue(token: RegistrationToken) -> tuple[str, int]:
    """An access token for `token` and its expiry (unix seconds): an hour, or less when the
    registration token expires sooner."""
    expires = min(timezone.now() + LIFETIME, token.expires_at)
    expires_on = int(expires.timestamp())
    value = signing.dumps({"t": str(token.public_id), "e": expires_on}, salt=SALT)
    return value, expires_on


def token_of(value: str) -> RegistrationToken | None:
    """The active registration token an access token was issued for; None when the value
    is forged, expired, or its registration token is no longer active."""
    try:
        claims = signing.loads(value, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(claims, dict) or int(claims.get("e", 0)) <= time.time():
        return None
    return (
        RegistrationToken.objects.active()
        .select_related("tenant", "user")
        .filter(public_id=claims.get("t"), user__is_active=True)
        .first()
    )


class PlanBearer:
    """The caller of a plan change: whoever holds an access token of a registration token."""

    is_authenticated = True

    def __init__(self, token: RegistrationToken):
        self.token = token

    @property
    def pk(self) -> int:
        """The request log's user: the token's, whose machines the plan changes are for."""
        return self.token.user_id


class PlanAccessAuthentication(BaseAuthentication):
    def authenticate(self, request):
        scheme, _sep, value = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        token = token_of(value.strip())
        if token is None:
            raise AuthenticationFailed(MSG_INVALID)
        return PlanBearer(token), None

    def authenticate_header(self, request):
        return 'Bearer realm="policy_management"'


class PlanAccessScheme(OpenApiAuthenticationExtension):
    target_class = PlanAccessAuthentication
    name = "registrationTokenAccess"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An access token from POST /bc/idp/token with the JWT bearer grant "
            "and a registration token as the assertion.",
        }
