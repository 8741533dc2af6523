"""Django's ASGI handler running the whole request in one thread hop, on a thread kept for the
next request (the production server).

Django's own ASGI handler runs the middleware chain on the event loop and hops to a thread for
everything synchronous: each sync-only middleware (the project's, WhiteNoise) and each half of
every `MiddlewareMixin` middleware (Django's session, auth, CSRF, common, security, messages,
locale and clickjacking middleware, django-csp, django-prometheus: its async mode calls
`process_request` and `process_response` through `sync_to_async`), and then the view. With
this portal's MIDDLEWARE that was 11 loop -> thread -> loop round trips for a registration
refused before the database, each about 0.07 ms of CPU in wake-ups and lock hand-overs: a
plain ping cost 3.2-3.7 ms of app CPU against about 1 ms under the sync worker
(docs/scaling.md).

Every view of the portal is synchronous and every middleware works synchronously, so
`OneHopASGIHandler` builds the chain in its synchronous mode (exactly the chain the sync
worker, the development server and the test client run) and calls it in ONE hop to a thread
(`in_thread`: the executor directly, not asgiref's `sync_to_async`): the request_started
signal, the request, the chain with the view, and (for a response that is not streamed) the
response's close, which sends request_finished and so gives the database connection back to
the pool before the response is sent. A streamed response (a
static file) is closed after sending, in a second hop, as Django does.

The thread: Django enters a new `ThreadSensitiveContext` per request, and asgiref gives each
one a new single-thread executor, so every request started a thread, and its end started
another that joined the first, with a new database connection wrapper and new thread-local
state each time. Here each request borrows a single-thread executor from the worker's idle
ones (a new one only when all are busy) and returns it afterwards: requests still run in
parallel, one at a time per thread, and the thread's database connection is the request's
(Django's thread-local connections, reset by request_started and request_finished as under
the sync worker, whose one thread serves every request).

What stays asynchronous is reading the body on the event loop (so a slow client holds a
coroutine, not a thread; portal.bodydeadline), watching for the client's disconnect while the
view runs, and sending the response.

An async view or an async-only middleware would still work (Django adapts it inside the
chain, one more hop), but tests/portal/test_asgi_hops.py fails on it, so it is a choice.
"""

import asyncio
import contextlib
import contextvars
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import django
from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse
from django.urls import set_script_prefix

# Idle request threads a worker keeps; beyond that (after a burst) a returned one is stopped.
IDLE_THREADS_KEPT = 32


class OneHopASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        super().__init__()
        # Only the worker's event loop touches it (no lock): single-thread executors, LIFO.
        self._idle: list[ThreadPoolExecutor] = []

    def load_middleware(self, is_async: bool = False) -> None:
        # The synchronous chain, as the WSGI handler builds it.
        super().load_middleware(is_async=False)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = self._idle.pop() if self._idle else ThreadPoolExecutor(1, "request")
        finished = False
        try:
            # Every thread-sensitive call of this request (a streamed response's close, and
            # any a view makes through async_to_sync/sync_to_async) runs on this executor's
            # one thread.
            async with ThreadSensitiveContext(executor=executor):
                finished = await self._serve(scope, receive, send, executor)
        finally:
            # A request abandoned while its view still runs keeps its thread busy: not reused.
            if finished and len(self._idle) < IDLE_THREADS_KEPT:
                self._idle.append(executor)
            else:
                executor.shutdown(wait=False)

    async def _serve(self, scope: Any, receive: Any, send: Any, executor: Any) -> bool:
        """Serve one request: True when its thread finished its work (the response was
        produced), False when the client went away first."""
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return True  # the thread never ran
        # As Django's handler: a client gone while the view runs ends the request (the view's
        # thread runs to its end).
        listener = asyncio.create_task(self.listen_for_disconnect(receive))
        try:
            set_script_prefix(get_script_prefix(scope))
            running = self.in_thread(executor, self._respond, scope, body_file)
            listener.add_done_callback(lambda _: running.cancel())
            try:
                response = await running
            except asyncio.CancelledError:
                if listener.cancelled() or not listener.done():
                    raise  # this request itself was cancelled, not left by its client
                await signals.request_finished.asend(sender=self.__class__)
                return False
            await self._send(response, send, listener)
            return True
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, RequestAborted):
                await listener
            body_file.close()

    @staticmethod
    def in_thread(executor: ThreadPoolExecutor, function: Any, *args: Any) -> asyncio.Future:
        """`function(*args)` on the request's thread, in a copy of this context: the one hop.

        The executor directly rather than asgiref's `sync_to_async`, which wraps the same
        hop in its thread-sensitivity bookkeeping and copies every context variable back
        afterwards (about 40 of a hop's 105 us of CPU); nothing the thread sets is read on
        the event loop afterwards but the response it returns."""
        loop = asyncio.get_running_loop()
        return loop.run_in_executor(executor, contextvars.copy_context().run, function, *args)

    async def _send(self, response: Any, send: Any, listener: asyncio.Task) -> None:
        """Send the response; a client that leaves meanwhile ends a streamed one (as Django's
        handler). A complete one is sent as it is (the server drops what is sent to a client
        that has left)."""
        if not response.streaming:
            await self.send_response(response, send)
            return
        sending = asyncio.create_task(self.send_response(response, send))
        listener.add_done_callback(lambda _: sending.cancel())
        with contextlib.suppress(asyncio.CancelledError):
            await sending
        await sync_to_async(response.close, thread_sensitive=True)()

    def _respond(self, scope: Any, body_file: Any) -> Any:
        """In the request's thread: everything Django's handler does synchronously."""
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, refusal = self.create_request(scope, body_file)
        response: Any = refusal
        if request is not None:
            # The synchronous get_response (chain, view, error logging).
            response = self.get_response(request)
        response._handler_class = self.__class__
        if isinstance(response, FileResponse):
            # As Django's: larger chunks for file responses (the server does the framing).
            response.block_size = self.chunk_size
        if not response.streaming:
            # Its content is complete: request_finished now (connections back to the pool).
            response.close()
        return response


def get_one_hop_asgi_application() -> OneHopASGIHandler:
    """`django.core.asgi.get_asgi_application`, with the one-hop handler."""
    django.setup(set_prefix=False)
    return OneHopASGIHandler()
