"""API clients and their creators (issue 21, item 4; issue 20, item 10): a client belongs to
its level and keeps working when its creator leaves; the list names the creator, deleting
or deactivating a user lists the clients they created and offers to delete them in the same
step (audited); a secret can be reset (the old one stops at once, the new one shown once);
tokens a client made name it, and a client must name the user a token is for."""

import base64
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tenants import services as tenant_services
from tenants.api_clients.services import api_client_create
from tenants.audit import CLI
from tenants.models import ApiClient, AuditEvent, User
from tests.agents.helpers import devices_url

pytestmark = pytest.mark.django_db
TOKEN_URL = "/api/v1/oauth/token"


def url(name, slug, **more):
    return reverse(name, kwargs={"tenant_id": slug, **more})


def token_status(client_id, secret) -> tuple[int, dict]:
    pair = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    response = Client().post(
        TOKEN_URL, {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {pair}"
    )
    return response.status_code, response.json()


@pytest.fixture
def ann(users, tenants):
    """A second company administrator of Globex, who creates a client."""
    return tenant_services.user_create(
        actor=users["globex-admin"],
        tenant=tenants["globex"],
        username="globex-ann",
        password="a-long-password",
        role="company_admin",
        origin=CLI,
    )


@pytest.fixture
def anns_client(ann, tenants):
    return api_client_create(
        actor=ann, tenant=tenants["globex"], name="Ann sync", role="administrator", origin=CLI
    )


@pytest.mark.parametrize("page", ["user-delete", "user-deactivate"])
def test_the_confirmation_lists_the_clients_the_user_created(login, ann, anns_client, page):
    html = login("globex-admin").get(url(page, "globex", user_id=ann.pk)).content.decode()
    assert "This user created 1 API client." in html
    assert "<li>Ann sync (Globex, Administrator)</li>" in html
    assert 'name="delete_api_clients"' in html


def test_deleting_the_user_with_their_clients_deletes_both_audited(login, ann, anns_client):
    client = login("globex-admin")
    response = client.post(
        url("user-delete", "globex", user_id=ann.pk), {"delete_api_clients": "1"}
    )
    assert response.status_code == 302
    assert not User.objects.filter(pk=ann.pk).exists()
    assert not ApiClient.objects.filter(pk=anns_client.client.pk).exists()
    assert token_status(anns_client.client_id, anns_client.client_secret)[0] == 401
    deleted = AuditEvent.objects.get(action=AuditEvent.Action.API_CLIENT_DELETE)
    assert deleted.actor.username == "globex-admin" and deleted.object_id == str(
        anns_client.client.pk
    )
    assert AuditEvent.objects.filter(action=AuditEvent.Action.USER_DELETE).count() == 1


def test_deleting_the_user_alone_keeps_the_client_working(login, ann, anns_client):
    client = login("globex-admin")
    assert client.post(url("user-delete", "globex", user_id=ann.pk)).status_code == 302
    assert not User.objects.filter(pk=ann.pk).exists()
    assert token_status(anns_client.client_id, anns_client.client_secret)[0] == 200
    row = client.get(url("api-clients", "globex")).content.decode().split("<tbody>")[1]
    assert "globex-ann" in row and "account deleted" in row


def test_deactivating_the_user_with_their_clients_deletes_them(login, ann, anns_client):
    client = login("globex-admin")
    response = client.post(
        url("user-deactivate", "globex", user_id=ann.pk), {"delete_api_clients": "1"}
    )
    assert response.status_code == 302
    ann.refresh_from_db()
    assert not ann.is_active
    assert not ApiClient.objects.filter(pk=anns_client.client.pk).exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {AuditEvent.Action.USER_UPDATE, AuditEvent.Action.API_CLIENT_DELETE} <= actions


def test_deactivating_the_user_alone_keeps_the_client_and_says_so(login, ann, anns_client):
    client = login("globex-admin")
    assert client.post(url("user-deactivate", "globex", user_id=ann.pk)).status_code == 302
    ann.refresh_from_db()
    assert not ann.is_active
    assert token_status(anns_client.client_id, anns_client.client_secret)[0] == 200
    row = client.get(url("api-clients", "globex")).content.decode().split("<tbody>")[1]
    assert "globex-ann" in row and "deactivated" in row


def test_a_forged_list_cannot_take_another_creators_client_along(login, ann, anns_client, users):
    other = api_client_create(
        actor=users["globex-admin"], tenant=ann.tenant, name="Admin's", role="administrator",
        origin=CLI,
    )  # fmt: skip
    from portal.services import user_delete

    user_delete(
        actor=users["globex-admin"],
        user=ann,
        origin=CLI,
        api_clients=[anns_client.client, other.client],
    )
    assert ApiClient.objects.filter(pk=other.client.pk).exists()
    assert not ApiClient.objects.filter(pk=anns_client.client.pk).exists()


def test_resetting_the_secret_stops_the_old_one_and_its_tokens_at_once(login, anns_client):
    old = anns_client.client_secret
    status, body = token_status(anns_client.client_id, old)
    assert status == 200
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert bearer.get("/api/v1/tenants/globex/users").status_code == 200
    client = login("globex-admin")
    page = url("api-client-reset-secret", "globex", client_id=anns_client.client.pk)
    assert "Reset client secret" in client.get(page).content.decode()
    response = client.post(page)
    assert response.status_code == 302 and response["Location"] == url("api-clients", "globex")
    shown = client.get(response["Location"]).content.decode()
    assert "has a new secret: the old one no longer works." in shown
    new = shown.split('id="client-secret">')[1].split("<")[0]
    assert new != old and len(new) > 30
    assert token_status(anns_client.client_id, old)[0] == 401
    assert bearer.get("/api/v1/tenants/globex/users").status_code == 401
    assert token_status(anns_client.client_id, new)[0] == 200
    assert new not in client.get(url("api-clients", "globex")).content.decode()  # once
    event = AuditEvent.objects.get(action=AuditEvent.Action.API_CLIENT_RESET_SECRET)
    assert event.actor.username == "globex-admin" and event.details["access_tokens_revoked"] == 1
    assert old not in str(event.details) and new not in str(event.details)


def test_resetting_over_the_api_answers_the_new_secret_once(api, anns_client):
    response = api("globex-admin").post(f"/api/v1/api_clients/{anns_client.client.pk}/reset_secret")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"id", "client_id", "client_secret"}
    assert token_status(anns_client.client_id, body["client_secret"])[0] == 200
    assert token_status(anns_client.client_id, anns_client.client_secret)[0] == 401


