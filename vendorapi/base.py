"""The base of every vendor API v2 endpoint: who may call, how errors are documented."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework.authentication import SessionAuthentication
from rest_framework.views import APIView

from api.openapi import AutoSchema
from tenants.api_clients.authentication import ApiClientAuthentication
from tenants.audit import Origin
from tenants.models import AuditEvent

from .errors import VendorError

TAG = "Vendor API v2"


class VendorAutoSchema(AutoSchema):
    """`/api/v1`'s rules for which errors an operation documents, in the vendor's shape."""

    def _get_response_bodies(self, direction="response"):
        responses = SpectacularAutoSchema._get_response_bodies(self, direction)
        for code, description in sorted(self.error_statuses().items()):
            body = OpenApiResponse(response=VendorError, description=description)
            responses.setdefault(str(code), self._get_response_for_code(body, str(code)))
        return responses

    def get_tags(self) -> list[str]:
        return [TAG]

    def _derived_errors(self) -> dict[int, str]:
        errors = super()._derived_errors()
        if 403 in errors and 401 not in errors:
            # Without credentials the vendor's paths answer 401, not 403.
            errors[401] = "Missing or invalid credentials."
        return errors


class VendorAPIView(APIView):
    """An API client's access token (Bearer), as on `/api/v1`, or the browser session.
    Without credentials: 401 (the vendor's scripts expect it), not `/api/v1`'s 403."""

    authentication_classes = [ApiClientAuthentication, SessionAuthentication]
    schema = VendorAutoSchema()
    error_responses = {401: "Missing or invalid credentials."}

    def get_authenticate_header(self, request):
        return super().get_authenticate_header(request) or 'Bearer realm="api"'

    def origin(self) -> Origin:
        return Origin.from_request(self.request, AuditEvent.Source.API)
