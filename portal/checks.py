"""System checks for settings that would silently weaken the portal."""

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

from common.net import proxy_networks


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


# Caches of one process (or none): each worker process, and each app server, would count
# failed token uses and keep cached tenants on its own.
_PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@register(deploy=True)
def shared_cache_check(app_configs, **kwargs) -> list[CheckMessage]:
    """Production's cache is what every process of every app server shares."""
    if settings.PORTAL_ENVIRONMENT != "production":
        return []
    backend = settings.CACHES["default"]["BACKEND"]
    if backend in _PER_PROCESS_CACHES:
        return [
            Error(
                f"CACHE_URL names a cache of one process ({backend}): the token-failure "
                "throttle would count per process, so a client could multiply its guesses "
                "by the number of processes and app servers.",
                hint="Use Redis, e.g. CACHE_URL=redis://cache.internal:6379/1.",
                id="portal.E003",
            )
        ]
    if backend == "portal.filecache.FileCache":
        return [
            Warning(
                "CACHE_URL names a file cache: only the processes of this machine share it; "
                "with app servers on several machines, use Redis.",
                id="portal.W003",
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
                id="portal.E005",
            )
        )
    if settings.METRICS_TOKEN and len(settings.METRICS_TOKEN) < 32:
        errors.append(
            Error(
                "METRICS_TOKEN is shorter than 32 characters.",
                hint="Use a long random value, e.g. python3 -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'.",
                id="portal.E006",
            )
        )
    return errors
