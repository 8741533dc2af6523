"""Unregistering devices (agents.services.devices): who may, and with which credential."""

import pytest
from django.core.exceptions import PermissionDenied
from django_tenants.utils import tenant_context

from agents.authentication import agent_for_secret
from agents.directory.models import DeviceEntry
from agents.models import Device
from agents.services.devices import agent_unregister, device_unregister
from agents.services.registration import AgentGone
from tenants.audit import CLI
from tenants.models import AuditEvent
from tests.agents.helpers import agent, devices_in, register
from tests.factories import make_device, make_token
from tokens.models import AgentCredential


@pytest.mark.parametrize("username", ["globex-alice", "globex-auditor"])
def test_a_user_or_read_only_admin_cannot_unregister_through_the_service(tenants, users, username):
    """The service itself asks for "unregister devices", not "view devices" (which both of
    these roles have): no caller that skips the console's own check can unregister."""
    device = make_device(tenants["globex"], users["globex-alice"])
    with pytest.raises(PermissionDenied):
        device_unregister(
            actor=users[username], tenant=tenants["globex"], device=device, origin=CLI
        )
    with tenant_context(tenants["globex"]):
        assert Device.objects.filter(pk=device.pk).exists()
    assert DeviceEntry.objects.filter(tenant=tenants["globex"], device_id=device.pk).exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.DEVICE_UNREGISTER).exists()


def test_an_unregister_with_a_secret_replaced_meanwhile_removes_nothing(tenants, users):
    """The interleaving of a concurrent re-registration, made deterministic: the agent is
    authenticated with its first secret, then the machine re-registers (a new secret
    replaces it), then the unregister of the first request goes on. The old secret no
    longer speaks for the device, so the device, its entry and its new credential stay."""
    _, value = make_token(tenants["globex"], users["globex-alice"])
    old = register(value).json()["agent_secret"]
    stale = agent_for_secret(old)
    assert stale is not None
    new = register(value, proof=old).json()["agent_secret"]
    with pytest.raises(AgentGone):
        agent_unregister(agent=stale, origin=CLI)
    [device] = devices_in(tenants["globex"])
    assert DeviceEntry.objects.filter(tenant=tenants["globex"], device_id=device.pk).exists()
    assert AgentCredential.objects.filter(device_id=device.pk, tenant=tenants["globex"]).exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.DEVICE_UNREGISTER).exists()
    assert agent(old).get("/api/v1/agents/me").status_code == 401
    assert agent(new).post("/api/v1/agents/me/unregister").status_code == 204
    assert devices_in(tenants["globex"]) == []


def test_an_unregister_with_the_current_secret_removes_the_device(tenants, users):
    _, value = make_token(tenants["globex"], users["globex-alice"])
    current = agent_for_secret(register(value).json()["agent_secret"])
    assert current is not None
    agent_unregister(agent=current, origin=CLI)
    assert devices_in(tenants["globex"]) == []
    assert not AgentCredential.objects.exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DEVICE_UNREGISTER).count() == 1
