"""Failed token use: counted per client address, throttled, and answered in one way.

Counting lives in Django's default cache, which every worker process shares (Redis in
production, a file cache on a development machine), so a client cannot multiply its guesses
by the number of workers. Only failures count, and only the failing address is slowed:
other clients never wait for it.

Each token lookup is counted *before* it is made (a pending count; atomic in Redis and in
`portal.filecache`) and goes ahead only while the address's failures plus its lookups in
flight stay within the limit, so concurrent guesses cannot slip past: exactly
`AGENT_TOKEN_FAILURE_LIMIT` reach the database. A valid lookup adds no failure; while more
than the limit are in flight from one address, the next ones wait for them (at most 2 s)
instead of being refused. While an address is blocked it still gets
one lookup every `AGENT_TOKEN_BLOCKED_INTERVAL` seconds, so a valid agent behind the same
address (a shared NAT) gets through within a minute by honouring `Retry-After`, while a
client sending only bad tokens stays at a few database lookups a minute.

A value that already failed from an address never takes that turn, so a script repeating
a stale token does not delay the valid agents behind the same address.

A failing cache is not a reason to refuse anyone, nor to let every guess through: every
call goes through `common.shared_cache.guarded`, and while the shared cache is failing the
counts are kept in this process's memory instead (`tokens.local_counters`, which says why).

An endpoint that takes a registration token extends `TokenUsingAPIView`.
"""

import contextlib
import hashlib
import math
import time

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from common.net import client_address
from tenants.audit import Origin
from tenants.models import AuditEvent

from . import failures, usage
from .local_counters import combined, guarded  # the shared cache, or this process's
from .models import RegistrationToken
from .selectors import InvalidToken
from .values import INPUT_PATTERN, MalformedToken

MSG_INVALID_TOKEN = "The registration token is not valid: it is unknown, expired or deleted."  # noqa: S105
# A used-up token is known to its holder anyway (it registered machines): saying so spares
# the technician a hunt for typos. Still 401, like every token that cannot be used.
MSG_USED_UP_TOKEN = (
    "The registration token is used up: it has registered as many machines as it allows. "  # noqa: S105
    "Ask for a new token."
)
MSG_MISTYPED_TOKEN = "The registration token is mistyped: check it and try again."  # noqa: S105
MSG_THROTTLED = "Too many failed attempts from this address. Try again later."


# While more than the limit are in flight from one address (and it is not blocked), a
# lookup waits for the others to finish, this often, at most this long, then gets 429.
CONGESTION_POLL, CONGESTION_WAIT = 0.05, 2.0
# The pending count starts afresh this often, so a worker killed mid-lookup is forgotten.
PENDING_LIFETIME = 60


def _failures_key(address: str) -> str:
    return f"agent-token-failures:{address}"


def _pending_key(address: str) -> str:
    return f"agent-token-pending:{address}"


def _wait_key(address: str) -> str:
    return f"agent-token-wait:{address}"


def _blocked_key(address: str) -> str:
    return f"agent-token-blocked:{address}"


def _bad_key(address: str, value: str) -> str:
    """A token value that already failed from this address (by digest, never the value)."""
    return f"agent-token-bad:{address}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


def _incr(key: str, timeout: int) -> tuple[int, bool]:
    """Add one to a counter that lives `timeout` seconds from its first count:
    (the new count, whether the counter was new)."""
    new = guarded("add", False, key, 0, timeout=timeout)
    try:
        count = guarded("incr", None, key)
    except ValueError:  # it ended between add() and incr()
        guarded("add", False, key, 1, timeout=timeout)
        return 1, True
    if count == 1:  # Redis gives a key that expired just before INCR no lifetime
        guarded("touch", None, key, timeout)
    return count, new


def _count_lookup(address: str) -> tuple[int, int]:
    """Count a lookup in flight from `address` and read its failures: (lookups in flight,
    failures). One round trip on Redis (`count_and_read`), else the cache API's steps."""
    answer = combined(
        "count_and_read", _pending_key(address), _failures_key(address), PENDING_LIFETIME
    )
    if answer is not None:
        pending, failures = answer
        return pending, failures or 0
    pending, _ = _incr(_pending_key(address), PENDING_LIFETIME)
    return pending, guarded("get", 0, _failures_key(address), 0)


def _decr(key: str) -> None:
    with contextlib.suppress(ValueError):  # it ended meanwhile: nothing to give back
        guarded("decr", None, key)


def _blocked_wait(address: str, value: str | None) -> float | None:
    """An address over the limit: one lookup per interval (None: this one may go), except
    at the very start of the block (the burst that caused it gets nothing more) and for a
    value that already failed from here (a script repeating a stale token never takes the
    turn of a valid agent behind the same address)."""
    interval, now = settings.AGENT_TOKEN_BLOCKED_INTERVAL, time.time()
    if value and guarded("get", None, _bad_key(address, value)):
        return float(interval)
    if guarded("add", False, _wait_key(address), now + interval, timeout=interval):
        if not guarded("add", True, _blocked_key(address), 1, settings.AGENT_TOKEN_FAILURE_WINDOW):
            return None
        wait = float(interval)
    else:
        wait = guarded("get", now + interval, _wait_key(address), now + interval) - now
    return max(0.0, wait) + 1  # a second past the wait's expiry, which the cache rounds


