"""The throttle's counters while the shared cache is failing: this process's own, in memory.

`common.shared_cache.guarded` gives its default while the circuit breaker is open, and the
throttle used to read "no count" as "go ahead": one Redis call slower than the 0.1 s
timeout in a burst opened the breaker for 5 s, and for those seconds every bad token
reached the database (119 of 120 in a measured burst). Here a call the shared cache does
not answer is answered by an in-memory cache of this process instead (Django's LocMemCache:
thread-safe, with the same add/incr/get/touch semantics and lifetimes), so the same limit,
window and allowance apply per client address, counted per worker process. A client can
then multiply its guesses by the number of worker processes for as long as the outage
lasts, but not beyond.

Refusing every token lookup while the breaker is open was the other choice, and was not
taken: it would lock every valid agent out for the whole of a cache outage, turning a slow
cache into a registration outage; the cache is an aid, not a dependency.

When the shared cache answers again, its counters are used again; what was counted here
is not carried over (at most one window of guesses per process, as during the outage).
"""

import os
from typing import Any

from django.core.cache.backends.locmem import LocMemCache

from common import shared_cache

# Distinct addresses remembered per process; beyond it the oldest third are forgotten.
MAX_ENTRIES = 10_000

_UNANSWERED = object()
_store: LocMemCache | None = None
_pid = 0


def local_store() -> LocMemCache:
    """This process's counters; a forked child starts with empty ones of its own (a fresh
    name: LocMemCache shares its data and lock by name)."""
    global _store, _pid
    if _store is None or _pid != os.getpid():
        _pid = os.getpid()
        name = f"token-throttle-fallback-{_pid}"
        _store = LocMemCache(name, {"OPTIONS": {"MAX_ENTRIES": MAX_ENTRIES}})
    return _store


def guarded(operation: str, default: Any, *args: Any, **kwargs: Any) -> Any:
    """`cache.<operation>(...)` on the shared cache, or on this process's counters while the
    shared cache is failing (`default` is never needed: the local store always answers).
    A ValueError from incr/decr (the key is missing) is raised by either, as usual."""
    answer = shared_cache.guarded(operation, _UNANSWERED, *args, **kwargs)
    if answer is _UNANSWERED:
        return getattr(local_store(), operation)(*args, **kwargs)
    return answer


def combined(operation: str, *args: Any) -> Any:
    """A step the shared cache's backend takes in one round trip where the cache API takes
    several (`portal.rediscache`: Redis), or None when the backend has no such step or is
    failing: then the caller takes the steps one by one through `guarded`."""
    if not hasattr(shared_cache.cache(), operation):
        return None
    return shared_cache.guarded(operation, None, *args)
