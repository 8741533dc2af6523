"""Who may act on a registered machine: taking over a machine_id, plans through another
user's token, and agents whose owner was deactivated."""

import pytest
from django_tenants.utils import tenant_context

from agents.authentication import AgentSecretAuthentication, agent_for_secret
from agents.directory.models import DeviceEntry
from agents.models import Device
from agents.services.registration import (
    MSG_MACHINE_TAKEN,
    MSG_OTHER_USER,
    TokenOfAnotherUser,
    plan_apply,
)
from portal import api_urls
from tenants.audit import CLI
from tenants.models import AuditEvent, User
from tests.agents.helpers import agent, device_unregister_url, devices_in, plans_of, register
from tests.factories import error_body, make_token
from tokens.models import AgentCredential, RegistrationToken


def _state(tenants):
    """Everything a registration could change, to compare before and after."""
    with tenant_context(tenants["globex"]):
        devices = list(Device.objects.values_list("id", "owner_id", "hostname", "agent_id"))
    return (
        devices,
        list(DeviceEntry.objects.values_list("device_id", "owner_id", "hostname")),
        list(AgentCredential.objects.values_list("device_id", "secret_digest")),
        list(RegistrationToken.objects.values_list("id", "registrations", "last_used_at")),
    )


def test_register_with_another_users_machine_id_is_409_and_changes_nothing(tenants, users):
    _, alices = make_token(tenants["globex"], users["globex-alice"])
    _, bobs = make_token(tenants["globex"], users["globex-bob"])
    alice_secret = register(alices, machine="alices-machine").json()["agent_secret"]
    before = _state(tenants)
    response = register(bobs, machine="alices-machine", hostname="bobs-now")
    assert response.status_code == 409
    assert error_body(response) == {"detail": MSG_MACHINE_TAKEN}
    assert response.json()["detail"] == MSG_MACHINE_TAKEN
    assert _state(tenants) == before
    # Alice's agent still works, under Alice.
    me = agent(alice_secret).get("/api/v1/agents/me")
    assert me.status_code == 200 and me.json()["owner"]["username"] == "globex-alice"
    [event] = AuditEvent.objects.filter(action=AuditEvent.Action.DEVICE_REGISTER_REFUSED)
    assert (event.actor, event.tenant, event.source, event.ip_address) == (
        users["globex-bob"],
        tenants["globex"],
        "agent",
        "10.0.0.1",
    )
    assert event.details["machine_id"] == "alices-machine"
    assert event.get_action_display() == "Device registration refused"


def test_a_wrong_bearer_secret_is_no_proof(tenants, users):
    _, alices = make_token(tenants["globex"], users["globex-alice"])
    _, bobs = make_token(tenants["globex"], users["globex-bob"])
    register(alices, machine="alices-machine")
    other = register(bobs, machine="bobs-machine").json()["agent_secret"]
    before = _state(tenants)
    # Bob's own secret proves Bob's machine, not Alice's.
    assert register(bobs, machine="alices-machine", proof=other).status_code == 409
    assert register(bobs, machine="alices-machine", proof="agt_made-up").status_code == 409
    assert _state(tenants) == before


def test_reregistering_with_the_agents_secret_moves_the_machine_to_the_tokens_user(tenants, users):
    _, alices = make_token(tenants["globex"], users["globex-alice"])
    _, bobs = make_token(tenants["globex"], users["globex-bob"])
    first = register(alices, machine="same").json()
    second = register(bobs, machine="same", hostname="renamed", proof=first["agent_secret"])
    assert second.status_code == 200
    assert second.json()["agent_id"] == first["agent_id"]
    assert second.json()["owner"]["username"] == "globex-bob"
    [device] = devices_in(tenants["globex"])
    assert (device.owner, device.hostname) == (users["globex-bob"], "renamed")
    entry = DeviceEntry.objects.get(tenant=tenants["globex"], device_id=device.pk)
    assert (entry.owner_id, entry.owner_username) == (users["globex-bob"].pk, "globex-bob")
    # The new secret replaces the old one.
    assert agent(first["agent_secret"]).get("/api/v1/agents/me").status_code == 401
    assert agent(second.json()["agent_secret"]).get("/api/v1/agents/me").status_code == 200


def test_the_owner_reregistering_without_proof_gets_the_same_device_and_a_new_secret(
    tenants, users
):
    token, alices = make_token(tenants["globex"], users["globex-alice"])
    first = register(alices, machine="same").json()
    again = register(alices, machine="same")  # e.g. the first response was lost
    assert again.status_code == 200
    assert again.json()["agent_id"] == first["agent_id"]
    assert again.json()["agent_secret"] != first["agent_secret"]
    assert agent(first["agent_secret"]).get("/api/v1/agents/me").status_code == 401
    assert agent(again.json()["agent_secret"]).get("/api/v1/agents/me").status_code == 200
    token.refresh_from_db()
    assert token.registrations == 2


