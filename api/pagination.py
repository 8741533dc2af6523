"""API list pagination: one page shape for every list, and its OpenAPI description."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

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
