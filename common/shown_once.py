"""Post/redirect/get for a secret shown once (a new API client's secret), as the token pane
does it (`agents.views.issued`): the POST keeps the value and redirects; the next page at the
same tenant takes it out and shows it, so a reload shows nothing and the value never appears
in a URL.

No store holds the value: the session (in the database) keeps it XOR a random pad, and a
short-lived HttpOnly cookie keeps the pad. Unread, both are dropped after `KEEP_FOR`.
"""

import datetime
import secrets

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

KEEP_FOR = datetime.timedelta(minutes=10)


def _xor(data: bytes, pad: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, pad, strict=True))


def keep(
    request: HttpRequest,
    response: HttpResponse,
    *,
    name: str,
    path: str,
    tenant_slug: str,
    value: str,
    facts: dict,
) -> None:
    """Keep `value` (and its non-secret `facts`) for one read at `path`."""
    data = value.encode("utf-8")
    pad = secrets.token_bytes(len(data))
    request.session[f"shown_once.{name}"] = {
        "sealed": _xor(data, pad).hex(),
        "facts": facts,
        "tenant": tenant_slug,
        "at": timezone.now().isoformat(),
    }
    response.set_cookie(
        f"{name}_pad",
        pad.hex(),
        max_age=int(KEEP_FOR.total_seconds()),
        path=path,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )


def take(request: HttpRequest, *, name: str, tenant_slug: str) -> tuple[str, dict] | None:
    """The value kept at this tenant and its facts, once; None if there is none (any more)."""
    key = f"shown_once.{name}"
    kept = request.session.get(key)
    if not kept or kept.get("tenant") != tenant_slug:
        return None
    request.session.pop(key)
    at = parse_datetime(kept.get("at") or "")
    if at is None or timezone.now() - at > KEEP_FOR:
        return None
    try:
        pad = bytes.fromhex(request.COOKIES.get(f"{name}_pad", ""))
        value = _xor(bytes.fromhex(kept["sealed"]), pad).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None  # no pad: another browser
    return value, kept.get("facts", {})


def forget(response: HttpResponse, *, name: str, path: str) -> None:
    response.delete_cookie(f"{name}_pad", path=path, samesite="Strict")
