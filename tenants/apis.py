"""REST API: the tenants and users a caller can see; new levels and moves in the tree."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.pagination import PAGE_PARAMETERS, items, paginated

from . import tree
from .audit import Origin
from .mixins import TenantScopedAPIView
from .models import AuditEvent, Tenant
from .selectors import tenant_for, tenants_visible_to, users_at


class TenantItem(serializers.Serializer):
    id = serializers.CharField(source="slug")
    uuid = serializers.UUIDField(help_text="The tenant's id in the vendor API v2.")
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Tenant.Kind.choices)
    parent_id = serializers.CharField(
        source="parent.slug",
        allow_null=True,
        default=None,
        help_text="The id of the level above; null at the top of a tree.",
    )


class TenantInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=Tenant.Kind.choices)
    parent_id = serializers.CharField(
        help_text="Under a partner or folder: partner, folder or customer; under a customer "
        "or unit: unit."
    )


class MoveInput(serializers.Serializer):
    parent_id = serializers.CharField(help_text="The new level above, in the same tree.")


class UserItem(serializers.Serializer):
    id = serializers.CharField()
    uuid = serializers.UUIDField(help_text="The user's id in the vendor API v2.")
    personal_tenant_id = serializers.UUIDField(
        source="personal_tenant_uuid",
        help_text="The user's personal tenant id in the vendor API v2 (registration token "
        "scopes name the user by it).",
    )
    username = serializers.CharField()
    role = serializers.CharField()
    tenant = serializers.SerializerMethodField()

    def get_tenant(self, user) -> dict:
        return {"id": user.tenant.slug, "uuid": str(user.tenant.uuid), "name": user.tenant.name}


class TenantListApi(APIView):
    # The create names its parent in the body: a parent outside your scope is 404.
    error_responses = {404: "Not found, or outside your scope (the parent)."}

    @extend_schema(
        responses=items(TenantItem, "TenantList"),
        parameters=PAGE_PARAMETERS,
        summary="Tenants you can see",
    )
    def get(self, request):
        tenants = tenants_visible_to(request.user)
        return paginated(self, tenants, TenantItem, ordering=("name", "id"))

    @extend_schema(
        request=TenantInput,
        responses={201: TenantItem},
        summary="Create a sub-partner, folder, customer or unit under a level",
        description="400 a kind that cannot stand under that parent or a name the parent "
        "already has, 403 role may not, 404 parent out of scope.",
    )
    def post(self, request):
        data = TenantInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        parent = tenant_for(actor=request.user, tenant_id=values["parent_id"])
        child = tree.child_create(
            actor=request.user,
            parent=parent,
            kind=values["kind"],
            name=values["name"],
            origin=Origin.from_request(request, AuditEvent.Source.API),
        )
        return Response(TenantItem(child).data, status=status.HTTP_201_CREATED)


class TenantMoveApi(TenantScopedAPIView):
    @extend_schema(
        request=MoveInput,
        responses={200: TenantItem},
        summary="Move a tenant, with everything below it, under another level of its tree",
        description="400 the top of a tree, another tree, below itself, or a kind that "
        "cannot stand there; 403 role may not; 404 tenant or new parent out of scope.",
    )
    def post(self, request, tenant_id):
        data = MoveInput(data=request.data)
        data.is_valid(raise_exception=True)
        to = tenant_for(actor=request.user, tenant_id=data.validated_data["parent_id"])
        moved = tree.tenant_move(
            actor=request.user, tenant=self.tenant, to=to, origin=self.origin()
        )
        return Response(TenantItem(moved).data)


class UserListApi(TenantScopedAPIView):
    @extend_schema(
        responses=items(UserItem, "UserList"), parameters=PAGE_PARAMETERS, summary="Users"
    )
    def get(self, request, tenant_id):
        users = users_at(actor=request.user, tenant=self.tenant)
        return paginated(self, users, UserItem, ordering=("username",))
