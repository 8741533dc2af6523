"""REST API for registration tokens."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import IdField, StrictIntegerField
from api.pagination import PAGE_PARAMETERS, items, paginated
from tenants.audit import Origin
from tenants.mixins import TenantScopedAPIView
from tenants.models import AuditEvent

from . import renewal, selectors, services
from .models import MAX_MACHINES

MSG_FLAG = "unregister_machines must be true or false."
UNREGISTER_PARAMETER = OpenApiParameter(
    "unregister_machines",
    OpenApiTypes.BOOL,
    description="true: the leak response; also unregister every device the token "
    "registered, in one transaction and one audit event (administrators who may unregister "
    "devices). Answers 200 with the count.",
)
UNREGISTERED = inline_serializer(
    "TokenDeletedWithMachines", {"machines_unregistered": StrictIntegerField()}
)


class Ref(serializers.Serializer):
    id = serializers.CharField()
    uuid = serializers.UUIDField(help_text="The user's id in the vendor API v2.")
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
    description = serializers.CharField(help_text="Free text, at most 200 characters.")
    max_machines = StrictIntegerField(
        allow_null=True, help_text="Use limit: null is reusable, else 1 to 10000 machines."
    )
    machines = StrictIntegerField(help_text="Distinct machines registered with the token.")
    registrations = StrictIntegerField(
        help_text="Registrations, counting a re-registration of the same machine again."
    )
    allowed_networks = serializers.ListField(
        child=serializers.CharField(),
        help_text="Address limit: CIDR networks the token may be used from; empty: any.",
    )
    last_used_at = serializers.DateTimeField(allow_null=True)
    used_up = serializers.BooleanField(
        read_only=True,
        help_text="The use limit is reached: no new machine registers with it (it is still "
        "listed, can apply and revoke its plan, and can be deleted).",
    )
    replaced_by = serializers.SerializerMethodField(
        help_text="Reissued with a grace period: the id of the token that replaces it."
    )
    works_until = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="Replaced: its value works until then (the grace period's end).",
    )

    def get_replaced_by(self, token) -> str | None:
        return str(token.replaced_by.public_id) if token.replaced_by_id else None

    def get_tenant(self, token) -> dict:
        return {"id": token.tenant.slug, "uuid": str(token.tenant.uuid), "name": token.tenant.name}

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
    description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=services.MAX_DESCRIPTION
    )
    max_machines = StrictIntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=MAX_MACHINES,
        help_text="null (default): reusable; 1: one machine; N: up to N distinct machines.",
    )
    allowed_networks = serializers.ListField(
        child=serializers.CharField(max_length=49),
        required=False,
        default=list,
        max_length=100,
        help_text='IPv4 and IPv6 CIDR networks, e.g. ["192.0.2.0/24", "2001:db8::/32"]; '
        "an invalid entry is 400. Registrations and plan changes from elsewhere get 403.",
    )


class TokenUpdateInput(serializers.Serializer):
    description = serializers.CharField(allow_blank=True, max_length=services.MAX_DESCRIPTION)


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
            description=data.validated_data["description"],
            max_machines=data.validated_data["max_machines"],
            allowed_networks=data.validated_data["allowed_networks"],
            origin=self.origin(),
        )
        body = {**TokenItem(issued.token).data, "token": issued.value}
        return Response(body, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"})


class TokenApi(APIView):
    """Base of the endpoints under `/api/v1/registration_tokens/{id}`."""

    def origin(self) -> Origin:
        return Origin.from_request(self.request, AuditEvent.Source.API)


class TokenDetailApi(TokenApi):
    @extend_schema(
        parameters=[UNREGISTER_PARAMETER],
        responses={
            204: OpenApiResponse(description="Deleted (without `unregister_machines`)."),
            200: UNREGISTERED,
        },
        summary="Delete a registration token (optionally unregistering its machines)",
    )
    def delete(self, request, token_id):
        token = selectors.token_for(actor=request.user, token_id=token_id)
        flag = request.query_params.get("unregister_machines", "false")
        if flag not in ("true", "false"):
            raise ValidationError({"unregister_machines": [MSG_FLAG]})
        count = services.token_delete(
            actor=request.user,
            token=token,
            origin=self.origin(),
            unregister_machines=flag == "true",
        )
        if flag == "true":
            return Response({"machines_unregistered": count})
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=TokenUpdateInput,
        responses={200: TokenItem},
        summary="Change a registration token's description",
        description="Allowed to whoever may delete the token.",
    )
    def patch(self, request, token_id):
        token = selectors.token_for(actor=request.user, token_id=token_id)
        data = TokenUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        token = services.token_update_description(
            actor=request.user,
            token=token,
            description=data.validated_data["description"],
            origin=self.origin(),
        )
        return Response(TokenItem(token).data)


class TokenExtendInput(serializers.Serializer):
    expires_in = StrictIntegerField(
        help_text="The new lifetime in seconds from now, 60 to 31536000 (one year)."
    )


class TokenExtendApi(TokenApi):
    @extend_schema(
        request=TokenExtendInput,
        responses={200: TokenItem},
        summary="Extend a registration token (same value, new expiry from now)",
    )
    def post(self, request, token_id):
        token = selectors.token_for(actor=request.user, token_id=token_id)
        data = TokenExtendInput(data=request.data)
        data.is_valid(raise_exception=True)
        token = renewal.token_extend(
            actor=request.user,
            token=token,
            lifetime=data.validated_data["expires_in"],
            origin=self.origin(),
        )
        return Response(TokenItem(token).data)


class TokenReissueInput(serializers.Serializer):
    grace = StrictIntegerField(
        required=False,
        default=0,
        min_value=0,
        max_value=int(renewal.MAX_GRACE.total_seconds()),
        help_text="Seconds the old value keeps working, 0 (default: deleted at once) to "
        "604800 (7 days); never past its own expiry.",
    )


class TokenReissueApi(TokenApi):
    error_responses = {
        400: "The token stopped being active, or was already replaced, while it was reissued."
    }

    @extend_schema(
        request=TokenReissueInput,
        responses={201: CreatedToken},
        summary="Reissue a registration token: a new value with the same settings",
        description="Without `grace` the old token is deleted; with one its value works until "
        "the grace period ends (listed as replaced, with `works_until`). The new value is "
        "only in this response.",
    )
    def post(self, request, token_id):
        token = selectors.token_for(actor=request.user, token_id=token_id)
        data = TokenReissueInput(data=request.data if request.data else {})
        data.is_valid(raise_exception=True)
        issued = renewal.token_reissue(
            actor=request.user,
            token=token,
            origin=self.origin(),
            grace=data.validated_data["grace"],
        )
        body = {**TokenItem(issued.token).data, "token": issued.value}
        return Response(body, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"})