@pytest.mark.parametrize("username,code", [("globex-auditor", 403), ("initech-admin", 404)])
def test_only_administrators_of_the_level_reset(api, login, anns_client, username, code):
    path = f"/api/v1/api_clients/{anns_client.client.pk}/reset_secret"
    assert api(username).post(path).status_code == code
    assert token_status(anns_client.client_id, anns_client.client_secret)[0] == 200


def test_the_page_labels_the_secret_copies_the_id_and_gives_a_curl_command(login):
    client = login("globex-admin")
    created = client.post(
        url("api-client-create", "globex"), {"name": "PSA", "role": "administrator"}
    )
    html = client.get(created["Location"]).content.decode()
    stored = ApiClient.objects.get(name="PSA")
    secret = html.split('id="client-secret">')[1].split("<")[0]
    assert ">Client secret</dt>" in html and ">Client ID</dt>" in html
    assert 'data-copy-target="client-id"' in html and 'data-copy-target="client-secret"' in html
    command = html.split('id="token-command">')[1].split("</pre>")[0]
    args = [unescape(p.split("</span>")[0]) for p in command.split('<span class="arg">')[1:]]
    assert args == [
        "curl",
        "-u",
        f"'{stored.application.client_id}:{secret}'",
        "-d",
        "grant_type=client_credentials",
        "http://testserver/api/v1/oauth/token",
    ]


def test_a_token_made_by_a_client_names_the_client(login, anns_client, users):
    status, body = token_status(anns_client.client_id, anns_client.client_secret)
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    bob = users["globex-bob"].pk
    # A client has no account: without user_id it is told to name one.
    missing = bearer.post("/api/v1/tenants/globex/registration_tokens", {}, format="json")
    assert missing.status_code == 400
    assert missing.json()["errors"]["user_id"] == [
        "user_id is required: an API client generates tokens for a user it names."
    ]
    # Ids are strings in answers; requests may send them either way.
    for user_id in (str(bob), bob):
        made = bearer.post(
            "/api/v1/tenants/globex/registration_tokens", {"user_id": user_id}, format="json"
        )
        assert made.status_code == 201, made.content
    pane = login("globex-admin").get(devices_url("globex", pane="tokens")).content.decode()
    assert pane.count('<span class="clamp">API client Ann sync</span>') == 2


def test_deactivating_in_the_admin_lists_the_clients_and_deletes_them_when_ticked(
    login, ann, anns_client
):
    client = login("globex-admin")
    page = reverse("admin:tenants_user_change", args=[ann.pk])
    html = client.get(page).content.decode()
    assert "Also delete the API clients this user created" in html
    assert "They keep working otherwise: Ann sync (Globex)" in html
    form = {"email": "", "first_name": "", "last_name": "", "delete_api_clients": "on"}
    assert client.post(page, form).status_code == 302  # is_active left out: unticked
    ann.refresh_from_db()
    assert not ann.is_active
    assert not ApiClient.objects.filter(pk=anns_client.client.pk).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.API_CLIENT_DELETE)
    assert event.actor.username == "globex-admin"


def test_the_admin_offer_does_nothing_while_the_user_stays_active(login, ann, anns_client):
    client = login("globex-admin")
    page = reverse("admin:tenants_user_change", args=[ann.pk])
    form = {"email": "a@example.com", "first_name": "", "last_name": "", "is_active": "on"}
    assert client.post(page, {**form, "delete_api_clients": "on"}).status_code == 302
    assert ApiClient.objects.filter(pk=anns_client.client.pk).exists()
