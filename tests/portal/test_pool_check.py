"""The pooled connection's health check (portal.postgresql.pooling): made for a connection
that sat unused in the pool, not for one given back a moment ago (a round trip saved on
every request under load), on the production settings' kind of pool."""

import time

import psycopg
import pytest
from django.db import connection
from django.db.utils import OperationalError

from portal.postgresql import base, pooling


@pytest.fixture
def pooled(db):
    """A DatabaseWrapper of the test database with a pool of one connection, as the
    production settings configure (CONN_MAX_AGE 0, health checks on)."""
    settings = {
        **connection.settings_dict,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {**connection.settings_dict["OPTIONS"], "pool": {"min_size": 1, "max_size": 1}},
    }
    wrapper = base.DatabaseWrapper(settings, alias="pool-check-test")
    yield wrapper
    wrapper.close()
    wrapper.close_pool()


def _lend_terminated(wrapper) -> None:
    """Use the pool's connection, give it back, and have its server process terminated."""
    wrapper.ensure_connection()
    pid = wrapper.connection.info.backend_pid
    wrapper.close()  # back to the pool
    with psycopg.connect(**connection.get_connection_params() | {"autocommit": True}) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
        for _ in range(100):
            if not other.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
                break
            time.sleep(0.01)


def _answers(wrapper) -> bool:
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except OperationalError:
        return False
    finally:
        wrapper.close()


def test_the_pool_checks_with_the_portal_check(pooled):
    assert pooled.pool._check is pooling.check_unless_recent


def test_a_connection_that_sat_unused_is_checked_and_replaced(pooled, monkeypatch):
    monkeypatch.setattr(pooling, "RECENTLY_USED", 0.0)  # any time in the pool is long
    _lend_terminated(pooled)
    assert _answers(pooled)  # the check found it broken: a new connection was lent


def test_a_connection_given_back_a_moment_ago_is_lent_unchecked(pooled):
    _lend_terminated(pooled)
    assert not _answers(pooled)  # no check: the statement met the broken connection
    assert _answers(pooled)  # ... which was thrown away; the next request gets a new one


def test_a_connection_never_lent_is_checked():
    with psycopg.connect(**connection.get_connection_params()) as conn:
        conn.close()
        with pytest.raises(psycopg.OperationalError):
            pooling.check_unless_recent(conn)
        pooling.returned(conn)
        pooling.check_unless_recent(conn)  # given back a moment ago: not checked
