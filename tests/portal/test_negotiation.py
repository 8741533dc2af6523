"""The API's content negotiation (api.negotiation): the same renderer and media type as REST
framework's own for every Accept header and format, by a short way for the common ones."""

import pytest
from django.test import RequestFactory
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request

from api.negotiation import JSONFirstNegotiation

ACCEPTS = [
    None,
    "",
    "*/*",
    " */* ",
    "application/json",
    "application/json; indent=4",
    "application/*",
    "text/html",
    "text/html, application/json;q=0.9",
    "application/xml",
]


def _request(accept, query=""):
    extra = {} if accept is None else {"HTTP_ACCEPT": accept}
    return Request(RequestFactory().get(f"/api/v1/ping{query}", **extra))


def _select(negotiation, request, renderers, suffix=None):
    try:
        renderer, media_type = negotiation.select_renderer(request, renderers, suffix)
    except Exception as error:  # noqa: BLE001 - the refusal itself is compared
        return type(error).__name__
    return type(renderer).__name__, media_type


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("query", ["", "?format=json", "?format=api", "?x=1"])
@pytest.mark.parametrize("suffix", [None, "json"])
@pytest.mark.parametrize("renderers", [[JSONRenderer()], [JSONRenderer(), BrowsableAPIRenderer()]])
def test_the_same_choice_as_rest_frameworks_negotiation(accept, query, suffix, renderers):
    request = _request(accept, query)
    mine = _select(JSONFirstNegotiation(), request, renderers, suffix)
    assert mine == _select(DefaultContentNegotiation(), request, renderers, suffix)


def test_the_common_accept_headers_take_the_short_way(monkeypatch):
    """No Accept header, */* and application/json never reach REST framework's matching."""
    monkeypatch.setattr(DefaultContentNegotiation, "select_renderer", None)
    for accept in (None, "*/*", "application/json"):
        chosen = JSONFirstNegotiation().select_renderer(_request(accept), [JSONRenderer()])
        assert chosen[1] == "application/json"


def test_the_api_uses_it(client):
    """A JSON answer to a plain request, and 406 where JSON is refused, through the API."""
    assert client.get("/api/v1/ping").status_code == 200
    assert client.get("/api/v1/ping", HTTP_ACCEPT="text/html").status_code == 406
    from rest_framework.settings import api_settings

    assert api_settings.DEFAULT_CONTENT_NEGOTIATION_CLASS is JSONFirstNegotiation
