"""Signed-in sessions: a record per session (browser, address, last seen) beside Django's
session store, so a user can see theirs and end the others, and an administrator can sign a
user out everywhere.

Ending a session deletes it from the session store (the browser is signed out at its next
request) and its record. A password set anew (reset or change) ends every session of the
user; Django's password change then keeps the session it was made in (a new key).
"""

import time
from importlib import import_module

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils import timezone

from common.net import client_address

from . import audit
from .account_models import UserSession
from .audit import Origin
from .authorization import authorize
from .models import AuditEvent, User
from .permissions import Action

SEEN_KEY = "session_record_seen"
RECORDED_KEY = "session_record_key"
# Never about a user (as tenants.two_factor_middleware): no session or user is loaded there.
UNGUARDED = ("/healthz", "/readyz", "/metrics", "/static/")


def _store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def _describe(request) -> dict:
    return {
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
        "ip_address": client_address(request) or None,
        "last_seen_at": timezone.now(),
    }


@receiver(user_logged_in)
def record_sign_in(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    if request.session.session_key is None:
        request.session.save()
    _record(request, user, request.session.session_key)


def _record(request, user, key: str) -> None:
    UserSession.objects.update_or_create(
        session_key=key, defaults={"user": user, **_describe(request)}
    )
    request.session[RECORDED_KEY] = key
    request.session[SEEN_KEY] = int(time.time())


class SessionRecordMiddleware:
    """Refreshes the session record's address and "last seen", at most once a minute (no
    query in between: the time is kept in the session, which is read anyway), and follows
    the session to a new key (the second step of signing in gives it one)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(UNGUARDED):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and request.session.session_key:
            key = request.session.session_key
            recorded = request.session.get(RECORDED_KEY)
            now = int(time.time())
            stale = now - request.session.get(SEEN_KEY, 0) >= settings.SESSION_RECORD_INTERVAL
            if recorded != key or stale:
                if recorded and recorded != key:
                    UserSession.objects.filter(session_key=recorded).delete()
                _record(request, user, key)
        return self.get_response(request)


def rekey(old_key: str | None, new_key: str | None) -> None:
    """The session got a new key (Django's cycle_key): its record follows."""
    if old_key and new_key and old_key != new_key:
        UserSession.objects.filter(session_key=old_key).update(session_key=new_key)


def sessions_of(user: User) -> list[UserSession]:
    """The user's signed-in sessions, most recently seen first; records of sessions that
    have expired are dropped on the way."""
    store = _store()
    live, gone = [], []
    for record in UserSession.objects.filter(user=user):
        (live if store().exists(record.session_key) else gone).append(record)
    if gone:
        UserSession.objects.filter(pk__in=[r.pk for r in gone]).delete()
    return live


def _end(records) -> int:
    store = _store()
    ended = 0
    for record in list(records):
        store(session_key=record.session_key).delete()
        record.delete()
        ended += 1
    return ended


def end_session(*, user: User, session_id: int) -> int:
    """End one of the user's own sessions (0 if it is not theirs)."""
    return _end(UserSession.objects.filter(user=user, pk=session_id))


def end_other_sessions(*, user: User, keep_key: str | None) -> int:
    """End every session of the user but `keep_key` (None: every one)."""
    return _end(UserSession.objects.filter(user=user).exclude(session_key=keep_key or ""))


@transaction.atomic
def sign_out_everywhere(*, actor: User, user: User, origin: Origin) -> int:
    """An administrator ends every session of a user of their scope (audited)."""
    if user.tenant_id is None:
        raise PermissionDenied
    authorize(actor, Action.MANAGE_USERS, tenant=user.tenant)
    ended = end_other_sessions(user=user, keep_key=None)
    audit.record(
        actor=actor,
        origin=origin,
        action=AuditEvent.Action.SESSIONS_END,
        tenant=user.tenant,
        obj=user,
        details={"sessions": ended},
    )
    return ended


@receiver(pre_save, sender=User)
def end_sessions_on_new_password(sender, instance: User, **kwargs) -> None:
    """`set_password` keeps the new password in `_password` until the save: a password reset
    or change ends every session of the user (the change view then keeps its own)."""
    if instance.pk and getattr(instance, "_password", None) is not None:
        end_other_sessions(user=instance, keep_key=None)
