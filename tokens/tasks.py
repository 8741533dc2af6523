"""Tasks of the procrastinate worker (`manage.py procrastinate worker`, started by
`python3 -m portal.launch serve` beside the web server and by `serve --production`).

Every minute the worker defers `send_reminders` (procrastinate's periodic tasks: one job
per minute however many workers run, by a unique row per timestamp) and runs it.
"""

from django.db import close_old_connections
from procrastinate.contrib.django import app

from . import reminders


@app.periodic(cron="* * * * *", periodic_id="token-reminders")
@app.task(name="tokens.send_reminders", queue="reminders", lock="token-reminders")
def send_reminders(timestamp: int) -> int:
    """The due reminder mails (tokens/reminders.py); runs in a worker thread."""
    close_old_connections()
    try:
        return reminders.send_due_reminders()
    finally:
        close_old_connections()
