"""Django's ASGI handler running the whole request in one thread hop (the production server).

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
worker, the development server and the test client run) and calls it, view included, in ONE
`sync_to_async` call, in the request's own thread (Django's `ThreadSensitiveContext`, as
before: requests still run in parallel, and the view's database connection is that thread's).
What stays asynchronous is what Django's handler does around it: reading the body on the event
loop (so a slow client holds a coroutine, not a thread; portal.bodydeadline), the
request_started signal, sending the response and closing it.

An async view or an async-only middleware would still work (Django adapts it inside the
chain, one more hop), but tests/portal/test_asgi_hops.py fails on it, so it is a choice.
"""

import django
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.http import FileResponse


class OneHopASGIHandler(ASGIHandler):
    def load_middleware(self, is_async=False):
        # The synchronous chain, as the WSGI handler builds it.
        super().load_middleware(is_async=False)

    async def run_get_response(self, request):
        # Django's version awaits get_response_async (the chain on the loop); this one runs
        # the synchronous get_response (chain, view, error logging) in one hop.
        response = await sync_to_async(self.get_response, thread_sensitive=True)(request)
        response._handler_class = self.__class__
        # As Django's: larger chunks for file responses (the server does the framing).
        if isinstance(response, FileResponse):
            response.block_size = self.chunk_size
        return response


def get_one_hop_asgi_application() -> OneHopASGIHandler:
    """`django.core.asgi.get_asgi_application`, with the one-hop handler."""
    django.setup(set_prefix=False)
    return OneHopASGIHandler()
