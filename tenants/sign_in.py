"""The page a locked-out sign-in gets (django-axes' AXES_LOCKOUT_CALLABLE).

One page for every lock, whether the username exists and whether the password was right,
so it tells an attacker nothing but that the limit was reached.
"""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render

# A sign-in by HTTP Basic on an API path (the vendor API v2's two such paths).
MSG_LOCKED_API = "Too many failed sign-ins: try again later."


def locked_out(request, original_response=None, credentials=None):
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": MSG_LOCKED_API},
            status=settings.AXES_HTTP_RESPONSE_CODE,
            headers={"Retry-After": str(minutes * 60)},
        )
    return render(
        request,
        "registration/locked_out.html",
        {"minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
