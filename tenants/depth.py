"""The path of a row's tenant, on the rows of the lists: a middle level as one index range.

A list at the top of a tree reads its `family` (one index range), at a leaf its tenant's
id. A middle level (a reseller, a folder, a customer with units) covers a subtree: by ids,
PostgreSQL reads every row of the subtree and sorts them for a page of 25. So the rows of
the lists (users, tokens, audit events, API clients, device and plan directory entries)
carry a copy of their tenant's `lineage` (`PathField`, filled by the database on insert,
`ROW_FUNCTION`), and each list's `(family, <order>)` index has siblings on `lineage[2]` and
`lineage[3]` (`level_indexes`): a level at depth 2 or 3 reads `lineage[depth] = its id`,
one range in the list's order. Deeper levels keep the ids (`tenants.selectors.subtree_of`).

A move queues the rewrite of the copies of the moved subtree's rows (`PathRewrite`); the
worker runs `rewrite_queued` (one UPDATE a table driven by the tenants' GIN index and each
table's tenant index) within the minute, and deletes the entry on a later run once no
transaction older than its first rewrite is open. Until then the tree's middle levels read
ids.
"""

from django.apps import apps
from django.contrib.postgres.fields import ArrayField
from django.db import connection, models, transaction
from django.db.models import F, Q

# The depths (ids in the level's lineage) whose levels are an index range of the rows.
KEYED_DEPTHS = (2, 3)


