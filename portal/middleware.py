from django.db import connection

from tenants.net import forwarded_scheme


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
    header is dropped afterwards, so nothing later can read an untrusted one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        scheme = forwarded_scheme(request)
        request.META.pop("HTTP_X_FORWARDED_PROTO", None)
        if scheme is not None:
            request.META["wsgi.url_scheme"] = scheme
        return self.get_response(request)