def reserve(address: str, value: str | None = None) -> float | None:
    """Count a token lookup by `address` before it is made: None if it may go ahead (then
    `release` it afterwards), else the seconds to wait (and it is not counted).

    A lookup goes ahead while the address's failures plus its lookups in flight (this one
    included) stay within the limit: the pending count is incremented first and the
    decision taken on what the cache returns, so concurrent guesses cannot slip past.
    Valid lookups in flight only delay the next ones (CONGESTION_WAIT at most).
    """
    limit, waited = settings.AGENT_TOKEN_FAILURE_LIMIT, 0.0
    while True:
        pending, failures = _count_lookup(address)
        if failures + pending <= limit:
            return None
        wait = _blocked_wait(address, value) if failures >= limit else 1.0
        if wait is None:  # the allowance: go ahead
            return None
        _decr(_pending_key(address))
        if failures >= limit or waited >= CONGESTION_WAIT:
            return wait
        time.sleep(CONGESTION_POLL)
        waited += CONGESTION_POLL


def release(address: str) -> None:
    """A reserved lookup is over (a failure was recorded first, with `record_failure`)."""
    if combined("count_down", _pending_key(address)) is None:  # one round trip on Redis
        _decr(_pending_key(address))


def record_failure(address: str, value: str | None = None) -> None:
    """Count a failed token use by `address` (a new window forgets the last block)."""
    window = settings.AGENT_TOKEN_FAILURE_WINDOW
    _, new = _incr(_failures_key(address), window)
    if new:  # the block marker before the wait: between the two, no turn is given away
        guarded("delete", None, _blocked_key(address))
        guarded("delete", None, _wait_key(address))
    if value:
        guarded("set", None, _bad_key(address, value), 1, window)


def is_blocked(address: str) -> bool:
    return guarded("get", 0, _failures_key(address), 0) >= settings.AGENT_TOKEN_FAILURE_LIMIT


@extend_schema_field(
    {
        "type": "string",
        "pattern": INPUT_PATTERN,
        "maxLength": 100,
        "example": "7KQ2-M9XD-4HNB-T0ZR-E6W1-JC8P-5VFA",
    }
)
class TokenValueField(serializers.CharField):
    """A registration token value as typed: normalised and checked by the endpoint."""

    def __init__(self, **kwargs):
        super().__init__(max_length=100, trim_whitespace=False, **kwargs)


class TokenFailureThrottle(BaseThrottle):
    """Counts the request's token lookup against its address, or refuses it."""

    def allow_request(self, request, view) -> bool:
        value = view.presented_token(request)
        self._wait = reserve(client_address(request), value)
        request.token_lookup_counted = self._wait is None
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait


class TokenUsingAPIView(APIView):
    """Base of every endpoint that takes a registration token."""

    throttle_classes = [TokenFailureThrottle]
    # Documented on every such endpoint (api.openapi.AutoSchema).
    error_responses = {
        400: "Invalid input, or a mistyped registration token.",
        401: "The registration token is unknown, expired, deleted or used up (or the "
        "credential is).",
        429: "Too many failed token uses from this address: try again later.",
    }

    def throttled(self, request, wait):
        refused = Throttled(detail=MSG_THROTTLED)
        refused.wait = math.ceil(wait) if wait is not None else None  # sent as Retry-After
        raise refused

    def handle_exception(self, exc):
        if isinstance(exc, MalformedToken):
            return self._failure(
                MSG_MISTYPED_TOKEN, status.HTTP_400_BAD_REQUEST, reason=failures.Reason.MISTYPED
            )
        if isinstance(exc, InvalidToken):
            reason = exc.reason or failures.reason_of(_fresh(exc.token))
            message = MSG_USED_UP_TOKEN if reason == failures.Reason.USED_UP else MSG_INVALID_TOKEN
            return self._failure(
                message, status.HTTP_401_UNAUTHORIZED, reason=reason, token=exc.token
            )
        return super().handle_exception(exc)

    def presented_token(self, request) -> str | None:
        """The registration token in the request body (every such endpoint's `token`)."""
        value = request.data.get("token") if isinstance(request.data, dict) else None
        return value if isinstance(value, str) else None

    def _failure(
        self, message: str, code: int, *, reason: str, token: RegistrationToken | None = None
    ) -> Response:
        """Count the failure against the address (throttling) and in the audit log."""
        # Counted before the lookup is released (finalize_response): never uncounted between.
        self.request.token_failure_reason = str(reason)  # for the endpoint's metrics
        address = client_address(self.request)
        record_failure(address, self.presented_token(self.request))
        origin = Origin(source=AuditEvent.Source.AGENT, ip_address=address or None)
        failures.record(reason=reason, origin=origin, token=token)
        # Monitoring > Usage: the failure per day, for the token's customer when the token is
        # known, else for the platform only (tokens/usage.py).
        usage.count_failure(token.tenant if token is not None else None)
        return Response({"detail": message}, status=code)  # API: English, not marked

    def finalize_response(self, request, response, *args, **kwargs):
        if getattr(request, "token_lookup_counted", False):
            request.token_lookup_counted = False
            release(client_address(request))
        return super().finalize_response(request, response, *args, **kwargs)


def _fresh(token: RegistrationToken | None) -> RegistrationToken | None:
    """A token that was usable when looked up and refused a moment later (deleted or
    expired since): read again to say why. A token never found stays None."""
    if token is None or not token.is_active():
        return token
    return RegistrationToken.objects.select_related("tenant", "user").filter(pk=token.pk).first()
