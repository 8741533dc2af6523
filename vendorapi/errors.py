"""The vendor's error shape for every answer under its paths:
`{"error": {"code", "domain", "message", "details"}}`, with the statuses `/api/v1` answers.

One middleware rewrites the error answers of those paths, whoever produced them: a view
(DRF's handler, `api.exception_handlers`), Django (an unknown URL, a body over the limit),
the sign-in lockout (django-axes) or a throttle. So no error can slip out in another shape,
and the rules behind each error stay the ones `/api/v1` applies.
"""

import json
from http import HTTPStatus

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpResponse
from rest_framework import serializers

# The paths the vendor's scripts call: API v2, its older account server, the plan script's.
PREFIXES = ("/api/2/", "/bc/", "/api/policy_management/")
DOMAIN = "PlatformAccountServer"
POLICY_DOMAIN = "PolicyManagement"

# The vendor's codes: the status's name, one word.
CODES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    429: "TooManyRequests",
    500: "InternalServerError",
    503: "ServiceUnavailable",
}


def is_vendor_path(path: str) -> bool:
    return path.startswith(PREFIXES)


def domain_of(path: str) -> str:
    return POLICY_DOMAIN if path.startswith("/api/policy_management/") else DOMAIN


def code_of(status: int) -> str:
    return CODES.get(status) or HTTPStatus(status).phrase.replace(" ", "")


def error_body(status: int, message: str, *, path: str, details: dict | None = None) -> dict:
    return {
        "error": {
            "code": code_of(status),
            "domain": domain_of(path),
            "message": message,
            "details": details or {},
        }
    }


def _reshaped(response, path: str, request_id: str | None) -> bytes:
    """The body of `response` in the vendor's shape: `detail` becomes the message, the
    messages by field (`errors`) and the request's id go into `details`."""
    body = None
    if response.get("Content-Type", "").startswith("application/json"):
        try:
            body = json.loads(response.content)
        except ValueError:
            body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]  # made here already (the token endpoint's OAuth errors)
    else:
        detail = body.get("detail") if isinstance(body, dict) else None
        message = str(detail) if detail else HTTPStatus(response.status_code).phrase + "."
        details = {}
        if isinstance(body, dict) and body.get("errors"):
            details["errors"] = body["errors"]
        error = error_body(response.status_code, message, path=path, details=details)["error"]
    if request_id:
        error.setdefault("details", {})["request_id"] = request_id
    return json.dumps({"error": error}, ensure_ascii=False, separators=(",", ":")).encode()


class VendorErrorMiddleware:
    """Rewrites every error answer (4xx, 5xx) under the vendor's paths into its shape.

    Placed inside the request log (it adds the request id itself) and outside the body
    limit and everything after it, so their answers are rewritten too."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self.__acall__(request)
        return self._reshape(request, self.get_response(request))

    async def __acall__(self, request):
        return self._reshape(request, await self.get_response(request))

    def _reshape(self, request, response):
        if response.status_code < 400 or not is_vendor_path(request.path):
            return response
        if getattr(response, "streaming", False):
            return response
        content = _reshaped(response, request.path, getattr(request, "request_id", None))
        reshaped = HttpResponse(content, status=response.status_code)
        for name, value in response.items():
            if name.lower() not in {"content-type", "content-length"}:
                reshaped[name] = value
        reshaped["Content-Type"] = "application/json"
        return reshaped


class VendorErrorDetails(serializers.Serializer):
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Invalid input only: the messages for each field.",
    )
    request_id = serializers.CharField(
        required=False, help_text="This request's id (also the X-Request-ID header)."
    )


class VendorErrorInner(serializers.Serializer):
    code = serializers.CharField(help_text="The status's name, e.g. NotFound.")
    domain = serializers.CharField(help_text="PlatformAccountServer or PolicyManagement.")
    message = serializers.CharField(help_text="What went wrong, in one sentence.")
    details = VendorErrorDetails()


class VendorError(serializers.Serializer):
    """Every error under the vendor's paths."""

    error = VendorErrorInner()
