"""Failed token use: counted per client address, throttled, and answered in one way.

Counting lives in Django's default cache, which every worker process shares (Redis in
production, a file cache on a development machine), so a client cannot multiply its guesses
by the number of workers. Only failures count, and only the failing address is slowed:
other clients never wait for it.

Each token lookup is counted *before* it is made and the decision taken on the count the
cache returns (Redis increments atomically), so concurrent guesses cannot slip past the
limit: exactly `AGENT_TOKEN_FAILURE_LIMIT` reach the database. A lookup whose token turns
out valid (or that never happens) is given back. While an address is blocked it still gets
one lookup every `AGENT_TOKEN_BLOCKED_INTERVAL` seconds, so a valid agent behind the same
address (a shared NAT) gets through within a minute by honouring `Retry-After`, while a
client sending only bad tokens stays at a few database lookups a minute.

A failing cache is not a reason to refuse anyone: every call goes through
`tenants.shared_cache.guarded`, and without a cache nobody is blocked.

An endpoint that takes a registration token extends `TokenUsingAPIView`.
"""

import contextlib
import math
import time

from django.conf import settings
from django.utils.translation import gettext
from rest_framework import status
from rest_framework.exceptions import Throttled
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from tenants.net import client_address
from tenants.shared_cache import guarded

from .selectors import InvalidToken
from .values import MalformedToken

MSG_INVALID_TOKEN = "The registration token is not valid: it is unknown, expired or deleted."  # noqa: S105
MSG_MISTYPED_TOKEN = "The registration token is mistyped: check it and try again."  # noqa: S105
MSG_THROTTLED = "Too many failed attempts from this address. Try again later."


def _key(address: str) -> str:
    return f"agent-token-failures:{address}"


def _wait_key(address: str) -> str:
    return f"agent-token-wait:{address}"


def _blocked_key(address: str) -> str:
    return f"agent-token-blocked:{address}"


def _count(address: str) -> int | None:
    """Count one lookup by `address` and return the count (None: no cache)."""
    key, window = _key(address), settings.AGENT_TOKEN_FAILURE_WINDOW
    if guarded("add", False, key, 0, timeout=window):  # a new window starts
        guarded("delete_many", None, [_wait_key(address), _blocked_key(address)])
    try:
        return guarded("incr", None, key)
    except ValueError:  # the window ended between add() and incr()
        guarded("add", False, key, 1, timeout=window)
        return 1


def _uncount(address: str) -> None:
    with contextlib.suppress(ValueError):  # the window ended meanwhile: nothing to give back
        guarded("decr", None, _key(address))


def reserve(address: str) -> float | None:
    """Count a token lookup by `address`: None if it may go ahead (given back by
    `release` unless it fails), else the seconds to wait (and it was not counted)."""
    count = _count(address)
    if count is None or count <= settings.AGENT_TOKEN_FAILURE_LIMIT:
        return None
    interval = settings.AGENT_TOKEN_BLOCKED_INTERVAL
    now = time.time()
    # One lookup per interval while blocked: whoever first finds the wait over gets it,
    # except at the very start of the block (the burst that caused it gets nothing more).
    if guarded("add", False, _wait_key(address), now + interval, timeout=interval):
        if not guarded("add", True, _blocked_key(address), 1, settings.AGENT_TOKEN_FAILURE_WINDOW):
            return None
        wait = float(interval)
    else:
        wait = guarded("get", now + interval, _wait_key(address), now + interval) - now
    _uncount(address)
    return max(0.0, wait) + 1  # a second past the wait's expiry, which the cache rounds


def release(address: str) -> None:
    """A counted lookup that did not fail (valid token, or none made) is given back."""
    _uncount(address)


def record_failure(address: str) -> None:
    """Count a failure outside a request (the lookup was not reserved)."""
    _count(address)


def is_blocked(address: str) -> bool:
    count = guarded("get", 0, _key(address), 0)
    return count >= settings.AGENT_TOKEN_FAILURE_LIMIT


class TokenFailureThrottle(BaseThrottle):
    """Counts the request's token lookup against its address, or refuses it."""

    def allow_request(self, request, view) -> bool:
        self._wait = reserve(client_address(request))
        request.token_lookup_counted = self._wait is None
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait


class TokenUsingAPIView(APIView):
    """Base of every endpoint that takes a registration token."""

    throttle_classes = [TokenFailureThrottle]

    def throttled(self, request, wait):
        refused = Throttled(detail=gettext(MSG_THROTTLED))
        refused.wait = math.ceil(wait) if wait is not None else None  # sent as Retry-After
        raise refused

    def handle_exception(self, exc):
        if isinstance(exc, MalformedToken):
            return self._failure(MSG_MISTYPED_TOKEN, status.HTTP_400_BAD_REQUEST)
        if isinstance(exc, InvalidToken):
            return self._failure(MSG_INVALID_TOKEN, status.HTTP_401_UNAUTHORIZED)
        return super().handle_exception(exc)

    def _failure(self, message: str, code: int) -> Response:
        if getattr(self.request, "token_lookup_counted", False):
            self.request.token_lookup_counted = False  # it stays counted: a failure
        else:
            record_failure(client_address(self.request))
        return Response({"detail": gettext(message)}, status=code)

    def finalize_response(self, request, response, *args, **kwargs):
        if getattr(request, "token_lookup_counted", False):
            request.token_lookup_counted = False
            release(client_address(request))
        return super().finalize_response(request, response, *args, **kwargs)