class PathField(ArrayField):
    """A copy of the row's tenant's `lineage` (null without a tenant), written by the
    database (`ROW_FUNCTION`) on insert and on a change of tenant, and by moves."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("base_field", models.BigIntegerField())
        kwargs.setdefault("null", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    # Written by the database: empty on an instance until it is read back. Nothing to check.
    def validate(self, value, model_instance):
        if value is not None:
            super().validate(value, model_instance)

    def run_validators(self, value):
        if value is not None:
            super().run_validators(value)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        kwargs.pop("base_field", None)
        return name, "tenants.depth.PathField", args, kwargs


def depth_key(depth: int, path: str = "lineage") -> str:
    """The lookup of a row's ancestor at `depth` (1 is the top): Django counts from 0,
    PostgreSQL from 1, so depth 2 is `lineage__1`, SQL `lineage[2]`."""
    return f"{path}__{depth - 1}"


def level_indexes(prefix: str, *order, condition: Q | None = None) -> list[models.Index]:
    """Siblings of a list's `(family, *order)` index for the keyed depths: `(lineage[d],
    *order)`, partial on `lineage[d] IS NOT NULL` (implied by the level's `=`), so rows of
    tenants above depth d (a top partner's own users, a customer directly under the top in
    the `lineage[3]` ones) are not written to it."""
    indexes = []
    for depth in KEYED_DEPTHS:
        key = depth_key(depth)
        where = Q(**{f"{key}__isnull": False})
        if condition is not None:
            where &= condition
        expressions = [F(key), *(F(o) if isinstance(o, str) else o for o in order)]
        indexes.append(models.Index(*expressions, name=f"{prefix}_d{depth}", condition=where))
    return indexes


# One function for every table with a PathField (its tenant column is `tenant_id`); a
# trigger per table (`row_trigger_sql`). An UPDATE that sets `tenant_id` (Django's full
# save() does) takes the path again, so an instance that never read its path cannot clear it.
ROW_FUNCTION = """
CREATE FUNCTION tenants_row_lineage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.tenant_id IS NULL THEN
        NEW.lineage := NULL;
    ELSE
        SELECT t.lineage INTO NEW.lineage FROM public.tenants_tenant t WHERE t.id = NEW.tenant_id;
    END IF;
    RETURN NEW;
END $$;
"""
DROP_ROW_FUNCTION = "DROP FUNCTION IF EXISTS tenants_row_lineage();"


def row_trigger_sql(table: str) -> tuple[str, str]:
    """The trigger of `table` and its reverse, for a migration."""
    create = (
        f"CREATE TRIGGER {table}_lineage BEFORE INSERT OR UPDATE OF tenant_id ON {table}"
        " FOR EACH ROW EXECUTE FUNCTION tenants_row_lineage();"
    )
    return create, f"DROP TRIGGER IF EXISTS {table}_lineage ON {table};"


def backfill_sql(table: str) -> str:
    """A migration's copy of every existing row's path: one UPDATE joined to tenants."""
    return (
        f"UPDATE {table} d SET lineage = t.lineage FROM tenants_tenant t WHERE d.tenant_id = t.id"  # noqa: S608
    )


def statistics_sql(table: str) -> tuple[str, str]:
    """Statistics of the keyed places of the path, and their reverse. PostgreSQL ignores an
    expression's statistics from a partial index, so without these it guesses 0.5% of the
    table for every level (a sort of the rows it thinks few instead of the index range)."""
    keys = ", ".join(f"(lineage[{depth}])" for depth in KEYED_DEPTHS)
    return (
        f"CREATE STATISTICS {table}_depth ON {keys} FROM {table};",
        f"DROP STATISTICS IF EXISTS {table}_depth;",
    )


def path_models() -> list[type[models.Model]]:
    """The models whose rows carry a path (a `PathField`), found at run time: the tenancy
    core imports none of the apps above it."""
    return [
        model
        for model in apps.get_models()
        if any(isinstance(field, PathField) for field in model._meta.concrete_fields)
    ]


def rewrite_paths(moved_id: int) -> None:
    """Each row of the moved subtree takes its tenant's path as it is now. One UPDATE a
    table: the subtree's tenants by the GIN index, their rows by the table's tenant index;
    statements do not grow with the subtree."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in path_models():
            table = quote(model._meta.db_table)
            cursor.execute(
                f"UPDATE {table} d SET lineage = t.lineage FROM tenants_tenant t"  # noqa: S608
                " WHERE t.lineage @> ARRAY[%s]::bigint[] AND d.tenant_id = t.id"
                " AND d.lineage IS DISTINCT FROM t.lineage",
                [moved_id],
            )


# Whether a transaction other than this one began before the given moment and is still
# open: it may have read a tenant's old path before the move committed and not yet committed
# the row it copied it to.
# Client connections only: an autovacuum or autoanalyze worker also shows an open transaction
# (for as long as it works on a table, minutes on a large one), and inserts no row.
_OLDER_OPEN = """
SELECT EXISTS (SELECT 1 FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid()
                  AND backend_type = 'client backend' AND xact_start < %s)
"""


def rewrite_queued() -> int:
    """Rewrite the rows of every queued move, oldest first, each in a transaction that
    holds its tree's move lock (a move meanwhile would compute from paths half rewritten).

    An entry goes in two runs of the worker, so that no row keeps an old path: a
    transaction that read the tenant's path before the move committed may insert its row
    after the first rewrite. The first run rewrites and notes when (`seen_at`, after the
    move's commit); a later run, once no transaction older than that is still open, rewrites
    what such transactions added and deletes the entry: the tree's middle levels read the
    rows' paths again from that commit on. How many entries were done."""
    from .path_models import PathRewrite  # noqa: PLC0415 - models import this module

    done = 0
    for queued in PathRewrite.objects.order_by("id"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext('tenants.tree'), %s)", [queued.family]
            )
            entry = PathRewrite.objects.filter(pk=queued.pk).select_for_update().first()
            if entry is None:
                continue
            settled = False
            if entry.seen_at is not None:
                # The activity view is a snapshot kept for the transaction once read.
                cursor.execute("SELECT pg_stat_clear_snapshot()")
                cursor.execute(_OLDER_OPEN, [entry.seen_at])
                settled = not cursor.fetchone()[0]
            rewrite_paths(entry.root)
            if settled:
                entry.delete()
                done += 1
            elif entry.seen_at is None:
                cursor.execute("SELECT transaction_timestamp()")
                entry.seen_at = cursor.fetchone()[0]
                entry.save(update_fields=["seen_at"])
    return done
