"""POST /api/v1/agents/register: a machine registers with a registration token."""

import datetime
import logging

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from agents.services.registration import Machine, register_with
from tenants.audit import CLI
from tenants.models import AuditEvent, User
from tests.agents.helpers import (
    REGISTER,
    agent,
    devices_in,
    register,
    unknown_but_well_formed,
)
from tests.factories import error_body, make_token
from tokens import services, values
from tokens.models import AgentCredential, RegistrationToken
from tokens.selectors import InvalidToken, usable_token
from tokens.throttling import MSG_INVALID_TOKEN


def test_register_creates_the_device_under_the_tokens_user_and_customer(tenants, users):
    token, value = make_token(tenants["globex"], users["globex-alice"])
    response = register(value, agent_version="1.2.3")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"agent_id", "agent_secret", "tenant", "owner", "plan_available"}
    assert body["tenant"] == {"id": "globex", "uuid": str(tenants["globex"].uuid), "name": "Globex"}
    assert body["owner"] == {
        "id": str(users["globex-alice"].pk),
        "uuid": str(users["globex-alice"].uuid),
        "username": "globex-alice",
    }
    assert body["plan_available"] is None
    assert len(body["agent_secret"]) >= 32
    [device] = devices_in(tenants["globex"])
    assert (device.hostname, device.owner, device.agent_version) == (
        "alice-laptop",
        users["globex-alice"],
        "1.2.3",
    )
    assert str(device.agent_id) == body["agent_id"]
    assert device.registered_token_prefix == token.prefix
    assert devices_in(tenants["initech"]) == []
    token.refresh_from_db()
    assert token.registrations == 1 and token.last_used_at is not None
    event = AuditEvent.objects.get(action="device.register")
    assert (event.source, event.tenant, event.ip_address) == (
        "agent",
        tenants["globex"],
        "10.0.0.1",
    )


def test_the_plan_is_offered_but_not_applied_at_registration(tenants, users):
    _, value = make_token(
        tenants["globex"], users["globex-bob"], actor=users["globex-admin"], plan="Daily backup"
    )
    body = register(value).json()
    assert body["plan_available"]["name"] == "Daily backup"
    [device] = devices_in(tenants["globex"])
    assert list(device.plans.all()) == []


def test_the_secret_is_stored_as_a_digest_only(tenants, users):
    _, value = make_token(tenants["globex"], users["globex-alice"])
    secret = register(value).json()["agent_secret"]
    row = str(list(AgentCredential.objects.values()))
    assert secret not in row and secret[8:24] not in row


def test_a_token_registers_any_number_of_machines(tenants, users):
    token, value = make_token(tenants["globex"], users["globex-alice"])
    for n in range(3):
        assert register(value, machine=f"m-{n}").status_code == 201
    token.refresh_from_db()
    assert token.registrations == 3 and len(devices_in(tenants["globex"])) == 3


def test_malformed_body_is_400(tenants, users):
    _, value = make_token(tenants["globex"], users["globex-alice"])
    response = APIClient().post(REGISTER, {"token": value, "os": "x"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "hostname: This field is required."
    assert set(body["errors"]) == {"hostname", "machine_id"}


def test_mistyped_token_is_400_and_says_so(tenants, users):
    _, value = make_token(tenants["globex"], users["globex-alice"])
    canonical = values.normalize(value)
    mistyped = canonical[:-3] + ("A" if canonical[-3] != "A" else "B") + canonical[-2:]
    response = register(mistyped)
    assert response.status_code == 400
    assert "mistyped" in response.json()["detail"]


def test_unknown_expired_and_deleted_tokens_get_one_identical_401(tenants, users):
    _, expiring = make_token(tenants["globex"], users["globex-alice"], lifetime=60)
    deleted, deleted_value = make_token(tenants["globex"], users["globex-alice"])
    services.token_delete(actor=users["globex-alice"], token=deleted, origin=CLI)
    answers = [
        register(unknown_but_well_formed(), address="10.0.0.2"),
        register(deleted_value, address="10.0.0.3"),
    ]
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=61)):
        answers.append(register(expiring, address="10.0.0.4"))
    assert [a.status_code for a in answers] == [401, 401, 401]
    assert [error_body(a) for a in answers] == [{"detail": MSG_INVALID_TOKEN}] * 3
    assert devices_in(tenants["globex"]) == []


def test_nothing_registers_under_a_partner_tenant(tenants, users):
    canonical = values.normalize(values.generate())
    RegistrationToken.objects.create(
        tenant=tenants["demo-msp"],
        user=users["msp-admin"],
        expires_at=timezone.now() + datetime.timedelta(days=1),
        digest=values.digest(canonical),
        prefix=canonical[:2],
    )
    assert register(values.format_value(canonical)).status_code == 401


