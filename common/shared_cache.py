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
import threading
import time
from typing import Any

from django.core.cache import cache

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


def guarded(operation: str, default: Any, *args: Any, **kwargs: Any) -> Any:
    """`cache.<operation>(*args, **kwargs)`, or `default` if the cache is failing.

    A ValueError from incr/decr (the key is missing) is the cache answering, not failing:
    it is raised as usual.
    """
    if breaker.is_open():
        return default
    try:
        return getattr(cache, operation)(*args, **kwargs)
    except ValueError:
        raise
    except Exception as error:  # noqa: BLE001 - any backend's connection or timeout error
        breaker.trip(operation, error)
        return default
