"""The token-failure throttle: atomic counting, an allowance for a blocked address, and
Retry-After. Lookups are counted at the database connection (Django's execute wrapper)."""

import threading
from contextlib import contextmanager

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.utils import timezone

from portal.settings.base import cache_config
from tenants.models import AuditEvent
from tests.agents.helpers import register, unknown_but_well_formed
from tests.factories import error_body, make_token
from tokens.models import UsageDay
from tokens.throttling import MSG_THROTTLED
from tokens.usage import today_utc

GUESSER = "10.7.7.7"


class LookupCounter:
    """Counts the token lookups (by digest) that reach the database."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def __call__(self, execute, sql, params, many, context):
        if "tokens_registrationtoken" in sql and "t.digest = %s" in sql:
            with self._lock:
                self.count += 1
        return execute(sql, params, many, context)

    @contextmanager
    def watching(self):
        with connection.execute_wrapper(self):
            yield


@pytest.mark.parametrize("backend", ["redis", "file cache"])
def test_forty_concurrent_bad_guesses_let_exactly_the_limit_reach_the_database(
    backend, request, db
):
    if backend == "redis":
        server = request.getfixturevalue("redis_cache")
        # Atomic counting is this test's subject: 40 threads at once on a loaded machine must
        # not trip production's 100 ms timeouts (that fail-open path is tested elsewhere).
        patient = cache_config(server.url)
        patient["OPTIONS"] = {
            **patient["OPTIONS"],
            "socket_timeout": 5,
            "socket_connect_timeout": 5,
        }
        request.getfixturevalue("settings").CACHES = {"default": patient}
    limit = settings.AGENT_TOKEN_FAILURE_LIMIT
    lookups, statuses = LookupCounter(), []
    start = threading.Barrier(40)

    def guess() -> None:
        try:
            with lookups.watching():
                start.wait()
                statuses.append(register(unknown_but_well_formed(), address=GUESSER).status_code)
        finally:
            connection.close()

    platform_failures = _committed(_platform_failures_today)
    threads = [threading.Thread(target=guess) for _ in range(40)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        _committed(lambda: _forget_the_guesses(platform_failures))
    assert lookups.count == limit
    assert sorted(statuses) == [401] * limit + [429] * (40 - limit)


def _committed(work):
    """`work()` on a connection of its own (a thread's), outside the test's transaction: the
    forty threads commit what they write (each has its own connection), so only there is it
    seen, and removed."""
    outcome: list = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as error:  # noqa: BLE001  (raised again in the test's thread)
            outcome.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def _platform_failures_today() -> int | None:
    row = UsageDay.objects.filter(tenant=None, day=today_utc()).first()
    return row.failures if row else None


def _forget_the_guesses(platform_failures: int | None) -> None:
    """Remove what the guesses committed, so no later test (or a rerun on a kept database)
    finds a second `token.use_failed` event or the platform's failures off by forty: the
    guesser's audit events and its failures in today's platform usage row."""
    AuditEvent.objects.filter(
        ip_address=GUESSER, action=AuditEvent.Action.TOKEN_USE_FAILED
    ).delete()
    today = UsageDay.objects.filter(tenant=None, day=today_utc())
    if platform_failures is None:
        today.delete()
    else:
        today.update(failures=platform_failures)


def _block(address: str) -> None:
    for _ in range(settings.AGENT_TOKEN_FAILURE_LIMIT):
        assert register(unknown_but_well_formed(), address=address).status_code == 401


def test_a_valid_token_from_a_blocked_address_succeeds_within_a_minute(tenants, users):
    _, value = make_token(tenants["globex"], users["globex-alice"])
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _block("10.8.8.8")
        refused = register(value, address="10.8.8.8")
        assert refused.status_code == 429
        wait = int(refused["Retry-After"])
        assert 1 <= wait <= 30
        assert error_body(refused) == {"detail": MSG_THROTTLED}
        # An agent that honours Retry-After gets through on its next try.
        clock.shift(wait)
        assert register(value, address="10.8.8.8").status_code == 201
        # The address stays blocked for everything else meanwhile.
        assert register(unknown_but_well_formed(), address="10.8.8.8").status_code == 429


def test_an_address_sending_only_bad_tokens_gets_a_few_lookups_a_minute(tenants, users):
    limit = settings.AGENT_TOKEN_FAILURE_LIMIT
    per_minute = []
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _minute in range(3):
            lookups = LookupCounter()
            with lookups.watching():
                for _ in range(120):  # two guesses a second
                    status = register(unknown_but_well_formed(), address="10.6.6.6").status_code
                    assert status in (401, 429)
                    clock.shift(0.5)
            per_minute.append(lookups.count)
    # The limit, then the allowance: a few lookups a minute, however hard it tries.
    assert limit <= per_minute[0] <= limit + 3
    assert 1 <= per_minute[1] <= 3 and 1 <= per_minute[2] <= 3


def test_a_script_repeating_a_stale_token_never_takes_a_valid_agents_turn(tenants, users):
    _, value = make_token(tenants["globex"], users["globex-alice"])
    stale = unknown_but_well_formed()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(settings.AGENT_TOKEN_FAILURE_LIMIT):
            assert register(stale, address="10.4.4.4").status_code == 401
        refused = register(value, address="10.4.4.4")
        assert refused.status_code == 429
        wait = int(refused["Retry-After"])
        # The script keeps sending its stale token, faster than the agent retries ...
        lookups = LookupCounter()
        with lookups.watching():
            for _ in range(wait * 4):
                clock.shift(0.25)
                assert register(stale, address="10.4.4.4").status_code == 429
        assert lookups.count == 0
        # ... and the agent still gets the next turn.
        assert register(value, address="10.4.4.4").status_code == 201
