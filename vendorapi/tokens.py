"""Registration tokens as the vendor's API v2 has them:

- `POST /api/2/tenants/{tenant_id}/registration_tokens` `{"expires_in", "scopes"}`: 201
  with the value once; `GET` on the same path: `{"items": [...]}` without values;
- `GET` and `DELETE /api/2/registration_tokens/{id}` (204; 404 unknown or out of scope);
- `POST /bc/api/account_server/registration_tokens`: the older path, `tenant_id` in the body.

Generation, listing and deletion are `tokens.services` and `tokens.selectors`, as on
`/api/v1`: the same rules (a user only for themselves, an administrator for any user of the
customer, never at All customers), the same audit events.
"""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from api.fields import StrictIntegerField
from tokens import selectors, services

from . import scopes
from .base import VendorAPIView
from .ids import Place, place_for

# The list's length: the newest active tokens of the place (the vendor's list has no pages).
LIST_LIMIT = 1000
SCOPE_FIELDS = {"user_id": "scopes", "plan_id": "scopes"}
LIFETIME_HELP = "Lifetime in seconds, 60 to 31536000 (one year). Default 3 days."


class VendorToken(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    tenant_id = serializers.UUIDField(source="tenant.uuid", help_text="The customer's id.")
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    scopes = serializers.SerializerMethodField()

    def get_scopes(self, token) -> list[str]:
        return scopes.of_token(token)


class VendorTokenCreated(VendorToken):
    token = serializers.CharField(help_text="The value: shown only in this answer.")


class VendorTokenInput(serializers.Serializer):
    expires_in = StrictIntegerField(
        required=False,
        default=int(services.DEFAULT_LIFETIME.total_seconds()),
        min_value=int(services.MIN_LIFETIME.total_seconds()),
        max_value=int(services.MAX_LIFETIME.total_seconds()),
        help_text=LIFETIME_HELP,
    )
    scopes = serializers.ListField(
        child=serializers.CharField(max_length=300), required=False, default=list, max_length=10
    )


class VendorTokenList(serializers.Serializer):
    items = VendorToken(many=True)


def create(view: VendorAPIView, place: Place, data: dict) -> Response:
    """Generate a token at `place` from a validated `VendorTokenInput`."""
    actor = view.request.user
    services.token_create_check(actor=actor, tenant=place.tenant)
    wanted = scopes.parse(data["scopes"], place=place, actor=actor)
    try:
        issued = services.token_create(
            actor=actor,
            tenant=place.tenant,
            user_id=wanted.user_id,
            lifetime=data["expires_in"],
            plan_id=wanted.plan_id,
            origin=view.origin(),
        )
    except ValidationError as error:
        raise _in_vendor_fields(error) from None
    body = {**VendorToken(issued.token).data, "token": issued.value}
    return Response(body, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"})


def _in_vendor_fields(error: ValidationError) -> ValidationError:
    """The service's refusal with the vendor's field names: the user and the plan are
    named by `scopes` there, never by `user_id` or `plan_id`."""
    if not hasattr(error, "error_dict"):
        return error
    fields: dict[str, list] = {}
    for field, messages in error.message_dict.items():
        fields.setdefault(SCOPE_FIELDS.get(field, field), []).extend(messages)
    return ValidationError(fields)


class TenantTokensApi(VendorAPIView):
    @extend_schema(
        responses={200: VendorTokenList},
        summary="Active registration tokens of a tenant (or of a user's personal tenant)",
        description=f"Newest first, at most {LIST_LIMIT}; the values are never listed.",
    )
    def get(self, request, tenant_id):
        place = place_for(actor=request.user, tenant_id=tenant_id)
        tokens = selectors.tokens_active_for(actor=request.user, tenant=place.tenant)
        if place.person is not None:
            tokens = tokens.filter(user=place.person)
        return Response({"items": VendorToken(tokens[:LIST_LIMIT], many=True).data})

    @extend_schema(
        request=VendorTokenInput,
        responses={201: VendorTokenCreated},
        summary="Generate a registration token",
    )
    def post(self, request, tenant_id):
        place = place_for(actor=request.user, tenant_id=tenant_id)
        data = VendorTokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        return create(self, place, data.validated_data)


class LegacyTokenInput(VendorTokenInput):
    tenant_id = serializers.CharField(max_length=64)


class LegacyTokensApi(VendorAPIView):
    error_responses = {404: "The tenant is unknown or outside your scope."}

    @extend_schema(
        request=LegacyTokenInput,
        responses={201: VendorTokenCreated},
        summary="Generate a registration token (the older path: tenant_id in the body)",
        operation_id="legacy_registration_tokens_create",
    )
    def post(self, request):
        data = LegacyTokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        place = place_for(actor=request.user, tenant_id=data.validated_data["tenant_id"])
        return create(self, place, data.validated_data)


class TokenApi(VendorAPIView):
    @extend_schema(responses={200: VendorToken}, summary="A registration token")
    def get(self, request, token_id):
        token = selectors.token_for(actor=request.user, token_id=token_id)
        return Response(VendorToken(token).data)

    @extend_schema(
        responses={204: OpenApiResponse(description="Deleted.")},
        summary="Delete a registration token",
    )
    def delete(self, request, token_id):
        token = selectors.token_for(actor=request.user, token_id=token_id)
        services.token_delete(actor=request.user, token=token, origin=self.origin())
        return Response(status=status.HTTP_204_NO_CONTENT)
