"""Post/redirect/get for Generate: the new token's value waits for one read.

The Generate POST keeps the value and redirects; the next Add devices page at the same
customer takes it out and shows it, so a reload shows the pane without it and makes no
second token, and the value never appears in a URL.

The value is split in two so that no store holds it: the session (in the database, and in
SQL logs) keeps the value XOR a random pad, and a short-lived HttpOnly cookie keeps the pad.
Unread, both are dropped after `KEEP_FOR` (or with the session, at sign-out).
"""

import datetime
import secrets

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from tenants.models import Tenant
from tokens import selectors
from tokens.services import IssuedToken

KEY = "tokens.issued"
COOKIE = "token_pad"
KEEP_FOR = datetime.timedelta(minutes=10)


def _xor(data: bytes, pad: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, pad, strict=True))


def _cookie_path(tenant: Tenant) -> str:
    return reverse("devices", kwargs={"tenant_id": tenant.slug})


def keep(request: HttpRequest, response: HttpResponse, tenant: Tenant, issued: IssuedToken):
    value = issued.value.encode("ascii")
    pad = secrets.token_bytes(len(value))
    request.session[KEY] = {
        "sealed": _xor(value, pad).hex(),
        "token": str(issued.token.public_id),
        "tenant": tenant.slug,
        "at": timezone.now().isoformat(),
    }
    response.set_cookie(
        COOKIE,
        pad.hex(),
        max_age=int(KEEP_FOR.total_seconds()),
        path=_cookie_path(tenant),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )


def pending(request: HttpRequest) -> bool:
    """Whether a value still waits (for another customer's page): keep its pad then."""
    return KEY in request.session


def forget(response: HttpResponse, tenant: Tenant) -> None:
    response.delete_cookie(COOKIE, path=_cookie_path(tenant), samesite="Strict")


def take(request: HttpRequest, tenant: Tenant) -> IssuedToken | None:
    """The token just generated at `tenant`, once; None if there is none (any more)."""
    kept = request.session.get(KEY)
    if not kept:
        return None
    at = parse_datetime(kept.get("at") or "")
    if at is None or timezone.now() - at > KEEP_FOR:
        request.session.pop(KEY)
        return None
    if kept.get("tenant") != tenant.slug:
        return None  # shown at the customer it was made at, not in another tab's level
    request.session.pop(KEY)
    try:
        pad = bytes.fromhex(request.COOKIES.get(COOKIE, ""))
        value = _xor(bytes.fromhex(kept["sealed"]), pad).decode("ascii")
        token = selectors.token_for(actor=request.user, token_id=kept["token"])
    except (ValueError, UnicodeDecodeError, Http404):
        return None  # no pad (another browser), or the token was deleted meanwhile
    return IssuedToken(token=token, value=value)
