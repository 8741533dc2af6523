"""The Content-Security-Policy header is built once, unless a response needs its own
(portal.csp_policy: a nonce or a view's decorator); `test_csp.py` checks what pages carry."""

import pytest
from csp import middleware as csp_middleware
from csp.constants import NONCE, SELF
from csp.decorators import csp_exempt, csp_update
from csp.exceptions import CSPNonceError
from csp.utils import build_policy
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from portal import csp_policy
from portal.csp_policy import CSPMiddleware

from .test_csp import assert_strict, policy


@pytest.fixture
def builds(monkeypatch):
    """Every policy django-csp builds, through the library's middleware or ours."""
    built = []

    def counting(*args, **kwargs):
        built.append(kwargs.get("nonce"))
        return build_policy(*args, **kwargs)

    monkeypatch.setattr(csp_middleware, "build_policy", counting)
    monkeypatch.setattr(csp_policy, "build_policy", counting)
    return built


def respond(view, path="/page"):
    request = RequestFactory().get(path)
    middleware = CSPMiddleware(view)
    return request, middleware(request)


def test_api_answers_reuse_the_policy_built_once(client, builds):
    first = client.get("/api/v1/ping")
    assert first.status_code == 200
    assert_strict(first)
    built_for_first = len(builds)
    answers = [client.get("/api/v1/ping") for _ in range(3)]
    assert len(builds) == built_for_first <= 2  # the header and the report-only one, once
    assert {policy(answer) for answer in answers} == {policy(first)} == {build_policy()}


def test_a_changed_setting_builds_the_policy_anew():
    _, before = respond(lambda request: HttpResponse())
    assert "img-src 'self' data:" in policy(before)
    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"default-src": [SELF]}}):
        _, during = respond(lambda request: HttpResponse())
        assert policy(during) == "default-src 'self'"
    _, after = respond(lambda request: HttpResponse())
    assert policy(after) == policy(before)


@override_settings(
    CONTENT_SECURITY_POLICY={"DIRECTIVES": {"default-src": [SELF], "script-src": [SELF, NONCE]}}
)
def test_a_page_that_uses_a_nonce_gets_its_own_header():
    def page(request):
        return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")

    request, response = respond(page)
    nonce = request._csp_nonce
    assert f"script-src 'self' 'nonce-{nonce}'" in policy(response)
    assert nonce in response.content.decode()
    _, plain = respond(lambda request: HttpResponse())
    assert "script-src 'self'" in policy(plain) and "nonce-" not in policy(plain)


def test_reading_the_nonce_after_the_header_is_written_is_still_an_error():
    request, _ = respond(lambda request: HttpResponse())
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)


def test_decorated_views_and_exemptions_are_honoured():
    _, updated = respond(csp_update({"img-src": ["https://example.org"]})(lambda r: HttpResponse()))
    assert "img-src 'self' data: https://example.org" in policy(updated)
    _, exempt = respond(csp_exempt()(lambda request: HttpResponse()))
    assert "Content-Security-Policy" not in exempt.headers
    own = HttpResponse(headers={"Content-Security-Policy": "default-src 'none'"})
    _, kept = respond(lambda request: own)
    assert policy(kept) == "default-src 'none'"


@override_settings(
    CONTENT_SECURITY_POLICY={
        "EXCLUDE_URL_PREFIXES": ["/excluded"],
        "DIRECTIVES": {"default-src": [SELF]},
    },
    CONTENT_SECURITY_POLICY_REPORT_ONLY={"DIRECTIVES": {"default-src": [SELF, "https:"]}},
)
def test_excluded_prefixes_and_the_report_only_header():
    _, excluded = respond(lambda request: HttpResponse(), path="/excluded/page")
    assert "Content-Security-Policy" not in excluded.headers
    assert excluded.headers["Content-Security-Policy-Report-Only"] == "default-src 'self' https:"
    _, page = respond(lambda request: HttpResponse())
    assert policy(page) == "default-src 'self'"


@override_settings(DEBUG=True)
def test_debug_error_pages_carry_no_policy_as_with_django_csp():
    _, missing = respond(lambda request: HttpResponse(status=404))
    assert "Content-Security-Policy" not in missing.headers
    _, refused = respond(lambda request: HttpResponse(status=403))
    assert_strict(refused)
