"""The OpenAPI schema documents every API operation's errors in the one error shape, and its
input constraints are the ones validation applies (the live schemathesis run,
tests/live/test_api_schema_live.py, checks the answers against it)."""

import re

import pytest
import yaml
from django.urls import URLPattern
from rest_framework.test import APIClient

from portal import api_urls
from tests.factories import error_body
from tokens import values

UNDOCUMENTED = {"api-schema", "api-docs"}


@pytest.fixture
def schema(users) -> dict:
    client = APIClient()
    client.force_authenticate(users["msp-admin"])
    return yaml.safe_load(client.get("/api/v1/schema").content)


def _ref(response: dict) -> str:
    return response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]


def _operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", path, method, operation


def test_every_api_url_is_in_the_schema(schema):
    documented = {re.sub(r"\{[^}]+\}", "*", path) for path in schema["paths"]}
    for pattern in api_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        if pattern.name in UNDOCUMENTED:
            continue
        route = "/api/v1/" + re.sub(r"<[^>]+>", "*", str(pattern.pattern))
        assert route in documented, route


def test_every_operation_documents_its_errors_in_the_shared_error_shape(schema):
    body = schema["components"]["schemas"]["ErrorBody"]
    assert body["required"] == ["detail", "request_id"]
    assert set(body["properties"]) == {"detail", "request_id", "errors"}
    for label, path, _method, operation in _operations(schema):
        responses = operation["responses"]
        errors = {code for code in responses if code[0] in "45"}
        # The original vendor's API v2 (vendorapi) answers its errors in its own shape.
        shape = "ErrorBody" if path.startswith("/api/v1/") else "VendorError"
        for code in errors:
            assert _ref(responses[code]) == shape, (label, code)
            assert responses[code]["description"], (label, code)
        if operation.get("security") != [{}]:  # signed in or an agent: refused without
            assert errors & {"401", "403"}, label
        if "{" in path or any(p["name"] == "cursor" for p in operation.get("parameters", [])):
            assert "404" in errors, label
        if "requestBody" in operation or any(
            p["in"] == "query" for p in operation.get("parameters", [])
        ):
            assert "400" in errors, label


def test_token_endpoints_document_401_and_429_and_plan_changes_403_and_409(schema):
    for path in ("/api/v1/agents/register", "/api/v1/agents/me/plan/apply"):
        assert {"400", "401", "429"} <= set(schema["paths"][path]["post"]["responses"]), path
    for path in ("/api/v1/agents/me/plan/apply", "/api/v1/agents/me/plan/revoke"):
        assert {"403", "409"} <= set(schema["paths"][path]["post"]["responses"]), path
    assert "401" in schema["paths"]["/api/v1/agents/me"]["get"]["responses"]


def test_the_schema_refuses_a_blank_hostname_as_registration_does(schema, tenants, users):
    fields = schema["components"]["schemas"]["RegisterInputRequest"]["properties"]
    for name in ("hostname", "os", "machine_id"):
        assert fields[name]["minLength"] == 1 and fields[name]["pattern"] == r"\S", name
        for blank in ("", "   "):
            assert not re.search(fields[name]["pattern"], blank)
    from tests.factories import make_token

    _, value = make_token(tenants["globex"], users["globex-alice"])
    body = {"token": value, "hostname": "   ", "os": "linux", "machine_id": "m-blank"}
    response = APIClient().post("/api/v1/agents/register", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"hostname": ["This field may not be blank."]}


def test_the_schema_documents_the_token_format(schema):
    token = schema["components"]["schemas"]["RegisterInputRequest"]["properties"]["token"]
    pattern = re.compile(token["pattern"])
    value = values.generate()
    for accepted in (value, value.lower(), value.replace("-", ""), value.replace("-", " ")):
        assert pattern.match(accepted), accepted
        values.normalize(accepted)
    for refused in ("", "not-a-token", value + "X", value.replace(value[0], "U", 1)):
        assert not pattern.match(refused), refused
        with pytest.raises(values.MalformedToken):
            values.normalize(refused)


def test_the_schema_documents_limit_from_1_to_1000(schema):
    for _, _, _, operation in _operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["name"] == "limit":
                assert parameter["schema"] == {"type": "integer", "minimum": 1, "maximum": 1000}


def test_invalid_input_answers_in_the_shared_error_shape(users):
    client = APIClient()
    client.force_authenticate(users["globex-admin"])
    url = "/api/v1/tenants/globex/registration_tokens"
    response = client.post(url, {"expires_in": "three days"}, format="json")
    assert response.status_code == 400
    assert error_body(response) == {
        "detail": "expires_in: A valid integer is required.",
        "errors": {"expires_in": ["A valid integer is required."]},
    }


def test_the_schema_shows_both_security_schemes_for_the_portal_api(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["cookieAuth"] == {"type": "apiKey", "in": "cookie", "name": "sessionid"}
    flow = schemes["apiClient"]["flows"]["clientCredentials"]
    assert schemes["apiClient"]["type"] == "oauth2"
    assert flow["tokenUrl"] == "/api/v1/oauth/token"
    for path, method in (
        ("/api/v1/tenants", "get"),
        ("/api/v1/tenants/{tenant_id}/users", "get"),
        ("/api/v1/tenants/{tenant_id}/registration_tokens", "post"),
        ("/api/v1/registration_tokens/{token_id}", "delete"),
        ("/api/v1/tenants/{tenant_id}/api_clients", "post"),
    ):
        operation = schema["paths"][path][method]
        assert {"apiClient": []} in operation["security"], path
        assert {"cookieAuth": []} in operation["security"], path
        # Without credentials 403 (as before), with a wrong or expired token 401.
        assert {"401", "403"} <= set(operation["responses"]), path
    for path in ("/api/v1/agents/me", "/api/v1/agents/me/plan/apply"):
        for operation in schema["paths"][path].values():
            assert {"apiClient": []} not in operation["security"], path


VENDOR_PATHS = {
    "/api/2/idp/token": {"post"},
    "/bc/idp/token": {"post"},
    "/api/2/users/me": {"get"},
    "/api/2/clients": {"post"},
    "/api/2/tenants": {"get", "post"},
    "/api/2/tenants/{tenant_id}": {"get", "put"},
    "/api/2/tenants/{tenant_id}/children": {"get"},
    "/api/2/tenants/{tenant_id}/registration_tokens": {"get", "post"},
    "/api/2/registration_tokens/{token_id}": {"get", "delete"},
    "/bc/api/account_server/registration_tokens": {"post"},
    "/api/policy_management/v4/applications": {"post", "delete"},
}


def test_the_vendor_api_is_documented_beside_v1_in_its_error_shape(schema):
    for path, methods in VENDOR_PATHS.items():
        assert set(schema["paths"][path]) == methods, path
    error = schema["components"]["schemas"]["VendorErrorInner"]
    assert set(error["properties"]) == {"code", "domain", "message", "details"}
    basic = schema["components"]["securitySchemes"]["loginPassword"]
    assert basic == {**basic, "type": "http", "scheme": "basic"}
    for path in ("/api/2/users/me", "/api/2/clients"):
        (operation,) = schema["paths"][path].values()
        assert {"loginPassword": []} in operation["security"], path
    registration = schema["paths"]["/api/2/tenants/{tenant_id}/registration_tokens"]["post"]
    assert {"loginPassword": []} not in registration["security"]
