"""Tasks of the procrastinate worker (see tokens/tasks.py for the worker itself)."""

from django.db import close_old_connections
from procrastinate.contrib.django import app

from .depth import rewrite_queued


@app.periodic(cron="* * * * *", periodic_id="rewrite-paths")
@app.task(name="tenants.rewrite_paths", queue="maintenance", lock="rewrite-paths")
def rewrite_paths(timestamp: int) -> int:
    """The rows of moved subtrees take their new paths (tenants.depth): within a minute of
    a move; a minute or so later the tree's middle levels are index ranges again."""
    close_old_connections()
    try:
        return rewrite_queued()
    finally:
        close_old_connections()
