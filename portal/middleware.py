from django.conf import settings
from django.db import connection
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from common.net import forwarded_scheme


class PublicSchemaMiddleware:
    """Start and end every request in the public schema.

    Pages choose their tenant explicitly from the URL (see `tenants.mixins.TenantScopedMixin`),
    so a tenant selected by one request can never leak into the next one on this connection.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        connection.set_schema_to_public()
        try:
            return self.get_response(request)
        finally:
            connection.set_schema_to_public()


class TrustedProxyMiddleware:
    """`X-Forwarded-Proto` sets the request's scheme only when a trusted proxy sent it.

    It replaces SECURE_PROXY_SSL_HEADER, which believes the header from anyone. It comes
    first, so SecurityMiddleware's HTTPS redirect and secure cookies see the real scheme; the
    header is dropped afterwards, so nothing later can read an untrusted one. The production
    server trusts the same peers for it (`forwarded_allow_ips`, portal/gunicorn_config.py).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        scheme = forwarded_scheme(request)
        request.META.pop("HTTP_X_FORWARDED_PROTO", None)
        if scheme is not None:
            request.META["wsgi.url_scheme"] = scheme
            scope = getattr(request, "scope", None)  # under ASGI the scope's scheme counts
            if scope is not None:
                request.scope = {**scope, "scheme": scheme}
        return self.get_response(request)


# The API, and the original vendor's older API paths (vendorapi).
API_PREFIX = ("/api/", "/bc/")


class PortalLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware (the language cookie, then Accept-Language), except under
    /api/: API answers are contracts that clients match literally, so they stay English
    whatever the client's Accept-Language, DRF's own messages included."""

    def process_request(self, request):
        if request.path_info.startswith(API_PREFIX):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
            return
        super().process_request(request)

    def process_response(self, request, response):
        if request.path_info.startswith(API_PREFIX):
            return response  # no Content-Language or Vary: Accept-Language, nothing varies
        return super().process_response(request, response)
