"""While the shared cache's circuit breaker is open, bad tokens are still throttled: this
process counts them in memory (tokens.local_counters), with the same limit per address
(issue 19, item 7: 119 of 120 bad tokens used to reach the database)."""

import pytest
from django.conf import settings

from common import shared_cache
from tests.agents.helpers import register, unknown_but_well_formed
from tests.factories import make_token
from tests.tokens.test_throttling import LookupCounter
from tokens.local_counters import local_store

GUESSER, NEIGHBOUR = "10.8.8.8", "10.8.8.9"


@pytest.fixture
def breaker_open(monkeypatch):
    """The shared cache's breaker opened as a slow call opens it, for the whole test."""
    monkeypatch.setattr(shared_cache, "PAUSE", 300.0)
    shared_cache.breaker.trip("incr", TimeoutError("Timeout reading from socket"))
    try:
        yield
    finally:
        shared_cache.breaker.reset()
        local_store().clear()


def test_bad_tokens_are_throttled_per_address_while_the_breaker_is_open(db, breaker_open):
    limit, extra = settings.AGENT_TOKEN_FAILURE_LIMIT, 5
    lookups = LookupCounter()
    with lookups.watching():
        statuses = [
            register(unknown_but_well_formed(), address=GUESSER).status_code
            for _ in range(limit + extra)
        ]
        after_the_limit = lookups.count
        neighbour = register(unknown_but_well_formed(), address=NEIGHBOUR).status_code
    assert shared_cache.breaker.is_open()  # the shared cache was never asked
    assert statuses == [401] * limit + [429] * extra
    assert after_the_limit == limit  # the refused ones never reached the database
    assert neighbour == 401  # another address is not slowed by the guesser


def test_valid_registrations_go_on_while_the_breaker_is_open(db, breaker_open, tenants, users):
    _, value = make_token(tenants["globex"], users["globex-alice"], actor=users["globex-admin"])
    limit = settings.AGENT_TOKEN_FAILURE_LIMIT
    statuses = [register(value, machine=f"m-{n}").status_code for n in range(limit + 2)]
    assert statuses == [201] * (limit + 2)  # successes count no failure, locally either
