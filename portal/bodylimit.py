"""Request body limits, applied before the body is read, on both servers.

Under /api/ a body may be `API_MAX_BODY_SIZE` bytes (64 KB), elsewhere
`DATA_UPLOAD_MAX_MEMORY_SIZE` (the portal takes no file uploads, so Django's form limit is
the whole body's). A larger one answers 413: JSON in the API's error shape under /api/
(`{"detail": ..., "request_id": ...}`), a line of text elsewhere.

- `BodyLimit` wraps the ASGI application (the production server). Django's ASGI handler
  reads the whole body, spooling it to disk, before any middleware runs, so the limit has
  to come first: a declared `Content-Length` over the limit is refused before a byte of the
  body is asked for (the server then closes the connection: the body was never framed), and
  a chunked body (no `Content-Length`) is read only up to the limit. A chunked body within
  the limit is handed to Django whole, with its `Content-Length`: Django and the REST
  framework take a request without one for a request without a body.
- `BodyLimitMiddleware` is the same rule inside Django for the WSGI server (development and
  tests), where Django reads no more than `Content-Length` anyway: it refuses a declared
  length over the limit before anything reads the body.
"""

import logging
import time
from types import SimpleNamespace

from django.conf import settings
from django.http import HttpResponse, JsonResponse

from api.parsers import MSG_TOO_LARGE
from vendorapi.errors import error_body, is_vendor_path

from .requestlog import HEADER, incoming_or_new

API_PREFIX = "/api/"
MSG_TOO_LARGE_PAGE = "Request body too large."
TEXT = "text/plain; charset=utf-8"
log = logging.getLogger("portal.request")


def limit_for(path: str) -> int | None:
    """The largest body a request to `path` may carry (None: no limit)."""
    if path.startswith(API_PREFIX) or is_vendor_path(path):
        return settings.API_MAX_BODY_SIZE
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def declared_length(value: str | None) -> int | None:
    """A Content-Length value as a number (None when absent or not a number: the server
    refuses a malformed one before the application sees it)."""
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


def _too_large_body(path: str, limit: int, request_id: str) -> tuple[bytes, str]:
    if is_vendor_path(path):  # the vendor API v2's error shape (vendorapi.errors)
        message = MSG_TOO_LARGE.format(limit=limit)
        body = error_body(413, message, path=path, details={"request_id": request_id})
        return JsonResponse(body).content, "application/json"
    if path.startswith(API_PREFIX):
        response = JsonResponse(
            {"detail": MSG_TOO_LARGE.format(limit=limit), "request_id": request_id}
        )
        return response.content, "application/json"
    return MSG_TOO_LARGE_PAGE.encode(), TEXT


class BodyLimitMiddleware:
    """413 for a declared Content-Length over the path's limit (after the request log
    middleware, which adds the request id to the body and logs the refusal)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = limit_for(request.path)
        declared = declared_length(request.META.get("CONTENT_LENGTH"))
        if limit is not None and declared is not None and declared > limit:
            if request.path.startswith(API_PREFIX) or is_vendor_path(request.path):
                return JsonResponse({"detail": MSG_TOO_LARGE.format(limit=limit)}, status=413)
            return HttpResponse(MSG_TOO_LARGE_PAGE, status=413, content_type=TEXT)
        return self.get_response(request)


class BodyLimit:
    """The ASGI wrapper: refuses over-limit bodies before Django's handler reads them."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["path"])
        headers = scope.get("headers", [])
        declared = declared_length(_header(headers, b"content-length"))
        chunked = declared is None and _header(headers, b"transfer-encoding") is not None
        has_body = declared is not None or chunked
        if limit is None or not has_body or (declared is not None and declared <= limit):
            # Within the limit (the server frames the body by its Content-Length, so no
            # more than that arrives), or no body at all.
            await self.app(scope, receive, send)
            return
        if declared is not None:
            await _refuse(scope, send, limit)
            return
        body = await _read_up_to(receive, limit)
        if body is None:  # the client left, or the body deadline answered 408
            return
        if len(body) > limit:
            await _refuse(scope, send, limit)
            return
        length = (b"content-length", str(len(body)).encode())
        scope = {**scope, "headers": [*headers, length]}
        await self.app(scope, _replay(body, receive), send)


def _header(headers, name: bytes) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


async def _read_up_to(receive, limit: int) -> bytes | None:
    """The body, or as soon as it has grown past `limit`, what arrived so far (one chunk
    over the limit at most); None if the client went away first."""
    parts, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        parts.append(chunk)
        size += len(chunk)
        if size > limit or not message.get("more_body", False):
            return b"".join(parts)


def _replay(body: bytes, receive):
    """A receive callable that gives the buffered body once, then the server's messages
    (Django listens for the client's disconnect after the body)."""
    given = False

    async def replay():
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def _refuse(scope, send, limit: int) -> None:
    started = time.perf_counter()
    request_id = _request_id(scope)
    content, content_type = _too_large_body(scope["path"], limit, request_id)
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", content_type.encode()),
                (b"content-length", str(len(content)).encode()),
                (HEADER.lower().encode(), request_id.encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": content})
    # The request log's line for a request Django never saw; the path only under /api/
    # (elsewhere a path can carry a secret, such as a password-reset link).
    api = scope["path"].startswith(API_PREFIX)
    fields = {"request_id": request_id, "tenant": None, "user": None, "agent": None}
    fields |= {"method": scope.get("method"), "path": scope["path"] if api else None}
    fields |= {"status": 413, "duration_ms": round((time.perf_counter() - started) * 1000, 1)}
    log.info("request", extra=fields)


def _request_id(scope) -> str:
    """The request id by the request log's rule (a trusted proxy's, else a new one)."""
    client = scope.get("client") or ("", 0)
    meta = {"REMOTE_ADDR": client[0]}
    incoming = _header(scope.get("headers", []), HEADER.lower().encode())
    if incoming is not None:
        meta["HTTP_X_REQUEST_ID"] = incoming
    return incoming_or_new(SimpleNamespace(META=meta))
