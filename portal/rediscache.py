"""Django's Redis cache, with one connection pool per worker process.

Django's `caches` handler keeps its cache objects per context (asgiref's Local), and each
RedisCache object builds its own client and pool. Under the production server (gunicorn's
ASGI worker) every request runs in a new context, so every request that touched the cache
built a new pool and opened a new connection: 100 registrations, 100 Redis connections,
thousands of sockets in TIME_WAIT under load and a connection set-up on every request.

Here the pools live in this module, one per server URL and options, shared by every cache
object, thread and context of the process. redis-py's pool is thread-safe. A forked child
(gunicorn forks its workers after importing the application) must not share its parent's
sockets: the pools are forgotten after a fork (`os.register_at_fork`), and a pid check
covers a fork made some other way.
"""

import os
import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_lock = threading.Lock()
_pools: dict[tuple, Any] = {}
_pid = os.getpid()


def _forget_pools() -> None:
    """In a new child process: its parent's pools (and their sockets) are not its own."""
    global _lock, _pid
    _lock = threading.Lock()  # the parent's may have been held by another thread at fork
    _pools.clear()
    _pid = os.getpid()


os.register_at_fork(after_in_child=_forget_pools)


def pool_count() -> int:
    """How many pools this process holds (one per Redis URL and options in use)."""
    return len(_pools)


class SharedPoolClient(RedisCacheClient):
    """A RedisCacheClient whose pools are the process's, not its own."""

    def _get_connection_pool(self, write):
        server = self._servers[self._get_connection_pool_index(write)]
        key = (server, tuple(sorted((name, repr(v)) for name, v in self._pool_options.items())))
        if _pid != os.getpid():
            _forget_pools()
        pool = _pools.get(key)
        if pool is None:
            with _lock:
                pool = _pools.get(key)
                if pool is None:
                    pool = self._pool_class.from_url(server, **self._pool_options)
                    _pools[key] = pool
        return pool


class SharedPoolRedisCache(RedisCache):
    """`portal.rediscache.SharedPoolRedisCache`: what a `redis://` CACHE_URL configures."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedPoolClient
