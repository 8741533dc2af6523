"""Calls as the vendor's sample scripts send them, through Django's test client (the whole
middleware stack): HTTP Basic or Bearer headers, form or JSON bodies."""

import base64
import urllib.parse

import pytest
from django.test import Client

from tests.conftest import DEMO_PASSWORD

FORM = "application/x-www-form-urlencoded"


def basic(login: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()


class Script:
    """One script's HTTP calls (a fresh client: no cookies, no session)."""

    def __init__(self):
        self.http = Client()
        self.auth = ""

    def form(self, path: str, data: dict, auth: str = ""):
        headers = {"Authorization": auth} if auth else {}
        body = urllib.parse.urlencode(data)
        return self.http.post(path, body, content_type=FORM, headers=headers)

    def call(self, method: str, path: str, body: dict | None = None, auth: str | None = None):
        auth = self.auth if auth is None else auth
        headers = {"Authorization": auth} if auth else {}
        send = getattr(self.http, method.lower())
        if body is None:
            return send(path, headers=headers)
        return send(path, body, content_type="application/json", headers=headers)

    def sign_in_client(self, login: str) -> dict:
        """What the samples do first: users/me and a new client with the login and password,
        then an access token with the client's id and secret."""
        me = self.call("GET", "/api/2/users/me", auth=basic(login, DEMO_PASSWORD)).json()
        created = self.call(
            "POST",
            "/api/2/clients",
            {
                "type": "api_client",
                "tenant_id": me["tenant_id"],
                "token_endpoint_auth_method": "client_secret_basic",
                "data": {"client_name": f"script of {login}"},
            },
            auth=basic(login, DEMO_PASSWORD),
        )
        assert created.status_code == 201, created.content
        client = created.json()
        issued = self.form(
            "/api/2/idp/token",
            {"grant_type": "client_credentials"},
            auth=basic(client["client_id"], client["client_secret"]),
        )
        assert issued.status_code == 200, issued.content
        self.auth = "Bearer " + issued.json()["access_token"]
        return {**client, "me": me}


@pytest.fixture
def script(db):
    return Script()


def vendor_error(response, status: int) -> dict:
    """The vendor's error shape, with this status; returns the inner error."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "domain", "message", "details"}, error
    assert error["message"] and error["code"] and error["domain"]
    assert error["details"]["request_id"] == response["X-Request-ID"]
    return error
