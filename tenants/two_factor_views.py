"""The second step of signing in (a code or a passkey) and the enrolment a level requires.

Both are reached only through `tenants.two_factor_middleware`, which sends a session here
right after the password; the Django admin signs in through the same door.
"""

from base64 import b32encode

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .account_models import RecoveryCodes
from .audit import Origin
from .models import AuditEvent
from .two_factor import is_required, recovery_codes_of, second_factors
from .two_factor_middleware import CLEAR, STATE_KEY
from .two_factor_services import recovery_codes_renew, totp_confirm, totp_pending
from .user_sessions import RECORDED_KEY, rekey


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _verified(request, device):
    otp_login(request, device)
    request.session[STATE_KEY] = CLEAR
    # A new session key once the second factor is in: one seen before it is worth nothing.
    # Its record follows it at once (an administrator's reset must find it).
    old_key = request.session.session_key
    request.session.cycle_key()
    rekey(old_key, request.session.session_key)
    request.session[RECORDED_KEY] = request.session.session_key


def _match(user, code: str):
    """The device that accepts `code`: six digits for an authenticator app, anything else
    for a recovery code. Each device throttles its own failures (django-otp)."""
    code = code.strip().replace(" ", "")
    models = [TOTPDevice] if code.isdigit() and len(code) == 6 else [RecoveryCodes]
    with transaction.atomic():
        for model in models:
            for device in model.objects.filter(user=user, confirmed=True).select_for_update():
                if device.verify_token(code):
                    return device
    return None


@never_cache
@login_required
def verify(request):
    """ "Two-factor sign-in": a code from the authenticator app or a recovery code, or the
    passkey button (django-otp-webauthn's script, which comes back verified)."""
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = _match(request.user, form.cleaned_data["code"])
        if device is not None:
            _verified(request, device)
            return redirect(_next_url(request))
        form.add_error("code", _("That code is not valid. Try again, or wait a moment."))
    kinds = {type(d).__name__ for d in second_factors(request.user)}
    context = {
        "form": form,
        "next": _next_url(request),
        "has_totp": "TOTPDevice" in kinds,
        "has_passkey": "WebAuthnCredential" in kinds,
    }
    return render(request, "registration/two_factor_verify.html", context)


@never_cache
@login_required
def enrol(request):
    """ "Set up two-factor sign-in": where a level's requirement takes a user without a
    second factor; an authenticator app (QR code and key) or a passkey."""
    device = totp_pending(request.user, fresh=request.method == "GET")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        origin = Origin.from_request(request, AuditEvent.Source.UI)
        if totp_confirm(
            user=request.user,
            device=device,
            code=form.cleaned_data["code"],
            origin=origin,
            keep_key=request.session.session_key,
        ):
            _verified(request, device)
            if recovery_codes_of(request.user) is not None:
                messages.success(request, _("The authenticator app was added."))
                return redirect("account-security")
            codes = recovery_codes_renew(user=request.user)
            return render(request, "registration/recovery_codes.html", {"codes": codes})
        form.add_error("code", _("That code is not valid. Try again, or wait a moment."))
    qr = segno.make(device.config_url, error="m")
    context = {
        "form": form,
        "required": is_required(request.user),
        "qr_code": qr.svg_data_uri(scale=4, border=2),
        "key": _grouped_key(device),
    }
    return render(request, "registration/two_factor_enrol.html", context)


def _grouped_key(device: TOTPDevice) -> str:
    """The key as an authenticator app takes it typed in: base32, in groups of four."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))
