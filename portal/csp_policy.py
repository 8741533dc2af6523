"""django-csp's middleware, with the policy built once instead of on every response.

django-csp 4 builds the Content-Security-Policy header from the settings on every response
(copies each directive, deduplicates, joins: about 5% of a registration's app CPU). The
header only varies per response when a view changed the policy (`csp.decorators`: the
response's `_csp_config`, `_csp_update`, `_csp_replace` and their report-only twins) or
when something read `request.csp_nonce` (a nonce goes into the header). Otherwise, which is
every response of the portal today (no template uses a nonce, no view a decorator), both
headers are the settings' policy: built once by django-csp's own `build_policy`, kept until
a setting changes (tests' override_settings), and set under the same rules as the library
(not over a header already set, not on exempt responses or excluded path prefixes, not on a
404/500 while DEBUG is on). Anything per response goes through django-csp unchanged.
"""

from __future__ import annotations

import http.client
import threading

from csp import middleware as csp_middleware
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase

# What a view's decorator leaves on a response: any of them makes the policy per response.
_PER_RESPONSE = frozenset(
    ("_csp_config", "_csp_update", "_csp_replace")
    + ("_csp_config_ro", "_csp_update_ro", "_csp_replace_ro")
)
_DEBUG_EXEMPT = (http.client.INTERNAL_SERVER_ERROR, http.client.NOT_FOUND)
_SETTINGS = ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY")

# (header, excluded prefixes, report-only header, its excluded prefixes), or None: not built.
_cache: tuple[str, tuple[str, ...], str, tuple[str, ...]] | None = None
_lock = threading.Lock()


def _prefixes(name: str) -> tuple[str, ...]:
    return tuple((getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES") or ())


def settings_policy() -> tuple[str, tuple[str, ...], str, tuple[str, ...]]:
    """Both headers as the settings make them (no nonce, no decorator), built once."""
    global _cache
    cached = _cache
    if cached is None:
        with _lock:
            cached = (
                build_policy(),
                _prefixes(_SETTINGS[0]),
                build_policy(report_only=True),
                _prefixes(_SETTINGS[1]),
            )
            _cache = cached
    return cached


@receiver(setting_changed)
def _forget_policy(*, setting: str, **kwargs: object) -> None:
    global _cache
    if setting in _SETTINGS:
        _cache = None


class CSPMiddleware(csp_middleware.CSPMiddleware):
    """django-csp's CSPMiddleware; the settings' policy comes from `settings_policy()`."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if getattr(request, "_csp_nonce", None) is not None or not _PER_RESPONSE.isdisjoint(
            vars(response)
        ):
            return super().process_response(request, response)
        if response.status_code in _DEBUG_EXEMPT and settings.DEBUG:
            return response
        csp, excluded, csp_ro, excluded_ro = settings_policy()
        path = request.path_info
        if (
            csp
            and HEADER not in response
            and getattr(response, "_csp_exempt", False) is False
            and not path.startswith(excluded)
        ):
            response[HEADER] = csp
        if (
            csp_ro
            and HEADER_REPORT_ONLY not in response
            and getattr(response, "_csp_exempt_ro", False) is False
            and not path.startswith(excluded_ro)
        ):
            response[HEADER_REPORT_ONLY] = csp_ro
        # As django-csp: reading the nonce after the header is written is an error.
        request.csp_nonce = csp_middleware.CheckableLazyObject(  # type: ignore[attr-defined]
            self._csp_nonce_post_response
        )
        return response
