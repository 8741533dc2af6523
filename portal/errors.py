"""Django's error views: JSON in the API's documented shape under /api/, HTML elsewhere.

DRF answers errors raised inside its views; these cover the rest (an unknown URL, an error
outside a view, a bad Host header), so that every answer under /api/ is JSON. A database
outage under /api/ answers 503 with Retry-After, like `api.exception_handlers.exception_handler`.

The HTML pages show the request's id (portal.requestlog), which a partner can quote; the
JSON bodies get it from the request log middleware, like every API error body.
"""

import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.html import escape
from django.utils.translation import gettext as _

from api.exception_handlers import MSG_UNAVAILABLE, is_database_outage
from api.parsers import MSG_TOO_LARGE

from .requestlog import request_id_of

# The vendor API's older paths (/bc/...) answer JSON too.
API_PREFIX = ("/api/", "/bc/")


def is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def _json(detail: str, status: int, **headers: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status, headers=headers)


def _page(request, status: int, title: str, message: str, *, with_request: bool = True):
    context = {
        "title": title,
        "message": message,
        "request_id": request_id_of(request),
        # Without a request (the 500 page) no URL is reversed: that could fail in turn.
        "with_home_link": with_request,
    }
    try:
        html = loader.render_to_string(
            "error.html", context, request=request if with_request else None
        )
    except Exception:  # noqa: BLE001 - an error page must not fail in turn
        html = (
            f"<!doctype html><title>{escape(title)}</title><h1>{escape(title)}</h1>"
            f"<p>{escape(message)}</p><p>Request ID: {escape(context['request_id'] or '')}</p>"
        )
    return HttpResponse(html, status=status)


def bad_request(request, exception):
    if is_api(request):
        if isinstance(exception, RequestDataTooBig):
            # A body Django refused to load: the API's documented 413, like api.parsers.
            return _json(MSG_TOO_LARGE.format(limit=settings.API_MAX_BODY_SIZE), 413)
        return _json("Bad request.", 400)
    return _page(request, 400, _("Bad request"), _("The portal could not understand this request."))


def permission_denied(request, exception):
    if is_api(request):
        return _json("You do not have permission to perform this action.", 403)
    return _page(request, 403, _("Access denied"), _("Your role does not allow this."))


def page_not_found(request, exception):
    if is_api(request):
        return _json("Not found.", 404)
    return _page(
        request, 404, _("Page not found"), _("There is no such page, or you cannot reach it.")
    )


def method_not_allowed(request):
    """A page reached by a link where only a form may go (portal.error_pages)."""
    return _page(
        request,
        405,
        _("This page cannot be opened by a link"),
        _("This address only takes a form's submission. Go back, or open the page from the menu."),
    )


def server_error(request):
    if not is_api(request):
        # No request context: its processors could fail in turn (the database may be down).
        return _page(
            request,
            500,
            _("Server error"),
            _("Something went wrong on our side. Try again in a moment."),
            with_request=False,
        )
    # Django calls this while handling the exception, so it is still at hand.
    if is_database_outage(sys.exc_info()[1]):
        return _json(MSG_UNAVAILABLE, 503, **{"Retry-After": str(settings.API_RETRY_AFTER)})
    return _json("A server error occurred.", 500)
