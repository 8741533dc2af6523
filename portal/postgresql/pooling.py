"""The health check of a pooled connection, made only where it can find something.

Django's pool (the production settings: a psycopg pool per worker process) checks every
connection it lends when CONN_HEALTH_CHECKS is on: an empty statement, one more round trip
to PostgreSQL on every request that uses the database. A registration made three (the
check, the token's lookup, the write), and the check cost about 4% of a registration's app
CPU and some of PostgreSQL's.

A connection given back to the pool less than `RECENTLY_USED` seconds ago had just
answered its last statement, so it is lent unchecked; one that sat in the pool longer is
checked as before. Under load every connection is back in use within milliseconds and no
check is made; after a database restart or any outage longer than that, every connection
that survived it has sat unused for longer and is checked, and one used meanwhile failed
and was thrown away (Django closes a connection that errored; the pool replaces a broken
one). What is no longer caught is a connection that broke within the last second (a
server connection terminated by an administrator, a restart shorter than a second): the
request that gets it fails as requests in flight during an outage do (503 to the API,
which an agent retries) and the connection is replaced. docs/decisions.md says why.
"""

import time

from psycopg_pool import ConnectionPool

RECENTLY_USED = 1.0  # seconds


def returned(conn) -> None:
    """Note when `conn` goes back to its pool (the pool itself keeps no such time)."""
    conn._portal_returned_at = time.monotonic()


def check_unless_recent(conn) -> None:
    """The pool's check: psycopg's own unless `conn` was in use a moment ago."""
    at = getattr(conn, "_portal_returned_at", None)
    if at is not None and time.monotonic() - at < RECENTLY_USED:
        return
    ConnectionPool.check_connection(conn)
