"""The vendor's token endpoint, at `POST /api/2/idp/token` and `POST /bc/idp/token`:

- `grant_type=client_credentials` with the client id and secret (HTTP Basic, or the form
  fields): django-oauth-toolkit's endpoint of `/api/v1/oauth/token`, the same clients and
  access tokens, answered as `{"access_token", "token_type": "bearer", "expires_on"}`;
- `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<registration token>`:
  an access token for that token's protection plan (`plan_access`), the lookup throttled
  and audited like every use of a registration token (`tokens.throttling`).
"""

import json
import time

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from tenants.api_clients import oauth
from tenants.audit import Origin
from tenants.models import AuditEvent
from tokens import networks
from tokens.selectors import InvalidToken, usable_token
from tokens.services import TokenNetworkRefused, token_network_check
from tokens.throttling import TokenUsingAPIView

from . import plan_access, scopes
from .base import VendorAutoSchema
from .errors import error_body

CLIENT_CREDENTIALS = "client_credentials"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
MSG_GRANT = f"grant_type must be {CLIENT_CREDENTIALS} or {JWT_BEARER}."
MSG_ASSERTION = "assertion: give the registration token."
_client_credentials = oauth.TokenView.as_view()


class TokenRequest(serializers.Serializer):
    grant_type = serializers.ChoiceField(choices=[CLIENT_CREDENTIALS, JWT_BEARER])
    assertion = serializers.CharField(
        required=False, help_text="The registration token (JWT bearer grant only)."
    )
    client_id = serializers.CharField(required=False, help_text="Or HTTP Basic.")
    client_secret = serializers.CharField(required=False, help_text="Or HTTP Basic.")


TOKEN_ANSWER = inline_serializer(
    "VendorAccessToken",
    {
        "access_token": serializers.CharField(),
        "token_type": serializers.ChoiceField(choices=["bearer"]),
        "expires_on": serializers.IntegerField(help_text="Unix seconds."),
        "scope": serializers.CharField(
            required=False, help_text="JWT bearer grant: the registration token's scopes."
        ),
    },
)


class IdpTokenApi(TokenUsingAPIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [FormParser]
    schema = VendorAutoSchema()
    error_responses = {
        401: "Unknown client or wrong secret, or an unknown, expired or deleted "
        "registration token.",
        403: "The registration token cannot be used from this network.",
    }

    def get_throttles(self):
        # Only a registration token's lookup counts toward the failed token uses.
        return super().get_throttles() if self._grant() == JWT_BEARER else []

    def _grant(self) -> str | None:
        return self.request.POST.get("grant_type")

    def presented_token(self, request) -> str | None:
        value = request.POST.get("assertion")
        return value if isinstance(value, str) else None

    @extend_schema(
        request={"application/x-www-form-urlencoded": TokenRequest},
        responses={200: TOKEN_ANSWER},
        summary="An access token (client credentials, or a registration token's plan)",
        auth=[],
    )
    def post(self, request):
        grant = self._grant()
        if grant == CLIENT_CREDENTIALS:
            return _with_client(request._request)
        if grant != JWT_BEARER:
            body = error_body(400, MSG_GRANT, path=request.path)
            body["error"]["code"] = "unsupported_grant_type"
            return Response(body, status=400)
        value = self.presented_token(request)
        if not value:
            return Response(error_body(400, MSG_ASSERTION, path=request.path), status=400)
        token = usable_token(value)
        if not token.tenant.is_customer:
            raise InvalidToken(token=token)
        origin = Origin.from_request(request, AuditEvent.Source.AGENT)
        try:
            token_network_check(token=token, origin=origin, use="plan")
        except TokenNetworkRefused:
            return Response(error_body(403, networks.MSG_REFUSED, path=request.path), status=403)
        access, expires_on = plan_access.issue(token)
        body = {
            "access_token": access,
            "token_type": "bearer",
            "expires_on": expires_on,
            "scope": " ".join(scopes.of_token(token)),
        }
        return Response(body, headers={"Cache-Control": "no-store"})


def _with_client(django_request) -> Response:
    """django-oauth-toolkit's answer in the vendor's words."""
    issued = _client_credentials(django_request)
    answer = json.loads(issued.content)
    if issued.status_code == 200:
        body = {
            "access_token": answer["access_token"],
            "token_type": "bearer",
            "expires_on": int(time.time()) + int(answer["expires_in"]),
        }
        return Response(body, headers={"Cache-Control": "no-store"})
    code = answer.get("error", "invalid_request")
    message = answer.get("error_description") or _OAUTH_MESSAGES.get(code, "Invalid request.")
    body = error_body(issued.status_code, message, path=django_request.path)
    body["error"]["code"] = code
    headers = {k: v for k, v in issued.items() if k.lower() == "www-authenticate"}
    return Response(body, status=issued.status_code, headers=headers)


_OAUTH_MESSAGES = {
    "invalid_client": "Unknown client or wrong client secret.",
    "unauthorized_client": "This client may not use this grant.",
    "invalid_grant": "The grant is invalid.",
}
