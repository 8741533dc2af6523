"""Post/redirect/get for a secret shown once (a new registration token's value, a new API
client's secret): the POST keeps the value and redirects; the next page at the same tenant
takes it out and shows it, so a reload shows nothing and the value never appears in a URL.

No store holds the value: the session (in the database, and in SQL logs) keeps the value XOR
a random pad, and a short-lived HttpOnly cookie, sent only to the page that shows it, keeps
the pad. Unread, both are dropped after `KEEP_FOR` (or with the session, at sign-out).
"""

import datetime
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

KEEP_FOR = datetime.timedelta(minutes=10)


def _xor(data: bytes, pad: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, pad, strict=True))


@dataclass(frozen=True)
class ShownOnce:
    """One kind of secret shown once: the session key that keeps it sealed, and the cookie
    that keeps its pad. `facts` travel beside the value; they must not be secret."""

    session_key: str
    cookie: str

    def keep(
        self,
        request: HttpRequest,
        response: HttpResponse,
        *,
        path: str,
        tenant_slug: str,
        value: str,
        facts: dict,
    ) -> None:
        """Keep `value` for one read by the page at `path`, at the tenant `tenant_slug`."""
        data = value.encode("utf-8")
        pad = secrets.token_bytes(len(data))
        request.session[self.session_key] = {
            "sealed": _xor(data, pad).hex(),
            "facts": facts,
            "tenant": tenant_slug,
            "at": timezone.now().isoformat(),
        }
        response.set_cookie(
            self.cookie,
            pad.hex(),
            max_age=int(KEEP_FOR.total_seconds()),
            path=path,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Strict",
        )

    def pending(self, request: HttpRequest) -> bool:
        """Whether a value still waits (for another tenant's page): keep its pad then."""
        return self.session_key in request.session

    def take(self, request: HttpRequest, *, tenant_slug: str) -> tuple[str, dict] | None:
        """The value kept at this tenant and its facts, once; None if there is none (any
        more). An expired value is dropped wherever it is asked for; one kept at another
        tenant waits for that tenant's page (not another tab's)."""
        kept = request.session.get(self.session_key)
        if not kept:
            return None
        at = parse_datetime(kept.get("at") or "")
        if at is None or timezone.now() - at > KEEP_FOR:
            request.session.pop(self.session_key)
            return None
        if kept.get("tenant") != tenant_slug:
            return None
        request.session.pop(self.session_key)
        try:
            pad = bytes.fromhex(request.COOKIES.get(self.cookie, ""))
            value = _xor(bytes.fromhex(kept["sealed"]), pad).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None  # no pad: another browser
        return value, kept.get("facts", {})

    def forget(self, response: HttpResponse, *, path: str) -> None:
        """Drop the pad's cookie, once its value has been shown (or is gone)."""
        response.delete_cookie(self.cookie, path=path, samesite="Strict")
