"""The page a locked-out sign-in gets (django-axes' AXES_LOCKOUT_CALLABLE).

One page for every lock, whether the username exists and whether the password was right,
so it tells an attacker nothing but that the limit was reached.
"""

from django.conf import settings
from django.shortcuts import render


def locked_out(request, original_response=None, credentials=None):
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return render(
        request,
        "registration/locked_out.html",
        {"minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
