"""django-tenants' PostgreSQL backend, with the tenant bound to every statement.

django-tenants chooses the tenant by the session's `search_path`: it sends `SET search_path`
when a cursor is made and remembers it. Behind a transaction pooler (PgBouncer in
`pool_mode = transaction`) a session is not one client's: the `SET` and the next statement
can run on two different server connections, and a path one client set stays on its server
connection for the next client that gets it, which is a cross-tenant leak.

Here every statement carries its own path instead: the cursor sends `SET search_path = ...;
<statement>` as one simple-query string (Django's psycopg cursors bind parameters on the
client, so the two go in one round trip, and PostgreSQL runs them as one implicit
transaction, so a pooler keeps them on one server connection). The path is the one the
connection has selected at that moment (`set_tenant`), never a remembered session state.
django-tenants' own `SET search_path` statement still goes through Django's cursor, so query
logs and the pinned statement counts read as before, but it is not sent: the next statement
carries the path. No round trip is added; one is saved wherever django-tenants sent its `SET`.

Exceptions, none of them on a request's path: statements that PostgreSQL refuses to run in a
multi-statement string (CREATE DATABASE, VACUUM, ... CONCURRENTLY) get the path in a `SET`
of their own just before (they run on a direct connection: migrations, test set-up); a
statement in a failed transaction gets none (it can only be a rollback); named cursors
(server-side, disabled behind a pooler) set the session's path as django-tenants does.

`prepared_cursor` is for a statement that names the schema of every table it uses (no path
needed): it is sent with server-side binding and prepared once per connection, so PostgreSQL
parses and plans it once rather than on every call (a registration's write statement: 2.0 ms
of PostgreSQL CPU unprepared, 0.9 ms prepared, once PostgreSQL keeps a generic plan after five
runs; psycopg keeps 100 prepared statements a connection). Behind a transaction pooler,
whose server connections are not this client's, it is Django's cursor like any other.

`TENANT_SEARCH_PATH_BINDING = "session"` (the test settings only) restores django-tenants'
session binding, so the leak test can show what the per-statement binding prevents.
"""

import functools
import re

import psycopg
from django.conf import settings
from django.db.backends.postgresql import base as django_postgresql
from django_tenants.postgresql_backend import base
from django_tenants.utils import quote_schema_name
from psycopg import pq
from psycopg._queries import PostgresQuery, _query2pg_nocache
from psycopg_pool import ConnectionPool

from . import pooling

# PostgreSQL runs these only as a statement of their own ("cannot be executed within a
# transaction block / from a multi-command string").
_ALONE = re.compile(
    r"\s*(?:(?:CREATE|DROP)\s+(?:DATABASE|TABLESPACE|SUBSCRIPTION)\b|VACUUM\b"
    r"|ALTER\s+SYSTEM\b|REINDEX\s+(?:DATABASE|SYSTEM)\b"
    r"|(?:CREATE\s+(?:UNIQUE\s+)?INDEX|DROP\s+INDEX|REINDEX\s+\w+)\s+CONCURRENTLY\b)",
    re.IGNORECASE,
)
# Transaction control needs no path (and ROLLBACK TO must run in a failed transaction).
_NO_PATH = re.compile(r"\s*(?:SAVEPOINT|RELEASE|ROLLBACK|COMMIT|BEGIN|START\s)", re.IGNORECASE)
_SET_PATH = re.compile(r"\s*SET\s+(?:SESSION\s+)?search_path\s*(?:=|TO)\s", re.IGNORECASE)


def statement_binding() -> bool:
    return getattr(settings, "TENANT_SEARCH_PATH_BINDING", "statement") == "statement"


class TenantPathCursor(django_postgresql.Cursor):
    """Django's client-side binding cursor that sends the connection's current search path
    with every statement; it behaves as Django's own until `bind` gives it a connection."""

    wrapper: "DatabaseWrapper | None" = None
    path: str | None = None  # a search path this cursor was given by its own SET
    statement: str | None = None  # the last statement as the caller wrote it, for the log

    def bind(self, wrapper: "DatabaseWrapper") -> None:
        self.wrapper = wrapper

    def execute(self, query, params=None, **kwargs):
        wrapper = self.wrapper
        if wrapper is None:
            return super().execute(query, params, **kwargs)
        self.statement = None
        text = query if isinstance(query, str) else None
        if text is not None and params is None and _SET_PATH.match(text):
            self.statement = text
            # django-tenants' own SET for the selected schema is not sent: the next statement
            # carries the path. Any other (django-tenants' introspection sets the schema
            # alone, then back) holds for this cursor's later statements.
            if not wrapper._setting_search_path:
                self.path = text.strip().rstrip(";")
            return self
        wrapper.statements_sent += 1
        if self.connection.info.transaction_status == pq.TransactionStatus.INERROR or (
            text is not None and _NO_PATH.match(text)
        ):
            return super().execute(query, params, **kwargs)
        path = self.path or wrapper.search_path_sql()
        if text is not None and _ALONE.match(text):
            wrapper.statements_sent += 1
            super().execute(path)
            return super().execute(query, params, **kwargs)
        if text is None or params is not None:
            # Parameters merged as psycopg would (its parse of the query stays cached).
            text = self.mogrify(query, params)
        self.statement = text
        super().execute(f"{path}; {text}", **kwargs)
        self.nextset()  # the statement's own result, not the SET's
        return self

    def executemany(self, query, params_seq, *, returning=False):
        if self.wrapper is None:
            return super().executemany(query, params_seq, returning=returning)
        # psycopg pipelines a batch (one statement each): the path goes first, in the same
        # transaction, so a pooler keeps them together.
        with self.connection.transaction():
            self.wrapper.statements_sent += 1
            super().execute(self.path or self.wrapper.search_path_sql())
            return super().executemany(query, params_seq, returning=returning)


