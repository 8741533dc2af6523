"""Tenants as the vendor's Account Management API v2 has them:

- `GET /api/2/tenants/{tenant_id}`: one tenant of the caller's scope;
- `POST /api/2/tenants` (`name`, `kind`, `parent_id`): a new sub-partner, folder, customer or
  unit (201);
- `PUT /api/2/tenants/{tenant_id}` (`version`, and `name` and/or `parent_id`): a rename or a
  move within its tree; 409 when the tenant changed since the caller read its `version`;
- `GET /api/2/tenants/{tenant_id}/children`: the UUIDs of its direct children
  (`?include_details=true`: the tenants themselves);
- `GET /api/2/tenants?uuids=a,b,c` or `?parent_id=<uuid>`: the tenants of the caller's scope
  among those ids, or the children of that tenant.

A tenant answers the vendor's `kind` ("partner", "folder", "customer", "unit") and its
parent's UUID as `parent_id` (null at the top of a tree). Every tenant is reached through
`tenants.selectors` (`tenant_for`, `tenants_visible_to`): out of scope is 404, or left out
of a list, exactly like an id that does not exist. Creating, renaming and moving go through
the Management portal's services (`tenants.tree`, `tenants.services`): the same rules, checks
and audit events as the console.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from tenants.models import Tenant, User
from tenants.selectors import tenants_visible_to

from . import tenant_changes
from .base import VendorAPIView
from .ids import as_uuid
from .tenant_shapes import VendorTenant, VendorTenantList, tenant_of

MAX_UUIDS = 100
MSG_UUIDS = f"uuids must be a comma-separated list of at most {MAX_UUIDS} tenant ids."
MSG_QUERY = "Give uuids or parent_id."
# The children's list has no pages in the vendor's answer: at most this many, by name.
LIST_LIMIT = 1000


def _children(actor: User, tenant: Tenant):
    return tenants_visible_to(actor).filter(parent=tenant).order_by("name", "id")[:LIST_LIMIT]


class TenantApi(VendorAPIView):
    error_responses = {
        404: "The tenant (or the new parent) is unknown or outside your scope.",
        409: "The tenant has changed since the version sent.",
    }

    @extend_schema(responses={200: VendorTenant}, summary="A tenant")
    def get(self, request, tenant_id):
        return Response(VendorTenant(tenant_of(request.user, tenant_id)).data)

    @extend_schema(
        request=tenant_changes.VendorTenantChange,
        responses={200: VendorTenant},
        summary="Rename a tenant or move it within its tree",
        description="`version` is the one last read: 409 if the tenant changed since. 400 a "
        "name its level already has, another tree, below itself, or a kind that cannot stand "
        "there; 403 role may not.",
    )
    def put(self, request, tenant_id):
        tenant = tenant_of(request.user, tenant_id)
        return tenant_changes.change(self, tenant)


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
        request=tenant_changes.VendorTenantInput,
        responses={201: VendorTenant},
        summary="Create a sub-partner, folder, customer or unit",
        description="400 a kind that cannot stand under that parent or a name the parent "
        "already has; 403 role may not; 404 parent unknown or out of scope.",
        operation_id="api_2_tenants_create",
    )
    def post(self, request):
        return tenant_changes.create(self)

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
