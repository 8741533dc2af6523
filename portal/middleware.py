from django.db import connection


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
