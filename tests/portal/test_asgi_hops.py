"""The production server's handler runs the middleware chain and the view in one thread hop
(portal.asgihandler; issue 19, item 14: registration CPU under ASGI).

Each loop -> thread -> loop hop costs CPU (thread wake-ups, lock hand-overs); Django's own ASGI
handler made 11 for this request with this MIDDLEWARE. These tests fail when a change brings
them back: an async-only middleware (Django adapts the chain around it), an async view, or
the stock handler in portal/asgi.py.
"""

import asyncio
import json
import logging
from concurrent.futures import ThreadPoolExecutor

from asgiref import sync
from asgiref.testing import ApplicationCommunicator
from django.conf import settings
from django.test import override_settings

from portal import asgi
from portal.asgihandler import OneHopASGIHandler
from tests.portal.test_request_bounds import REGISTER, _scope

# request_started's receivers, the chain with the view, the response's close (Django's
# handler runs the first and the last in the request's thread in every case).
HOPS_PER_REQUEST = 3


async def _register_with_a_mistyped_token() -> tuple[int, dict]:
    payload = json.dumps({"token": "not-a-token", "hostname": "h", "os": "linux"}).encode()
    headers = [(b"content-type", b"application/json")]
    communicator = ApplicationCommunicator(asgi.application, _scope(REGISTER, headers))
    await communicator.send_input({"type": "http.request", "body": payload})
    start = await communicator.receive_output(5)
    body = b""
    while True:
        message = await communicator.receive_output(5)
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await communicator.wait(5)
    return start["status"], json.loads(body)


def test_the_production_application_uses_the_one_hop_handler():
    assert isinstance(asgi.django_application, OneHopASGIHandler)


@override_settings(DEBUG=True)
def test_no_middleware_makes_django_adapt_the_chain(caplog):
    """Django logs (with DEBUG on, at DEBUG level) every handler it has to adapt between sync
    and async while it builds the chain: an async-only middleware would show here."""
    logger = logging.getLogger("django.request")  # the settings stop it propagating
    logger.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.DEBUG, logger="django.request"):
            handler = OneHopASGIHandler()  # (django.setup() would reconfigure logging)
    finally:
        logger.removeHandler(caplog.handler)
    adapted = [r.getMessage() for r in caplog.records if "adapted for" in r.getMessage()]
    assert adapted == []
    assert handler._middleware_chain is not None
    assert len(settings.MIDDLEWARE) > 10  # the real chain was built


def test_a_request_through_the_production_application_hops_to_a_thread_three_times(
    monkeypatch,
):
    hops = []
    original = sync.SyncToAsync.__call__

    async def counted(self, *args, **kwargs):
        hops.append(getattr(self.func, "__qualname__", repr(self.func)))
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(sync.SyncToAsync, "__call__", counted)
    # In a thread of its own, as tests/portal/test_request_bounds.py explains.
    with ThreadPoolExecutor(max_workers=1) as thread:
        status, body = thread.submit(asyncio.run, _register_with_a_mistyped_token()).result()
    # The view answered (it parsed the body and found the token mistyped), through every
    # middleware (the request log's id is in the body).
    assert status == 400
    assert body["request_id"]
    assert len(hops) == HOPS_PER_REQUEST, hops
