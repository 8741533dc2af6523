"""`GET /api/2/users/me` and `POST /api/2/clients`: the two paths a vendor script calls
with a user's login and password (HTTP Basic), before it has an API client.

A client is made by `tenants.api_clients.services.api_client_create`, as on the API
clients page: the same permission (administrators), the same audit event; its role is the
creating user's at that tenant.
"""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from tenants.api_clients.authentication import ApiClientAuthentication
from tenants.api_clients.services import api_client_create, client_of
from tenants.models import ApiClient, User

from .authentication import PasswordBasicAuthentication
from .base import VendorAPIView
from .ids import place_for, tenant_uuid_of

MSG_TYPE = 'type must be "api_client".'
AUTH_METHOD = "client_secret_basic"
MSG_AUTH_METHOD = 'token_endpoint_auth_method must be "client_secret_basic".'
MSG_NO_ACCOUNT = "This API client acts for no user account."
# The account role's client role (the API clients page offers these two).
CLIENT_ROLES = {
    User.Role.PARTNER_ADMIN: ApiClient.Role.ADMINISTRATOR,
    User.Role.COMPANY_ADMIN: ApiClient.Role.ADMINISTRATOR,
    User.Role.UNIT_ADMIN: ApiClient.Role.ADMINISTRATOR,
    User.Role.READONLY_ADMIN: ApiClient.Role.READ_ONLY_ADMINISTRATOR,
}


class Me(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    login = serializers.CharField(source="username")
    tenant_id = serializers.SerializerMethodField()
    personal_tenant_id = serializers.UUIDField(source="personal_tenant_uuid")
    email = serializers.CharField()
    firstname = serializers.CharField(source="first_name")
    lastname = serializers.CharField(source="last_name")
    enabled = serializers.BooleanField(source="is_active")
    role = serializers.CharField(help_text="This portal's role of the user.")

    def get_tenant_id(self, user) -> str | None:
        return tenant_uuid_of(user)


class PasswordOrTokenView(VendorAPIView):
    """Login and password (Basic) here as well as an access token."""

    authentication_classes = [PasswordBasicAuthentication, ApiClientAuthentication]


class MeApi(PasswordOrTokenView):
    error_responses = {
        404: "An API client whose creator's account is gone acts for no user.",
        429: "Too many failed sign-ins for this login or from this address.",
    }

    @extend_schema(
        responses={200: Me},
        summary="The signed-in user",
        description="With an API client's access token: the user who created the client.",
    )
    def get(self, request):
        user = request.user
        client = client_of(user)
        if client is not None:
            user = client.created_by
            if user is None or not user.is_active:
                raise Http404(MSG_NO_ACCOUNT)
        return Response(Me(user).data)


class ClientData(serializers.Serializer):
    client_name = serializers.CharField(max_length=100)


class ClientInput(serializers.Serializer):
    type = serializers.CharField(max_length=40)
    tenant_id = serializers.CharField(max_length=64)
    token_endpoint_auth_method = serializers.CharField(
        max_length=40, required=False, default=AUTH_METHOD
    )
    data = ClientData()


class ClientCreated(serializers.Serializer):
    client_id = serializers.CharField()
    client_secret = serializers.CharField(help_text="Shown only in this answer.")
    tenant_id = serializers.UUIDField()
    type = serializers.CharField()
    token_endpoint_auth_method = serializers.CharField()
    data = ClientData()
    created_at = serializers.DateTimeField()


class ClientsApi(PasswordOrTokenView):
    error_responses = {
        404: "The tenant is unknown or outside your scope.",
        429: "Too many failed sign-ins for this login or from this address.",
    }

    @extend_schema(
        request=ClientInput,
        responses={201: ClientCreated},
        summary="Create an API client with the signed-in user's role at a tenant",
    )
    def post(self, request):
        data = ClientInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        if fields["type"] != "api_client":
            raise ValidationError({"type": [MSG_TYPE]})
        if fields["token_endpoint_auth_method"] != AUTH_METHOD:
            raise ValidationError({"token_endpoint_auth_method": [MSG_AUTH_METHOD]})
        place = place_for(actor=request.user, tenant_id=fields["tenant_id"])
        issued = api_client_create(
            actor=request.user,
            tenant=place.tenant,
            name=fields["data"]["client_name"],
            role=_role_of(request.user),
            origin=self.origin(),
        )
        body = {
            "client_id": issued.client_id,
            "client_secret": issued.client_secret,
            "tenant_id": str(place.tenant.uuid),
            "type": "api_client",
            "token_endpoint_auth_method": AUTH_METHOD,
            "data": {"client_name": issued.client.name},
            "created_at": serializers.DateTimeField().to_representation(issued.client.created_at),
        }
        return Response(body, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"})


def _role_of(user: User) -> str:
    """The creator's role, as a client role: an API client's principal keeps its client's
    role; the platform superuser's clients administer."""
    client = client_of(user)
    if client is not None:
        return client.role
    if user.is_superuser:
        return ApiClient.Role.ADMINISTRATOR
    # Any other role may not create clients: the service refuses it (403) before the role
    # is looked at, as on the API clients page.
    return CLIENT_ROLES.get(user.role, ApiClient.Role.READ_ONLY_ADMINISTRATOR)
