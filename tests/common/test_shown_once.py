"""The one post/redirect/get for a secret shown once (a token's value, an API client's
secret): read once, at the tenant it was made at, and from no store alone."""

import datetime
from importlib import import_module

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from common.shown_once import KEEP_FOR, ShownOnce

ONCE = ShownOnce(session_key="tests.secret", cookie="secret_pad")
SECRET = "s3cret-välue"  # not ASCII: the value is sealed as UTF-8


@pytest.fixture
def kept(db):
    """A POST that kept SECRET at globex, and the next request of the same browser."""
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    post = RequestFactory().post("/new")
    post.session = session
    response = HttpResponse()
    ONCE.keep(post, response, path="/list/", tenant_slug="globex", value=SECRET, facts={"id": 7})
    nxt = RequestFactory().get(
        "/list/", HTTP_COOKIE=f"secret_pad={response.cookies['secret_pad'].value}"
    )
    nxt.session = session
    return nxt, response


def test_the_value_is_taken_once_with_its_facts(kept):
    request, _response = kept
    assert ONCE.take(request, tenant_slug="globex") == (SECRET, {"id": 7})
    assert ONCE.take(request, tenant_slug="globex") is None
    assert not ONCE.pending(request)


def test_neither_the_session_nor_the_cookie_holds_the_value(kept):
    request, response = kept
    pad = response.cookies["secret_pad"]
    assert pad["httponly"] and pad["path"] == "/list/" and pad["samesite"] == "Strict"
    assert SECRET.encode().hex() not in str(dict(request.session)) and SECRET not in pad.value


def test_another_tenants_page_leaves_the_value_waiting(kept):
    request, _response = kept
    assert ONCE.take(request, tenant_slug="initech") is None
    assert ONCE.pending(request)
    assert ONCE.take(request, tenant_slug="globex") == (SECRET, {"id": 7})


def test_an_expired_value_is_dropped_wherever_it_is_asked_for(kept):
    request, _response = kept
    late = timezone.now() - KEEP_FOR - datetime.timedelta(seconds=1)
    request.session["tests.secret"] = {**request.session["tests.secret"], "at": late.isoformat()}
    assert ONCE.take(request, tenant_slug="initech") is None
    assert not ONCE.pending(request)


def test_another_browser_without_the_pad_gets_nothing(kept):
    request, _response = kept
    request.COOKIES = {}
    assert ONCE.take(request, tenant_slug="globex") is None
    assert not ONCE.pending(request)


def test_forget_drops_the_pads_cookie_at_its_path():
    response = HttpResponse()
    ONCE.forget(response, path="/list/")
    gone = response.cookies["secret_pad"]
    assert gone.value == "" and gone["path"] == "/list/" and gone["max-age"] == 0
