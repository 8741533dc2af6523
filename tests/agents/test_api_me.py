"""GET /api/v1/agents/me: the agent's own credential."""

from rest_framework.test import APIClient

from tests.agents.helpers import agent, register
from tests.factories import make_token


def test_agent_me_describes_the_device(tenants, users):
    _, value = make_token(tenants["globex"], users["globex-alice"])
    secret = register(value, hostname="desk").json()["agent_secret"]
    body = agent(secret).get("/api/v1/agents/me").json()
    assert body["hostname"] == "desk" and body["os"] == "Ubuntu 24.04"
    assert body["tenant"] == {"id": "globex", "name": "Globex"}
    assert body["owner"]["username"] == "globex-alice"
    assert body["plans"] == []
    assert "agent_secret" not in body


def test_requests_without_a_valid_secret_are_401(db):
    assert APIClient().get("/api/v1/agents/me").status_code == 401
    response = agent("agt_not-a-real-secret").get("/api/v1/agents/me")
    assert response.status_code == 401
    assert "Bearer" in response["WWW-Authenticate"]
