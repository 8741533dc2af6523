"""Tenants as the vendor's Account Management API v2 has them, read-only:

- `GET /api/2/tenants/{tenant_id}`: one tenant of the caller's scope;
- `GET /api/2/tenants/{tenant_id}/children`: the UUIDs of its direct children
  (`?include_details=true`: the tenants themselves);
- `GET /api/2/tenants?uuids=a,b,c` or `?parent_id=<uuid>`: the tenants of the caller's scope
  among those ids, or the children of that tenant.

A tenant answers the vendor's `kind` ("partner", "folder", "customer", "unit") and its
parent's UUID as `parent_id` (null at the top of a tree). Every tenant is reached through
`tenants.selectors` (`tenant_for`, `tenants_visible_to`): out of scope is 404, or left out
of a list, exactly like an id that does not exist. Creating, changing and moving tenants is
the Management portal's (`tenants.tree`).
"""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from tenants.models import Tenant, User
from tenants.selectors import tenant_for, tenants_visible_to

from .base import VendorAPIView
from .ids import as_uuid

MAX_UUIDS = 100
MSG_UUIDS = f"uuids must be a comma-separated list of at most {MAX_UUIDS} tenant ids."
MSG_QUERY = "Give uuids or parent_id."
# The children's list has no pages in the vendor's answer: at most this many, by name.
LIST_LIMIT = 1000


class VendorTenant(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Tenant.Kind.choices)
    parent_id = serializers.UUIDField(source="parent.uuid", allow_null=True, default=None)
    has_children = serializers.BooleanField()
    enabled = serializers.SerializerMethodField()

    def get_enabled(self, tenant) -> bool:
        return True  # this portal has no disabled tenants


class VendorTenantList(serializers.Serializer):
    items = VendorTenant(many=True)


def tenant_of(actor: User, tenant_id: str) -> Tenant:
    """The tenant with this UUID in the actor's scope; Http404 otherwise."""
    key = as_uuid(tenant_id)
    slug = key and Tenant.objects.filter(uuid=key).values_list("slug", flat=True).first()
    if not slug:
        raise Http404("No such tenant.")
    return tenant_for(actor=actor, tenant_id=slug)


def _children(actor: User, tenant: Tenant):
    return tenants_visible_to(actor).filter(parent=tenant).order_by("name", "id")[:LIST_LIMIT]


class TenantApi(VendorAPIView):
    error_responses = {404: "The tenant is unknown or outside your scope."}

    @extend_schema(responses={200: VendorTenant}, summary="A tenant")
    def get(self, request, tenant_id):
        return Response(VendorTenant(tenant_of(request.user, tenant_id)).data)


class TenantChildrenApi(VendorAPIView):
    error_responses = {404: "The tenant is unknown or outside your scope."}

    @extend_schema(
        parameters=[OpenApiParameter("include_details", bool, description="The tenants, not ids.")],
        summary="The direct children of a tenant",
        description=f'`{{"items": [<uuid>, ...]}}`, or the tenants with '
        f"`include_details=true`; by name, at most {LIST_LIMIT}.",
        responses={200: VendorTenantList},
    )
    def get(self, request, tenant_id):
        children = _children(request.user, tenant_of(request.user, tenant_id))
        if request.query_params.get("include_details", "").lower() == "true":
            return Response({"items": VendorTenant(children, many=True).data})
        return Response({"items": [str(uuid) for uuid in children.values_list("uuid", flat=True)]})


class TenantsApi(VendorAPIView):
    error_responses = {400: MSG_UUIDS, 404: "The parent is unknown or outside your scope."}

    @extend_schema(
        parameters=[
            OpenApiParameter("uuids", str, description="Comma-separated tenant ids."),
            OpenApiParameter("parent_id", str, description="The children of this tenant."),
        ],
        responses={200: VendorTenantList},
        summary="Tenants by id, or the children of a tenant",
        operation_id="api_2_tenants_list",
    )
    def get(self, request):
        raw, parent = request.query_params.get("uuids", ""), request.query_params.get("parent_id")
        if parent:
            tenants = _children(request.user, tenant_of(request.user, parent))
            return Response({"items": VendorTenant(tenants, many=True).data})
        if not raw:
            raise ValidationError({"uuids": [MSG_QUERY]})
        keys = [as_uuid(part.strip()) for part in raw.split(",")]
        if len(keys) > MAX_UUIDS or None in keys:
            raise ValidationError({"uuids": [MSG_UUIDS]})
        tenants = tenants_visible_to(request.user).filter(uuid__in=keys).order_by("name", "id")
        return Response({"items": VendorTenant(tenants, many=True).data})
