"""The OAuth 2.0 side of API clients, on django-oauth-toolkit: the token endpoint and the
validator that loads an access token with its client in one query.

`POST /api/v1/oauth/token` takes `grant_type=client_credentials` and the client's id and
secret (HTTP Basic, or the form fields `client_id` and `client_secret`) and answers
`{"access_token", "token_type": "Bearer", "expires_in"}`. Tokens live an hour
(`OAUTH2_PROVIDER["ACCESS_TOKEN_EXPIRE_SECONDS"]`) and are stored as a SHA-256 checksum
only, so the database never holds a usable token.

The body must be form-encoded (RFC 6749, section 4.4.2): a JSON body is refused saying so.
Each request is counted first (`throttling`: per address, and failures per client id), and
a client id that does not exist costs the same digest as a wrong secret, so the answer's
time does not tell which ids exist. Secrets are checked against a keyed digest
(`hashers`); one still hashed the old way is rewritten with it on its next success.
"""

import base64
import binascii
import hashlib
import json
from functools import cache
from urllib.parse import unquote_plus

from django.contrib.auth.hashers import check_password, make_password
from django.dispatch import receiver
from django.http import JsonResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider import views as oauth_views
from oauth2_provider.models import get_access_token_model, get_application_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.signals import app_authorized

from common.net import client_address
from tenants.models import ApiClient

from . import throttling
from .hashers import ALGORITHM

GRANT_TYPE = "client_credentials"
MSG_GRANT = "Only grant_type=client_credentials is supported."
# What Django reads into request.POST (multipart too, as the token endpoint always took it).
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data", "")
MSG_FORM = (
    "The token request body must be form-encoded (Content-Type: "
    "application/x-www-form-urlencoded), as RFC 6749 requires."
)
MSG_THROTTLED = "Too many token requests. Try again later."
ANSWER_KEYS = ("access_token", "token_type", "expires_in")


class Validator(OAuth2Validator):
    def _load_access_token(self, token):
        """The token by its checksum, with its application, client and the client's tenant:
        the one query a Bearer request costs."""
        checksum = hashlib.sha256(token.encode("utf-8")).hexdigest()
        return (
            get_access_token_model()
            .objects.select_related("application__api_client__tenant__parent")
            .filter(token_checksum=checksum)
            .first()
        )

    def _load_application(self, client_id, request):
        application = super()._load_application(client_id, request)
        if application is None:
            # The digest a wrong secret costs, for an id that does not exist: same time.
            check_password("", _stand_in())
        return application

    def _check_secret(self, provided_secret, stored_secret):
        valid = super()._check_secret(provided_secret, stored_secret)
        if valid and not stored_secret.startswith(ALGORITHM + "$"):
            # Hashed before the keyed digest (PBKDF2, 2 s a check): rewritten once.
            get_application_model().objects.filter(client_secret=stored_secret).update(
                client_secret=make_password(provided_secret, hasher=ALGORITHM)
            )
        return valid


@cache
def _stand_in() -> str:
    return make_password("stand-in", hasher=ALGORITHM)


def _client_id_of(request) -> str | None:
    """The client id the request names (HTTP Basic, else the form field), unchecked."""
    scheme, _sep, value = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme == "Basic":
        try:
            pair = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        return unquote_plus(pair.split(":", 1)[0])
    return request.POST.get("client_id") or None


def _error(status: int, error: str, description: str, **headers: str) -> JsonResponse:
    body = {"error": error, "error_description": description}
    return JsonResponse(body, status=status, headers={"Cache-Control": "no-store", **headers})


@method_decorator(csrf_exempt, name="dispatch")
class TokenView(oauth_views.TokenView):
    """django-oauth-toolkit's token endpoint for the client credentials grant only, answering
    the documented three fields."""

    def http_method_not_allowed(self, request, *args, **kwargs):
        body = {"detail": f'Method "{request.method}" not allowed.'}
        return JsonResponse(body, status=405, headers={"Allow": "POST"})

    def post(self, request, *args, **kwargs):
        if request.content_type not in FORMS:
            return _error(400, "invalid_request", MSG_FORM)
        if request.POST.get("grant_type") != GRANT_TYPE:
            return _error(400, "unsupported_grant_type", MSG_GRANT)
        client_id = _client_id_of(request)
        wait = throttling.refusal(client_address(request), client_id)
        if wait is not None:
            return _error(429, "too_many_requests", MSG_THROTTLED, **{"Retry-After": str(wait)})
        response = super().post(request, *args, **kwargs)
        if response.status_code != 401:  # 401 is invalid_client: unknown id or wrong secret
            throttling.succeeded(client_id)
        if response.status_code == 200:
            issued = json.loads(response.content)
            response.content = json.dumps({key: issued[key] for key in ANSWER_KEYS})
        return response


@receiver(app_authorized)
def _client_used(sender, request, token, **kwargs):
    """Getting an access token counts as using the client."""
    client = ApiClient.objects.filter(application_id=token.application_id).first()
    if client is not None:
        from .services import touch  # noqa: PLC0415 - the services import the tenancy core

        touch(client)
