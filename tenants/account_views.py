"""The user's own "Sign-in security" page: second factors (list, rename, remove, add),
recovery codes, and signed-in sessions (see them, sign out of the others)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .audit import Origin
from .models import AuditEvent
from .two_factor import is_required, recovery_codes_of, second_factors
from .two_factor_services import (
    factor_remove,
    factor_rename,
    kind_of,
    own_factor,
    recovery_codes_renew,
)
from .user_sessions import end_other_sessions, end_session, sessions_of


class RenameForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=64)


def _origin(request) -> Origin:
    return Origin.from_request(request, AuditEvent.Source.UI)


@never_cache
@login_required
def security(request):
    factors = [{"device": d, "kind": kind_of(d)} for d in second_factors(request.user)]
    codes = recovery_codes_of(request.user)
    context = {
        "factors": factors,
        "recovery_remaining": codes.remaining() if codes else None,
        "required": is_required(request.user),
        "sessions": sessions_of(request.user),
        "current_key": request.session.session_key,
    }
    return render(request, "registration/account_security.html", context)


def _factor(request, kind: str, device_id: int):
    try:
        return own_factor(request.user, kind, device_id)
    except LookupError:
        raise Http404("No such second factor.") from None


@never_cache
@login_required
def factor_rename_view(request, kind: str, device_id: int):
    device = _factor(request, kind, device_id)
    form = RenameForm(request.POST or None, initial={"name": device.name})
    if request.method == "POST" and form.is_valid():
        factor_rename(user=request.user, device=device, name=form.cleaned_data["name"])
        messages.success(request, _("The name was changed."))
        return redirect("account-security")
    return render(request, "registration/factor_rename.html", {"form": form, "device": device})


@never_cache
@login_required
def factor_remove_view(request, kind: str, device_id: int):
    device = _factor(request, kind, device_id)
    if request.method == "POST":
        try:
            factor_remove(user=request.user, device=device, origin=_origin(request))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            # The session stays signed in as it is, even if this was the factor it used.
            messages.success(request, _("“%s” was removed.") % device.name)
        return redirect("account-security")
    return render(request, "registration/factor_remove.html", {"device": device})


@never_cache
@login_required
@require_POST
def recovery_codes_view(request):
    try:
        codes = recovery_codes_renew(user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("account-security")
    return render(request, "registration/recovery_codes.html", {"codes": codes})


@login_required
@require_POST
def session_end_view(request, session_id: int):
    if end_session(user=request.user, session_id=session_id):
        messages.success(request, _("That session was signed out."))
    return redirect("account-security")


@login_required
@require_POST
def sessions_end_others_view(request):
    count = end_other_sessions(user=request.user, keep_key=request.session.session_key)
    message = ngettext("Signed out of %d other session.", "Signed out of %d other sessions.", count)
    messages.success(request, message % count)
    return redirect("account-security")
