"""What a successful registration costs in round trips (issue 19, item 14): each one added
is CPU on the app server and on PostgreSQL or Redis for every agent, so these counts are
pinned and a change that adds one fails here (the statement count is pinned beside the
API's tests: tests/agents/test_api_register.py::test_registration_query_count_is_constant).
"""

import datetime

import redis
from django.db import connection
from django.utils import timezone
from psycopg import pq

from tests.agents.helpers import register, unknown_but_well_formed
from tests.factories import make_token
from tokens.models import RegistrationToken
from tokens.selectors import token_by_value


def _commands(server: redis.Redis) -> dict[str, int]:
    """Redis commands run since the last CONFIG RESETSTAT, by name (INFO itself left out)."""
    stats = server.info("commandstats")
    calls = {name.removeprefix("cmdstat_"): entry["calls"] for name, entry in stats.items()}
    calls.pop("info", None)
    calls.pop("config|resetstat", None)
    return calls


def test_a_successful_registration_makes_one_redis_round_trip(tenants, users, redis_cache):
    """The throttle counts the lookup before it is made (one round trip, a Lua script) and
    gives it back afterwards (a script Redis sends no reply for: one write), where Django's
    cache API took seven commands."""
    _, value = make_token(tenants["globex"], users["globex-alice"])
    assert register(value, machine="warm-up").status_code == 201  # the scripts are loaded
    server = redis.Redis.from_url(redis_cache.url)
    server.config_resetstat()
    assert register(value, machine="new").status_code == 201
    assert register(value, machine="new").status_code == 200  # a re-registration
    # EVALSHA, then CLIENT REPLY SKIP and EVAL, each; Redis also counts the commands the
    # scripts ran.
    reserve = {"evalsha": 1, "incr": 1, "expire": 1, "get": 1}  # expire: a new count
    release = {"client|reply": 1, "eval": 1, "exists": 1, "decr": 1}
    each = {**reserve, **release}
    assert _commands(server) == {name: 2 * calls for name, calls in each.items()}
    server.close()


def test_a_failed_registration_is_still_counted_against_its_address(tenants, users, redis_cache):
    """The one-round-trip path keeps the counts the throttle decides on: a failure is
    recorded and the lookup in flight given back."""
    server = redis.Redis.from_url(redis_cache.url)
    assert register(unknown_but_well_formed(), address="10.7.7.7").status_code == 401
    keys = {key.decode().split(":", 2)[-1]: server.get(key) for key in server.keys("*")}
    assert keys["agent-token-failures:10.7.7.7"] == b"1"
    assert keys["agent-token-pending:10.7.7.7"] == b"0"
    server.close()


def _prepared_runs(tenant, *, looked_up: bool | None = None) -> list[int]:
    """Each prepared copy of the registration statement for `tenant`'s schema on this
    connection, with the times it ran (plans used): of the one that looks the token up
    itself, of the one given a token looked up, or (None) of both."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE %s AND statement LIKE %s",
            ["%, active AS (%", f'%"{tenant.schema_name}".%'],
        )
        rows = cursor.fetchall()
    return [runs for text, runs in rows if looked_up in (None, "t.digest = " in text)]


def test_the_write_statement_is_prepared_once_per_connection(tenants, users):
    """PostgreSQL parses and plans the registration's statement once per connection, not
    on every call (it cost more of its CPU than running it): the one after a lookup, and
    the one that looks a token known to the process up itself (registration_known)."""
    _, value = make_token(tenants["globex"], users["globex-alice"])
    assert register(value, machine="zero").status_code == 201  # looked up, then written
    assert register(value, machine="one").status_code == 201  # one statement from now on
    [given] = _prepared_runs(tenants["globex"], looked_up=False)
    [before] = _prepared_runs(tenants["globex"], looked_up=True)
    for machine in ("two", "three", "four"):
        assert register(value, machine=machine).status_code == 201
    assert _prepared_runs(tenants["globex"], looked_up=True) == [before + 3]
    assert _prepared_runs(tenants["globex"], looked_up=False) == [given]


def test_behind_a_transaction_pooler_nothing_is_prepared(tenants, users, monkeypatch):
    """Its server connections are not this client's: the statement goes as any other."""
    _, value = make_token(tenants["globex"], users["globex-alice"])
    before = _prepared_runs(tenants["globex"])
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "prepare_threshold", None)
    assert register(value, machine="pooled").status_code == 201
    assert _prepared_runs(tenants["globex"]) == before


def test_the_prepared_statements_answer_in_binary_with_the_orms_values(tenants, users):
    """The token lookup and the write are read in PostgreSQL's binary format (psycopg's C
    loaders, not Django's per-value Python parsing of `timestamptz` text), and a token
    looked up so has exactly the values, types and time zone the ORM reads for it."""
    token, value = make_token(tenants["globex"], users["globex-alice"])
    with connection.prepared_cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz, %s::text", [timezone.now(), "x"])
        assert cursor.cursor.pgresult.fformat(0) == pq.Format.BINARY
        assert cursor.fetchone()[0].tzinfo is datetime.UTC
    found = token_by_value(value)
    orm = RegistrationToken.objects.select_related("tenant", "user").get(pk=token.pk)
    for looked_up, read in ((found, orm), (found.tenant, orm.tenant), (found.user, orm.user)):
        for field in type(read)._meta.concrete_fields:
            mine, theirs = getattr(looked_up, field.attname), getattr(read, field.attname)
            assert (mine, type(mine)) == (theirs, type(theirs)), field.attname
            if isinstance(theirs, datetime.datetime):
                assert mine.tzinfo is theirs.tzinfo, field.attname
