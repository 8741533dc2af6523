"""Management portal > API clients: who sees and changes them, the secret shown once, the
columns, deletion revoking the client's access tokens, and the audit log page."""

import base64

import pytest
from django.urls import reverse
from oauth2_provider.models import AccessToken
from rest_framework.test import APIClient

from tenants.api_clients.services import api_client_create
from tenants.audit import CLI
from tenants.models import ApiClient, AuditEvent


def url(name, slug, **more):
    return reverse(name, kwargs={"tenant_id": slug, **more})


def access_token(client_id, secret) -> str:
    pair = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    response = APIClient().post(
        "/api/v1/oauth/token",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=f"Basic {pair}",
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


@pytest.mark.parametrize(
    "username,slug",
    [("msp-admin", "demo-msp"), ("globex-admin", "globex"), ("globex-auditor", "globex")],
)
def test_administrators_see_the_page_in_the_menu(login, username, slug):
    page = login(username).get(url("api-clients", slug))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="{url("api-clients", slug)}" aria-current="page">API clients</a>' in html
    can_create = username != "globex-auditor"
    assert ("New API client" in html) is can_create


def test_plain_users_do_not_get_the_page(login):
    assert login("globex-alice").get(url("api-clients", "globex")).status_code == 403


def test_read_only_administrator_cannot_create_or_delete(login, users, tenants):
    issued = api_client_create(
        actor=users["globex-admin"],
        tenant=tenants["globex"],
        name="n",
        role="administrator",
        origin=CLI,
    )
    client = login("globex-auditor")
    assert client.get(url("api-client-create", "globex")).status_code == 403
    assert (
        client.post(
            url("api-client-create", "globex"), {"name": "x", "role": "administrator"}
        ).status_code
        == 403
    )
    delete = url("api-client-delete", "globex", client_id=issued.client.pk)
    assert client.post(delete).status_code == 403
    assert ApiClient.objects.count() == 1


def test_create_shows_the_secret_once_then_lists_the_columns(login):
    client = login("msp-admin")
    created = client.post(
        url("api-client-create", "demo-msp"),
        {"name": "RMM sync", "role": "read_only_administrator"},
    )
    assert created.status_code == 302 and created["Location"] == url("api-clients", "demo-msp")
    stored = ApiClient.objects.get()
    shown = client.get(created["Location"]).content.decode()
    assert stored.application.client_id in shown
    secret = shown.split('id="client-secret">')[1].split("<")[0]
    assert len(secret) > 30 and secret not in stored.application.client_secret
    assert "will not be shown again" in shown
    # The secret works, once shown; a reload shows it no more.
    assert access_token(stored.application.client_id, secret)
    again = client.get(created["Location"]).content.decode()
    assert secret not in again and "client-secret" not in again
    row = again.split("<tbody>")[1]
    for cell in ("RMM sync", "All customers", "Read-only administrator", "msp-admin"):
        assert f"<td>{cell}</td>" in row
    assert "<time" in row  # last used: the token request just now
    # The secret is in no store: the session keeps it padded only.
    assert secret not in str(client.session.items())
    event = AuditEvent.objects.get(action=AuditEvent.Action.API_CLIENT_CREATE)
    assert event.source == "ui" and secret not in str(event.details)


def test_customer_client_shows_its_customer_as_level(login):
    client = login("globex-admin")
    client.post(url("api-client-create", "globex"), {"name": "PSA", "role": "administrator"})
    row = client.get(url("api-clients", "globex")).content.decode().split("<tbody>")[1]
    assert "<td>Globex</td>" in row and "<td>Administrator</td>" in row and "<td>Never</td>" in row


def test_duplicate_name_is_reported_on_the_form(login):
    client = login("globex-admin")
    data = {"name": "PSA", "role": "administrator"}
    client.post(url("api-client-create", "globex"), data)
    again = client.post(url("api-client-create", "globex"), data)
    assert again.status_code == 200 and "already exists" in again.content.decode()


def test_delete_revokes_the_client_and_its_access_tokens_at_once(login, users, tenants):
    issued = api_client_create(
        actor=users["globex-admin"],
        tenant=tenants["globex"],
        name="n",
        role="administrator",
        origin=CLI,
    )
    token = access_token(issued.client_id, issued.client_secret)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/v1/tenants/globex/users").status_code == 200
    client = login("globex-admin")
    delete = url("api-client-delete", "globex", client_id=issued.client.pk)
    confirm = client.get(delete)
    assert (
        confirm.status_code == 200
        and "Its access tokens stop working at once." in confirm.content.decode()
    )
    assert client.post(delete).status_code == 302
    assert api.get("/api/v1/tenants/globex/users").status_code == 401
    assert not ApiClient.objects.exists() and not AccessToken.objects.exists()
    assert AuditEvent.objects.filter(action="api_client.delete", source="ui").exists()


def test_another_customers_client_is_404(login, users, tenants):
    issued = api_client_create(
        actor=users["initech-admin"],
        tenant=tenants["initech"],
        name="n",
        role="administrator",
        origin=CLI,
    )
    client = login("globex-admin")
    assert (
        client.get(url("api-client-delete", "globex", client_id=issued.client.pk)).status_code
        == 404
    )
    assert (
        client.post(url("api-client-delete", "globex", client_id=issued.client.pk)).status_code
        == 404
    )
    assert "<tbody>" not in client.get(url("api-clients", "globex")).content.decode()
    assert ApiClient.objects.exists()


def test_audit_log_page_names_the_client(login, users, tenants):
    issued = api_client_create(
        actor=users["globex-admin"],
        tenant=tenants["globex"],
        name="PSA sync",
        role="administrator",
        origin=CLI,
    )
    api = APIClient()
    api.credentials(
        HTTP_AUTHORIZATION=f"Bearer {access_token(issued.client_id, issued.client_secret)}"
    )
    made = api.post(
        "/api/v1/tenants/globex/registration_tokens",
        {"user_id": str(users["globex-bob"].pk)},
        format="json",
    )
    assert made.status_code == 201
    page = login("globex-admin").get(url("audit", "globex")).content.decode()
    assert "API client PSA sync" in page
    assert made.json()["token"] not in page and issued.client_secret not in page


def test_the_admin_lists_no_oauth_credentials(client, users, tenants):
    issued = api_client_create(
        actor=users["msp-admin"],
        tenant=tenants["demo-msp"],
        name="n",
        role="administrator",
        origin=CLI,
    )
    client.force_login(users["platform-admin"])
    index = client.get("/admin/").content.decode()
    assert "oauth2_provider" not in index and issued.client_secret not in index
    assert client.get("/admin/oauth2_provider/application/").status_code == 404
