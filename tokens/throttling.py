"""Failed token use: counted per client address, throttled, and answered in one way.

Counting lives in Django's default cache, which every worker process shares (a file cache
by default, Redis in production), so a client cannot multiply its guesses by the number of
workers. Only failures count, and only the failing address is slowed: other clients never
wait for it.

An endpoint that takes a registration token extends `TokenUsingAPIView`: a client over the
limit gets 429 before its token is even read, and a mistyped (400) or invalid (401) token
counts against its address, whatever the endpoint.
"""

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext
from rest_framework import status
from rest_framework.exceptions import Throttled
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from tenants.audit import Origin
from tenants.models import AuditEvent
from tenants.net import client_address

from . import failures
from .models import RegistrationToken
from .selectors import InvalidToken
from .values import MalformedToken

MSG_INVALID_TOKEN = "The registration token is not valid: it is unknown, expired or deleted."  # noqa: S105
MSG_MISTYPED_TOKEN = "The registration token is mistyped: check it and try again."  # noqa: S105
MSG_THROTTLED = "Too many failed attempts from this address. Try again later."


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


class TokenFailureThrottle(BaseThrottle):
    """Refuses a client address that failed too often within the window."""

    def allow_request(self, request, view) -> bool:
        return not is_blocked(client_address(request))


class TokenUsingAPIView(APIView):
    """Base of every endpoint that takes a registration token."""

    throttle_classes = [TokenFailureThrottle]

    def throttled(self, request, wait):
        raise Throttled(detail=gettext(MSG_THROTTLED))

    def handle_exception(self, exc):
        if isinstance(exc, MalformedToken):
            return self._failure(
                MSG_MISTYPED_TOKEN, status.HTTP_400_BAD_REQUEST, reason=failures.Reason.MISTYPED
            )
        if isinstance(exc, InvalidToken):
            reason = exc.reason or failures.reason_of(_fresh(exc.token))
            return self._failure(
                MSG_INVALID_TOKEN, status.HTTP_401_UNAUTHORIZED, reason=reason, token=exc.token
            )
        return super().handle_exception(exc)

    def _failure(
        self, message: str, code: int, *, reason: str, token: RegistrationToken | None = None
    ) -> Response:
        """Count the failure against the address (throttling) and in the audit log."""
        address = client_address(self.request)
        record_failure(address)
        origin = Origin(source=AuditEvent.Source.AGENT, ip_address=address or None)
        failures.record(reason=reason, origin=origin, token=token)
        return Response({"detail": gettext(message)}, status=code)


def _fresh(token: RegistrationToken | None) -> RegistrationToken | None:
    """A token that was usable when looked up and refused a moment later (deleted or
    expired since): read again to say why. A token never found stays None."""
    if token is None or not token.is_active():
        return token
    return RegistrationToken.objects.select_related("tenant", "user").filter(pk=token.pk).first()
