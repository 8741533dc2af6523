"""Reminder mails (tokens/reminders.py): who gets them, what they say, and that each is
sent exactly once, against the real PostgreSQL (the worker's task calls the same function)."""

import datetime
import threading

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tenants.audit import Origin
from tenants.models import AuditEvent, Tenant, User
from tests.agents.helpers import register
from tests.factories import make_token
from tokens import reminders, renewal, services, tasks
from tokens.models import RegistrationToken, TokenReminder

DAY = datetime.timedelta(days=1)


def _token(tenants, users, *, lifetime=3 * DAY, user="globex-bob", actor="globex-admin"):
    token, value = make_token(tenants["globex"], users[user], actor=users[actor], lifetime=lifetime)
    return token, value


def _at(token, before_expiry=datetime.timedelta(hours=23)):
    return token.expires_at - before_expiry


@pytest.mark.django_db
def test_expiry_reminder_goes_to_user_and_creator_a_day_before_with_prefix_only(tenants, users):
    token, value = _token(tenants, users)
    assert reminders.send_due_reminders(now=token.expires_at - 2 * DAY) == 0
    assert reminders.send_due_reminders(now=_at(token)) == 1
    [message] = mail.outbox
    assert message.to == ["globex-bob@example.com", "globex-admin@example.com"]
    assert message.subject == f"Registration token {token.prefix}•• expires within a day"
    expiry = token.expires_at.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    assert f"Customer: Globex\nUser: globex-bob\nExpires: {expiry}" in message.body
    assert f"expires on {expiry}" in message.body
    canonical = value.replace("-", "")
    for text in (message.subject, message.body):
        assert canonical[:3] not in text.replace("-", "")
        assert value not in text


@pytest.mark.django_db
def test_each_reminder_is_sent_once_however_often_the_scan_runs(tenants, users):
    token, value = _token(tenants, users, lifetime=7 * DAY)
    assert register(value).status_code == 201
    assert register(value, machine="m-2").status_code == 201
    now = _at(token)
    assert reminders.send_due_reminders(now=now) == 2
    assert reminders.send_due_reminders(now=now) == 0
    assert reminders.send_due_reminders(now=now + datetime.timedelta(hours=1)) == 0
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == [
        f"Registration token {token.prefix}•• expires within a day",
        f"Registration token {token.prefix}•• registered its first machine",
    ]
    kinds = set(TokenReminder.objects.filter(token=token).values_list("kind", flat=True))
    assert kinds == {"expires_soon", "first_machine"}


@pytest.mark.django_db
def test_first_machine_reminder_names_the_customer_and_not_the_value(tenants, users):
    token, value = _token(tenants, users, user="globex-alice", actor="globex-alice")
    assert reminders.send_due_reminders() == 0
    assert register(value).status_code == 201
    assert reminders.send_due_reminders() == 1
    [message] = mail.outbox
    assert message.to == ["globex-alice@example.com"]  # user and creator: one address once
    assert "registered its first machine" in message.body
    assert "Customer: Globex" in message.body
    assert value not in message.body


@pytest.mark.django_db
def test_no_expiry_reminder_for_lifetimes_under_three_days(tenants, users):
    for lifetime in (datetime.timedelta(hours=1), DAY, 2 * DAY + datetime.timedelta(hours=23)):
        token, _ = _token(tenants, users, lifetime=lifetime)
        assert (
            reminders.send_due_reminders(now=token.expires_at - datetime.timedelta(minutes=5)) == 0
        )
        token.refresh_from_db()
        assert token.expiry_reminded_at is not None  # left the pending index, unmailed
    assert mail.outbox == []


@pytest.mark.django_db
def test_no_reminder_for_deleted_or_expired_tokens(tenants, users):
    deleted, value = _token(tenants, users)
    assert register(value).status_code == 201
    services.token_delete(actor=users["globex-admin"], token=deleted, origin=services_cli())
    expired, value = _token(tenants, users)
    assert register(value, machine="m-2").status_code == 201
    assert reminders.send_due_reminders(now=expired.expires_at + datetime.timedelta(minutes=1)) == 0
    assert mail.outbox == []
    assert not TokenReminder.objects.filter(token__in=[deleted, expired]).exists()