def test_plan_apply_with_a_token_of_another_user_is_403_and_changes_nothing(
    registered, tenants, users
):
    _, client = registered  # Alice's machine
    _, bobs = make_token(
        tenants["globex"], users["globex-bob"], actor=users["globex-admin"], plan="Daily backup"
    )
    token = RegistrationToken.objects.get(user=users["globex-bob"])
    for path in ("/api/v1/agents/me/plan/apply", "/api/v1/agents/me/plan/revoke"):
        response = client.post(path, {"token": bobs}, format="json")
        assert response.status_code == 403
        assert error_body(response) == {"detail": MSG_OTHER_USER}
        assert response.json()["detail"] == MSG_OTHER_USER
    assert plans_of(tenants) == []
    token.refresh_from_db()
    assert token.last_used_at is None
    assert not AuditEvent.objects.filter(action__startswith="plan.").exists()


def test_plan_revoke_with_a_token_of_another_user_leaves_the_plan(registered, tenants, users):
    value, client = registered
    applied = client.post("/api/v1/agents/me/plan/apply", {"token": value}, format="json")
    assert applied.status_code == 200
    _, bobs = make_token(
        tenants["globex"], users["globex-bob"], actor=users["globex-admin"], plan="Daily backup"
    )
    response = client.post("/api/v1/agents/me/plan/revoke", {"token": bobs}, format="json")
    assert response.status_code == 403
    assert plans_of(tenants) == ["Daily backup"]


def _agent_endpoints():
    """Every API route whose view authenticates agents by their secret, with its methods."""
    for pattern in api_urls.urlpatterns:
        view = getattr(pattern.callback, "view_class", None)
        if view and AgentSecretAuthentication in getattr(view, "authentication_classes", ()):
            methods = [m for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m)]
            yield f"/api/v1/{pattern.pattern}", methods


def test_an_agent_of_a_deactivated_owner_is_401_until_reactivated(registered, tenants, users):
    value, client = registered
    endpoints = list(_agent_endpoints())
    assert {path for path, _ in endpoints} == {
        "/api/v1/agents/me",
        "/api/v1/agents/me/plan/apply",
        "/api/v1/agents/me/plan/revoke",
        "/api/v1/agents/me/unregister",
    }
    User.objects.filter(username="globex-alice").update(is_active=False)
    for path, methods in endpoints:
        for method in methods:
            response = getattr(client, method)(path, {"token": value}, format="json")
            assert response.status_code == 401, (method, path)
    assert len(devices_in(tenants["globex"])) == 1 and plans_of(tenants) == []
    User.objects.filter(username="globex-alice").update(is_active=True)
    assert client.get("/api/v1/agents/me").status_code == 200


def test_an_administrator_removes_the_machine_in_the_console_so_another_user_can_register_it(
    tenants, users, client
):
    _, alices = make_token(tenants["globex"], users["globex-alice"])
    _, bobs = make_token(tenants["globex"], users["globex-bob"])
    agent_id = register(alices, machine="moving").json()["agent_id"]
    assert register(bobs, machine="moving").status_code == 409
    client.force_login(users["globex-admin"])
    url = device_unregister_url("globex", agent_id)
    assert client.post(url).status_code == 302
    moved = register(bobs, machine="moving")
    assert moved.status_code == 201 and moved.json()["owner"]["username"] == "globex-bob"
    [device] = devices_in(tenants["globex"])
    assert device.owner == users["globex-bob"]


def test_a_plan_change_rechecks_the_owner_of_a_device_moved_meanwhile(tenants, users):
    """The race made deterministic: the agent was authenticated while Alice owned the
    machine, then the machine moved to Bob, then Alice's plan token arrives. The check
    before the transaction saw Alice; the one inside, on the locked row, sees Bob."""
    _, alices = make_token(
        tenants["globex"], users["globex-alice"], actor=users["globex-admin"], plan="Daily backup"
    )
    _, bobs = make_token(tenants["globex"], users["globex-bob"])
    secret = register(alices).json()["agent_secret"]
    stale = agent_for_secret(secret)
    assert stale is not None and stale.device.owner_id == users["globex-alice"].pk
    assert register(bobs, hostname="bob-laptop", proof=secret).status_code == 200
    # As authentication left it for the request: the connection at the agent's customer.
    with tenant_context(tenants["globex"]), pytest.raises(TokenOfAnotherUser):
        plan_apply(agent=stale, token_value=alices, origin=CLI)
    [device] = devices_in(tenants["globex"])
    assert (device.owner, list(device.plans.all())) == (users["globex-bob"], [])
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.PLAN_APPLY).exists()
