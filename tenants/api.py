"""REST API foundations: the tenant-scoped base view, list pagination and error handling."""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError, connection
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from .audit import Origin
from .models import AuditEvent
from .selectors import tenant_for


class TenantScopedAPIView(APIView):
    # As on TenantScopedMixin: only endpoints that touch the tenant's own tables set it.
    uses_tenant_schema = False

    """Base of every endpoint under `/api/v1/tenants/{tenant_id}/`.

    After authentication it resolves `tenant_id` through `tenant_for` (a tenant outside the
    caller's scope answers 404) and, with `uses_tenant_schema`, points the connection at the
    tenant's schema. Subclasses
    use `self.tenant` and never look a tenant up themselves.
    """

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.tenant = tenant_for(actor=request.user, tenant_id=kwargs["tenant_id"])
        if self.uses_tenant_schema:
            connection.set_tenant(self.tenant)

    def origin(self) -> Origin:
        return Origin.from_request(self.request, AuditEvent.Source.API)


MSG_LIMIT = "limit must be a whole number from 1 to 1000."


class ItemsCursorPagination(CursorPagination):
    """Every API list: `{"items": [...], "next": "<url>" | null}`, `?limit=` (default 100,
    at most 1,000; anything else is 400) and the opaque `?cursor=` taken from `next`.

    DRF's cursor pagination keeps its place by the first ordering field (with an offset
    for ties), so the order is stable while rows are added and a page costs one indexed
    query however deep it is.
    """

    page_size = 100
    max_page_size = 1000
    page_size_query_param = "limit"

    def __init__(self, ordering: tuple[str, ...]):
        self.ordering = ordering

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError({"limit": MSG_LIMIT})
        return int(raw)

    def get_paginated_response(self, data) -> Response:
        return Response({"items": data, "next": self.get_next_link()})


def paginated(view: APIView, queryset, serializer, *, ordering: tuple[str, ...]) -> Response:
    """One page of `queryset` in `ordering`, as an API list response."""
    pager = ItemsCursorPagination(ordering)
    page = pager.paginate_queryset(queryset, view.request, view)
    return pager.get_paginated_response(serializer(page, many=True).data)


def items(serializer, name: str):
    """The OpenAPI shape of a list response: `{"items": [...], "next": url | null}`."""
    return inline_serializer(
        name=name,
        fields={
            "items": serializer(many=True),
            "next": serializers.URLField(allow_null=True, help_text="The next page, or null."),
        },
    )


# Documented on every list endpoint.
PAGE_PARAMETERS = [
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": ItemsCursorPagination.max_page_size},
        description="Items per page, 1 to 1000 (default 100).",
    ),
    OpenApiParameter("cursor", str, description="The cursor from the previous page's next."),
]


MSG_UNAVAILABLE = "The service is temporarily unavailable. Try again shortly."

log = logging.getLogger(__name__)


def is_database_outage(exc: BaseException | None) -> bool:
    """The database cannot be reached or gave up (restart, connection lost, lock timeout)."""
    return isinstance(exc, OperationalError | InterfaceError)


def unavailable() -> Response:
    """503 for a database outage: clients retry after `API_RETRY_AFTER` seconds."""
    return Response(
        {"detail": MSG_UNAVAILABLE},
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(settings.API_RETRY_AFTER)},
    )


def exception_handler(exc, context):
    """DRF's handler, plus a service's ValidationError as 400 and a database outage as
    503, every answer in the documented shape `{"detail", "errors"?}` and rendered as JSON
    whatever the view's own renderers (the schema's YAML, the docs page's HTML)."""
    request = context.get("request")
    if request is not None:
        request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
    if is_database_outage(exc):
        log.warning("Database unavailable: %s: %s", type(exc).__name__, exc)
        return unavailable()
    if isinstance(exc, serializers.ValidationError):
        errors = _messages_by_field(exc.detail)
        field, messages = next(iter(errors.items()), ("", [str(exc)]))
        detail = messages[0] if field in {"", "non_field_errors"} else f"{field}: {messages[0]}"
        return Response({"detail": detail, "errors": errors}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            errors = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
            detail = next(iter(errors.values()))[0]
        else:
            errors = {}
            detail = exc.messages[0]
        return Response({"detail": detail, "errors": errors}, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is not None:
        response.data = documented_shape(response.data)
    return response


def documented_shape(data) -> dict:
    """`{"detail": "...", "errors"?: {...}}` from whatever DRF made of an error."""
    if isinstance(data, dict) and "detail" in data:
        return data
    errors = data if isinstance(data, dict) else {"non_field_errors": data}
    return {"detail": _first_message(errors) or "Invalid input.", "errors": errors}


def _first_message(value) -> str | None:
    if isinstance(value, str):
        return value
    children = value.values() if isinstance(value, dict) else value
    if isinstance(children, list | tuple) or isinstance(value, dict):
        for child in children:
            if (found := _first_message(child)) is not None:
                return found
    return None


def _messages_by_field(detail) -> dict[str, list[str]]:
    """A serializer's errors as {field: [message, ...]}, nested fields as "parent.child"."""
    if not isinstance(detail, dict):
        items = detail if isinstance(detail, list) else [detail]
        return {"non_field_errors": [str(item) for item in items]} if items else {}
    errors: dict[str, list[str]] = {}
    for field, value in detail.items():
        if isinstance(value, dict):
            nested = _messages_by_field(value)
            errors.update({f"{field}.{name}": msgs for name, msgs in nested.items()})
        else:
            errors[str(field)] = [str(m) for m in (value if isinstance(value, list) else [value])]
    return errors
