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

The token throttle's counting (`tokens.throttling`) takes one round trip per step here
(`count_and_read`, `count_down`: a Lua script each, atomic in Redis), where Django's
cache API takes three to four: `add`, `incr` (EXISTS then INCRBY), `touch` and `get` to
reserve a lookup, `decr` (EXISTS then DECRBY) to release it. Other backends have no such
methods, and the throttle makes the same steps through the cache API.
"""

import hashlib
import os
import select
import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import InvalidResponse, NoScriptError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

_lock = threading.Lock()
_pools: dict[tuple, Any] = {}  # a Redis client (with its pool) per server URL and options
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
    """A RedisCacheClient whose pools are the process's, not its own. Its Redis client
    objects are the process's too: Django's makes a new one (over the same pool) for every
    cache call, 0.2 ms of CPU each, for nothing it keeps."""

    def get_client(self, key=None, *, write=False):
        server = self._servers[self._get_connection_pool_index(write)]
        options = self.__dict__.get("_options_key")
        if options is None:
            options = tuple(sorted((name, repr(v)) for name, v in self._pool_options.items()))
            self._options_key = options
        key = (server, options)
        if _pid != os.getpid():
            _forget_pools()
        client = _pools.get(key)
        if client is None:
            with _lock:
                client = _pools.get(key)
                if client is None:
                    pool = self._pool_class.from_url(server, **self._pool_options)
                    client = self._client(connection_pool=pool)
                    _pools[key] = client
        return client

    def _get_connection_pool(self, write):
        return self.get_client(write=write).connection_pool


# KEYS: a counter, then a value to read. ARGV: the counter's lifetime in seconds (from its
# first count). Returns {the new count, the value or false}.
_COUNT_AND_READ = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('GET', KEYS[2])}
"""
# KEYS: a counter. One less, if it still exists (an expired counter is not made negative).
_COUNT_DOWN = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end
return false
"""
# Redis names a script by its SHA-1 (not a security use).
_SHA = {s: hashlib.sha1(s.encode()).hexdigest() for s in (_COUNT_AND_READ, _COUNT_DOWN)}  # noqa: S324


def _connection(client):
    """A connection of the script path's own (`_run`), ready to send: an idle one of this
    client's, reconnected if Redis closed it meanwhile, else a new one with the pool's
    settings (its socket timeouts).

    Whether Redis closed it is one poll of its socket: readable means the server's end of
    a closed socket, since a connection comes back only after its whole reply was read.
    (redis-py's `connect()` and `can_read()` took a retry wrapper, two timeout changes and
    a refused read with its exception for the same answer.)"""
    idle = client.__dict__.setdefault("_script_connections", [])
    try:
        conn = idle.pop()  # atomic under the GIL: no two threads get the same one
    except IndexError:
        pool = client.connection_pool
        conn = pool.connection_class(**pool.connection_kwargs)
    sock = conn._sock
    if sock is not None:
        try:
            stale = bool(select.select([sock], [], [], 0)[0])
        except (OSError, ValueError):  # closed meanwhile
            stale = True
        if not stale:
            return conn, idle
        conn.disconnect()
    conn.connect()
    return conn, idle


def _packed(*parts: str | int) -> bytes:
    """A command in Redis' protocol (RESP: an array of bulk strings), built directly:
    redis-py's general packer (its encoder, checks and chunking) cost a third of a call."""
    out = [b"*%d\r\n" % len(parts)]
    for part in parts:
        data = str(part).encode()
        out.append(b"$%d\r\n%b\r\n" % (len(data), data))
    return b"".join(out)


class _Incomplete(Exception):
    """More of the reply is still to come."""


def _parsed(data: bytes, at: int = 0) -> tuple[Any, int]:
    """One reply in Redis' protocol (RESP2 or RESP3) from `data[at:]`: (its value, where it
    ends). Integers as int, bulk strings as bytes, nil as None, arrays as lists, an error
    as its exception (not raised); `_Incomplete` when the data stops before its end."""
    end = data.find(b"\r\n", at)
    if end < 0:
        raise _Incomplete
    kind, line, at = data[at : at + 1], data[at + 1 : end], end + 2
    if kind == b":":
        return int(line), at
    if kind == b"$":
        size = int(line)
        if size < 0:
            return None, at
        if len(data) < at + size + 2:
            raise _Incomplete
        return data[at : at + size], at + size + 2
    if kind == b"*":
        items = []
        for _ in range(int(line)):
            item, at = _parsed(data, at)
            items.append(item)
        return items, at
    if kind == b"_":
        return None, at
    if kind == b"#":
        return line == b"t", at
    if kind == b"-":
        message = line.decode(errors="replace")
        if message.startswith("NOSCRIPT"):
            return NoScriptError(message), at
        return ResponseError(message), at
    raise InvalidResponse(f"Protocol error: {data[:40]!r}")


