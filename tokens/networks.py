"""Address limits of a registration token: the networks its machines may use it from."""

import ipaddress

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

MAX_NETWORKS = 100
MSG_NETWORK = gettext_noop(
    "“%(entry)s” is not a network (CIDR, e.g. 192.0.2.0/24 or 2001:db8::/32)."
)
MSG_TOO_MANY = gettext_noop("At most 100 networks.")
MSG_REFUSED = "This registration token cannot be used from this network."


def parse(entries: list[str] | str | None) -> list[str]:
    """Networks as given (a list, or text with one per line or comma-separated), checked and
    normalized (`10.1.2.3/8` reads as `10.0.0.0/8`; an address alone is its /32 or /128)."""
    if isinstance(entries, str):
        entries = entries.replace(",", "\n").splitlines()
    cleaned: list[str] = []
    for entry in entries or []:
        text = str(entry).strip()
        if not text:
            continue
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise ValidationError({"allowed_networks": _(MSG_NETWORK) % {"entry": text}}) from None
        if str(network) not in cleaned:
            cleaned.append(str(network))
    if len(cleaned) > MAX_NETWORKS:
        raise ValidationError({"allowed_networks": _(MSG_TOO_MANY)})
    return cleaned


def allows(networks: list[str], address: str | None) -> bool:
    """Whether a client address may use a token limited to `networks` (none: any)."""
    if not networks:
        return True
    try:
        client = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if isinstance(client, ipaddress.IPv6Address) and client.ipv4_mapped:
        client = client.ipv4_mapped
    return any(client in ipaddress.ip_network(n) for n in networks)
