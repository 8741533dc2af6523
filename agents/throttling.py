"""Throttling failed token use per client address, on the shared cache.

Counting lives in Django's default cache, which every worker process shares (a file cache
by default, Redis in production), so a client cannot multiply its guesses by the number of
workers. Only failures count, and only the failing address is slowed: other clients never
wait for it.
"""

from django.conf import settings
from django.core.cache import cache


def _key(address: str) -> str:
    return f"agent-token-failures:{address}"


def is_blocked(address: str) -> bool:
    return cache.get(_key(address), 0) >= settings.AGENT_TOKEN_FAILURE_LIMIT


def record_failure(address: str) -> None:
    key = _key(address)
    # add() starts the window only for the first failure; later ones count within it.
    if not cache.add(key, 1, timeout=settings.AGENT_TOKEN_FAILURE_WINDOW):
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=settings.AGENT_TOKEN_FAILURE_WINDOW)
