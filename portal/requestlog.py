"""Request ids and the request log: one line per request, never a secret.

`RequestLogMiddleware` comes first in MIDDLEWARE. For every request it

- takes the request id: an incoming `X-Request-ID` only when a trusted proxy
  (TRUSTED_PROXIES) sent it and it is well-formed (`ACCEPTED`), else a new one (32 hex
  digits). A client talking to the portal directly cannot choose it, so it cannot make its
  requests pass for someone else's in the log;
- returns it in the `X-Request-ID` response header, on every response;
- adds it as `"request_id"` to every JSON error body under /api/ (beside `"detail"`), whoever
  built the body (the REST framework's handler, a view's own refusal, Django's error views),
  so a partner can quote it; the HTML error pages show it too (portal/errors.py);
- logs one record on the `portal.request` logger: request id, tenant, user or agent, method,
  path (no query string; a password-reset token in the path is replaced), status and
  duration. Never the Authorization header, a body, a cookie or a query string.

`RequestIdFilter` puts the request id on every log record made while the request runs (the
production settings' JSON lines carry it), through a context variable, which Django's ASGI
handler copies into the thread that runs the view.
"""

import contextvars
import json
import logging
import re
import time
import uuid

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.utils.functional import SimpleLazyObject, empty

from common.net import from_trusted_proxy

HEADER = "X-Request-ID"
# What a proxy's id may look like: nginx's $request_id (32 hex), a UUID, or another opaque
# id of letters, digits and . _ : - (never spaces, quotes or control characters).
ACCEPTED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
# URL keyword arguments whose values are secrets (Django's password-reset link).
SECRET_URL_KWARGS = ("token",)
REDACTED = "[redacted]"

API_PREFIX = "/api/"

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
log = logging.getLogger("portal.request")


def current_request_id() -> str | None:
    """The id of the request being handled in this context, if any."""
    return _current.get()


def request_id_of(request) -> str | None:
    return getattr(request, "request_id", None)


def incoming_or_new(request) -> str:
    """A trusted proxy's well-formed X-Request-ID, else a new id."""
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    if incoming and ACCEPTED.fullmatch(incoming) and from_trusted_proxy(request):
        return incoming
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (or None) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            # Django logs a 4xx/5xx answer (`django.request`) after the middleware has
            # returned, with the request attached.
            record.request_id = _current.get() or request_id_of(getattr(record, "request", None))
        return True


class RequestLogMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self.__acall__(request)
        started, reset = self._begin(request)
        try:
            response = self.get_response(request)
            return self._end(request, response, started)
        finally:
            _current.reset(reset)

    async def __acall__(self, request):
        started, reset = self._begin(request)
        try:
            response = await self.get_response(request)
            return self._end(request, response, started)
        finally:
            _current.reset(reset)

    def _begin(self, request):
        request.request_id = incoming_or_new(request)
        return time.perf_counter(), _current.set(request.request_id)

    def _end(self, request, response, started: float):
        request_id = request.request_id
        response[HEADER] = request_id
        if response.status_code >= 400 and request.path.startswith(API_PREFIX):
            _add_to_error_body(response, request_id)
        duration = (time.perf_counter() - started) * 1000
        log.info("request", extra=_fields(request, response, duration))
        return response


def _add_to_error_body(response, request_id: str) -> None:
    """`"request_id"` beside `"detail"` in a JSON error body (bodies are small)."""
    if response.streaming or not response.get("Content-Type", "").startswith("application/json"):
        return
    try:
        body = json.loads(response.content)
    except ValueError:
        return
    if not isinstance(body, dict) or "detail" not in body:
        return
    body["request_id"] = request_id
    response.content = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    if response.has_header("Content-Length"):
        response["Content-Length"] = str(len(response.content))


def _fields(request, response, duration: float) -> dict:
    tenant, user, agent = _who(request)
    return {
        "request_id": request.request_id,
        "tenant": tenant,
        "user": user,
        "agent": agent,
        "method": request.method,
        "path": _loggable_path(request),
        "status": response.status_code,
        "duration_ms": round(duration, 1),
    }


def _who(request) -> tuple[str | None, str | None, str | None]:
    """(tenant slug, user id, agent id) as far as the request already knows them: never a
    query (the user is read only if something evaluated it during the request)."""
    match = getattr(request, "resolver_match", None)
    tenant = match.kwargs.get("tenant_id") if match is not None else None
    principal = request.__dict__.get("user")
    if isinstance(principal, SimpleLazyObject):
        principal = None if principal._wrapped is empty else principal._wrapped
    user = agent = None
    if principal is not None and getattr(principal, "is_authenticated", False):
        device = getattr(principal, "device", None)
        if device is not None:  # an agent (agents.authentication.Agent)
            agent = str(device.agent_id)
            tenant = tenant or principal.tenant.slug
        else:
            user = str(principal.pk)
    tenant = tenant or getattr(request, "log_tenant", None)
    return (str(tenant) if tenant else None), user, agent


def _loggable_path(request) -> str:
    """The path without its query string, secrets in URL arguments replaced."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    for name in SECRET_URL_KWARGS:
        value = match.kwargs.get(name) if match is not None else None
        if value:
            path = path.replace(str(value), REDACTED)
    return path
