"""System checks for settings that would silently weaken the portal."""

from django.conf import settings
from django.core.checks import Error, register

from tenants.net import proxy_networks


@register()
def trusted_proxies_check(app_configs, **kwargs) -> list[Error]:
    try:
        networks = proxy_networks(tuple(settings.TRUSTED_PROXIES))
    except ValueError as error:
        return [
            Error(
                f"TRUSTED_PROXIES has an entry that is not an address or network: {error}",
                id="portal.E002",
            )
        ]
    if settings.TRUSTED_PROXY_COUNT > 0 and not networks:
        return [
            Error(
                "TRUSTED_PROXY_COUNT is set but TRUSTED_PROXIES is empty, so X-Forwarded-For "
                "would never be read.",
                hint="Set TRUSTED_PROXIES to the addresses of the reverse proxies.",
                id="portal.E001",
            )
        ]
    return []
