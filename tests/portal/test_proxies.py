"""Forwarded headers are believed only from the configured proxies (issue 10, finding 8).

Production used to set SECURE_PROXY_SSL_HEADER outright, so any client reaching the portal
directly could send `X-Forwarded-Proto: https` and be treated as on HTTPS (no redirect, and
"secure" for everything that asks). Now `X-Forwarded-Proto` and `X-Forwarded-For` count only
when the immediate peer (REMOTE_ADDR) is in TRUSTED_PROXIES.
"""

import importlib

import pytest
from django.core.checks import run_checks
from django.test import RequestFactory

from common.net import client_address
from tests.portal.test_settings import PRODUCTION_ENV

PROXIES = "10.0.0.2,192.168.50.0/24"


@pytest.fixture
def production_proxies(settings, monkeypatch):
    """This process with production's proxy and HTTPS settings, as the environment sets them."""
    for name, value in {**PRODUCTION_ENV, "TRUSTED_PROXIES": PROXIES}.items():
        monkeypatch.setenv(name, value)
    production = importlib.reload(importlib.import_module("portal.settings.production"))
    settings.SECURE_PROXY_SSL_HEADER = getattr(production, "SECURE_PROXY_SSL_HEADER", None)
    settings.MIDDLEWARE = production.MIDDLEWARE
    # (base, imported before the environment was set, is not re-read: set its list here.)
    settings.TRUSTED_PROXIES = PROXIES.split(",")
    settings.SECURE_SSL_REDIRECT = True
    return settings


@pytest.mark.parametrize("peer", ["203.0.113.7", "10.0.0.3", "192.168.51.1"])
def test_x_forwarded_proto_from_an_untrusted_peer_is_ignored(production_proxies, client, peer):
    response = client.get("/api/v1/ping", REMOTE_ADDR=peer, HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/api/v1/ping"


@pytest.mark.parametrize("peer", ["10.0.0.2", "192.168.50.9"])
def test_x_forwarded_proto_from_a_trusted_proxy_is_honoured(production_proxies, client, peer):
    secure = client.get("/api/v1/ping", REMOTE_ADDR=peer, HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200
    plain = client.get("/api/v1/ping", REMOTE_ADDR=peer, HTTP_X_FORWARDED_PROTO="http")
    assert plain.status_code == 301


def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    factory = RequestFactory()
    direct = factory.get("/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert client_address(direct) == "203.0.113.7"
    proxied = factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert client_address(proxied) == "198.51.100.1"


def test_a_proxy_count_without_trusted_proxies_fails_the_system_check(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXIES = []
    assert "portal.E001" in {message.id for message in run_checks()}
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert "portal.E001" not in {message.id for message in run_checks()}


def test_a_malformed_trusted_proxy_fails_the_system_check(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.300"]
    assert "portal.E002" in {message.id for message in run_checks()}
