"""The door after the password: a signed-in session that owes a second factor, or an
enrolment its level requires, reaches only the page that settles it.

The state is decided once per session (at sign-in, or at its first request) and kept in the
session, so a settled session costs no query: "verify" (the user has a second factor and
this session has not used it), "enrol" (a level requires one and the user has none), or
"clear". It turns "clear" as soon as the session is verified (django-otp's `is_verified`).
Pages answer with a redirect; the API (signed in by session) with 403. API clients' tokens
and agents' credentials are not sessions and never pass here.
"""

from urllib.parse import urlencode

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from .two_factor import has_second_factor, is_required

STATE_KEY = "two_factor_state"
VERIFY, ENROL, CLEAR = "verify", "enrol", "clear"

# Never about a user: probes, metrics and static files load no session and no user here.
UNGUARDED = ("/healthz", "/readyz", "/metrics", "/static/")
# Reachable in every state: signing out, the language switch, static files and the
# translations the passkey script loads.
ALWAYS = ("/accounts/logout/", "/language/", "/static/", "/webauthn/jsi18n/")
VERIFY_PATHS = ("/accounts/two-factor/verify/", "/webauthn/authentication/")
ENROL_PATHS = ("/accounts/two-factor/enrol/", "/webauthn/registration/")


def state_for(user, *, verified: bool) -> str:
    if verified:
        return CLEAR
    if has_second_factor(user):
        return VERIFY
    if is_required(user):
        return ENROL
    return CLEAR


@receiver(user_logged_in)
def decide_at_sign_in(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        # A session that has just signed in with a password has used no second factor.
        request.session[STATE_KEY] = state_for(user, verified=False)


def recheck(request) -> None:
    """After a change that may alter the state (a requirement set, a factor removed)."""
    request.session.pop(STATE_KEY, None)


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(UNGUARDED):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        state = request.session.get(STATE_KEY)
        if state is None or (state != CLEAR and user.is_verified()):
            state = state_for(user, verified=user.is_verified())
            request.session[STATE_KEY] = state
        if state == CLEAR or request.path.startswith(ALWAYS):
            return self.get_response(request)
        allowed = VERIFY_PATHS if state == VERIFY else ENROL_PATHS
        if request.path.startswith(allowed):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": "Two-factor sign-in is not complete for this session."}, status=403
            )
        target = reverse("two-factor-verify" if state == VERIFY else "two-factor-enrol")
        if request.method == "GET" and request.path != "/":
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)
