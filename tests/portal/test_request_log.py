"""Request ids (X-Request-ID on every answer, in API error bodies and error pages) and the
request log: one record per request with who, what and how long, never a secret."""

import json
import logging
import re

import pytest
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from portal import requestlog
from tests.agents.helpers import agent, register
from tests.factories import make_token

pytestmark = pytest.mark.django_db

GENERATED = re.compile(r"[0-9a-f]{32}")
PROXY = "10.9.0.1"


@pytest.fixture
def request_log(caplog):
    caplog.set_level(logging.INFO, logger="portal.request")

    def records():
        return [r for r in caplog.records if r.name == "portal.request"]

    return records


def test_every_answer_has_a_request_id_of_its_own(login):
    client = login("globex-admin")
    answers = [
        client.get("/healthz"),
        client.get("/console/globex/devices/"),
        client.get("/api/v1/tenants"),
        client.get("/no-such-page"),
        Client().get("/api/v1/no-such-thing"),
    ]
    ids = [a["X-Request-ID"] for a in answers]
    assert all(GENERATED.fullmatch(i) for i in ids), ids
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize(
    "remote,incoming,kept",
    [
        (PROXY, "req-2026-12-03-abcdef", True),
        (PROXY, "0123456789abcdef0123456789abcdef", True),
        (PROXY, "has space in it", False),
        (PROXY, 'quote"inside-123', False),
        (PROXY, "short", False),
        (PROXY, "x" * 129, False),
        (PROXY, "line\nbreak-12345", False),
        ("192.0.2.9", "req-2026-12-03-abcdef", False),  # not a trusted proxy
    ],
)
def test_an_incoming_request_id_is_kept_only_from_a_trusted_proxy_and_well_formed(
    settings, remote, incoming, kept
):
    settings.TRUSTED_PROXIES = [PROXY]
    response = Client().get("/healthz", REMOTE_ADDR=remote, HTTP_X_REQUEST_ID=incoming)
    if kept:
        assert response["X-Request-ID"] == incoming
    else:
        assert GENERATED.fullmatch(response["X-Request-ID"])


def test_api_error_bodies_quote_the_request_id_whoever_made_them(tenants, users):
    _, alices = make_token(tenants["globex"], users["globex-alice"])
    _, bobs = make_token(tenants["globex"], users["globex-bob"])
    assert register(alices, machine="m-1").status_code == 201
    plain = APIClient()
    plain.force_authenticate(users["globex-alice"])
    answers = [
        register(bobs, machine="m-1"),  # 409 built by the view
        register("not-a-token"),  # 400 from the token failure path
        plain.get("/api/v1/tenants/initech/plans"),  # 404 from the scope
        Client().get("/api/v1/tenants"),  # 403 from DRF's handler
        Client().get("/api/v1/nothing"),  # 404 from Django's handler
    ]
    assert [a.status_code for a in answers] == [409, 400, 404, 403, 404]
    for answer in answers:
        body = answer.json()
        assert body["request_id"] == answer["X-Request-ID"], body
        if answer.has_header("Content-Length"):
            assert int(answer["Content-Length"]) == len(answer.content)


def test_successful_api_bodies_are_left_alone(tenants, users):
    _, value = make_token(tenants["globex"], users["globex-alice"])
    body = register(value).json()
    assert "request_id" not in body


def test_html_error_pages_show_the_request_id(login):
    client = login("globex-admin")
    for response, status in [
        (client.get("/no-such-page"), 404),
        (client.get("/console/initech-nope/devices/"), 404),
    ]:
        assert response.status_code == status
        html = response.content.decode()
        assert f'<code class="request-id">{response["X-Request-ID"]}</code>' in html


def test_the_500_page_shows_the_request_id(users):
    from django.test import RequestFactory

    from portal import errors

    request = RequestFactory().get("/console/globex/devices/")
    request.request_id = "0123456789abcdef0123456789abcdef"
    page = errors.server_error(request)
    assert page.status_code == 500
    assert "0123456789abcdef0123456789abcdef" in page.content.decode()


def test_one_record_per_request_with_who_what_and_how_long(login, users, request_log):
    client = login("globex-admin")
    response = client.get("/console/globex/devices/?q=secret-search&page=2")
    [record] = request_log()
    assert {
        name: getattr(record, name)
        for name in ("request_id", "tenant", "user", "agent", "method", "path", "status")
    } == {
        "request_id": response["X-Request-ID"],
        "tenant": "globex",
        "user": str(users["globex-admin"].pk),
        "agent": None,
        "method": "GET",
        "path": "/console/globex/devices/",
        "status": 200,
    }
    assert isinstance(record.duration_ms, float) and record.duration_ms > 0


def test_an_agents_request_is_logged_with_its_agent_and_tenant_and_no_secret(
    tenants, users, request_log
):
    _, value = make_token(tenants["globex"], users["globex-alice"])
    registered = register(value)
    secret, agent_id = registered.json()["agent_secret"], registered.json()["agent_id"]
    assert agent(secret).get("/api/v1/agents/me").status_code == 200
    first, second = request_log()
    assert (first.path, first.status, first.tenant, first.agent) == (
        "/api/v1/agents/register",
        201,
        "globex",
        None,
    )
    assert (second.tenant, second.agent, second.user) == ("globex", agent_id, None)
    logged = json.dumps([vars(r) for r in request_log()], default=str)
    assert value not in logged and secret not in logged and "Bearer" not in logged


def test_a_password_reset_link_is_logged_without_its_token(client, users, request_log):
    client.post("/accounts/password_reset/", {"email": users["globex-alice"].email})
    [message] = mail.outbox
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", message.body).group(1)
    token = link.rstrip("/").rsplit("/", 1)[1]
    client.get(link)
    paths = [r.path for r in request_log()]
    assert any(p.startswith("/accounts/reset/") and "[redacted]" in p for p in paths), paths
    assert token not in json.dumps(paths)


def test_records_made_during_a_request_carry_its_id(caplog):
    caplog.set_level(logging.WARNING, logger="django.request")
    response = Client().get("/api/v1/no-such-thing")
    [warning] = [r for r in caplog.records if r.name == "django.request"]
    handler_filter = requestlog.RequestIdFilter()
    assert handler_filter.filter(warning)
    assert warning.request_id == response["X-Request-ID"]


def test_the_request_log_adds_no_statement(tenants, users, login, django_assert_num_queries):
    """Who made the request is read only from what the request already loaded: a signed-in
    browser's /healthz loads neither its session nor its user."""
    _, value = make_token(tenants["globex"], users["globex-alice"])
    register(value, machine="warm-up")
    signed_in = login("globex-admin")
    with django_assert_num_queries(0):
        assert signed_in.get("/healthz").status_code == 200
    with django_assert_num_queries(1):  # the registration's pinned one (a token seen before)
        assert register(value, machine="new").status_code == 201
