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
worker, the development server and the test client run) and calls it in ONE `sync_to_async`
call: the request_started signal, the request, the chain with the view, and (for a response
that is not streamed) the response's close, which sends request_finished and so gives the
database connection back to the pool before the response is sent. A streamed response (a
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
            # Every thread-sensitive call of this request (ours, and any a view makes through
            # async_to_sync/sync_to_async) runs on this executor's one thread.
            async with ThreadSensitiveContext(executor=executor):
                finished = await self._serve(scope, receive, send)
        finally:
            # A request abandoned while its view still runs keeps its thread busy: not reused.
            if finished and len(self._idle) < IDLE_THREADS_KEPT:
                self._idle.append(executor)
            else:
                executor.shutdown(wait=False)

    async def _serve(self, scope: Any, receive: Any, send: Any) -> bool:
        """Serve one request: True when its thread finished its work (the response was
        produced), False when the client went away first."""
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return True  # the thread never ran
        try:
            set_script_prefix(get_script_prefix(scope))
            respond = sync_to_async(self._respond, thread_sensitive=True)
            tasks = [
                # As Django's handler: the disconnect watcher first, so that a client gone
                # while the view runs ends the request (the view's thread runs to its end).
                asyncio.create_task(self.listen_for_disconnect(receive)),
                asyncio.create_task(self._respond_and_send(respond, scope, body_file, send)),
            ]
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in tasks:
                if not task.done():
                    task.cancel()
                with contextlib.suppress(asyncio.CancelledError, RequestAborted):
                    await task
            if tasks[1].cancelled():
                await signals.request_finished.asend(sender=self.__class__)
                return False
            return True
        finally:
            body_file.close()

    async def _respond_and_send(self, respond: Any, scope: Any, body_file: Any, send: Any) -> None:
        response = await respond(scope, body_file)
        # A client that left while the response was sent: nothing to do (as Django's handler).
        with contextlib.suppress(asyncio.CancelledError):
            await self.send_response(response, send)
        if response.streaming:
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
