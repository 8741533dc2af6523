"""The services the portal connects to: PostgreSQL (optionally behind a transaction pooler)
and the shared cache. Imported by base.py (`from .backends import *`); the helpers are also
used by the environment modules and the tests (`cache_config`).
"""

from pathlib import Path
from urllib.parse import unquote

import environ
from django.core.exceptions import ImproperlyConfigured

__all__ = [
    "CACHES",
    "CACHE_SOCKET_TIMEOUT",
    "DATABASES",
    "DATABASE_POOLER",
    "DATABASE_POOLERS",
    "DEFAULT_AUTO_FIELD",
    "cache_config",
    "database_from_env",
    "pooled_database",
]

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

# --- Database -----------------------------------------------------------------------------


def database_from_env(variable: str = "DATABASE_URL") -> dict:
    """Read DATABASE_URL (or `variable`), with the django-tenants engine.

    A unix-socket folder arrives as a percent-encoded host (libpq's URL form), which
    django-environ leaves encoded; psycopg needs the plain path.
    """
    config = env.db(variable)
    # django-tenants' backend, minus the search_path statements it repeats (see the module).
    config["ENGINE"] = "portal.postgresql"
    config["HOST"] = unquote(config.get("HOST") or "")
    # Persistent connections: a new PostgreSQL connection per request halves agent throughput
    # (measured by tests/benchmarks/bench_agent_register.py). Requests reset search_path.
    config["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    config["CONN_HEALTH_CHECKS"] = True
    return config


# A transaction pooler (PgBouncer with `pool_mode = transaction`) in front of PostgreSQL:
# DATABASE_POOLER=transaction, DATABASE_URL naming the pooler and DATABASE_DIRECT_URL the
# server itself. Each transaction may then run on another server connection, so nothing may
# rely on a session: the search path travels with every statement (always, see
# portal.postgresql), no server-side cursors (a WITH HOLD cursor outlives its transaction),
# no prepared statements (psycopg's prepare_threshold None, Django's default, stated here);
# Django's remaining session settings (TimeZone, client_encoding) are parameters PgBouncer
# tracks per client and sets on each server connection it lends. What needs a real session
# uses the direct URL: the task worker (procrastinate's LISTEN/NOTIFY and advisory locks,
# through the `direct` alias) and `setup_portal` (the launcher runs it with that URL).
DATABASE_POOLERS = ("", "transaction")
DATABASE_POOLER = env.str("DATABASE_POOLER", default="")
if DATABASE_POOLER not in DATABASE_POOLERS:
    raise ImproperlyConfigured(
        f"DATABASE_POOLER must be empty or 'transaction', not {DATABASE_POOLER!r}."
    )


def pooled_database(config: dict) -> dict:
    """`config` (the pooler's address) with what a transaction pooler needs."""
    return {
        **config,
        "DISABLE_SERVER_SIDE_CURSORS": True,
        "OPTIONS": {**config.get("OPTIONS", {}), "prepare_threshold": None},
    }


DATABASES = {"default": database_from_env()}
if DATABASE_POOLER == "transaction":
    DATABASES = {
        "default": pooled_database(DATABASES["default"]),
        "direct": database_from_env("DATABASE_DIRECT_URL"),
    }
    PROCRASTINATE_DATABASE_ALIAS = "direct"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------
# Shared by every worker process (agent throttling counts failures here): a file cache on
# this machine by default, Redis (CACHE_URL=redis://...) in production. The cache is an aid,
# not a dependency (common.shared_cache): a stopped or hung Redis costs a request at most
# one socket timeout of CACHE_SOCKET_TIMEOUT seconds, never an error.
CACHE_SOCKET_TIMEOUT = env.float("CACHE_SOCKET_TIMEOUT", default=0.1)


def cache_config(url: str) -> dict:
    """The cache a CACHE_URL names: Redis with short socket timeouts (and no retries), or
    the file cache with atomic counters."""
    config = environ.Env.cache_url_config(url)
    if config["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache":
        config["BACKEND"] = "portal.filecache.FileCache"  # counters atomic across processes
    if config["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
        # One connection pool per worker process, not one per request (portal.rediscache).
        config["BACKEND"] = "portal.rediscache.SharedPoolRedisCache"
        config["OPTIONS"] = {
            "socket_connect_timeout": CACHE_SOCKET_TIMEOUT,
            "socket_timeout": CACHE_SOCKET_TIMEOUT,
            **config.get("OPTIONS", {}),
        }
    return config


CACHES = {
    "default": cache_config(
        env.str("CACHE_URL", default=f"filecache://{BASE_DIR / '.cache' / 'portal'}")
    )
}
if DATABASE_POOLER == "transaction":
    __all__ += ["PROCRASTINATE_DATABASE_ALIAS"]
