"""No log level writes an access token or a client secret (issue 21, item 7): at
LOG_LEVEL=DEBUG oauthlib logged every token it issued, in clear."""

import base64
import logging

import pytest
from django.test import Client

from portal.logformat import json_logging
from tenants.api_clients.services import api_client_create
from tenants.audit import CLI

pytestmark = pytest.mark.django_db


def test_debug_logging_writes_no_token_nor_secret(users, tenants, caplog):
    issued = api_client_create(
        actor=users["globex-admin"], tenant=tenants["globex"], name="Logged",
        role="administrator", origin=CLI,
    )  # fmt: skip
    pair = base64.b64encode(f"{issued.client_id}:{issued.client_secret}".encode()).decode()
    with caplog.at_level(logging.DEBUG):
        response = Client().post(
            "/api/v1/oauth/token",
            {"grant_type": "client_credentials"},
            HTTP_AUTHORIZATION=f"Basic {pair}",
        )
    assert response.status_code == 200
    token = response.json()["access_token"]
    logged = caplog.text + " ".join(repr(r.args) for r in caplog.records)
    assert token not in logged and issued.client_secret not in logged


@pytest.mark.parametrize("logger", ["oauthlib", "oauth2_provider"])
def test_production_logging_at_debug_keeps_oauth_libraries_at_info(logger):
    assert json_logging("DEBUG")["loggers"][logger] == {"level": "INFO"}
