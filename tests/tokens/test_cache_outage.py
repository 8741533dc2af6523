"""The failure counter is an aid, not a dependency: with the shared cache stopped or hung,
valid registrations and plan changes keep working, fast, and the counter works again when
the cache is back. The cache is a Redis server of the test's own (tests/redis_server.py)."""

import logging
import time

import time_machine
from django.conf import settings
from django.utils import timezone

from common import shared_cache
from tests.agents.helpers import agent, register, unknown_but_well_formed
from tests.factories import make_token


def _timed(call):
    started = time.monotonic()
    response = call()
    return response.status_code, time.monotonic() - started


def _cache_errors(caplog) -> int:
    """Calls that reached the failing cache and paid for it (a socket timeout when hung):
    each one trips the breaker, which logs one warning (the calls here are sequential, so
    none finds the breaker already tripped by another)."""
    return sum(r.name == "common.shared_cache" for r in caplog.records)


def test_valid_registrations_and_plan_changes_survive_a_stopped_or_hung_cache(
    redis_cache, tenants, users, caplog
):
    caplog.set_level(logging.WARNING)
    _, value = make_token(
        tenants["globex"], users["globex-alice"], actor=users["globex-admin"], plan="Daily backup"
    )
    secret = register(value, machine="before").json()["agent_secret"]
    apply = agent(secret)
    answers, paid, pauses = {}, {}, {}
    with time_machine.travel(timezone.now(), tick=True) as clock:
        for phase, fault, recover in [
            ("stopped", redis_cache.stop, redis_cache.start),
            ("hung", redis_cache.hang, redis_cache.resume),
        ]:
            fault()
            errors_before, started = _cache_errors(caplog), time.time()
            answers[phase] = [
                _timed(lambda n=n, p=phase: register(value, machine=f"{p}-{n}")) for n in range(20)
            ] + [
                _timed(
                    lambda: apply.post(
                        "/api/v1/agents/me/plan/apply", {"token": value}, format="json"
                    )
                )
                for _ in range(5)
            ]
            # The breaker's clock (time.time, ticking under time_machine): how many pauses
            # the phase spanned on this machine, however loaded.
            pauses[phase] = (time.time() - started) / shared_cache.PAUSE
            paid[phase] = _cache_errors(caplog) - errors_before
            recover()
            clock.shift(shared_cache.PAUSE + 1)  # this process tries the cache again
        # The cache is back, and so is the counter.
        for _ in range(settings.AGENT_TOKEN_FAILURE_LIMIT):
            assert register(unknown_but_well_formed(), address="10.5.5.5").status_code == 401
        assert register(value, address="10.5.5.5").status_code == 429

    for phase in ("stopped", "hung"):
        lost = sum(status not in (200, 201) for status, _ in answers[phase])
        slowest = max(seconds for _, seconds in answers[phase])
        print(f"cache {phase}: {lost} of 25 valid calls lost, slowest {slowest * 1000:.0f} ms")
        statuses = [status for status, _ in answers[phase]]
        assert statuses == [201] * 20 + [200] * 5, phase  # 0 valid registrations lost
        # Fast: the fault cost one cache call (one socket timeout when hung) per pause, not
        # one per request; counted rather than timed, so a busy machine cannot fail it.
        assert 1 <= paid[phase] <= 1 + int(pauses[phase]), (phase, paid[phase], pauses[phase])
    warnings = [r for r in caplog.records if r.name == "common.shared_cache"]
    assert warnings and all(r.levelno == logging.WARNING for r in warnings)