def test_repeated_failures_from_one_address_get_429_without_slowing_others(tenants, users):
    _, value = make_token(tenants["globex"], users["globex-alice"])
    for _ in range(settings.AGENT_TOKEN_FAILURE_LIMIT):
        assert register(unknown_but_well_formed(), address="10.9.9.9").status_code == 401
    # Now even a good token from that address waits ...
    assert register(value, address="10.9.9.9").status_code == 429
    # ... while another client registers as usual.
    assert register(value, address="10.1.1.1").status_code == 201


def test_registration_query_count_is_constant(tenants, users, django_assert_num_queries):
    _, value = make_token(tenants["globex"], users["globex-alice"])
    _, other = make_token(tenants["globex"], users["globex-alice"])
    register(other, machine="warm-up")  # prepared statements, caches
    for _ in range(10):
        make_token(tenants["initech"], users["initech-carol"])
    # The token's lookup, then one statement for every write (no SET search_path, no
    # transaction statements: the statement is its own transaction).
    with django_assert_num_queries(2):
        assert register(value, machine="first").status_code == 201
    # Then, in this process, one statement that looks the token up itself and writes
    # (agents/services/registration_known.py).
    with django_assert_num_queries(1):
        assert register(value, machine="new").status_code == 201
    with django_assert_num_queries(1):
        assert register(value, machine="new").status_code == 200
    # Refused (the machine is another user's): the same two, the audit event included.
    _, bobs = make_token(tenants["globex"], users["globex-bob"])
    with django_assert_num_queries(2):
        assert register(bobs, machine="new").status_code == 409


def test_secrets_and_tokens_stay_out_of_logs_and_other_responses(tenants, users, caplog):
    caplog.set_level(logging.DEBUG)
    _, value = make_token(
        tenants["globex"], users["globex-alice"], actor=users["globex-admin"], plan="Daily backup"
    )
    secret = register(value).json()["agent_secret"]
    client = agent(secret)
    outputs = [
        client.get("/api/v1/agents/me").content.decode(),
        client.post(
            "/api/v1/agents/me/plan/apply", {"token": value}, format="json"
        ).content.decode(),
        register(unknown_but_well_formed()).content.decode(),
        agent(secret + "x").get("/api/v1/agents/me").content.decode(),
        str(list(AuditEvent.objects.values())),
        caplog.text,
    ]
    canonical = values.normalize(value)
    for text in outputs:
        assert secret not in text and secret[4:20] not in text
        assert canonical[2:] not in text.replace("-", "")


def test_a_deactivated_users_tokens_stop_working(tenants, users):
    _, value = make_token(tenants["globex"], users["globex-alice"])
    User.objects.filter(username="globex-alice").update(is_active=False)
    assert register(value).status_code == 401


def test_throttling_behind_a_proxy_counts_each_client(settings, tenants, users):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    _, value = make_token(tenants["globex"], users["globex-alice"])
    bad = {
        "token": "0000-0000-0000-0000-0000-0000-0000",
        "hostname": "x",
        "os": "x",
        "machine_id": "x",
    }
    for _ in range(settings.AGENT_TOKEN_FAILURE_LIMIT):
        APIClient().post(
            "/api/v1/agents/register",
            bad,
            format="json",
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="198.51.100.66",
        )
    body = {"token": value, "hostname": "y", "os": "x", "machine_id": "y"}
    blocked = APIClient().post(
        "/api/v1/agents/register",
        body,
        format="json",
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.66",
    )
    other = APIClient().post(
        "/api/v1/agents/register",
        body,
        format="json",
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.77",
    )
    assert (blocked.status_code, other.status_code) == (429, 201)


def test_the_registration_statement_refuses_a_token_at_its_exact_expiry_instant(tenants, users):
    """The statement checks the expiry again (the token may expire between the lookup and
    the writes); at `expires_at` itself the token is dead and nothing is written."""
    token, value = make_token(tenants["globex"], users["globex-alice"], lifetime=60)
    found = usable_token(value)
    with time_machine.travel(token.expires_at, tick=False):
        assert timezone.now() == token.expires_at
        with pytest.raises(InvalidToken):
            register_with(found, Machine("at-expiry", "Linux", "m-at-expiry"), CLI)
    assert devices_in(tenants["globex"]) == []
    assert not AgentCredential.objects.exists()
    token.refresh_from_db()
    assert (token.registrations, token.machines) == (0, 0)
    with time_machine.travel(token.expires_at - datetime.timedelta(microseconds=1), tick=False):
        register_with(found, Machine("just-before", "Linux", "m-just-before"), CLI)
    assert [d.hostname for d in devices_in(tenants["globex"])] == ["just-before"]
