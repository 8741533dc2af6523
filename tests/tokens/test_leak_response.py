"""Leak response: delete a token and unregister every device it registered, in one action."""

from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse

from tenants.audit import CLI
from tenants.models import AuditEvent
from tests.agents.helpers import agent, devices_in, devices_url, register
from tests.factories import make_token
from tokens import services
from tokens.models import AgentCredential, RegistrationToken

pytestmark = pytest.mark.django_db


def leaked(tenants, users, machines=3, owner="globex-bob"):
    """A token of `owner` that registered `machines` machines, plus one device of another
    token that must stay."""
    token, value = make_token(tenants["globex"], users[owner], actor=users["globex-admin"])
    secrets = [register(value, machine=f"leak-{n}", hostname=f"leak-{n}") for n in range(machines)]
    register(value, machine="leak-0", hostname="leak-0")  # a re-registration: same device
    _, other = make_token(tenants["globex"], users["globex-alice"])
    register(other, machine="keep-1", hostname="keep-1")
    return token, [r.json()["agent_secret"] for r in secrets]


def hostnames(tenants):
    return sorted(d.hostname for d in devices_in(tenants["globex"]))


@pytest.mark.parametrize("actor", ["globex-admin", "msp-admin"])
def test_delete_and_unregister_removes_the_token_and_its_devices_in_one_audited_event(
    tenants, users, actor
):
    token, secrets = leaked(tenants, users)
    count = services.token_delete(
        actor=users[actor], token=token, origin=CLI, unregister_machines=True
    )
    assert count == 3
    assert hostnames(tenants) == ["keep-1"]
    token.refresh_from_db()
    assert token.deleted_at is not None
    assert AgentCredential.objects.filter(tenant=tenants["globex"]).count() == 1
    assert all(agent(s).get("/api/v1/agents/me").status_code == 401 for s in secrets)
    [event] = AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN_DELETE_UNREGISTER)
    assert (event.actor, event.details["machines_unregistered"]) == (users[actor], 3)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.DEVICE_UNREGISTER).exists()


@pytest.mark.parametrize("actor", ["globex-bob", "globex-auditor"])
def test_a_user_and_a_read_only_admin_cannot_unregister_a_tokens_machines(tenants, users, actor):
    token, _ = leaked(tenants, users)
    with pytest.raises(PermissionDenied):
        services.token_delete(actor=users[actor], token=token, origin=CLI, unregister_machines=True)
    token.refresh_from_db()
    assert token.deleted_at is None and len(hostnames(tenants)) == 4


def test_api_delete_with_unregister_machines(tenants, users, api):
    token, _ = leaked(tenants, users, machines=2)
    client = api("globex-admin")
    url = f"/api/v1/registration_tokens/{token.public_id}"
    assert client.delete(url + "?unregister_machines=maybe").status_code == 400
    response = client.delete(url + "?unregister_machines=true")
    assert (response.status_code, response.json()) == (200, {"machines_unregistered": 2})
    assert hostnames(tenants) == ["keep-1"]


@pytest.mark.parametrize("actor,code", [("initech-admin", 404), ("globex-bob", 403)])
def test_api_unregister_machines_other_tenant_404_user_403(tenants, users, api, actor, code):
    token, _ = leaked(tenants, users, machines=1)
    client = api(actor)
    response = client.delete(
        f"/api/v1/registration_tokens/{token.public_id}?unregister_machines=true"
    )
    assert response.status_code == code
    assert len(hostnames(tenants)) == 2
    assert RegistrationToken.objects.get(pk=token.pk).deleted_at is None


def test_cli_delete_with_unregister_machines(tenants, users):
    token, _ = leaked(tenants, users, machines=2)
    out = StringIO()
    call_command("tokens", "delete", str(token.public_id), "--unregister-machines", stdout=out)
    assert "and unregistered 2 machines" in out.getvalue()
    assert hostnames(tenants) == ["keep-1"]


def test_console_confirmation_names_the_number_of_machines_then_deletes(login, tenants, users):
    token, _ = leaked(tenants, users, machines=3)
    client = login("globex-admin")
    devices = devices_url("globex")
    panel = client.get(devices + f"?pane=tokens&manage={token.public_id}").content.decode()
    assert "Delete and unregister its machines" in panel
    url = reverse("token-leak", kwargs={"tenant_id": "globex", "token_id": token.public_id})
    confirm = client.post(url).content.decode()
    assert "Delete this token and unregister its 3 machines?" in confirm
    assert len(hostnames(tenants)) == 4
    done = client.post(url, {"confirm": "yes"}, follow=True).content.decode()
    assert "The token was deleted and 3 machines were unregistered." in done
    assert hostnames(tenants) == ["keep-1"]


def test_console_user_sees_no_leak_action_and_cannot_post_it(login, tenants, users):
    token, _ = leaked(tenants, users, machines=1, owner="globex-alice")
    client = login("globex-alice")
    devices = devices_url("globex")
    panel = client.get(devices + f"?pane=tokens&manage={token.public_id}").content.decode()
    assert "Delete and unregister its machines" not in panel
    url = reverse("token-leak", kwargs={"tenant_id": "globex", "token_id": token.public_id})
    assert client.post(url, {"confirm": "yes"}).status_code == 403


def test_admin_action_deletes_and_unregisters(login, tenants, users):
    token, _ = leaked(tenants, users, machines=2)
    client = login("globex-admin")
    response = client.post(
        reverse("admin:tokens_registrationtoken_changelist"),
        {"action": "delete_and_unregister", "_selected_action": [token.pk]},
        follow=True,
    )
    assert "1 token(s) deleted and 2 machine(s) unregistered." in response.content.decode()
    assert hostnames(tenants) == ["keep-1"]


def test_openapi_schema_describes_unregister_machines(client, users):
    client.force_login(users["globex-admin"])
    schema = client.get("/api/v1/schema?format=json").json()
    delete = schema["paths"]["/api/v1/registration_tokens/{token_id}"]["delete"]
    assert "unregister_machines" in [p["name"] for p in delete["parameters"]]
    assert {"200", "204", "403", "404"} <= set(delete["responses"])