def services_cli():
    from tenants.audit import CLI

    return CLI


@pytest.mark.django_db
def test_scan_reads_pending_tokens_only_and_is_bounded(tenants, users):
    """A run costs the same whatever the number of tokens already reminded, and sends at
    most BATCH mails of each kind."""
    for n in range(5):
        token, value = _token(tenants, users)
        assert register(value, machine=f"m-{n}").status_code == 201
    now = _at(token)
    assert reminders.send_due_reminders(now=now) == 10
    with CaptureQueriesContext(connection) as handled:
        assert reminders.send_due_reminders(now=now) == 0
    assert len(handled) == 2  # one indexed read per kind, nothing pending
    assert reminders.BATCH == 100


@pytest.fixture
def committed(django_db_blocker):
    """Tokens committed for real (other connections see them), removed afterwards with
    everything they wrote, so the rolled-back tests after this one see the demo data only."""
    made = []

    def make(**options):
        tenants = {t.slug: t for t in Tenant.objects.all()}
        users = {u.username: u for u in User.objects.select_related("tenant")}
        token, _ = _token(tenants, users, **options)
        RegistrationToken.objects.filter(pk=token.pk).update(registrations=1)
        made.append(token.pk)
        return token

    with django_db_blocker.unblock():
        try:
            yield make
        finally:
            TokenReminder.objects.filter(token__in=made).delete()
            AuditEvent.objects.filter(object_id__in=[str(pk) for pk in made]).filter(
                object_type__icontains="token"
            ).delete()
            RegistrationToken.objects.filter(pk__in=made).delete()


def test_two_workers_at_once_send_one_mail(committed):
    """Two workers' tasks at once, in two threads with connections of their own."""
    token = committed()
    now = _at(token)
    barrier, results, errors = threading.Barrier(2), [], []

    def worker():
        try:
            barrier.wait()
            results.append(reminders.send_due_reminders(now=now))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sorted(results) in ([0, 2], [1, 1])
    assert sorted(m.subject for m in mail.outbox) == [
        f"Registration token {token.prefix}•• expires within a day",
        f"Registration token {token.prefix}•• registered its first machine",
    ]
    assert TokenReminder.objects.filter(token=token).count() == 2


def test_two_workers_that_both_found_a_token_due_send_one_mail_of_each_kind(committed):
    """Both workers' scans have read the token before either sends: the claim decides."""
    token = committed()
    now = _at(token)
    barrier, results, errors = threading.Barrier(2), [], []

    def worker():
        try:
            found = RegistrationToken.objects.select_related("tenant", "user", "created_by").get(
                pk=token.pk
            )
            barrier.wait()
            for kind in TokenReminder.Kind.values:
                results.append(reminders._remind(found, kind, now))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sorted(results) == [False, False, True, True]
    assert len(mail.outbox) == 2
    assert len({m.subject for m in mail.outbox}) == 2


def test_worker_task_is_periodic_every_minute_and_runs_the_scan(committed):
    from procrastinate.contrib.django import app

    [periodic] = [
        p
        for p in app.periodic_registry.periodic_tasks.values()
        if p.task.name == "tokens.send_reminders"
    ]
    assert periodic.cron == "* * * * *"
    token = committed(lifetime=datetime.timedelta(days=30))
    assert tasks.send_reminders(timestamp=int(timezone.now().timestamp())) == 1
    [message] = mail.outbox
    assert message.subject == f"Registration token {token.prefix}•• registered its first machine"


@pytest.mark.django_db
def test_an_extended_token_is_reminded_again_before_its_new_expiry(tenants, users):
    token, _ = _token(tenants, users, lifetime=3 * DAY)
    assert reminders.send_due_reminders(now=_at(token)) == 1
    extended = renewal.token_extend(
        actor=users["globex-admin"],
        token=RegistrationToken.objects.get(pk=token.pk),
        lifetime=7 * DAY,
        origin=Origin(source=AuditEvent.Source.UI, ip_address=None),
    )
    assert reminders.send_due_reminders(now=_at(token)) == 0
    assert reminders.send_due_reminders(now=_at(extended)) == 1
    assert [m.subject for m in mail.outbox] == [
        f"Registration token {token.prefix}•• expires within a day"
    ] * 2