# What psycopg's automatic preparation needs on a connection for `prepare=True` to be heard
# (None switches every preparation off): a count no statement reaches, so only the
# statements sent through `PreparedCursor` are prepared.
EXPLICIT_ONLY = 2**31 - 1


@functools.lru_cache(maxsize=256)
def _placeholders(query: bytes, encoding: str):
    return _query2pg_nocache(query, encoding)


class _QueryConvertedOnce(PostgresQuery):
    """psycopg turns a statement's `%(name)s` placeholders into `$n` on every call, and
    remembers the result only for statements of up to 4 KB: a registration's write
    statement (6 KB) took 0.45 ms of the app's CPU for it on each call. Here the result is
    remembered whatever the length (the statements sent through PreparedCursor are few: one
    per tenant at most)."""

    def convert(self, query, vars):
        if vars is None or not isinstance(query, str | bytes):
            return super().convert(query, vars)
        query = self._ensure_bytes(query)
        converted = _placeholders(query, self._tx.encoding)
        self.query, self._want_formats, self._order, self._parts = converted
        self.dump(vars)


class PreparedCursor(psycopg.Cursor):
    """Server-side binding, every statement prepared (once per connection and text), its
    results in PostgreSQL's binary format.

    Binary, because Django's loader for `timestamptz` text (the one Django registers, to set
    the connection's time zone) parses each value in Python, and makes a new loader, reading
    the connection's settings, for every such column of every statement; psycopg's binary
    loaders are its C ones, and give the same values in the same UTC. Only the types Django
    leaves to psycopg can come back so (tests/agents/test_registration_cost.py): `jsonb`,
    `inet` and `cidr` would come back as Python objects where Django's text loaders give
    strings, so a statement sent here must not return them."""

    _query_cls = _QueryConvertedOnce
    wrapper: "DatabaseWrapper"

    def execute(self, query, params=None, *, prepare=None, binary=True):
        self.wrapper.statements_sent += 1
        return super().execute(query, params, prepare=True, binary=binary)


class DatabaseOperations(django_postgresql.DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        """The statement as its caller wrote it (query logs, captured queries), without
        the search path sent with it."""
        statement = getattr(cursor, "statement", None)
        if statement is not None:
            return statement
        if isinstance(cursor, PreparedCursor):  # psycopg keeps no text of a prepared run
            return self.compose_sql(sql, params)
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def __init__(self, *args, **kwargs):
        self._path_sql: dict[tuple[str, bool], str] = {}
        # Statements this connection sent to the server through bound cursors (SETs of their
        # own included): a test compares it with Django's count of executed statements.
        self.statements_sent = 0
        super().__init__(*args, **kwargs)

    @property
    def pool(self):
        """Django's pool, its health check made only after a connection sat unused
        (`pooling.check_unless_recent`)."""
        pool = super().pool
        if pool is not None and pool._check is ConnectionPool.check_connection:
            pool._check = pooling.check_unless_recent
        return pool

    def _close(self):
        if self.connection is not None and self.pool:
            pooling.returned(self.connection)
        return super()._close()

    def get_connection_params(self):
        params = super().get_connection_params()
        if params.get("cursor_factory") is django_postgresql.Cursor:
            params["cursor_factory"] = TenantPathCursor
        return params

    def create_cursor(self, name=None):
        cursor = super().create_cursor(name)
        if isinstance(cursor, TenantPathCursor) and statement_binding():
            cursor.bind(self)
        return cursor

    def _cursor(self, name=None):
        if name and statement_binding():
            # A named cursor's DECLARE cannot carry the path: set the session's for it.
            self.search_path_set_schemas = None
        return super()._cursor(name)

    def prepared_cursor(self):
        """A cursor for statements that name every table's schema, prepared on the server
        (see the module); Django's cursor behind a transaction pooler (whose settings state
        `prepare_threshold` None: settings.backends.pooled_database)."""
        options = self.settings_dict["OPTIONS"]
        if ("prepare_threshold" in options and options["prepare_threshold"] is None) or (
            not statement_binding()
        ):
            return self.cursor()
        self.ensure_connection()
        if self.connection.prepare_threshold is None:
            self.connection.prepare_threshold = EXPLICIT_ONLY
        cursor = PreparedCursor(self.connection)
        cursor.wrapper = self
        return self._prepare_cursor(cursor)

    def search_path_sql(self) -> str:
        """`SET search_path = ...` for the schema selected now."""
        key = (self.schema_name, self.include_public_schema)
        if key not in self._path_sql:
            schemas = ",".join(quote_schema_name(s) for s in self._get_cursor_search_paths())
            self._path_sql[key] = f"SET search_path = {schemas}"
        return self._path_sql[key]

    def set_tenant(self, tenant, include_public=True):
        # django-tenants forgets which search path the session has whenever a tenant is
        # selected, even the one already in force; under the session binding (tests only)
        # keep it when the newly selected one is the same, to spare the repeated SET.
        in_force = self.search_path_set_schemas
        super().set_tenant(tenant, include_public)
        if in_force is not None and in_force == self._get_cursor_search_paths():
            self.search_path_set_schemas = in_force
