"""One Redis connection pool per process (portal.rediscache), against a Redis of the test's own:
cache objects made per request context share it, and a forked child starts without its
parent's connections."""

import contextvars
import os
import socket
import threading

import pytest
import redis
from django.core.cache import caches
from django.test import override_settings

from common import shared_cache
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


def test_the_throttle_scripts_reconnect_when_redis_closed_their_connection(own_redis):
    """The scripts' own connections (rediscache._run): one that Redis closed while it sat
    idle (a restart, CLIENT KILL) is reconnected before use, not an error."""
    with override_settings(CACHES={"default": cache_config(own_redis.url)}):
        cache = caches.create_connection("default")
        assert cache.count_and_read("c", "other", 60) == (1, None)
        own_redis.stop()
        own_redis.start()
        assert cache.count_and_read("c", "other", 60) == (1, None)  # a new, empty server
        killer = redis.Redis.from_url(own_redis.url)
        assert killer.client_kill_filter(_type="normal", skipme=True) >= 1
        killer.close()
        assert cache.count_and_read("c", "other", 60) == (2, None)


def test_a_reply_that_timed_out_is_never_read_by_the_next_call(own_redis):
    """A script call that timed out closes its connection: its late reply cannot be taken
    for the next call's."""
    with override_settings(CACHES={"default": cache_config(own_redis.url)}):
        cache = caches.create_connection("default")
        cache.set("seen", "late")
        assert cache.count_and_read("c", "other", 60) == (1, None)  # the connection exists
        own_redis.hang()
        try:
            with pytest.raises(redis.exceptions.TimeoutError):
                cache.count_and_read("first", "seen", 60)  # its reply would be (1, "late")
        finally:
            own_redis.resume()
        assert cache.count_and_read("second", "unset", 60) == (1, None)


def test_the_scripts_commands_carry_any_key_intact(own_redis):
    """The scripts' commands are written in Redis' protocol by rediscache itself: keys with
    non-ASCII letters reach Redis whole (bulk lengths in bytes), as the cache API's own
    calls see them."""
    with override_settings(CACHES={"default": cache_config(own_redis.url)}):
        cache = caches.create_connection("default")
        counter, other = "pending:10.0.0.1:ü", "failures:straße:€"
        cache.set(other, 7)
        assert cache.count_and_read(counter, other, 60) == (1, 7)
        assert cache.count_and_read(counter, other, 60) == (2, 7)
        assert cache.count_down(counter)
        assert cache.get(counter) == 1
        assert rediscache._packed("GET", "ü") == b"*2\r\n$3\r\nGET\r\n$2\r\n\xc3\xbc\r\n"


REPLIES = {
    b":5\r\n": 5,
    b":-1\r\n": -1,
    b"$3\r\nab\n\r\n": b"ab\n",
    b"$0\r\n\r\n": b"",
    b"$-1\r\n": None,
    b"_\r\n": None,
    b"#t\r\n": True,
    b"*2\r\n:1\r\n$-1\r\n": [1, None],
    b"*2\r\n:12\r\n$5\r\n\r\n\r\nx\r\n": [12, b"\r\n\r\nx"],
    b"*2\r\n:1\r\n_\r\n": [1, None],
    b"*0\r\n": [],
}


@pytest.mark.parametrize("wire", REPLIES, ids=[repr(w) for w in REPLIES])
def test_the_scripts_replies_are_read_whole_however_they_arrive(wire):
    """`rediscache._reply` reads both protocol versions' answers, and only a whole one:
    split anywhere, the first parts are "more to come", never a value."""
    assert rediscache._parsed(wire) == (REPLIES[wire], len(wire))
    for cut in range(len(wire)):
        with pytest.raises(rediscache._Incomplete):
            rediscache._parsed(wire[:cut])
    left, right = socket.socketpair()
    with left, right:
        right.settimeout(1)
        for byte in wire:
            left.sendall(bytes([byte]))  # one recv() may see one byte
        assert rediscache._reply(right) == REPLIES[wire]


def test_an_error_reply_is_raised_as_redis_py_raises_it():
    left, right = socket.socketpair()
    with left, right:
        right.settimeout(1)
        left.sendall(b"-NOSCRIPT No matching script.\r\n")
        with pytest.raises(redis.exceptions.NoScriptError):
            rediscache._reply(right)
        left.sendall(b"-ERR wrong number of arguments\r\n")
        with pytest.raises(redis.exceptions.ResponseError, match="wrong number"):
            rediscache._reply(right)
        left.close()
        with pytest.raises(redis.exceptions.ConnectionError):
            rediscache._reply(right)


def test_a_count_down_sent_without_a_reply_leaves_the_connection_in_step(own_redis):
    """count_down asks Redis for no reply (CLIENT REPLY SKIP): nothing is left unread on
    the connection for the next call, and the count is taken down while the counter
    exists, never recreating one that has ended."""
    with override_settings(CACHES={"default": cache_config(own_redis.url)}):
        cache = caches.create_connection("default")
        assert cache.count_and_read("c", "other", 60) == (1, None)
        assert cache.count_and_read("c", "other", 60) == (2, None)
        for _ in range(3):
            assert cache.count_down("c")
            cache.set("other", 5)
            # The same connection (one idle at a time here): its next reply is its own.
            assert cache.count_and_read("d", "other", 60)[1] == 5
        server = redis.Redis.from_url(own_redis.url)
        assert server.get(cache.make_key("c")) == b"-1"
        assert cache.count_down("ended")
        assert server.get(cache.make_key("ended")) is None
        server.close()


def test_the_shared_cache_is_one_object_for_every_context_and_thread(own_redis):
    """common.shared_cache.cache(): one backend object (and client) per process, not one per
    request context as Django's `cache`; it follows the settings when they change."""
    with override_settings(CACHES={"default": cache_config(own_redis.url)}):
        seen = []

        def request_context():
            seen.append(shared_cache.cache())

        threads = [
            threading.Thread(target=lambda: contextvars.Context().run(request_context))
            for _ in range(3)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len({id(cache) for cache in seen}) == 1
        assert shared_cache.cache() is seen[0]
        # It is this Redis the throttle's calls reach.
        assert shared_cache.guarded("count_and_read", None, "c", "o", 60) == (1, None)
        assert redis.Redis.from_url(own_redis.url).get(seen[0].make_key("c")) == b"1"
    assert shared_cache.cache() is not seen[0]  # the settings changed back
