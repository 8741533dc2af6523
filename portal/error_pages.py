"""The designed error pages (portal.errors) in every mode, the run command's DEBUG included.

Django answers a 404 or a 400 with its technical (yellow, English) page while DEBUG is on,
whatever handler404/handler400 say, and a 405 with an empty body in every mode. This
middleware hands those to portal.errors instead, so what an administrator sees after a stale
Manage link, a tenant outside their scope or a link to a form's address is the same
translated page in development, tests and production:

- an Http404 or a SuspiciousOperation/BadRequest raised by a view (`process_exception`: Django
  calls it only for a view's exceptions, so the security log line Django would write for a
  SuspiciousOperation is written here);
- while DEBUG is on, a path that matches no URL (Django would resolve it, fail and answer
  its technical page before any middleware could catch the exception; checked here first);
- an empty 405 from a view that takes only POST;
- while DEBUG is on, a Host header outside ALLOWED_HOSTS (`DesignedBadHostMiddleware`, just
  before CommonMiddleware, which would raise DisallowedHost outside any view).

Under /api/ portal.errors answers JSON, as without DEBUG; a 405 there is DRF's own (JSON).
"""

import logging

from django.conf import settings
from django.core.exceptions import BadRequest, DisallowedHost, SuspiciousOperation
from django.http import Http404
from django.urls import Resolver404, resolve

from . import errors


class DesignedErrorPagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.DEBUG:
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404 as exception:
                return errors.page_not_found(request, exception)
        response = self.get_response(request)
        if response.status_code == 405 and not errors.is_api(request) and not response.content:
            designed = errors.method_not_allowed(request)
            if "Allow" in response:
                designed["Allow"] = response["Allow"]
            return designed
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, Http404):
            return errors.page_not_found(request, exception)
        if isinstance(exception, SuspiciousOperation):
            name = f"django.security.{exception.__class__.__name__}"
            logging.getLogger(name).error(str(exception), extra={"request": request})
            return errors.bad_request(request, exception)
        if isinstance(exception, BadRequest):
            return errors.bad_request(request, exception)
        return None


class DesignedBadHostMiddleware:
    """While DEBUG is on, a Host the portal does not serve answers the designed 400 (without
    DEBUG Django already hands it to handler400), logged as Django logs it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.DEBUG:
            try:
                request.get_host()
            except DisallowedHost as exception:
                logging.getLogger("django.security.DisallowedHost").error(
                    str(exception), extra={"request": request}
                )
                return errors.bad_request(request, exception)
        return self.get_response(request)
