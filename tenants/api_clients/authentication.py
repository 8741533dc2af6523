"""`Authorization: Bearer <access_token>` for the tenants and tokens API (DRF's default
authentication, beside the session; the agent endpoints name their own).

The token is checked by django-oauth-toolkit's validator (checksum, expiry, scope); the
request is then made by the client's principal (`tenants.api_clients.services.principal`), so every
view, service and scope rule treats it like a person with that role at that level.
"""

from django.core.exceptions import ObjectDoesNotExist
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from oauth2_provider.settings import oauth2_settings
from oauthlib.common import Request as OAuthRequest
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from tenants.api_clients.services import principal, touch

TOKEN_URL = "/api/v1/oauth/token"  # noqa: S105 - a URL, not a secret
# API-only: the API answers in English whatever the language (portal.middleware).
MSG_INVALID = "The access token is invalid or has expired."


def _bearer(request) -> str | None:
    scheme, _sep, value = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


class ApiClientAuthentication(BaseAuthentication):
    # For the OpenAPI schema (api.openapi): a wrong or expired token answers 401.
    challenges_a_token = True

    def authenticate(self, request):
        token = _bearer(request)
        if token is None:
            return None  # a browser session, perhaps
        oauth_request = OAuthRequest(request.path)
        validator = oauth2_settings.OAUTH2_VALIDATOR_CLASS()
        if not token or not validator.validate_bearer_token(token, [], oauth_request):
            raise AuthenticationFailed(MSG_INVALID)
        access_token = oauth_request.access_token
        try:
            client = access_token.application.api_client
        except (AttributeError, ObjectDoesNotExist):
            raise AuthenticationFailed(MSG_INVALID) from None
        touch(client)
        return principal(client), access_token

    def authenticate_header(self, request):
        # Only a request that tried a token is challenged (401); without credentials the
        # API keeps answering 403, as it does for a missing session.
        return 'Bearer realm="api"' if _bearer(request) is not None else None


class ApiClientScheme(OpenApiAuthenticationExtension):
    """Documents API clients' access tokens in the OpenAPI schema: OAuth 2.0 client
    credentials at the token endpoint, then `Authorization: Bearer`."""

    target_class = ApiClientAuthentication
    name = "apiClient"

    def get_security_definition(self, auto_schema):
        return {
            "type": "oauth2",
            "description": "An API client's access token (1 hour) as `Authorization: Bearer`; "
            "it acts with the client's role at the client's level.",
            "flows": {"clientCredentials": {"tokenUrl": TOKEN_URL, "scopes": {}}},
        }
