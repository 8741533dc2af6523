"""POST /api/v1/agents/me/unregister."""

from tests.agents.helpers import devices_in
from tokens.models import AgentCredential


def test_unregister_removes_the_device_and_locks_the_secret_out(registered, tenants):
    _, client = registered
    assert client.post("/api/v1/agents/me/unregister").status_code == 204
    assert devices_in(tenants["globex"]) == []
    assert client.get("/api/v1/agents/me").status_code == 401
    assert AgentCredential.objects.count() == 0
