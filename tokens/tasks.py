"""Tasks of the procrastinate worker (`manage.py procrastinate worker`, kept running by
`manage.py run_worker`, which `python3 -m portal.launch serve` starts beside the web server
and `serve --production` beside gunicorn).

Every minute the worker defers `send_reminders` (procrastinate's periodic tasks: one job
per minute however many workers run, by a unique row per timestamp) and runs it, and
`retry_stalled_jobs`, which gives back the jobs of dead workers (see tokens/stalled.py).
Every hour `remove_old_jobs` deletes the jobs that succeeded more than
FINISHED_JOBS_KEEP_DAYS ago (with their events), or `procrastinate_jobs` would grow by
4,320 rows a day for ever (with `tenants.rewrite_paths`, tenants/tasks.py, every minute
too). Failed, cancelled and aborted jobs are kept for a person to read.
"""

from django.conf import settings
from django.db import close_old_connections
from procrastinate import JobContext
from procrastinate.contrib.django import app

from . import reminders, stalled


@app.periodic(cron="* * * * *", periodic_id="token-reminders")
@app.task(name="tokens.send_reminders", queue="reminders", lock="token-reminders")
def send_reminders(timestamp: int) -> int:
    """The due reminder mails (tokens/reminders.py); runs in a worker thread."""
    close_old_connections()
    try:
        return reminders.send_due_reminders()
    finally:
        close_old_connections()


@app.periodic(cron="* * * * *", periodic_id="retry-stalled-jobs")
@app.task(name="tokens.retry_stalled_jobs", queue="maintenance", pass_context=True)
async def retry_stalled_jobs(context: JobContext, timestamp: int) -> int:
    """Jobs left "doing" by a worker that stopped reporting in go back to "todo"."""
    return len(await stalled.retry_stalled_jobs(context.app.job_manager))


@app.periodic(cron="17 * * * *", periodic_id="remove-old-jobs")
@app.task(name="tokens.remove_old_jobs", queue="maintenance", pass_context=True)
async def remove_old_jobs(context: JobContext, timestamp: int) -> None:
    """Delete the jobs that succeeded more than FINISHED_JOBS_KEEP_DAYS ago (procrastinate's
    own clean-up query, which deletes their events too)."""
    await context.app.job_manager.delete_old_jobs(nb_hours=settings.FINISHED_JOBS_KEEP_DAYS * 24)
