"""The password reset request, throttled (issue 21, item 7): Django's own view sent a mail
for every request, 12 to one address in 0.6 s.

- Per email address: at most PASSWORD_RESET_MAILS_PER_EMAIL mails within
  PASSWORD_RESET_WINDOW seconds. A request over it gets the same "sent" page and sends
  nothing, so the answer still does not say whether the address has an account.
- Per client address: at most PASSWORD_RESET_REQUESTS_PER_CLIENT requests within the
  window, then 429 (the same for every email address asked about).

Counts live in the shared cache (`common.shared_cache.guarded`; a failing cache throttles
nothing rather than refusing everyone).
"""

import hashlib

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _

from common.net import client_address
from common.shared_cache import guarded


def _count(key: str) -> int:
    window = settings.PASSWORD_RESET_WINDOW
    guarded("add", False, key, 0, timeout=window)
    try:
        return int(guarded("incr", 0, key))
    except ValueError:  # it expired between add() and incr()
        guarded("add", False, key, 1, timeout=window)
        return 1


def _email_key(email: str) -> str:
    # By digest: no address in cache keys.
    return "password-reset-mail:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()


class PasswordResetView(auth_views.PasswordResetView):
    def post(self, request, *args, **kwargs):
        count = _count(f"password-reset-client:{client_address(request)}")
        if count > settings.PASSWORD_RESET_REQUESTS_PER_CLIENT:
            message = _("Too many password reset requests from this address. Try again later.")
            context = {"title": _("Too many requests"), "message": message}
            response = render(request, "error.html", context, status=429)
            response["Retry-After"] = str(settings.PASSWORD_RESET_WINDOW)
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        if _count(_email_key(email)) > settings.PASSWORD_RESET_MAILS_PER_EMAIL:
            return HttpResponseRedirect(self.get_success_url())  # the same page, no mail
        return super().form_valid(form)
