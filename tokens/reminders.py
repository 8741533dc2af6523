"""Reminder mails about registration tokens, sent by the task worker (tokens/tasks.py).

Two reminders go to the token's user and to the administrator who made it (`created_by`),
each at most once per token:

- "expires within a day": one day before a token of a lifetime of 3 days or more expires;
- "first machine registered": once a token has registered its first machine.

The registration itself writes nothing for this (its two statements stay two): a periodic
scan, every minute, reads the pending tokens from two small partial indexes
(`token_expiry_reminder_due`, `token_first_machine_due`), at most `BATCH` of each per run.
A token leaves its index when its reminder is sent or found not due (deleted, expired,
short lifetime), so the scan never grows with the number of tokens already handled.

At most once, even when the worker dies mid-send: the unique (token, kind) row in
`tokens_reminder` (inserted ON CONFLICT DO NOTHING) is committed *before* the SMTP call, so
a worker killed after the mail server accepted the mail but before it marked the token
leaves the row behind, and the retry of its job (tokens/tasks.py recovers stalled jobs)
finds it and sends nothing. A send that fails with an error deletes the row again, so the
next run retries it. Why a committed record and not an idempotency key: the mail server
does not deduplicate by Message-ID, so only our own database can know a mail went out; the
price is that a worker dying in the instant between that commit and the SMTP answer loses
that one reminder (logged nowhere), which for a reminder beats a duplicate. A second worker
finds the row committed and sends nothing. No token value is ever in a mail: only its two
visible symbols.
"""

import datetime
import logging

from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from tenants.models import Tenant

from .models import RegistrationToken, TokenReminder

logger = logging.getLogger(__name__)

BATCH = 100
LEAD = datetime.timedelta(days=1)
MIN_LIFETIME = datetime.timedelta(days=3)
_FLAG: dict[str, str] = {
    TokenReminder.Kind.EXPIRES_SOON.value: "expiry_reminded_at",
    TokenReminder.Kind.FIRST_MACHINE.value: "first_machine_reminded_at",
}


def send_due_reminders(now: datetime.datetime | None = None) -> int:
    """Send the reminders that are due; the number of mails sent."""
    now = now or timezone.now()
    sent = 0
    for kind, tokens in (
        (TokenReminder.Kind.EXPIRES_SOON, _expiring(now)),
        (TokenReminder.Kind.FIRST_MACHINE, _first_machine(now)),
    ):
        for token in tokens:
            try:
                sent += _remind(token, kind, now)
            except Exception:  # a mail server error: no row kept, the next run retries
                logger.exception("Reminder %s of token %s not sent", kind, token.masked)
    return sent


def _pending(
    kind: str, now: datetime.datetime, due: QuerySet[RegistrationToken], order: str
) -> list[RegistrationToken]:
    """Up to BATCH pending tokens of `due`; those found not due leave the index unmailed."""
    related = ("tenant__parent", "user", "created_by")  # a unit's mail names its parent too
    rows = list(due.select_related(*related).order_by(order)[:BATCH])
    mail = [token for token in rows if _is_due(kind, token, now)]
    skipped = [token.pk for token in rows if token not in mail]
    if skipped:
        RegistrationToken.objects.filter(pk__in=skipped).update(**{_FLAG[kind]: now})
    return mail


def _is_due(kind: str, token: RegistrationToken, now: datetime.datetime) -> bool:
    if not token.is_active(now):
        return False
    if kind == TokenReminder.Kind.EXPIRES_SOON:
        return token.expires_at - token.created_at >= MIN_LIFETIME
    return True


def _expiring(now: datetime.datetime) -> list[RegistrationToken]:
    due = RegistrationToken.objects.filter(
        deleted_at__isnull=True, expiry_reminded_at__isnull=True, expires_at__lte=now + LEAD
    )
    return _pending(TokenReminder.Kind.EXPIRES_SOON, now, due, "expires_at")


def _first_machine(now: datetime.datetime) -> list[RegistrationToken]:
    due = RegistrationToken.objects.filter(
        deleted_at__isnull=True, first_machine_reminded_at__isnull=True, registrations__gt=0
    )
    return _pending(TokenReminder.Kind.FIRST_MACHINE, now, due, "id")


def _remind(token: RegistrationToken, kind: str, now: datetime.datetime) -> bool:
    """Claim (committed), send, then mark one reminder; whether a mail went out."""
    with transaction.atomic():
        sent = _claim(token, kind, now) and _still_active(token, now)
    recipients = recipients_of(token)
    if sent and recipients:
        subject, body = compose(token, kind)
        try:
            send_mail(subject, body, None, recipients)
        except Exception:
            # Refused or unreachable: no mail went out, so the next run may try again.
            TokenReminder.objects.filter(token=token, kind=kind).delete()
            raise
    # Last, so the token's row is locked only briefly (registrations update it).
    RegistrationToken.objects.filter(pk=token.pk).update(**{_FLAG[kind]: now})
    return bool(sent and recipients)


def _claim(token: RegistrationToken, kind: str, now: datetime.datetime) -> bool:
    table = connection.ops.quote_name(TokenReminder._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (token_id, kind, sent_at) VALUES (%s, %s, %s) "  # noqa: S608
            "ON CONFLICT (token_id, kind) DO NOTHING RETURNING id",
            [token.pk, kind, now],
        )
        return cursor.fetchone() is not None


def _still_active(token: RegistrationToken, now: datetime.datetime) -> bool:
    """Deleted (or expired) since the scan read it: no mail."""
    return RegistrationToken.objects.active(now).filter(pk=token.pk).exists()


def recipients_of(token: RegistrationToken) -> list[str]:
    """The token's user and its creator, each once, those with an address."""
    people = [token.user, token.created_by]
    addresses = [person.email for person in people if person is not None and person.email]
    return list(dict.fromkeys(addresses))


def _when(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _where(tenant: Tenant) -> str:
    """Where the token lives: a customer, or a unit of the tree with the level it is in."""
    if tenant.is_unit and tenant.parent is not None:
        return f"Unit: {tenant.name} (in {tenant.parent.name})"
    return f"Customer: {tenant.name}"


def compose(token: RegistrationToken, kind: str) -> tuple[str, str]:
    """Subject and text: the token's two visible symbols only, never its value."""
    shown = f"{token.prefix}••"
    description = " ".join(getattr(token, "description", "").split())  # one line, always
    lines = [_where(token.tenant), f"User: {token.user.username}"]
    if description:
        lines.insert(0, f"Description: {description}")
    lines.append(f"Expires: {_when(token.expires_at)}")
    if kind == TokenReminder.Kind.EXPIRES_SOON:
        subject = f"Registration token {shown} expires within a day"
        intro = (
            f"The registration token {shown} of {token.tenant.name} expires on "
            f"{_when(token.expires_at)}. Machines can no longer be registered with it after "
            "that: generate a new token in the Protection console if you still need one."
        )
    else:
        subject = f"Registration token {shown} registered its first machine"
        intro = (
            f"The registration token {shown} of {token.tenant.name} has registered its first "
            "machine. If you did not expect this, delete the token in the Protection console."
        )
    return subject, "\n".join([intro, "", *lines, "", "Management portal"]) + "\n"
