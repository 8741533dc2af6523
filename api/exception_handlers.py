"""The REST framework's EXCEPTION_HANDLER: every API error in one documented shape."""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError
from rest_framework import serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

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
