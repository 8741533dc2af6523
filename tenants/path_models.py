"""Rewrites of the rows' paths still to do after a move (tenants.depth): registered with
the tenants app by `tenants.models`."""

from django.db import models
from django.utils import timezone


class PathRewrite(models.Model):
    """A moved subtree whose rows still carry their old paths. While a tree has one, its
    middle levels read the ids of their subtree (`tenants.selectors.subtree_of`), as they
    did before the rows carried paths; the worker rewrites the rows and deletes it
    (`tenants.tasks.rewrite_paths`)."""

    family = models.BigIntegerField(db_index=True)
    root = models.BigIntegerField()  # the moved tenant
    queued_at = models.DateTimeField(default=timezone.now)
    # When the worker first rewrote the rows (its transaction's start, after the move's
    # commit): the entry goes once no transaction older than that is still open, since only
    # such a transaction can still add a row with the old path (tenants.depth).
    seen_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"paths below {self.root}"
