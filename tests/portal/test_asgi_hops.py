"""The production server's handler runs the middleware chain and the view in one thread hop,
on a thread kept for the next request (portal.asgihandler; issue 19, item 14: registration
CPU under ASGI).

Each loop -> thread -> loop hop costs CPU (thread wake-ups, lock hand-overs); Django's own ASGI
handler made 11 for this request with this MIDDLEWARE. These tests fail when a change brings
them back: an async-only middleware (Django adapts the chain around it), an async view, or
the stock handler in portal/asgi.py.
"""

import asyncio
import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from asgiref import sync
from asgiref.testing import ApplicationCommunicator
from django.conf import settings
from django.core import signals
from django.test import override_settings

from portal import asgi
from portal.asgihandler import OneHopASGIHandler
from tests.portal.test_request_bounds import REGISTER, _scope

# request_started's receivers, the chain with the view, the response's close (Django's
# handler runs the first and the last in the request's thread in every case).
HOPS_PER_REQUEST = 1


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


def test_a_request_through_the_production_application_hops_to_a_thread_once(monkeypatch):
    """Every hop counts: the handler's own (`in_thread`) and any through asgiref."""
    hops = []
    original = sync.SyncToAsync.__call__
    original_in_thread = OneHopASGIHandler.in_thread

    async def counted(self, *args, **kwargs):
        hops.append(getattr(self.func, "__qualname__", repr(self.func)))
        return await original(self, *args, **kwargs)

    def counted_in_thread(executor, function, *args):
        hops.append(function.__qualname__)
        return original_in_thread(executor, function, *args)

    monkeypatch.setattr(sync.SyncToAsync, "__call__", counted)
    monkeypatch.setattr(OneHopASGIHandler, "in_thread", staticmethod(counted_in_thread))
    # In a thread of its own, as tests/portal/test_request_bounds.py explains.
    with ThreadPoolExecutor(max_workers=1) as thread:
        status, body = thread.submit(asyncio.run, _register_with_a_mistyped_token()).result()
    # The view answered (it parsed the body and found the token mistyped), through every
    # middleware (the request log's id is in the body).
    assert status == 400
    assert body["request_id"]
    assert len(hops) == HOPS_PER_REQUEST, hops


class _Threads:
    """Records the thread of each request_started and request_finished; `barrier` (when set)
    holds each request in its thread until that many requests are in theirs."""

    def __init__(self, barrier: threading.Barrier | None = None):
        # Thread objects, kept alive: an ident can be reused once a thread has ended.
        self.started: list[threading.Thread] = []
        self.finished: list[threading.Thread] = []
        self.barrier = barrier

    def on_started(self, **kwargs):
        self.started.append(threading.current_thread())
        if self.barrier:
            self.barrier.wait()

    def on_finished(self, **kwargs):
        self.finished.append(threading.current_thread())

    def __enter__(self):
        signals.request_started.connect(self.on_started)
        signals.request_finished.connect(self.on_finished)
        return self

    def __exit__(self, *exc):
        signals.request_started.disconnect(self.on_started)
        signals.request_finished.disconnect(self.on_finished)


def _in_a_thread(coroutine):
    # In a thread of its own, as tests/portal/test_request_bounds.py explains.
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def test_requests_one_after_another_reuse_one_thread_and_finish_in_it():
    """Django's handler started a thread for every request (and another to join it)."""

    async def two_in_a_row():
        return [await _register_with_a_mistyped_token() for _ in range(2)]

    with _Threads() as seen:
        answers = _in_a_thread(two_in_a_row())
    assert [status for status, _ in answers] == [400, 400]
    assert len(seen.started) == 2
    assert seen.started[0] is seen.started[1]
    # request_finished (the connections given back) once per request, in the same thread.
    assert seen.finished == seen.started
    assert threading.current_thread() not in seen.started


def test_requests_at_the_same_time_run_in_threads_of_their_own():
    """Each request in flight has a thread: two held until both have started (a barrier of
    two) would wait for each other if they shared one (the barrier times out and raises)."""

    async def two_at_once():
        return await asyncio.gather(
            _register_with_a_mistyped_token(), _register_with_a_mistyped_token()
        )

    with _Threads(threading.Barrier(2, timeout=5)) as seen:
        answers = _in_a_thread(two_at_once())
    assert [status for status, _ in answers] == [400, 400]
    assert len(set(seen.started)) == 2


def test_a_client_gone_while_the_view_runs_gets_nothing_and_its_thread_is_not_reused():
    """As Django's handler: a client that disconnects while the view runs is sent nothing
    (the view's thread runs to its end, its answer dropped), request_finished is sent, and
    that thread is not given to another request."""
    release = threading.Event()
    handler = OneHopASGIHandler()

    def held(**kwargs):
        assert release.wait(10)

    async def leave_while_held():
        payload = json.dumps({"token": "not-a-token", "hostname": "h", "os": "linux"}).encode()
        headers = [(b"content-type", b"application/json")]
        communicator = ApplicationCommunicator(handler, _scope(REGISTER, headers))
        await communicator.send_input({"type": "http.request", "body": payload})
        await asyncio.sleep(0.2)  # the view's thread is held in request_started
        await communicator.send_input({"type": "http.disconnect"})
        await asyncio.sleep(0.1)
        release.set()  # the view answers now (a 400), after its client left
        await communicator.wait(5)
        return await communicator.receive_nothing(0.2)

    signals.request_started.connect(held)
    try:
        with _Threads() as seen:
            nothing_sent = _in_a_thread(leave_while_held())
    finally:
        signals.request_started.disconnect(held)
        release.set()
    assert nothing_sent
    assert len(seen.finished) == 2  # the thread's own, and the handler's for the aborted one
    assert handler._idle == []  # its executor was shut down, not kept for the next request
