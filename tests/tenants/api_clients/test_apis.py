"""API clients: creation, the token endpoint, Bearer requests with the role's and level's
rules, revocation, and the audit trail (in process, through Django's HTTP stack)."""

import base64
import datetime
import hashlib

import pytest
import time_machine
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application
from rest_framework.test import APIClient

from tenants.api_clients.services import api_client_create
from tenants.audit import CLI
from tenants.models import ApiClient, AuditEvent
from tokens.models import RegistrationToken
from tokens.services import MSG_ALL_CUSTOMERS as ALL_CUSTOMERS

TOKEN_URL = "/api/v1/oauth/token"


class JsonClient(APIClient):
    """The API takes JSON bodies only."""

    def post(self, path, data=None, format="json", **extra):  # noqa: A002 - DRF's name
        return super().post(path, data, format=format, **extra)


@pytest.fixture
def session(users):
    def _session(username):
        client = JsonClient()
        client.force_authenticate(users[username])
        return client

    return _session


@pytest.fixture
def make_client(users, tenants):
    def _make(creator, slug, role="administrator", name=None):
        return api_client_create(
            actor=users[creator],
            tenant=tenants[slug],
            name=name or f"{slug} {role}",
            role=role,
            origin=CLI,
        )

    return _make


def access_token(issued, *, basic=True) -> str:
    client = APIClient()
    data = {"grant_type": "client_credentials"}
    if basic:
        pair = f"{issued.client_id}:{issued.client_secret}".encode()
        headers = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(pair).decode()}
    else:
        data |= {"client_id": issued.client_id, "client_secret": issued.client_secret}
        headers = {}
    response = client.post(TOKEN_URL, data, **headers)
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def bearer(token: str) -> APIClient:
    client = JsonClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_created_over_the_api_with_the_secret_once(session, tenants):
    api = session("msp-admin")
    response = api.post(
        "/api/v1/tenants/demo-msp/api_clients", {"name": "RMM", "role": "administrator"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "name", "role", "tenant", "client_id", "client_secret"}
    assert body["role"] == "administrator" and body["tenant"]["id"] == "demo-msp"
    assert response["Cache-Control"] == "no-store"
    # Hashed at rest: the stored value is not the secret and does not contain it.
    stored = Application.objects.get(client_id=body["client_id"]).client_secret
    assert body["client_secret"] not in stored and stored.startswith("client_secret_hmac_sha256$")
    listing = api.get("/api/v1/tenants/demo-msp/api_clients")
    assert listing.status_code == 200
    [item] = listing.json()["items"]
    assert item["name"] == "RMM" and item["created_by"] == "msp-admin"
    assert item["last_used_at"] is None and item["client_id"] == body["client_id"]
    assert "client_secret" not in item and body["client_secret"] not in listing.content.decode()
    event = AuditEvent.objects.get(action=AuditEvent.Action.API_CLIENT_CREATE)
    assert event.actor_name == "msp-admin" and event.tenant == tenants["demo-msp"]
    assert body["client_secret"] not in str(event.details)


@pytest.mark.parametrize(
    "username,status", [("globex-auditor", 403), ("globex-alice", 403), ("initech-admin", 404)]
)
def test_only_administrators_of_the_level_create(session, username, status):
    response = session(username).post(
        "/api/v1/tenants/globex/api_clients", {"name": "x", "role": "administrator"}
    )
    assert response.status_code == status
    assert not ApiClient.objects.exists()


def test_read_only_administrator_lists_but_cannot_delete(session, make_client):
    issued = make_client("globex-admin", "globex")
    auditor = session("globex-auditor")
    [item] = auditor.get("/api/v1/tenants/globex/api_clients").json()["items"]
    assert item["id"] == str(issued.client.pk)
    assert auditor.delete(f"/api/v1/api_clients/{issued.client.pk}").status_code == 403
    assert (
        session("initech-admin").delete(f"/api/v1/api_clients/{issued.client.pk}").status_code
        == 404
    )
    assert ApiClient.objects.filter(pk=issued.client.pk).exists()


def test_invalid_input_is_400(session):
    api = session("globex-admin")
    url = "/api/v1/tenants/globex/api_clients"
    assert api.post(url, {"name": "x", "role": "user"}).status_code == 400
    assert api.post(url, {"name": "", "role": "administrator"}).status_code == 400
    assert api.post(url, {"name": "x", "role": "administrator"}).status_code == 201
    taken = api.post(url, {"name": "x", "role": "read_only_administrator"})
    assert taken.status_code == 400 and "already exists" in taken.json()["detail"]


@pytest.mark.parametrize("basic", [True, False])
def test_token_endpoint_answers_three_fields_and_stores_a_checksum_only(make_client, basic):
    issued = make_client("globex-admin", "globex")
    client = APIClient()
    data = {"grant_type": "client_credentials"}
    headers = {}
    if basic:
        pair = f"{issued.client_id}:{issued.client_secret}".encode()
        headers = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(pair).decode()}
    else:
        data |= {"client_id": issued.client_id, "client_secret": issued.client_secret}
    response = client.post(TOKEN_URL, data, **headers)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    [stored] = AccessToken.objects.all()
    assert stored.token == ""  # never the usable value
    assert stored.token_checksum == hashlib.sha256(body["access_token"].encode()).hexdigest()
    assert stored.expires - timezone.now() <= datetime.timedelta(hours=1)
    issued.client.refresh_from_db()
    assert issued.client.last_used_at is not None


