"""A task worker that stopped reporting in (issue 19, item 1): /readyz reports "worker":
"stale" (503) where READYZ_REQUIRE_WORKER is on, and /metrics exports the seconds since the
newest heartbeat either way (portal/worker_health.py)."""

import json
import math

import psycopg
import pytest
from django.test import Client

from portal import readiness
from tests.portal.test_metrics import SCRAPER, TOKEN, samples
from tests.portal.test_readyz import _dsn

AGE = ("portal_task_worker_heartbeat_age_seconds", ())


@pytest.fixture
def heartbeats(db, settings):
    """Set the workers' rows (committed: the readiness check reads on a connection of its
    own) to heartbeats this many seconds old; none are left afterwards."""
    settings.READYZ_TIMEOUT = 2.0
    settings.METRICS_ALLOWED_ADDRESSES = [SCRAPER]
    settings.METRICS_TOKEN = TOKEN
    readiness._migrated.clear()

    def set_ages(*ages: float) -> None:
        with psycopg.connect(_dsn(), autocommit=True) as conn:
            conn.execute("DELETE FROM procrastinate_workers")
            for age in ages:
                conn.execute(
                    "INSERT INTO procrastinate_workers (last_heartbeat)"
                    " VALUES (now() - make_interval(secs => %s))",
                    [age],
                )

    yield set_ages
    set_ages()
    for future in list(readiness._running.values()):
        future.result(timeout=10)
    readiness._migrated.clear()


def _readyz() -> tuple[int, dict]:
    response = Client().get("/readyz")
    return response.status_code, json.loads(response.content)["checks"]


def test_readyz_is_503_while_no_worker_reported_in_within_a_minute(heartbeats, settings):
    settings.READYZ_REQUIRE_WORKER = True
    heartbeats()  # no worker ever started
    assert _readyz() == (
        503,
        {"database": "ok", "cache": "ok", "migrations": "ok", "worker": "stale"},
    )
    heartbeats(300, 75)  # two workers, both dead
    assert _readyz()[0] == 503
    heartbeats(300, 3)  # a dead one and a live one
    assert _readyz() == (
        200,
        {"database": "ok", "cache": "ok", "migrations": "ok", "worker": "ok"},
    )


def test_without_require_worker_readyz_does_not_check_it(heartbeats, settings):
    settings.READYZ_REQUIRE_WORKER = False
    heartbeats()
    assert _readyz() == (200, {"database": "ok", "cache": "ok", "migrations": "ok"})


def test_metrics_export_the_age_of_the_newest_heartbeat(heartbeats):
    heartbeats()
    scraped = Client().get("/metrics", REMOTE_ADDR=SCRAPER).content.decode()
    assert math.isinf(samples(scraped)[AGE])
    heartbeats(600, 90)
    age = samples(Client().get("/metrics", REMOTE_ADDR=SCRAPER).content.decode())[AGE]
    assert 80 <= age < 120  # read by the test's transaction, whose now() is its start
