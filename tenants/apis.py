"""REST API: the tenants, users and protection plans a caller can see."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.selectors import plans_for
from portal.api import TenantScopedAPIView

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


class PlanItem(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    tenant = serializers.DictField(child=serializers.CharField())


def items(serializer, name):
    return inline_serializer(name=name, fields={"items": serializer(many=True)})


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


class PlanListApi(TenantScopedAPIView):
    @extend_schema(responses=items(PlanItem, "PlanList"), summary="Protection plans of a tenant")
    def get(self, request, tenant_id):
        if self.tenant.is_customer:
            tenant = {"id": self.tenant.slug, "name": self.tenant.name}
            plans = [
                {"id": p.pk, "name": p.name, "tenant": tenant}
                for p in plans_for(tenant=self.tenant)
            ]
        else:
            plans = [
                {
                    "id": p["id"],
                    "name": p["name"],
                    "tenant": {"id": p["customer_slug"], "name": p["customer_name"]},
                }
                for p in plans_for(tenant=self.tenant)[:]
            ]
        return Response({"items": PlanItem(plans, many=True).data})
