"""The OpenAPI schema tells the truth: every operation documents the errors it can answer, in
the one error shape, and request fields carry the constraints validation applies.

`AutoSchema` (the REST framework's DEFAULT_SCHEMA_CLASS) derives the error statuses from what
the view is made of, so a new endpoint is documented without writing anything:

- 400 when it takes a request body or query parameters;
- 401 when its authentication answers with a challenge (the agent's Bearer secret, an API
  client's access token that is wrong or expired), 403 when it does not (session sign-in:
  not signed in, CSRF, or the role may not);
- 404 when its path has parameters (another tenant's object is 404) or it pages (bad cursor);
- 429 when it has throttles;

plus what a view states in `error_responses` ({status: description}), merged along its
classes: a base class declares its errors once for every endpoint built on it. To document a
new status everywhere, add a rule to `_derived_errors`.
"""

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class ErrorBody(serializers.Serializer):
    """Every API error: a sentence, the request's id, and with invalid input the messages by
    field."""

    detail = serializers.CharField(help_text="What went wrong, in one sentence.")
    request_id = serializers.CharField(
        help_text="This request's id (also the X-Request-ID header): quote it to support."
    )
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Invalid input only: the messages for each field.",
    )


ERROR_DESCRIPTIONS = {
    400: "Invalid input: `detail` says what, `errors` lists the messages by field.",
    401: "Missing or invalid credentials (an agent secret, or an API client's access token).",
    403: "Not signed in, the CSRF check failed, or your role may not do this.",
    404: "Not found, or outside your scope.",
    429: "Too many failed attempts from this address: try again later.",
}


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in sorted(self.error_statuses().items()):
            body = OpenApiResponse(response=ErrorBody, description=description)
            responses.setdefault(str(code), self._get_response_for_code(body, str(code)))
        return responses

    def error_statuses(self) -> dict[int, str]:
        statuses = self._derived_errors()
        for cls in reversed(type(self.view).__mro__):
            statuses.update(vars(cls).get("error_responses", {}))
        return statuses

    def _derived_errors(self) -> dict[int, str]:
        view, found = self.view, set()
        query = [p for p in self.get_override_parameters() if getattr(p, "location", "") == "query"]
        if query or (self.method in {"POST", "PUT", "PATCH"} and self.get_request_serializer()):
            found.add(400)
        if not all(isinstance(p, AllowAny) for p in view.get_permissions()):
            authenticators = view.get_authenticators()
            challenge = authenticators and authenticators[0].authenticate_header(view.request)
            found.add(401 if challenge else 403)
            # An API client's access token: a bad or expired one is challenged with 401.
            if any(getattr(a, "challenges_a_token", False) for a in authenticators):
                found.add(401)
        if "{" in self.path or any(p.name == "cursor" for p in query):
            found.add(404)
        if view.get_throttles():
            found.add(429)
        return {code: ERROR_DESCRIPTIONS[code] for code in found}

    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        trimmed = getattr(field, "trim_whitespace", False) and not getattr(field, "allow_blank", 1)
        if direction == "request" and isinstance(field, serializers.CharField) and trimmed:
            # Input is stripped before the blank check: it needs one non-space character.
            meta.setdefault("pattern", r"\S")
        return meta
