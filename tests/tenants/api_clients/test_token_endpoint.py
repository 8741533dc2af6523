"""The token endpoint's cost and throttle (issue 21, item 5): client secrets stored as a
keyed fast digest, unknown client ids costing the same digest as a wrong secret, requests
throttled per address and failures per client id; and a JSON body told to be form-encoded
(issue 20, item 10)."""

import base64

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from oauth2_provider.models import Application

from tenants.api_clients.hashers import ALGORITHM, ClientSecretHasher
from tenants.api_clients.oauth import MSG_FORM, MSG_THROTTLED
from tenants.api_clients.services import api_client_create
from tenants.audit import CLI

TOKEN_URL = "/api/v1/oauth/token"
FORM_ERROR = (
    "The token request body must be form-encoded (Content-Type: "
    "application/x-www-form-urlencoded), as RFC 6749 requires."
)


@pytest.fixture
def issued(users, tenants):
    return api_client_create(
        actor=users["globex-admin"],
        tenant=tenants["globex"],
        name="Script",
        role="administrator",
        origin=CLI,
    )


def ask(client_id, secret, *, address="192.0.2.10"):
    pair = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return Client().post(
        TOKEN_URL,
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=f"Basic {pair}",
        REMOTE_ADDR=address,
    )


def test_the_secret_is_stored_as_a_digest_keyed_with_secret_key(issued, settings):
    stored = Application.objects.get(client_id=issued.client_id).client_secret
    assert stored.startswith(ALGORITHM + "$")
    assert issued.client_secret not in stored
    assert ask(issued.client_id, issued.client_secret).status_code == 200
    # The database alone does not verify a secret: another key refuses it...
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "another-key-for-this-test"  # noqa: S105
    assert ask(issued.client_id, issued.client_secret).status_code == 401
    # ...and a rotated key still verifies it from SECRET_KEY_FALLBACKS.
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert ask(issued.client_id, issued.client_secret).status_code == 200


def test_a_secret_hashed_the_old_way_works_and_is_rewritten(issued, settings):
    settings.PASSWORD_HASHERS = [
        *settings.PASSWORD_HASHERS,
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    old = make_password(issued.client_secret, hasher="pbkdf2_sha256")
    Application.objects.filter(client_id=issued.client_id).update(client_secret=old)
    assert ask(issued.client_id, issued.client_secret).status_code == 200
    stored = Application.objects.get(client_id=issued.client_id).client_secret
    assert stored.startswith(ALGORITHM + "$")
    assert ask(issued.client_id, issued.client_secret).status_code == 200


def test_an_unknown_client_id_costs_the_same_digest_as_a_wrong_secret(issued, monkeypatch):
    checks = []
    verify = ClientSecretHasher.verify

    def counted(self, password, encoded):
        checks.append(encoded.split("$", 1)[0])
        return verify(self, password, encoded)

    monkeypatch.setattr(ClientSecretHasher, "verify", counted)
    wrong = ask(issued.client_id, "not-the-secret")
    known_checks = list(checks)
    assert known_checks and set(known_checks) == {ALGORITHM}
    checks.clear()
    unknown = ask("no-such-client-id", "not-the-secret")
    assert checks == known_checks
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_failures_per_client_id_are_throttled_from_any_address(issued, settings):
    settings.OAUTH_TOKEN_CLIENT_FAILURE_LIMIT = 10
    # Successes are given back: a script asking often is not held back by them.
    for n in range(12):
        assert (
            ask(issued.client_id, issued.client_secret, address=f"203.0.113.{n}").status_code == 200
        )
    for n in range(10):
        assert ask(issued.client_id, "wrong", address=f"192.0.2.{n}").status_code == 401
    refused = ask(issued.client_id, issued.client_secret, address="198.51.100.1")
    assert refused.status_code == 429
    assert refused.json() == {"error": "too_many_requests", "error_description": MSG_THROTTLED}
    assert int(refused["Retry-After"]) == settings.OAUTH_TOKEN_CLIENT_FAILURE_WINDOW
    # Unknown ids are counted alike, and one id's failures do not block another client.
    for _ in range(10):
        assert ask("no-such-client-id", "wrong").status_code == 401
    assert ask("no-such-client-id", "wrong").status_code == 429
    other = api_client_create(
        actor=issued.client.created_by,
        tenant=issued.client.tenant,
        name="Other",
        role="administrator",
        origin=CLI,
    )
    assert ask(other.client_id, other.client_secret, address="198.51.100.1").status_code == 200


def test_requests_per_address_are_throttled(issued, settings):
    settings.OAUTH_TOKEN_ADDRESS_LIMIT = 5
    for _ in range(5):
        assert ask(issued.client_id, issued.client_secret).status_code == 200
    refused = ask(issued.client_id, issued.client_secret)
    assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 61
    assert ask(issued.client_id, issued.client_secret, address="192.0.2.99").status_code == 200


def test_a_json_body_is_told_to_be_form_encoded(issued):
    response = Client().post(
        TOKEN_URL,
        {
            "grant_type": "client_credentials",
            "client_id": issued.client_id,
            "client_secret": issued.client_secret,
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request", "error_description": FORM_ERROR}
    assert MSG_FORM == FORM_ERROR
