"""REST API for API clients: `GET`/`POST /api/v1/tenants/{id}/api_clients`,
`DELETE /api/v1/api_clients/{id}` and `POST /api/v1/api_clients/{id}/reset_secret`. A
secret is only in the answer that made it (creation, reset)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.pagination import PAGE_PARAMETERS, items, paginated
from tenants.api_clients.selectors import api_client_for, api_clients_at
from tenants.api_clients.services import (
    api_client_create,
    api_client_delete,
    api_client_reset_secret,
)
from tenants.audit import Origin
from tenants.mixins import TenantScopedAPIView
from tenants.models import ApiClient, AuditEvent


class ApiClientItem(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=ApiClient.Role.choices)
    tenant = serializers.SerializerMethodField(
        help_text="The level it acts at: a partner (its All customers) or one customer."
    )
    client_id = serializers.CharField(source="application.client_id")
    created_by = serializers.CharField(source="created_by_name")
    created_by_uuid = serializers.UUIDField(
        source="created_by.uuid",
        allow_null=True,
        help_text="The creator's id in the vendor API v2; null once the account is deleted.",
    )
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)

    def get_tenant(self, client) -> dict:
        return {
            "id": client.tenant.slug,
            "uuid": str(client.tenant.uuid),
            "name": client.tenant.name,
        }


class ApiClientCreated(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=ApiClient.Role.choices)
    tenant = serializers.DictField(child=serializers.CharField())
    client_id = serializers.CharField()
    client_secret = serializers.CharField(help_text="Shown only in this response.")


class ApiClientInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    role = serializers.ChoiceField(choices=ApiClient.Role.choices)


def origin_of(request) -> Origin:
    return Origin.from_request(request, AuditEvent.Source.API)


class ApiClientListApi(TenantScopedAPIView):
    @extend_schema(
        responses=items(ApiClientItem, "ApiClientList"),
        parameters=PAGE_PARAMETERS,
        summary="API clients of a level, by name",
    )
    def get(self, request, tenant_id):
        clients = api_clients_at(actor=request.user, tenant=self.tenant)
        return paginated(self, clients, ApiClientItem, ordering=("name", "id"))

    @extend_schema(
        request=ApiClientInput,
        responses={201: ApiClientCreated},
        summary="Create an API client acting at this level",
        description="At a partner the client acts at its All customers. The client secret "
        "is only in this answer (it is stored hashed).",
    )
    def post(self, request, tenant_id):
        data = ApiClientInput(data=request.data)
        data.is_valid(raise_exception=True)
        issued = api_client_create(
            actor=request.user,
            tenant=self.tenant,
            name=data.validated_data["name"],
            role=data.validated_data["role"],
            origin=self.origin(),
        )
        client = issued.client
        body = {
            "id": str(client.pk),
            "name": client.name,
            "role": client.role,
            "tenant": {
                "id": client.tenant.slug,
                "uuid": str(client.tenant.uuid),
                "name": client.tenant.name,
            },
            "client_id": issued.client_id,
            "client_secret": issued.client_secret,
        }
        return Response(body, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"})


class ApiClientDetailApi(APIView):
    @extend_schema(
        responses={204: OpenApiResponse(description="Deleted, with its access tokens.")},
        summary="Delete an API client (its access tokens stop working at once)",
    )
    def delete(self, request, client_id):
        client = api_client_for(actor=request.user, client_id=client_id)
        api_client_delete(actor=request.user, client=client, origin=origin_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiClientSecret(serializers.Serializer):
    id = serializers.CharField()
    client_id = serializers.CharField()
    client_secret = serializers.CharField(help_text="Shown only in this response.")


class ApiClientResetSecretApi(APIView):
    @extend_schema(
        request=None,
        responses={200: ApiClientSecret},
        summary="Give an API client a new secret",
        description="The old secret and the access tokens obtained with it stop working at "
        "once; the new secret is only in this answer.",
    )
    def post(self, request, client_id):
        request.data  # noqa: B018 - no fields, but a body is parsed (and refused) like any other
        client = api_client_for(actor=request.user, client_id=client_id)
        issued = api_client_reset_secret(
            actor=request.user, client=client, origin=origin_of(request)
        )
        body = {
            "id": str(client.pk),
            "client_id": issued.client_id,
            "client_secret": issued.client_secret,
        }
        return Response(body, headers={"Cache-Control": "no-store"})
