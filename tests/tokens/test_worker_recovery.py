"""A worker that dies mid-job (issue 19, item 2): a reminder is sent at most once even when
the worker dies between the mail server's answer and the commit, and a job left "doing" by
a dead worker is given back (tokens/stalled.py) instead of blocking every later run."""

import datetime
import smtplib

import pytest
from asgiref.sync import async_to_sync
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from procrastinate.contrib.django import app

from tests.factories import make_token
from tokens import reminders, stalled, tasks
from tokens.models import RegistrationToken, TokenReminder

DAY = datetime.timedelta(days=1)


class DeliverThenDie(EmailBackend):
    """The mail server accepted the mail, then the worker process died (SIGKILL, OOM)."""

    def send_messages(self, messages):
        super().send_messages(messages)
        raise SystemExit("killed after the SMTP answer")


class Refuse(EmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("the mail server went away")


def _due_token(tenants, users):
    token, _ = make_token(
        tenants["globex"], users["globex-bob"], actor=users["globex-admin"], lifetime=3 * DAY
    )
    return token, token.expires_at - datetime.timedelta(hours=23)


@pytest.mark.django_db
def test_a_worker_killed_after_the_smtp_answer_does_not_send_the_reminder_again(
    tenants, users, settings
):
    token, now = _due_token(tenants, users)
    settings.EMAIL_BACKEND = f"{__name__}.DeliverThenDie"
    with pytest.raises(SystemExit):
        reminders.send_due_reminders(now=now)
    assert len(mail.outbox) == 1  # delivered, but the token was never marked
    assert RegistrationToken.objects.get(pk=token.pk).expiry_reminded_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert reminders.send_due_reminders(now=now) == 0  # the job's retry
    assert len(mail.outbox) == 1
    assert RegistrationToken.objects.get(pk=token.pk).expiry_reminded_at == now
    assert reminders.send_due_reminders(now=now) == 0


@pytest.mark.django_db
def test_a_refused_send_keeps_no_record_and_is_tried_again(tenants, users, settings):
    token, now = _due_token(tenants, users)
    settings.EMAIL_BACKEND = f"{__name__}.Refuse"
    assert reminders.send_due_reminders(now=now) == 0
    assert not TokenReminder.objects.filter(token=token).exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert reminders.send_due_reminders(now=now) == 1
    [message] = mail.outbox
    assert message.subject == f"Registration token {token.prefix}•• expires within a day"


def _status(job_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT status FROM procrastinate_jobs WHERE id = %s", [job_id])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_job_of_a_dead_worker_is_retried_and_no_longer_blocks_later_runs():
    manager = app.job_manager
    dead = async_to_sync(manager.register_worker)()
    first = tasks.send_reminders.defer(timestamp=1)
    taken = async_to_sync(manager.fetch_job)(queues=["reminders"], worker_id=dead)
    assert taken is not None and taken.id == first
    with connection.cursor() as cursor:  # killed: its heartbeat stopped five minutes ago
        cursor.execute(
            "UPDATE procrastinate_workers SET last_heartbeat = now() - interval '5 minutes'"
            " WHERE id = %s",
            [dead],
        )
    later = tasks.send_reminders.defer(timestamp=2)
    alive = async_to_sync(manager.register_worker)()
    # The lock "token-reminders" is held by the dead worker's job: nothing can run.
    assert async_to_sync(manager.fetch_job)(queues=["reminders"], worker_id=alive) is None

    # A worker that is merely between heartbeats is not taken for dead.
    assert async_to_sync(stalled.retry_stalled_jobs)(manager, after=600) == []
    assert _status(first) == "doing"

    assert async_to_sync(stalled.retry_stalled_jobs)(manager) == [first]
    assert _status(first) == "todo"
    with connection.cursor() as cursor:
        # Retried "now" by the app's clock; this test's one transaction reads now() as its
        # start, earlier: move the retry to that instant so the job is due here too.
        cursor.execute(
            "UPDATE procrastinate_jobs SET scheduled_at = now() WHERE id = %s AND"
            " scheduled_at > now()",
            [first],
        )
    retried = async_to_sync(manager.fetch_job)(queues=["reminders"], worker_id=alive)
    assert retried is not None and retried.id == first
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM procrastinate_workers WHERE id IN (%s, %s)", [dead, alive])
        assert [row[0] for row in cursor.fetchall()] == [alive]  # the dead one forgotten
    assert _status(later) == "todo"


def test_stalled_jobs_are_looked_for_every_minute():
    [periodic] = [
        p
        for p in app.periodic_registry.periodic_tasks.values()
        if p.task.name == "tokens.retry_stalled_jobs"
    ]
    assert periodic.cron == "* * * * *"
    assert stalled.STALLED_AFTER <= 120
