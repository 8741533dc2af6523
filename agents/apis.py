"""REST API for agents: registration with a token, then the agent's own credential."""

from django.db.models import F
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.pagination import PAGE_PARAMETERS, items, paginated
from api.serializers import InputSerializer
from tenants.audit import Origin
from tenants.mixins import TenantScopedAPIView
from tenants.models import AuditEvent
from tokens import networks
from tokens.services import TokenNetworkRefused
from tokens.throttling import TokenUsingAPIView, TokenValueField

from . import metrics
from .authentication import MSG_INVALID_SECRET, Agent, AgentSecretAuthentication, bearer_secret
from .selectors import plans_for
from .services import devices, registration


def _origin(request) -> Origin:
    return Origin.from_request(request, AuditEvent.Source.AGENT)


def _error(message: str, code: int) -> Response:
    # API messages are contracts, in English whatever the language (not marked).
    return Response({"detail": message}, status=code)


class RegisterInput(InputSerializer):
    token = TokenValueField()
    hostname = serializers.CharField(max_length=255)
    os = serializers.CharField(max_length=100)
    machine_id = serializers.CharField(max_length=128)
    agent_version = serializers.CharField(
        max_length=40, required=False, default="", allow_blank=True
    )


class Named(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()


class TenantRef(Named):
    uuid = serializers.UUIDField(help_text="The tenant's id in the vendor API v2.")


class RegisterOutput(serializers.Serializer):
    agent_id = serializers.CharField()
    agent_secret = serializers.CharField(help_text="Returned once. Send as a Bearer credential.")
    tenant = TenantRef()
    owner = inline_serializer(
        "Owner",
        {
            "id": serializers.CharField(),
            "uuid": serializers.UUIDField(),
            "username": serializers.CharField(),
        },
    )
    plan_available = Named(allow_null=True)


class RegisterApi(TokenUsingAPIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    error_responses = {
        403: "The token has an address limit: this registration token cannot be used from "
        "this network (audited).",
    }

    @extend_schema(
        request=RegisterInput,
        responses={201: RegisterOutput, 200: RegisterOutput},
        summary="Register a machine with a registration token",
        description=(
            "A machine id already registered in the customer keeps its device when the "
            "token's user owns it, or when the request carries the device's current agent "
            "secret as `Authorization: Bearer` (then the device moves to the token's user); "
            "otherwise 409."
        ),
    )
    def post(self, request):
        fields = RegisterInput.validated(request.data)
        try:
            result = registration.agent_register(
                token_value=fields.pop("token"),
                machine=registration.Machine(**fields),
                origin=_origin(request),
                proof=bearer_secret(request),
            )
        except registration.MachineTaken:
            return _error(registration.MSG_MACHINE_TAKEN, status.HTTP_409_CONFLICT)
        except TokenNetworkRefused:
            return _error(networks.MSG_REFUSED, status.HTTP_403_FORBIDDEN)
        body = {
            "agent_id": str(result.agent_id),
            "agent_secret": result.secret,
            "tenant": {
                "id": result.tenant_slug,
                "uuid": str(result.tenant_uuid),
                "name": result.tenant_name,
            },
            "owner": {
                "id": str(result.owner_id),
                "uuid": str(result.owner_uuid),
                "username": result.owner_username,
            },
            "plan_available": {"id": str(result.plan_id), "name": result.plan_name}
            if result.plan_id
            else None,
        }
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        request._request.log_tenant = result.tenant_slug  # for the request log
        return Response(body, status=code, headers={"Cache-Control": "no-store"})

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        metrics.count(response.status_code, getattr(request, "token_failure_reason", None))
        return response


class AgentView(APIView):
    authentication_classes = [AgentSecretAuthentication]
    permission_classes = [IsAuthenticated]

    @property
    def agent(self) -> Agent:
        return self.request.user


class MeApi(AgentView):
    @extend_schema(
        summary="This agent's device",
        responses=inline_serializer(
            "AgentMe",
            {
                "agent_id": serializers.CharField(),
                "hostname": serializers.CharField(),
                "os": serializers.CharField(),
                "tenant": TenantRef(),
                "owner": serializers.DictField(),
                "plans": Named(many=True),
            },
        ),
    )
    def get(self, request):
        device, tenant = self.agent.device, self.agent.tenant
        return Response(
            {
                "agent_id": str(device.agent_id),
                "hostname": device.hostname,
                "os": device.os,
                "tenant": {"id": tenant.slug, "uuid": str(tenant.uuid), "name": tenant.name},
                "owner": {
                    "id": str(device.owner_id),
                    "uuid": str(device.owner.uuid),
                    "username": device.owner.username,
                },
                "plans": [{"id": str(p.pk), "name": p.name} for p in device.plans.order_by("name")],
            }
        )


class PlanTokenInput(InputSerializer):
    token = TokenValueField()


class PlanChangeApi(AgentView, TokenUsingAPIView):
    apply = True
    error_responses = {
        403: "The registration token belongs to another tenant, or to another user, or "
        "(address limit) cannot be used from this network.",
        409: "No protection plan can be assigned using this registration token.",
    }

    @extend_schema(
        request=PlanTokenInput,
        responses={
            200: inline_serializer(
                "PlanChanged", {"plan": Named(), "applied": serializers.BooleanField()}
            ),
        },
    )
    def post(self, request):
        token_value = PlanTokenInput.validated(request.data)["token"]
        change = registration.plan_apply if self.apply else registration.plan_revoke
        try:
            plan = change(agent=self.agent, token_value=token_value, origin=_origin(request))
        except registration.TokenOfAnotherTenant:
            return _error(registration.MSG_OTHER_TENANT, status.HTTP_403_FORBIDDEN)
        except registration.TokenOfAnotherUser:
            return _error(registration.MSG_OTHER_USER, status.HTTP_403_FORBIDDEN)
        except TokenNetworkRefused:
            return _error(networks.MSG_REFUSED, status.HTTP_403_FORBIDDEN)
        except registration.AgentGone:
            raise AuthenticationFailed(MSG_INVALID_SECRET) from None
        except registration.NoPlanOnToken:
            return _error(registration.MSG_NO_PLAN, status.HTTP_409_CONFLICT)
        return Response({"plan": {"id": str(plan.pk), "name": plan.name}, "applied": self.apply})


class PlanApplyApi(PlanChangeApi):
    apply = True


class PlanRevokeApi(PlanChangeApi):
    apply = False


class UnregisterApi(AgentView):
    @extend_schema(request=None, responses={204: None}, summary="Unregister this machine")
    def post(self, request):
        try:
            devices.agent_unregister(agent=self.agent, origin=_origin(request))
        except registration.AgentGone:  # re-registered with a new secret a moment ago
            raise AuthenticationFailed(MSG_INVALID_SECRET) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class PingApi(APIView):
    """A trivial endpoint: the benchmark's baseline for one DRF request."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(responses=inline_serializer("Ping", {"ok": serializers.BooleanField()}))
    def get(self, request):
        return Response({"ok": True})


class PlanItem(serializers.Serializer):
    """One serializer for a plan entry, at a customer and at All customers."""

    id = serializers.CharField(source="plan_id")
    name = serializers.CharField()
    tenant = serializers.SerializerMethodField()

    @extend_schema_field(TenantRef)
    def get_tenant(self, plan) -> dict:
        return {
            "id": plan.customer_slug,
            "uuid": str(plan.customer_uuid),
            "name": plan.customer_name,
        }


class PlanListApi(TenantScopedAPIView):
    @extend_schema(
        responses=items(PlanItem, "PlanList"),
        parameters=PAGE_PARAMETERS,
        summary="Protection plans of a tenant",
    )
    def get(self, request, tenant_id):
        # The customer's UUID, as every /api/v1 answer names its tenant (one join, no query).
        plans = plans_for(tenant=self.tenant).annotate(customer_uuid=F("tenant__uuid"))
        return paginated(self, plans, PlanItem, ordering=("name", "id"))
