"""The client's address and scheme, as far as this deployment can trust them.

Forwarded headers (`X-Forwarded-For`, `X-Forwarded-Proto`) are believed only when the
immediate peer, REMOTE_ADDR, is one of TRUSTED_PROXIES (addresses or networks); from anyone
else they are the client's own words.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def proxy_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """TRUSTED_PROXIES parsed; raises ValueError on a malformed entry."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def from_trusted_proxy(request) -> bool:
    """Whether the request's immediate peer is one of the configured proxies."""
    try:
        peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        networks = proxy_networks(tuple(settings.TRUSTED_PROXIES))
    except ValueError:
        return False
    return any(peer in network for network in networks)


def client_address(request) -> str:
    """REMOTE_ADDR, or with TRUSTED_PROXY_COUNT proxies in front of the portal (each
    appending to X-Forwarded-For) and the request coming from one of TRUSTED_PROXIES, the
    address the outermost trusted proxy saw.

    Used for throttling and the audit log, so a proxy's own address never stands in for
    every client, and a client talking to the portal directly cannot pick its own address.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0 or not from_trusted_proxy(request):
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    return forwarded[-hops] if len(forwarded) >= hops else remote


def forwarded_scheme(request) -> str | None:
    """The scheme a trusted proxy says the client used ("http" or "https"), else None.

    Like Django's SECURE_PROXY_SSL_HEADER, the first of several comma-separated values counts.
    """
    value = request.META.get("HTTP_X_FORWARDED_PROTO")
    if value is None or not from_trusted_proxy(request):
        return None
    scheme = value.split(",", 1)[0].strip().lower()
    return scheme if scheme in ("http", "https") else None
