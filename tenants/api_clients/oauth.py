"""The OAuth 2.0 side of API clients, on django-oauth-toolkit: the token endpoint and the
validator that loads an access token with its client in one query.

`POST /api/v1/oauth/token` takes `grant_type=client_credentials` and the client's id and
secret (HTTP Basic, or the form fields `client_id` and `client_secret`) and answers
`{"access_token", "token_type": "Bearer", "expires_in"}`. Tokens live an hour
(`OAUTH2_PROVIDER["ACCESS_TOKEN_EXPIRE_SECONDS"]`) and are stored as a SHA-256 checksum
only, so the database never holds a usable token.
"""

import hashlib
import json

from django.dispatch import receiver
from django.http import JsonResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider import views as oauth_views
from oauth2_provider.models import get_access_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.signals import app_authorized

from tenants.models import ApiClient

GRANT_TYPE = "client_credentials"
MSG_GRANT = "Only grant_type=client_credentials is supported."
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


@method_decorator(csrf_exempt, name="dispatch")
class TokenView(oauth_views.TokenView):
    """django-oauth-toolkit's token endpoint for the client credentials grant only, answering
    the documented three fields."""

    def http_method_not_allowed(self, request, *args, **kwargs):
        body = {"detail": f'Method "{request.method}" not allowed.'}
        return JsonResponse(body, status=405, headers={"Allow": "POST"})

    def post(self, request, *args, **kwargs):
        if request.POST.get("grant_type") != GRANT_TYPE:
            body = {"error": "unsupported_grant_type", "error_description": MSG_GRANT}
            return JsonResponse(body, status=400, headers={"Cache-Control": "no-store"})
        response = super().post(request, *args, **kwargs)
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
