"""Every HTML page carries a Content-Security-Policy (issue 10, finding 8).

The policy allows scripts, styles, fonts and requests from the portal itself only: no inline
script, style or event handler, no eval, no plugins, no framing and no foreign form targets.
`tests/browser/test_csp.py` checks that the real pages raise no violation under it.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

REQUIRED = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
]
# Values for the URL parameters of the pages walked below.
PARAMETERS = {"tenant_id": "globex"}


def html_pages(patterns=None, prefix=""):
    """Every URL of the portal whose parameters PARAMETERS can fill (admin ones aside)."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith("admin/"):
                continue
            yield from html_pages(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            path = prefix + route
            for name, value in PARAMETERS.items():
                path = path.replace(f"<slug:{name}>", value)
            if "<" not in path and not path.startswith("^"):
                yield "/" + path


def policy(response) -> str:
    return response.headers.get("Content-Security-Policy", "")


def assert_strict(response):
    header = policy(response)
    for directive in REQUIRED:
        assert directive in header, (response.request["PATH_INFO"], header)
    assert "unsafe-inline" not in header and "unsafe-eval" not in header


def test_the_login_page_has_a_strict_policy(client):
    assert_strict(client.get("/accounts/login/"))


@pytest.mark.parametrize("username", ["globex-admin", "msp-admin"])
def test_every_html_page_has_the_policy(login, username):
    client = login(username)
    seen = 0
    for path in html_pages():
        response = client.get(path)
        if response.headers.get("Content-Type", "").startswith("text/html"):
            assert_strict(response)
            seen += 1
    assert seen >= 8


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/tenants/user/",
        "/admin/tokens/registrationtoken/add/",
        "/admin/agents/protectionplan/",
        "/api/v1/docs",
        "/accounts/password_reset/",
    ],
)
def test_admin_docs_and_reset_pages_have_the_policy(login, path):
    response = login("globex-admin").get(path)
    assert response.status_code == 200
    assert_strict(response)


def test_error_pages_have_the_policy(login):
    assert_strict(login("globex-admin").get("/console/no-such-tenant/devices/"))
