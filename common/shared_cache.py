"""The shared cache as an aid, never a dependency.

Throttling counters and cached tenants live in Django's default cache (Redis in
production). When that cache is stopped or hung, a request must still be answered: every
call made through `guarded` returns its `default` instead of raising, logs one warning, and
for `PAUSE` seconds afterwards this process does not call the cache at all, so a hung cache
costs one socket timeout (about 100 ms, `CACHE_SOCKET_TIMEOUT`) every few seconds, not one
per call. After the pause the next call tries the cache again: the counters work again as
soon as it is back.
"""

import logging
import os
import threading
import time
from typing import Any

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.signals import setting_changed

log = logging.getLogger(__name__)

# Seconds this process leaves the cache alone after an error.
PAUSE = 5.0


class _Breaker:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._down_until = 0.0

    def is_open(self) -> bool:
        return time.time() < self._down_until

    def trip(self, operation: str, error: Exception) -> None:
        with self._lock:
            already = self.is_open()
            self._down_until = time.time() + PAUSE
        if not already:
            log.warning(
                "Shared cache unavailable (%s on %s: %s); going on without it for %.0f s.",
                type(error).__name__,
                operation,
                error,
                PAUSE,
            )

    def reset(self) -> None:
        with self._lock:
            self._down_until = 0.0


breaker = _Breaker()


_process_cache: tuple[int, Any] | None = None


def cache() -> Any:
    """The default cache as one object for this whole process.

    Django's `cache` is a new backend object in every request context (asgiref's Local),
    since some backends' clients may not be shared between threads; under the production
    server every request built one, and its Redis client, for the throttle's two calls.
    The backends configured here are all thread-safe (Redis: `portal.rediscache`; the
    development file cache; the tests' local memory), so one object serves every thread.
    It follows the settings (`override_settings(CACHES=...)`) and is made anew in a forked
    child."""
    global _process_cache
    held = _process_cache
    if held is None or held[0] != os.getpid():
        held = _process_cache = (os.getpid(), caches.create_connection(DEFAULT_CACHE_ALIAS))
    return held[1]


def _forget(*, setting: str, **kwargs: Any) -> None:
    global _process_cache
    if setting == "CACHES":
        _process_cache = None


setting_changed.connect(_forget)


def guarded(operation: str, default: Any, *args: Any, **kwargs: Any) -> Any:
    """`cache.<operation>(*args, **kwargs)`, or `default` if the cache is failing.

    A ValueError from incr/decr (the key is missing) is the cache answering, not failing:
    it is raised as usual.
    """
    if breaker.is_open():
        return default
    try:
        return getattr(cache(), operation)(*args, **kwargs)
    except ValueError:
        raise
    except Exception as error:  # noqa: BLE001 - any backend's connection or timeout error
        breaker.trip(operation, error)
        return default
