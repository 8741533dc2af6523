"""One Redis connection pool per process (portal.rediscache), against a Redis of the test's own:
cache objects made per request context share it, and a forked child starts without its
parent's connections."""

import os
import threading

import redis
from django.core.cache import caches
from django.test import override_settings

from portal import rediscache
from portal.settings.base import cache_config


def _connections(url: str) -> int:
    return redis.Redis.from_url(url).info("stats")["total_connections_received"]


def test_cache_objects_of_every_context_and_thread_share_one_pool(own_redis):
    with override_settings(CACHES={"default": cache_config(own_redis.url)}):
        before = _connections(own_redis.url)

        def request(n: int) -> None:
            # What the ASGI server does per request: a new context, so a new cache object.
            cache = caches.create_connection("default")
            cache.set(f"k{n}", n)
            assert cache.get(f"k{n}") == n

        for n in range(20):
            request(n)
        threads = [threading.Thread(target=request, args=(n,)) for n in range(20, 24)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        opened = _connections(own_redis.url) - before - 1  # minus the counting connection
    # One for the sequential requests, at most one more per thread running alongside.
    assert opened <= 5, opened


def test_a_forked_child_does_not_use_its_parents_connections(own_redis):
    with override_settings(CACHES={"default": cache_config(own_redis.url)}):
        parent = caches.create_connection("default")
        parent.set("k", 1)
        assert rediscache.pool_count() >= 1
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: report what it sees, then leave at once
            try:
                fresh = rediscache.pool_count() == 0
                ok = fresh and caches.create_connection("default").get("k") == 1
                os.write(write, b"1" if ok else b"0")
            finally:
                os._exit(0)
        os.close(write)
        answer = os.read(read, 1)
        os.close(read)
        os.waitpid(pid, 0)
        assert answer == b"1"
        assert parent.get("k") == 1  # the parent's own connection is intact
