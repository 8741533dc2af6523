"""Finished jobs do not pile up (issue 19 leftover): every hour the worker deletes the jobs
that succeeded more than FINISHED_JOBS_KEEP_DAYS ago; failed ones stay for a person."""

import types

import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from procrastinate.contrib.django import app
from procrastinate.jobs import Status

from tokens import tasks


def _finished(status: Status, *, days_ago: int) -> int:
    """A job run and finished by a worker, its events moved `days_ago` days back."""
    manager = app.job_manager
    worker = async_to_sync(manager.register_worker)()
    job_id = tasks.retry_stalled_jobs.defer(timestamp=days_ago * 1000 + len(status.value))
    job = async_to_sync(manager.fetch_job)(queues=["maintenance"], worker_id=worker)
    assert job is not None and job.id == job_id
    async_to_sync(manager.finish_job)(job, status=status, delete_job=False)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE procrastinate_events SET at = at - make_interval(days => %s) WHERE job_id = %s",
            [days_ago, job_id],
        )
    return job_id


def _remaining(job_ids: list[int]) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM procrastinate_jobs WHERE id = ANY(%s)", [job_ids])
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db
def test_jobs_that_succeeded_before_the_kept_days_are_deleted(settings):
    settings.FINISHED_JOBS_KEEP_DAYS = 7
    old = _finished(Status.SUCCEEDED, days_ago=8)
    recent = _finished(Status.SUCCEEDED, days_ago=6)
    failed = _finished(Status.FAILED, days_ago=30)
    context = types.SimpleNamespace(app=app)
    async_to_sync(tasks.remove_old_jobs.func)(context, timestamp=0)
    assert _remaining([old, recent, failed]) == {recent, failed}
    with connection.cursor() as cursor:  # its events went with it
        cursor.execute("SELECT count(*) FROM procrastinate_events WHERE job_id = %s", [old])
        assert cursor.fetchone()[0] == 0


def test_the_cleanup_runs_every_hour():
    [periodic] = [
        p
        for p in app.periodic_registry.periodic_tasks.values()
        if p.task.name == "tokens.remove_old_jobs"
    ]
    assert periodic.cron == "17 * * * *"
