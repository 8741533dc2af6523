"""REST API: the tenants and users a caller can see."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .api import TenantScopedAPIView, items
from .selectors import selector_choices, users_at


class TenantItem(serializers.Serializer):
    id = serializers.CharField(source="slug")
    name = serializers.CharField()
    kind = serializers.CharField()
    parent_id = serializers.CharField(source="parent.slug", allow_null=True, default=None)


class UserItem(serializers.Serializer):
    id = serializers.CharField()
    username = serializers.CharField()
    role = serializers.CharField()
    tenant = serializers.SerializerMethodField()

    def get_tenant(self, user) -> dict:
        return {"id": user.tenant.slug, "name": user.tenant.name}


class TenantListApi(APIView):
    @extend_schema(responses=items(TenantItem, "TenantList"), summary="Tenants you can see")
    def get(self, request):
        tenants = selector_choices(request.user)
        return Response({"items": TenantItem(tenants, many=True).data})


class UserListApi(TenantScopedAPIView):
    @extend_schema(responses=items(UserItem, "UserList"), summary="Users of a tenant")
    def get(self, request, tenant_id):
        users = users_at(actor=request.user, tenant=self.tenant)
        return Response({"items": UserItem(users, many=True).data})
