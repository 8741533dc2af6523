"""Bearer authentication of API clients: a valid access token speaks only for an API
client; any other is refused outright (401), never treated as no credentials at all."""

import datetime

from django.utils import timezone
from oauth2_provider.models import AccessToken, Application
from rest_framework.test import APIClient

from tenants.api_clients.authentication import MSG_INVALID


def test_a_valid_token_of_an_application_without_an_api_client_is_401(db):
    """An OAuth application made some other way (the admin, a script) has no client, so no
    role and no level: its token must not fall through as anonymous (the API's 403 for no
    credentials) or on to another authentication."""
    application = Application.objects.create(
        name="made in the admin",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
    )
    AccessToken.objects.create(
        application=application,
        token="a-valid-token-of-no-api-client",
        expires=timezone.now() + datetime.timedelta(hours=1),
        scope="",
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer a-valid-token-of-no-api-client")
    for path in ("/api/v1/tenants/globex/users", "/api/v1/tenants/demo-msp/api_clients"):
        answer = client.get(path)
        assert answer.status_code == 401, path
        assert answer.json()["detail"] == MSG_INVALID
        assert answer["WWW-Authenticate"].startswith("Bearer")
