"""REST API: the tenants and users a caller can see."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from api.pagination import PAGE_PARAMETERS, items, paginated

from .mixins import TenantScopedAPIView
from .selectors import tenants_visible_to, users_at


class TenantItem(serializers.Serializer):
    id = serializers.CharField(source="slug")
    uuid = serializers.UUIDField(help_text="The tenant's id in the vendor API v2.")
    name = serializers.CharField()
    kind = serializers.CharField()
    parent_id = serializers.CharField(source="parent.slug", allow_null=True, default=None)


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
    @extend_schema(
        responses=items(TenantItem, "TenantList"),
        parameters=PAGE_PARAMETERS,
        summary="Tenants you can see",
    )
    def get(self, request):
        tenants = tenants_visible_to(request.user)
        return paginated(self, tenants, TenantItem, ordering=("name", "id"))


class UserListApi(TenantScopedAPIView):
    @extend_schema(
        responses=items(UserItem, "UserList"), parameters=PAGE_PARAMETERS, summary="Users"
    )
    def get(self, request, tenant_id):
        users = users_at(actor=request.user, tenant=self.tenant)
        return paginated(self, users, UserItem, ordering=("username",))
