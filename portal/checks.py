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


@register()
def metrics_access_check(app_configs, **kwargs) -> list[Error]:
    """/metrics is for the configured scrapers: a malformed address entry, or a bearer
    token short enough to guess, is an error rather than a surprise."""
    from .metrics import allowed_networks  # noqa: PLC0415 - prometheus_client loads late

    errors = []
    try:
        allowed_networks(tuple(settings.METRICS_ALLOWED_ADDRESSES))
    except ValueError as error:
        errors.append(
            Error(
                f"METRICS_ALLOWED_ADDRESSES has an entry that is not an address or network: "
                f"{error}",
                id="portal.E003",
            )
        )
    if settings.METRICS_TOKEN and len(settings.METRICS_TOKEN) < 32:
        errors.append(
            Error(
                "METRICS_TOKEN is shorter than 32 characters.",
                hint="Use a long random value, e.g. python3 -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'.",
                id="portal.E004",
            )
        )
    return errors
