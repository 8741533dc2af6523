"""A deadline for the whole request body under the ASGI server.

gunicorn bounds each wait for the next body chunk (its `--timeout`), but a client that sends
one byte a second never waits that long and could keep its request open for as long as its
Content-Length lasts. `BodyDeadline` gives the body `REQUEST_BODY_TIMEOUT` seconds from the
first read: after that the client gets 408 in the API's error shape, the connection closes
and Django, told the client went away, never runs the view.
"""

import asyncio
import json

from django.conf import settings

MSG_BODY_TIMEOUT = "The request body did not arrive in time."


class BodyDeadline:
    def __init__(self, app, seconds: float | None = None):
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seconds = self.seconds if self.seconds is not None else settings.REQUEST_BODY_TIMEOUT
        deadline = asyncio.get_running_loop().time() + seconds
        body_done = False

        async def bounded_receive():
            nonlocal body_done
            if body_done:
                return await receive()
            # asyncio.timeout_at, not wait_for: no task of its own for each body read.
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                body_done = True
                await _too_slow(send)
                return {"type": "http.disconnect"}
            if message["type"] != "http.request" or not message.get("more_body"):
                body_done = True
            return message

        await self.app(scope, bounded_receive, send)


async def _too_slow(send) -> None:
    body = json.dumps({"detail": MSG_BODY_TIMEOUT}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 408, "headers": headers})
    await send({"type": "http.response.body", "body": body})
