"""REST API for registration tokens."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from tenants.api import PAGE_PARAMETERS, TenantScopedAPIView, items, paginated
from tenants.audit import Origin
from tenants.fields import IdField, StrictIntegerField
from tenants.models import AuditEvent

from . import selectors, services


class Ref(serializers.Serializer):
    id = serializers.CharField()
    username = serializers.CharField()


class TokenItem(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    token_prefix = serializers.CharField(source="prefix")
    tenant = serializers.SerializerMethodField()
    user = Ref()
    created_by = Ref(allow_null=True)
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    plan = serializers.SerializerMethodField()
    registrations = StrictIntegerField()
    last_used_at = serializers.DateTimeField(allow_null=True)

    def get_tenant(self, token) -> dict:
        return {"id": token.tenant.slug, "name": token.tenant.name}

    def get_plan(self, token) -> dict | None:
        if token.plan_id is None:
            return None
        return {"id": str(token.plan_id), "name": token.plan_name}


class CreatedToken(TokenItem):
    token = serializers.CharField(help_text="The token value. It is shown only in this response.")


class TokenCreateInput(serializers.Serializer):
    expires_in = StrictIntegerField(
        required=False,
        default=int(services.DEFAULT_LIFETIME.total_seconds()),
        help_text="Lifetime in seconds, 60 to 31536000 (one year). Default 3 days.",
    )
    user_id = IdField(required=False, allow_null=True, default=None)
    plan_id = IdField(required=False, allow_null=True, default=None)


class TokenListApi(TenantScopedAPIView):
    @extend_schema(
        responses=items(TokenItem, "TokenList"),
        parameters=PAGE_PARAMETERS,
        summary="Active registration tokens, newest first",
    )
    def get(self, request, tenant_id):
        tokens = selectors.tokens_active_for(actor=request.user, tenant=self.tenant)
        return paginated(self, tokens, TokenItem, ordering=("-created_at", "-id"))

    @extend_schema(
        request=TokenCreateInput,
        responses={201: CreatedToken},
        summary="Generate a registration token",
    )
    def post(self, request, tenant_id):
        data = TokenCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        issued = services.token_create(
            actor=request.user,
            tenant=self.tenant,
            user_id=data.validated_data["user_id"],
            lifetime=data.validated_data["expires_in"],
            plan_id=data.validated_data["plan_id"],
            origin=self.origin(),
        )
        body = {**TokenItem(issued.token).data, "token": issued.value}
        return Response(body, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"})


class TokenDetailApi(APIView):
    @extend_schema(responses={204: None}, summary="Delete a registration token")
    def delete(self, request, token_id):
        token = selectors.token_for(actor=request.user, token_id=token_id)
        services.token_delete(
            actor=request.user,
            token=token,
            origin=Origin.from_request(request, AuditEvent.Source.API),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
