"""The plan script's calls, with an access token of a registration token (`plan_access`):

- `POST /api/policy_management/v4/applications` `{"context": {"items": [agent ids]}}`
  applies the token's plan to each agent (already applied counts as success);
- `DELETE /api/policy_management/v4/applications?context_id=<agent id>` revokes it.

The agent id is the `agent_id` registration returned. Each change is
`agents.services.registration.plan_change`, the agent API's own: the same checks (the
token's customer and user, its address limit, a plan bound to it) and audit event.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import (
    APIException,
    AuthenticationFailed,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from agents.authentication import Agent, agent_in_tenant
from agents.services import registration
from tenants.audit import Origin
from tenants.models import AuditEvent
from tokens import networks
from tokens.selectors import InvalidToken
from tokens.services import TokenNetworkRefused

from .base import VendorAPIView
from .plan_access import MSG_INVALID, PlanAccessAuthentication

MSG_NO_AGENT = "No such agent: {agent_id}"
CONTEXT = OpenApiParameter(
    "context_id", OpenApiTypes.STR, required=True, description="The agent's id."
)


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT


class Context(serializers.Serializer):
    items = serializers.ListField(
        child=serializers.CharField(max_length=64), min_length=1, max_length=100
    )


class ApplicationInput(serializers.Serializer):
    context = Context()


class Applied(serializers.Serializer):
    context_id = serializers.CharField()
    policy_id = serializers.CharField()
    policy_name = serializers.CharField()
    status = serializers.ChoiceField(choices=["applied", "revoked"])


class AppliedList(serializers.Serializer):
    items = Applied(many=True)


class ApplicationsApi(VendorAPIView):
    authentication_classes = [PlanAccessAuthentication]
    permission_classes = [IsAuthenticated]
    error_responses = {
        403: "The agent belongs to another user than the token's, or the token cannot be "
        "used from this network.",
        404: "No agent with this id in the registration token's customer.",
        409: registration.MSG_NO_PLAN,
    }

    @extend_schema(
        request=ApplicationInput,
        responses={200: AppliedList},
        summary="Apply the registration token's protection plan to agents",
    )
    def post(self, request):
        data = ApplicationInput(data=request.data)
        data.is_valid(raise_exception=True)
        agent_ids = data.validated_data["context"]["items"]
        # Every id is checked before any plan changes: an unknown one changes nothing.
        agents = [self._agent(agent_id) for agent_id in agent_ids]
        done = [
            self._change(agent, agent_id, apply=True)
            for agent, agent_id in zip(agents, agent_ids, strict=True)
        ]
        return Response({"items": done})

    @extend_schema(
        parameters=[CONTEXT],
        responses={204: OpenApiResponse(description="Revoked (or was not applied).")},
        summary="Revoke the registration token's protection plan from an agent",
    )
    def delete(self, request):
        agent_id = request.query_params.get("context_id", "")
        if not agent_id:
            raise ValidationError({"context_id": ["Give the agent's id."]})
        self._change(self._agent(agent_id), agent_id, apply=False)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _agent(self, agent_id: str) -> Agent:
        """The agent with this id in the registration token's customer; 404 otherwise."""
        token = self.request.user.token
        self.request._request.log_tenant = token.tenant.slug  # for the request log
        agent = agent_in_tenant(token.tenant, agent_id)
        if agent is None:
            raise NotFound(MSG_NO_AGENT.format(agent_id=agent_id[:64]))
        return agent

    def _change(self, agent: Agent, agent_id: str, *, apply: bool) -> dict:
        token = self.request.user.token
        origin = Origin.from_request(self.request, AuditEvent.Source.AGENT)
        try:
            plan = registration.plan_change(agent=agent, token=token, apply=apply, origin=origin)
        except registration.NoPlanOnToken:
            raise Conflict(registration.MSG_NO_PLAN) from None
        except registration.TokenOfAnotherUser:
            raise PermissionDenied(registration.MSG_OTHER_USER) from None
        except registration.TokenOfAnotherTenant:
            raise PermissionDenied(registration.MSG_OTHER_TENANT) from None
        except TokenNetworkRefused:
            raise PermissionDenied(networks.MSG_REFUSED) from None
        except registration.AgentGone:
            raise NotFound(MSG_NO_AGENT.format(agent_id=agent_id[:64])) from None
        except InvalidToken:
            raise AuthenticationFailed(MSG_INVALID) from None
        return {
            "context_id": str(agent.device.agent_id),
            "policy_id": str(plan.pk),
            "policy_name": plan.name,
            "status": "applied" if apply else "revoked",
        }
