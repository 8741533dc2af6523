"""The client's address, as far as this deployment can trust it."""

from django.conf import settings


def client_address(request) -> str:
    """REMOTE_ADDR, or with TRUSTED_PROXY_COUNT proxies in front of the portal (each
    appending to X-Forwarded-For), the address the outermost trusted proxy saw.

    Used for throttling and the audit log, so a proxy's own address never stands in for
    every client.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    return forwarded[-hops] if len(forwarded) >= hops else remote
