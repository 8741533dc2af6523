"""REST API foundations: the tenant-scoped base view and error handling."""

from django.core.exceptions import ValidationError
from django.db import connection
from drf_spectacular.utils import inline_serializer
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from .audit import Origin
from .models import AuditEvent
from .selectors import tenant_for


class TenantScopedAPIView(APIView):
    """Base of every endpoint under `/api/v1/tenants/{tenant_id}/`.

    After authentication it resolves `tenant_id` through `tenant_for` (a tenant outside the
    caller's scope answers 404) and points the connection at the tenant's schema. Subclasses
    use `self.tenant` and never look a tenant up themselves.
    """

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.tenant = tenant_for(actor=request.user, tenant_id=kwargs["tenant_id"])
        connection.set_tenant(self.tenant)

    def origin(self) -> Origin:
        return Origin.from_request(self.request, AuditEvent.Source.API)


def items(serializer, name: str):
    """The OpenAPI shape of a list response: `{"items": [...]}`."""
    return inline_serializer(name=name, fields={"items": serializer(many=True)})


def exception_handler(exc, context):
    """DRF's handler, plus a service's ValidationError as 400 `{"detail", "errors"}`."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            errors = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
            detail = next(iter(errors.values()))[0]
        else:
            errors = {}
            detail = exc.messages[0]
        return Response({"detail": detail, "errors": errors}, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)
