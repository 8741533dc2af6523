"""Failure audit: every failed use of a registration token is in the audit log, with the
client address and the reason, rolled up per reason, address, token and minute."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIRequestFactory

from tenants.audit import CLI
from tenants.models import AuditEvent
from tests.agents.helpers import register, unknown_but_well_formed
from tests.factories import make_token
from tokens import services
from tokens.models import RegistrationToken
from tokens.selectors import InvalidToken
from tokens.throttling import TokenUsingAPIView

FAILED = "token.use_failed"


def failures():
    return list(AuditEvent.objects.filter(action=FAILED).select_related("tenant"))


def _expired(tenants, users):
    token, value = make_token(tenants["globex"], users["globex-alice"])
    RegistrationToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    return token, value


def _deleted(tenants, users):
    token, value = make_token(tenants["globex"], users["globex-alice"])
    services.token_delete(actor=users["globex-admin"], token=token, origin=CLI)
    return token, value


def _user_inactive(tenants, users):
    token, value = make_token(tenants["globex"], users["globex-alice"])
    type(users["globex-alice"]).objects.filter(pk=users["globex-alice"].pk).update(is_active=False)
    return token, value


@pytest.mark.parametrize(
    ("reason", "make"),
    [("expired", _expired), ("deleted", _deleted), ("user_inactive", _user_inactive)],
)
def test_failed_use_of_a_known_token_is_in_its_customers_log_with_reason_and_address(
    tenants, users, reason, make
):
    token, value = make(tenants, users)
    assert register(value, address="10.1.2.3").status_code == 401
    [event] = failures()
    assert (event.tenant, event.family, event.ip_address) == (
        tenants["globex"],
        tenants["demo-msp"].pk,
        "10.1.2.3",
    )
    assert event.details["reason"] == reason
    assert event.details["token_id"] == str(token.public_id)
    assert event.details["prefix"] == token.prefix
    assert (event.on_behalf_of_id, event.count, event.source) == (
        users["globex-alice"].pk,
        1,
        "agent",
    )


@pytest.mark.parametrize(
    ("reason", "value", "code"),
    [("unknown", None, 401), ("mistyped", "NOT-A-TOKEN", 400)],
)
def test_failed_use_of_an_unknown_or_mistyped_value_is_the_platforms(db, reason, value, code):
    assert register(value or unknown_but_well_formed(), address="10.1.2.4").status_code == code
    [event] = failures()
    assert (event.tenant_id, event.family, event.ip_address) == (None, None, "10.1.2.4")
    assert event.details["reason"] == reason
    assert "token_id" not in event.details


def test_failed_plan_change_with_an_expired_token_is_audited(tenants, users):
    from tests.agents.helpers import agent

    _, value = make_token(tenants["globex"], users["globex-alice"])
    secret = register(value).json()["agent_secret"]
    _, stale = _expired(tenants, users)
    response = agent(secret).post("/api/v1/agents/me/plan/apply", {"token": stale}, format="json")
    assert response.status_code == 401
    [event] = failures()
    assert (event.tenant, event.details["reason"]) == (tenants["globex"], "expired")


class _RefusingView(TokenUsingAPIView):
    """What the use-limit and address-limit code does: raise with its own reason."""

    authentication_classes: list = []
    permission_classes: list = []
    token = None
    reason = "used_up"

    def post(self, request):
        raise InvalidToken(reason=self.reason, token=self.token)


@pytest.mark.parametrize("reason", ["used_up", "network_refused"])
def test_a_reason_given_by_the_refusing_code_is_recorded_as_given(tenants, users, reason):
    token, _ = make_token(tenants["globex"], users["globex-alice"])
    request = APIRequestFactory().post("/x", {}, format="json", REMOTE_ADDR="10.1.2.5")
    view = _RefusingView.as_view(token=token, reason=reason)
    assert view(request).status_code == 401
    [event] = failures()
    assert (event.tenant, event.details["reason"]) == (tenants["globex"], reason)


def _next_minute():
    now = timezone.now()
    return now.replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)


def test_100_failures_from_one_address_in_a_minute_are_one_row_with_count_100(
    tenants, users, settings
):
    settings.AGENT_TOKEN_FAILURE_LIMIT = 1000
    token, value = _expired(tenants, users)
    with time_machine.travel(_next_minute(), tick=True):
        for _ in range(100):
            assert register(value, address="10.7.7.7").status_code == 401
        register(value, address="10.7.7.8")  # another address: a row of its own
    rows = failures()
    assert sorted((e.ip_address, e.count) for e in rows) == [("10.7.7.7", 100), ("10.7.7.8", 1)]
    assert {e.details["reason"] for e in rows} == {"expired"}


def test_the_next_minute_starts_a_new_row(tenants, users, settings):
    settings.AGENT_TOKEN_FAILURE_LIMIT = 1000
    start = _next_minute()
    for offset in (0, 30, 61):
        with time_machine.travel(start + datetime.timedelta(seconds=offset)):
            register(unknown_but_well_formed(), address="10.7.7.9")
    assert sorted(e.count for e in failures()) == [1, 2]


def _statements(value, address):
    with CaptureQueriesContext(connection) as queries:
        register(value, address=address)
    return len(queries.captured_queries)


@pytest.mark.parametrize("kind", ["unknown", "expired", "mistyped"])
def test_a_failures_query_count_stays_constant(tenants, users, settings, kind):
    settings.AGENT_TOKEN_FAILURE_LIMIT = 1000
    values = {
        "unknown": unknown_but_well_formed,
        "expired": lambda: _expired(tenants, users)[1],
        "mistyped": lambda: "NOT-A-TOKEN",
    }
    value = values[kind]()
    first = _statements(value, "10.8.0.1")
    for n in range(30):
        register(value, address=f"10.8.1.{n}")
        register(unknown_but_well_formed(), address="10.8.0.1")
    assert _statements(value, "10.8.0.1") == first
    # mistyped: the upsert; others: the lookup, the lookup by digest and the upsert; and
    # for each, Monitoring > Usage's failure counter (one upsert, tokens/usage.py)
    assert first == (2 if kind == "mistyped" else 4)


def test_a_failure_never_stores_the_token_value(tenants, users):
    _, value = _expired(tenants, users)
    register(value)
    register(value.replace("-", "").lower())
    typed = "X" + value[1:]
    register(typed)
    text = str([(e.details, e.object_repr, e.rollup_key) for e in failures()])
    for secret in (value, value.replace("-", ""), value.replace("-", "").lower(), typed):
        assert secret not in text
