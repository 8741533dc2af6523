"""GET /api/v1/agents/me: the agent's own credential."""

from rest_framework.test import APIClient

from tests.agents.helpers import agent, register
from tests.factories import make_token


def test_agent_me_describes_the_device(tenants, users):
    _, value = make_token(tenants["globex"], users["globex-alice"])
    secret = register(value, hostname="desk").json()["agent_secret"]
    body = agent(secret).get("/api/v1/agents/me").json()
    assert body["hostname"] == "desk" and body["os"] == "Ubuntu 24.04"
    assert body["tenant"] == {"id": "globex", "uuid": str(tenants["globex"].uuid), "name": "Globex"}
    assert body["owner"]["username"] == "globex-alice"
    assert body["plans"] == []
    assert "agent_secret" not in body


def test_requests_without_a_valid_secret_are_401(db):
    assert APIClient().get("/api/v1/agents/me").status_code == 401
    response = agent("agt_not-a-real-secret").get("/api/v1/agents/me")
    assert response.status_code == 401
    assert "Bearer" in response["WWW-Authenticate"]


def test_last_seen_is_written_at_most_once_a_minute(tenants, users, django_assert_num_queries):
    import datetime

    import time_machine
    from django.utils import timezone

    from agents.directory.models import DeviceEntry

    _, value = make_token(tenants["globex"], users["globex-alice"])
    client = agent(register(value).json()["agent_secret"])
    start = timezone.now()
    with time_machine.travel(start + datetime.timedelta(minutes=5), tick=False):
        client.get("/api/v1/agents/me")  # stale: written
        # SET search_path (public), credential, SET search_path (its customer), device,
        # plans: nothing written
        with django_assert_num_queries(5):
            client.get("/api/v1/agents/me")
    with time_machine.travel(start + datetime.timedelta(minutes=5, seconds=59), tick=False):
        client.get("/api/v1/agents/me")
    entry = DeviceEntry.objects.get(tenant=tenants["globex"])
    assert entry.last_seen_at == start + datetime.timedelta(minutes=5)
    with time_machine.travel(start + datetime.timedelta(minutes=6, seconds=1), tick=False):
        client.get("/api/v1/agents/me")
    entry.refresh_from_db()
    assert entry.last_seen_at == start + datetime.timedelta(minutes=6, seconds=1)