def _reply(sock) -> Any:
    """Read one whole reply from `sock` (its timeout is the connection's socket timeout)."""
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except TimeoutError as error:
            raise RedisTimeoutError("Timeout reading from socket") from error
        except OSError as error:
            raise RedisConnectionError(f"Error while reading from socket: {error}") from error
        if not chunk:
            raise RedisConnectionError("Connection closed by server.")
        data += chunk
        try:
            value, _ = _parsed(data)
        except _Incomplete:
            continue
        if isinstance(value, ResponseError):
            raise value
        return value


def _write(sock, command: bytes) -> None:
    """Send `command` whole, its errors raised as redis-py raises them."""
    try:
        sock.sendall(command)
    except TimeoutError as error:
        raise RedisTimeoutError("Timeout writing to socket") from error
    except OSError as error:
        raise RedisConnectionError(f"Error while writing to socket: {error}") from error


def _call(sock, command: bytes) -> Any:
    _write(sock, command)
    return _reply(sock)


def _run(client, script: str, *keys: str, args: tuple = ()) -> Any:
    """EVALSHA (one round trip once Redis knows the script), EVAL the first time.

    Sent on a connection of its own rather than through `client.evalsha`: redis-py's path
    (its pool's bookkeeping and metrics, the retry wrapper, the reply callbacks) cost as
    much CPU as the round trip itself, on two calls in every registration; its reply
    parser (a buffer object and four layers of calls for a reply of a few bytes) another
    fifth, so the command is written to the socket and its reply read by `_reply`. The
    connection goes back only after a whole reply was read; on any error it is closed (a
    timed-out reply must never be read by the next call) and the error raised as redis-py
    raises it, with no retries (the cache settings' socket timeouts: `common.shared_cache`
    decides)."""
    conn, idle = _connection(client)
    try:
        try:
            answer = _call(conn._sock, _packed("EVALSHA", _SHA[script], len(keys), *keys, *args))
        except NoScriptError:
            answer = _call(conn._sock, _packed("EVAL", script, len(keys), *keys, *args))
    except BaseException:
        conn.disconnect()
        raise
    idle.append(conn)
    return answer


def _send_only(client, script: str, *keys: str) -> None:
    """Run a script without waiting for its reply: `CLIENT REPLY SKIP` asks Redis to send
    none for the next command, so the call is one write, no read, and the thread never
    waits for Redis. EVAL (the script's text), not EVALSHA: with no reply, a NOSCRIPT
    error would go unseen. Errors writing close the connection and are raised as redis-py
    raises them; what the script did is not known (for a step whose loss costs little)."""
    conn, idle = _connection(client)
    command = _packed("CLIENT", "REPLY", "SKIP") + _packed("EVAL", script, len(keys), *keys)
    try:
        _write(conn._sock, command)
    except BaseException:
        conn.disconnect()
        raise
    idle.append(conn)


class SharedPoolRedisCache(RedisCache):
    """`portal.rediscache.SharedPoolRedisCache`: what a `redis://` CACHE_URL configures."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedPoolClient

    def count_and_read(self, counter: str, other: str, timeout: int) -> tuple[int, Any]:
        """Add one to `counter` (living `timeout` seconds from its first count) and read
        `other`, in one round trip: (the new count, `other`'s value or None)."""
        # The throttle's own keys (a prefix and an address): Django's check of each key for
        # memcached's limits (a scan of its characters) has nothing to find in them.
        counter_key, other_key = self.make_key(counter), self.make_key(other)
        client = self._cache.get_client(counter_key, write=True)
        count, value = _run(client, _COUNT_AND_READ, counter_key, other_key, args=(timeout,))
        return int(count), None if value is None else self._cache._serializer.loads(value)

    def count_down(self, counter: str) -> bool:
        """Take one from `counter` if it still exists, without waiting for Redis' answer
        (True: sent). A count lost on the way (Redis restarting at that moment) stays
        counted until the counter's lifetime ends: the throttle's counts of lookups in
        flight start afresh every minute for this (tokens.throttling.PENDING_LIFETIME)."""
        key = self.make_key(counter)
        _send_only(self._cache.get_client(key, write=True), _COUNT_DOWN, key)
        return True