def test_token_endpoint_refuses_a_wrong_secret_and_other_grants(make_client):
    issued = make_client("globex-admin", "globex")
    client = APIClient()
    wrong = client.post(
        TOKEN_URL,
        {"grant_type": "client_credentials", "client_id": issued.client_id, "client_secret": "x"},
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    password = client.post(
        TOKEN_URL,
        {
            "grant_type": "password",
            "username": "globex-admin",
            "password": "x",
            "client_id": issued.client_id,
            "client_secret": issued.client_secret,
        },
    )
    assert password.status_code == 400 and password.json()["error"] == "unsupported_grant_type"
    assert not AccessToken.objects.exists()


def test_partner_client_lists_customers_and_users(make_client):
    api = bearer(access_token(make_client("msp-admin", "demo-msp")))
    tenants = api.get("/api/v1/tenants").json()["items"]
    assert [t["id"] for t in tenants] == ["demo-msp", "globex", "initech"]
    users = api.get("/api/v1/tenants/globex/users").json()["items"]
    assert "globex-bob" in {u["username"] for u in users}


def test_partner_client_is_refused_at_all_customers_like_a_partner_administrator(
    make_client, session, users
):
    url = "/api/v1/tenants/demo-msp/registration_tokens"
    data = {"user_id": str(users["globex-bob"].pk)}
    person = session("msp-admin").post(url, data, format="json")
    client = bearer(access_token(make_client("msp-admin", "demo-msp"))).post(
        url, data, format="json"
    )
    assert client.status_code == person.status_code == 400
    assert client.json()["detail"] == person.json()["detail"] == ALL_CUSTOMERS


def test_client_of_another_partner_gets_404(make_client):
    api = bearer(access_token(make_client("other-admin", "other-msp")))
    assert api.get("/api/v1/tenants/globex/users").status_code == 404
    assert api.get("/api/v1/tenants/globex/registration_tokens").status_code == 404
    assert api.get("/api/v1/tenants/umbrella/users").status_code == 200


def test_customer_client_stays_in_its_customer(make_client):
    api = bearer(access_token(make_client("globex-admin", "globex")))
    assert api.get("/api/v1/tenants/initech/users").status_code == 404
    assert api.get("/api/v1/tenants/demo-msp/users").status_code == 404
    assert [t["id"] for t in api.get("/api/v1/tenants").json()["items"]] == ["globex"]


@pytest.mark.parametrize("level", ["globex", "demo-msp"])
def test_read_only_client_reads_but_is_refused_on_writes_like_a_read_only_administrator(
    make_client, session, users, tenants, level
):
    creator = "globex-admin" if level == "globex" else "msp-admin"
    api = bearer(access_token(make_client(creator, level, role="read_only_administrator")))
    assert api.get("/api/v1/tenants/globex/users").status_code == 200
    assert api.get("/api/v1/tenants/globex/registration_tokens").status_code == 200
    data = {"user_id": str(users["globex-bob"].pk)}
    url = "/api/v1/tenants/globex/registration_tokens"
    person = session("globex-auditor").post(url, data, format="json")
    refused = api.post(url, data, format="json")
    assert refused.status_code == person.status_code == 403
    token = RegistrationToken.objects.create(
        tenant=tenants["globex"],
        user=users["globex-bob"],
        expires_at=timezone.now() + datetime.timedelta(days=1),
        digest="d" * 64,
        prefix="AB",
    )
    assert api.delete(f"/api/v1/registration_tokens/{token.public_id}").status_code == 403
    assert (
        api.patch(
            f"/api/v1/registration_tokens/{token.public_id}", {"description": "x"}, format="json"
        ).status_code
        == 403
    )
    created = api.post(
        f"/api/v1/tenants/{level}/api_clients", {"name": "n", "role": "administrator"}
    )
    assert created.status_code == 403
    assert not RegistrationToken.objects.exclude(pk=token.pk).exists()


def test_client_token_is_made_on_behalf_of_the_user_and_audited_as_the_client(make_client, users):
    issued = make_client("globex-admin", "globex", name="PSA sync")
    api = bearer(access_token(issued))
    response = api.post(
        "/api/v1/tenants/globex/registration_tokens",
        {"user_id": str(users["globex-bob"].pk)},
        format="json",
    )
    assert response.status_code == 201, response.content
    token = RegistrationToken.objects.get(public_id=response.json()["id"])
    assert token.user == users["globex-bob"] and token.created_by is None
    event = AuditEvent.objects.get(action=AuditEvent.Action.TOKEN_CREATE)
    assert event.actor_name == "API client PSA sync" and event.actor_id is None
    assert event.actor_client_id == issued.client.pk
    assert event.on_behalf_of == users["globex-bob"]
    [item] = api.get("/api/v1/tenants/globex/audit_events?action=token.create").json()["items"]
    assert item["actor"] == {
        "id": None,
        "username": "API client PSA sync",
        "api_client": {"id": str(issued.client.pk)},
    }
    assert item["on_behalf_of"]["username"] == "globex-bob"
    # Without user_id there is nobody to act for: 400, no token.
    assert (
        api.post("/api/v1/tenants/globex/registration_tokens", {}, format="json").status_code == 400
    )


def test_deleted_client_is_refused_at_once_with_its_unexpired_token(make_client, session):
    issued = make_client("globex-admin", "globex")
    token = access_token(issued)
    api = bearer(token)
    assert api.get("/api/v1/tenants/globex/users").status_code == 200
    deleted = session("globex-admin").delete(f"/api/v1/api_clients/{issued.client.pk}")
    assert deleted.status_code == 204
    refused = api.get("/api/v1/tenants/globex/users")
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"].startswith("Bearer")
    assert not AccessToken.objects.exists() and not Application.objects.exists()
    again = APIClient().post(
        TOKEN_URL,
        {
            "grant_type": "client_credentials",
            "client_id": issued.client_id,
            "client_secret": issued.client_secret,
        },
    )
    assert again.status_code == 401
    event = AuditEvent.objects.get(action=AuditEvent.Action.API_CLIENT_DELETE)
    assert event.actor_name == "globex-admin" and event.object_repr == issued.client.name


def test_expired_and_unknown_tokens_are_401(make_client):
    token = access_token(make_client("globex-admin", "globex"))
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=61)):
        assert bearer(token).get("/api/v1/tenants/globex/users").status_code == 401
    assert bearer("not-a-token").get("/api/v1/tenants/globex/users").status_code == 401
    # No credentials at all stays 403, as for a missing session.
    assert APIClient().get("/api/v1/tenants/globex/users").status_code == 403


def test_agent_endpoints_do_not_accept_access_tokens(make_client):
    api = bearer(access_token(make_client("globex-admin", "globex")))
    assert api.get("/api/v1/agents/me").status_code == 401
    assert api.post("/api/v1/agents/me/unregister").status_code == 401


def test_bearer_list_query_count_is_pinned(make_client, django_assert_num_queries):
    api = bearer(access_token(make_client("msp-admin", "demo-msp")))
    api.get("/api/v1/tenants/globex/users")  # the customer is cached, the last use recorded
    # The access token with its application, client and tenant (one query), the users.
    with django_assert_num_queries(2):
        assert api.get("/api/v1/tenants/globex/users").status_code == 200
    # "Last used" is written once a minute, not once a request.
    later = timezone.now() + datetime.timedelta(seconds=61)
    with time_machine.travel(later), django_assert_num_queries(3):
        assert api.get("/api/v1/tenants/globex/users").status_code == 200
