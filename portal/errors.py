"""Django's error views: JSON in the API's documented shape under /api/, HTML elsewhere.

DRF answers errors raised inside its views; these cover the rest (an unknown URL, an error
outside a view, a bad Host header), so that every answer under /api/ is JSON. A database
outage under /api/ answers 503 with Retry-After, like `tenants.api.exception_handler`.
"""

import sys

from django.conf import settings
from django.http import JsonResponse
from django.views import defaults

from tenants.api import MSG_UNAVAILABLE, is_database_outage

API_PREFIX = "/api/"


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def _json(detail: str, status: int, **headers: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status, headers=headers)


def bad_request(request, exception):
    if _is_api(request):
        return _json("Bad request.", 400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if _is_api(request):
        return _json("You do not have permission to perform this action.", 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if _is_api(request):
        return _json("Not found.", 404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if not _is_api(request):
        return defaults.server_error(request)
    # Django calls this while handling the exception, so it is still at hand.
    if is_database_outage(sys.exc_info()[1]):
        return _json(MSG_UNAVAILABLE, 503, **{"Retry-After": str(settings.API_RETRY_AFTER)})
    return _json("A server error occurred.", 500)
