"""Every answer under /api/ is JSON in the documented error shape `{"detail", "errors"?}`,
whatever goes wrong: unknown URL, wrong method, a body too deep or too large, a server
error, the database unavailable. HTML pages keep HTML errors."""

import json

import psycopg
import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client, RequestFactory
from django.urls import URLPattern
from rest_framework.test import APIClient

from portal import api_urls, errors
from tenants.api_clients.services import api_client_create
from tenants.audit import CLI
from tests.agents.helpers import register
from tests.factories import make_token
from tokens.models import RegistrationToken

METHODS = ("get", "post", "put", "patch", "delete")
DEEP = "[" * 990 + "]" * 990  # about 2 KB: nested lists
DEEP_OBJECT = '{"token": ' * 400 + "1" + "}" * 400


def _assert_error_shape(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    assert isinstance(body.get("detail"), str) and body["detail"], body
    # Through the middleware (every real answer) the body quotes the response's request id;
    # an error view called directly has none. Returned without it, for comparisons.
    if response.has_header("X-Request-ID"):
        assert body.pop("request_id") == response["X-Request-ID"], body
    assert set(body) <= {"detail", "errors"}, body
    if "errors" in body:
        assert isinstance(body["errors"], dict)
    return body


@pytest.fixture
def endpoints(tenants, users):
    """Every API URL pattern as (path, view class, client allowed to reach it)."""
    _, value = make_token(
        tenants["globex"], users["globex-alice"], actor=users["globex-admin"], plan="Daily backup"
    )
    token = RegistrationToken.objects.filter(tenant=tenants["globex"]).first()
    client_id = api_client_create(
        actor=users["globex-admin"],
        tenant=tenants["globex"],
        name="n",
        role="administrator",
        origin=CLI,
    ).client.pk
    kwargs = {"tenant_id": "globex", "token_id": str(token.public_id), "client_id": str(client_id)}

    def client(path: str) -> APIClient:
        api = APIClient()
        if "/agents/me" in path:  # a fresh agent each time: unregister must not spoil the next
            secret = register(value, machine=f"m-{path}").json()["agent_secret"]
            api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        else:
            api.force_login(users["globex-admin"])
        return api

    found = []
    for pattern in api_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        route = str(pattern.pattern)
        for name, value_ in kwargs.items():
            route = route.replace(f"<slug:{name}>", value_).replace(f"<str:{name}>", value_)
        assert "<" not in route, route
        found.append((f"/api/v1/{route}", pattern.callback.cls, client))
    return found


def _allowed(view_class) -> set[str]:
    return {m for m in METHODS if hasattr(view_class, m)}


def test_unknown_api_paths_are_json_404(db):
    for path in ("/api/v1/no-such-thing", "/api/nothing", "/api/v2/tenants", "/api/v1/tenants/"):
        _assert_error_shape(Client().get(path), 404)


def test_unknown_html_paths_stay_html_404(db):
    response = Client().get("/console/no/such/page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_wrong_method_on_every_api_url_is_json_405(endpoints):
    for path, view_class, client in endpoints:
        wrong = next(m for m in ("put", "patch", "delete", "post") if m not in _allowed(view_class))
        response = getattr(client(path), wrong)(path, {}, format="json")
        _assert_error_shape(response, 405)


def test_deeply_nested_json_is_400_on_every_json_endpoint(endpoints):
    checked = 0
    for path, view_class, client in endpoints:
        for method in _allowed(view_class) & {"post", "put", "patch"}:
            for body in (DEEP, DEEP_OBJECT):
                response = getattr(client(path), method)(
                    path, body, content_type="application/json"
                )
                if response.status_code == 204:  # unregister never reads a body
                    continue
                detail = _assert_error_shape(response, 400)["detail"]
                assert detail == "The JSON body is nested too deeply.", (path, detail)
                checked += 1
    assert checked >= 8  # register, plan apply and revoke, token create; two bodies each


def test_a_body_over_the_documented_size_is_json_413(endpoints):
    assert settings.API_MAX_BODY_SIZE == 64 * 1024
    big = json.dumps({"token": "x", "hostname": "h" * settings.API_MAX_BODY_SIZE})
    checked = 0
    for path, view_class, client in endpoints:
        if "post" not in _allowed(view_class) or path.endswith("/unregister"):
            continue
        response = client(path).post(path, big, content_type="application/json")
        body = _assert_error_shape(response, 413)
        assert body["detail"] == "The request body is larger than 65536 bytes."
        checked += 1
    # register, plan apply and revoke, token create, extend, reissue, API client create and
    # secret reset, tenant create and move
    assert checked == 10
    # Just under the limit is parsed as usual (and then validated).
    fits = json.dumps({"token": "x", "hostname": "h" * (settings.API_MAX_BODY_SIZE - 100)})
    _assert_error_shape(register_raw(fits), 400)


def register_raw(body: str):
    return APIClient().post("/api/v1/agents/register", body, content_type="application/json")


def test_serializer_errors_come_in_the_documented_shape(db):
    body = _assert_error_shape(register_raw(json.dumps({"token": "x"})), 400)
    assert body["errors"]["hostname"] == ["This field is required."]
    assert body["detail"] == "hostname: This field is required."


def test_a_server_error_under_api_is_json_500_and_html_elsewhere(users):
    client = Client(raise_request_exception=False)
    client.force_login(users["globex-admin"])
    with connection.cursor() as cursor:  # a real failure: the table is gone (rolled back)
        cursor.execute("DROP TABLE tokens_registrationtoken CASCADE")
    body = _assert_error_shape(client.get("/api/v1/tenants/globex/registration_tokens"), 500)
    assert body == {"detail": "A server error occurred."}
    html = errors.server_error(RequestFactory().get("/console/globex/devices/"))
    assert html.status_code == 500 and html["Content-Type"].startswith("text/html")


def test_a_database_error_answers_503_json_with_retry_after(db):
    settings_db = settings.DATABASES["default"]
    with psycopg.connect(
        host=settings_db["HOST"],
        port=settings_db["PORT"] or None,
        user=settings_db["USER"],
        dbname=settings_db["NAME"],
    ) as locker:
        # Another session holds the sessions table; this one gives up after 100 ms, as it
        # would on a database that is restarting (both are OperationalError).
        locker.execute("LOCK TABLE django_session IN ACCESS EXCLUSIVE MODE")
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '100ms'")
        client = Client(raise_request_exception=False)
        client.cookies["sessionid"] = "a" * 32
        response = client.get("/api/v1/tenants")
    body = _assert_error_shape(response, 503)
    assert body == {"detail": "The service is temporarily unavailable. Try again shortly."}
    assert int(response["Retry-After"]) >= 1


def test_djangos_500_handler_answers_503_for_a_database_outage_under_api_only():
    # Django calls handler500 while the exception is being handled, as here.
    try:
        raise OperationalError("the database system is shutting down")
    except OperationalError:
        api = errors.server_error(RequestFactory().get("/api/v1/tenants"))
        page = errors.server_error(RequestFactory().get("/console/globex/devices/"))
    body = _assert_error_shape(api, 503)
    assert body == {"detail": "The service is temporarily unavailable. Try again shortly."}
    assert api["Retry-After"] == str(settings.API_RETRY_AFTER)
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")
