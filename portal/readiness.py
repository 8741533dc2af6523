"""Readiness (`GET /readyz`): the database and the cache answer, and every migration on disk
is applied to the public schema, the template schema and the newest tenant's schema.

Each check runs in a thread of its own and is awaited at most READYZ_TIMEOUT seconds, so a
hung database or cache answers 503 promptly instead of holding the probe: the database
check opens a new connection with a connect timeout and runs in one transaction that
starts with `SET LOCAL statement_timeout` (not the `options` startup parameter, which
PgBouncer refuses, and not a session SET, which a transaction pooler would leave on a
server connection for the next client), the cache
check uses the cache's own short socket timeouts (CACHE_SOCKET_TIMEOUT), and while a check
of a kind is still stuck from an earlier probe the next probe reports it as "timeout"
without starting another, so a hung server costs at most one thread per kind.

The migrations check compares the leaf migrations of Django's migration graph (read from
disk once per process) with the django_migrations tables: one statement. Once it has
passed, this process does not check again (a new release's migrations come with new
processes).

Nothing from an exception is ever in the answer (a database error can name the server, its
user or worse): only "ok", "unavailable", "timeout" or the names of pending migrations.
"""

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from functools import lru_cache

import psycopg
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from psycopg import sql

log = logging.getLogger(__name__)

OK, UNAVAILABLE, TIMEOUT, UNKNOWN = "ok", "unavailable", "timeout", "unknown"

_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="readyz")
_running: dict[str, Future] = {}
_lock = threading.Lock()
_migrated = threading.Event()  # set once every migration was found applied


def readiness() -> tuple[bool, dict[str, str]]:
    """(ready, {"database": ..., "cache": ..., "migrations": ...})."""
    deadline = time.monotonic() + settings.READYZ_TIMEOUT
    database, cache = _start("database", _database_check), _start("cache", _cache_check)
    checks: dict[str, str] = {}
    db_result = _result(database, deadline)
    if isinstance(db_result, tuple):
        checks["database"], checks["migrations"] = db_result
    else:
        checks["database"], checks["migrations"] = db_result, UNKNOWN
    checks["cache"] = _result(cache, deadline)
    checks = {name: checks[name] for name in ("database", "cache", "migrations")}
    return all(value == OK for value in checks.values()), checks


def _start(kind: str, check) -> Future | None:
    """Submit the check unless one of its kind is still running (then None: "timeout")."""
    with _lock:
        previous = _running.get(kind)
        if previous is not None and not previous.done():
            return None
        future = _pool.submit(check)
        _running[kind] = future
        return future


def _result(future: Future | None, deadline: float):
    if future is None:
        return TIMEOUT
    try:
        return future.result(timeout=max(0.0, deadline - time.monotonic()))
    except FutureTimeout:
        return TIMEOUT


def _timeout_seconds() -> int:
    return max(1, round(settings.READYZ_TIMEOUT))


def _connection_params() -> dict:
    """The portal's own database settings (host, port, name, user, password; directly or
    through the pooler DATABASE_URL names), with a short connect timeout: what
    psycopg.connect takes. No startup `options`: PgBouncer refuses them."""
    params = connection.get_connection_params()
    for name in ("cursor_factory", "context", "prepare_threshold", "pool"):
        params.pop(name, None)
    params["connect_timeout"] = max(2, _timeout_seconds())  # libpq's smallest
    params["autocommit"] = True
    return params


def _database_check() -> tuple[str, str]:
    """(database, migrations)."""
    timeout = sql.SQL("SET LOCAL statement_timeout = {}").format(
        sql.Literal(_timeout_seconds() * 1000)
    )
    try:
        # One transaction: a transaction pooler keeps it on one server connection, and the
        # timeout ends with it, so no other client of that connection inherits it.
        with psycopg.connect(**_connection_params()) as conn, conn.transaction():
            conn.execute(timeout)
            conn.execute("SELECT 1")
            if _migrated.is_set():
                return OK, OK
            pending = pending_migrations(conn)
    except Exception as error:  # noqa: BLE001 - reported as a state, never as text
        log.warning("Readiness: database check failed (%s).", type(error).__name__)
        return UNAVAILABLE, UNKNOWN
    if pending:
        return OK, "pending: " + ", ".join(pending)
    _migrated.set()
    return OK, OK


@lru_cache(maxsize=1)
def leaf_migrations() -> tuple[tuple[str, str], ...]:
    """The last migration of every app, from the migration files (no database)."""
    return tuple(sorted(MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes()))


def checked_schemas(conn) -> list[str]:
    """The public schema, the template schema and the newest tenant's schema."""
    newest = conn.execute(
        "SELECT schema_name FROM tenants_tenant ORDER BY id DESC LIMIT 1"
    ).fetchone()
    schemas = ["public", settings.TENANT_BASE_SCHEMA]
    return schemas + ([newest[0]] if newest and newest[0] not in schemas else [])


def pending_migrations(conn) -> list[str]:
    """`schema: app.migration` for every leaf migration a checked schema has not recorded
    (or `schema: no migrations recorded`), in one statement over the schemas."""
    leaves = leaf_migrations()
    wanted = [f"{app}.{name}" for app, name in leaves]
    schemas = checked_schemas(conn)
    present = {
        row[0]
        for row in conn.execute(
            "SELECT nspname FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid"
            " WHERE c.relname = 'django_migrations' AND nspname = ANY(%s)",
            [schemas],
        )
    }
    pending = [f"{schema}: no migrations recorded" for schema in schemas if schema not in present]
    found = [schema for schema in schemas if schema in present]
    if found:
        query = sql.SQL(" UNION ALL ").join(
            sql.SQL(
                "SELECT {label}, app || '.' || name FROM {table} WHERE app || '.' || name = ANY(%s)"
            ).format(label=sql.Literal(schema), table=sql.Identifier(schema, "django_migrations"))
            for schema in found
        )
        recorded = set(conn.execute(query, [wanted] * len(found)).fetchall())
        pending += [
            f"{schema}: {migration}"
            for schema in found
            for migration in wanted
            if (schema, migration) not in recorded
        ]
    return pending


def _cache_check() -> str:
    cache = caches["default"]
    key = f"readyz:{threading.get_ident()}"
    try:
        cache.set(key, "1", timeout=30)
        if cache.get(key) != "1":
            return UNAVAILABLE
    except Exception as error:  # noqa: BLE001 - reported as a state, never as text
        log.warning("Readiness: cache check failed (%s).", type(error).__name__)
        return UNAVAILABLE
    return OK
