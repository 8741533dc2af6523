"""The agent API passes the console-only middleware by (portal/console_middleware.py): its
answers carry the same security headers, request id and metrics as before, the console's
paths still get the whole chain (session, CSRF, the two-factor door, messages), and Django's
checks (the admin's and the deployment check) still find the middleware they look for."""

import re

import pytest
from django.core import checks
from django.test import Client

from common.paths import AGENT_API
from portal import console_middleware
from tests.portal.test_metrics import _scrapers, scrape  # noqa: F401  (its autouse fixture)
from tests.tenants.test_two_factor import sign_in, totp_for

pytestmark = pytest.mark.django_db

# The agent answers' headers before the change, but `Vary: Cookie` (see the module).
SECURITY = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
BODY = {"Content-Length", "Content-Type"}
AGENT_REQUESTS = [
    ("get", "/api/v1/ping", 200, BODY | {"Allow"}),
    ("post", "/api/v1/agents/register", 400, BODY | {"Allow"}),
    ("get", "/api/v1/agents/me", 401, BODY | {"Allow", "WWW-Authenticate"}),
    ("post", "/api/v1/agents/me/unregister", 401, BODY | {"Allow", "WWW-Authenticate"}),
    ("get", "/api/v1/agents/nope", 404, BODY),
]


def _send(client, method: str, path: str):
    if method == "post":
        return client.post(path, "{}", content_type="application/json")
    return client.get(path)


@pytest.mark.parametrize("method,path,status,own", AGENT_REQUESTS)
def test_agent_answers_carry_the_security_headers_request_id_and_policy(method, path, status, own):
    console = Client().get("/accounts/login/")
    response = _send(Client(), method, path)
    assert response.status_code == status
    expected = own | set(SECURITY) | {"Content-Security-Policy", "X-Request-ID"}
    assert set(response.headers) == expected
    for name, value in SECURITY.items():
        assert response[name] == value
    assert response["Content-Security-Policy"] == console["Content-Security-Policy"]
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_agent_requests_get_no_session_user_csrf_or_messages_and_console_pages_do():
    agent = Client().get("/api/v1/ping").wsgi_request
    for attribute in ("session", "_messages", "LANGUAGE_CODE"):
        assert not hasattr(agent, attribute), attribute
    page = Client().get("/accounts/login/")
    request = page.wsgi_request
    for attribute in ("session", "_messages", "LANGUAGE_CODE", "user"):
        assert hasattr(request, attribute), attribute
    assert "csrftoken" in page.cookies
    assert "Cookie" in page["Vary"]


def test_agent_requests_are_still_counted_by_view():
    before = scrape()
    assert Client().get("/api/v1/ping").status_code == 200
    after = scrape()
    key = (
        "django_http_responses_total_by_status_view_method_total",
        (("method", "GET"), ("status", "200"), ("view", "api-ping")),
    )
    assert after[key] - before.get(key, 0) == 1


def test_console_paths_keep_csrf_and_the_two_factor_door(users):
    refused = Client(enforce_csrf_checks=True).post("/language/", {"language": "de"})
    assert refused.status_code == 403
    totp_for(users["globex-alice"])
    client = sign_in("globex-alice")  # owes its second factor
    assert client.get("/api/v1/tenants/globex/devices").status_code == 403
    # The agent API never reads the session: its own answer, not the door's.
    assert client.get("/api/v1/ping").status_code == 200
    assert _send(client, "post", "/api/v1/agents/register").status_code == 400


def test_only_agent_paths_are_passed_by():
    assert AGENT_API == ("/api/v1/agents/", "/api/v1/ping")
    for path in ("/api/v1/tenants/globex/devices", "/api/v1/agent", "/accounts/login/", "/"):
        assert not path.startswith(AGENT_API), path


def test_django_finds_the_wrapped_middleware_and_hooks_match_the_originals():
    errors = [m for m in checks.run_checks() if m.id in {"admin.E408", "admin.E409", "admin.E410"}]
    assert errors == []
    for name in ("SessionMiddleware", "AuthenticationMiddleware", "MessageMiddleware"):
        wrapped = getattr(console_middleware, name)
        base = wrapped.__mro__[1]
        for hook in ("process_view", "process_exception", "process_template_response"):
            assert hasattr(wrapped, hook) == hasattr(base, hook), (name, hook)
