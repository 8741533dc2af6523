"""HTTP Basic with a login and password: accepted on `GET /api/2/users/me` and
`POST /api/2/clients` only, where the vendor's scripts sign in before they have a client.

The password goes through `django.contrib.auth.authenticate` with the request, so
django-axes counts every failure toward the same lockout as a form sign-in, and a
locked-out login or address is refused (429) whatever the password.
"""

import base64
import binascii

from django.contrib.auth import authenticate
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied, Throttled

from tenants.sign_in import MSG_LOCKED_API
from tenants.two_factor import requires_or_has_second_factor

MSG_INVALID = "Invalid login or password."
MSG_LOCKED = MSG_LOCKED_API
MSG_SECOND_FACTOR = (
    "This account signs in with a second factor, so its password alone is not accepted here. "
    "Create an API client in the Management portal (Management portal > API clients) and "
    "use its client ID and secret."
)


def basic_credentials(request) -> tuple[str, str] | None:
    """The (login, password) of an `Authorization: Basic` header; None without one."""
    scheme, _sep, value = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise AuthenticationFailed(MSG_INVALID) from None
    login, sep, password = decoded.partition(":")
    if not sep or not login:
        raise AuthenticationFailed(MSG_INVALID)
    return login, password


class PasswordBasicAuthentication(BaseAuthentication):
    """A user's login and password as HTTP Basic, checked like the sign-in form."""

    def authenticate(self, request):
        credentials = basic_credentials(request)
        if credentials is None:
            return None
        login, password = credentials
        django_request = request._request
        user = authenticate(django_request, username=login, password=password)
        if getattr(django_request, "axes_locked_out", False):
            raise Throttled(detail=MSG_LOCKED)
        if user is None or not user.is_active:
            raise AuthenticationFailed(MSG_INVALID)
        # The one place a password sign-in is refused after the password matched: a password
        # alone is not enough for a user who has a second factor or is under a requirement
        # (the API has no second step), so such a user makes the client on the page.
        if requires_or_has_second_factor(user):
            raise PermissionDenied(MSG_SECOND_FACTOR)
        return user, None

    def authenticate_header(self, request):
        return 'Basic realm="api"'


class PasswordBasicScheme(OpenApiAuthenticationExtension):
    target_class = PasswordBasicAuthentication
    name = "loginPassword"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "basic",
            "description": "A user's login and password (this path only); failures count "
            "toward the sign-in lockout.",
        }
