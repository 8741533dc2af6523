"""Visiting every customer schema from a data migration, at any number of tenants.

A migration that touches every schema inside one transaction holds a lock on each table it
reads until the end, and PostgreSQL's lock table (max_locks_per_transaction times the
connections) runs out at about 1,400 schemas: the whole upgrade fails and rolls back. So the
walk commits per schema, which needs the migration to be non-atomic (`atomic = False`); each
schema's work must be idempotent (e.g. INSERT ... ON CONFLICT DO NOTHING) so that a run
interrupted half-way is simply run again by the next migrate, redoing nothing that was done.
"""

import sys
import time
from collections.abc import Callable
from typing import Any, NamedTuple, TextIO

from django.db import transaction


class SchemaTenant(NamedTuple):
    """The customer whose schema is being visited (read once, before the walk)."""

    pk: int
    parent_id: int | None
    name: str
    slug: str
    schema_name: str
    quoted_schema: str


def for_each_tenant_schema(
    apps: Any,
    schema_editor: Any,
    fn: Callable[[Any, SchemaTenant], None],
    *,
    table: str,
    label: str,
    report_every: float = 5.0,
    out: TextIO | None = None,
) -> int:
    """Call `fn(cursor, tenant)` for each customer whose schema has `table`, each call in a
    transaction of its own; the number of schemas visited.

    A progress line goes to `out` (standard output) every `report_every` seconds, so a short
    run (tests, small installations) prints nothing and a long one shows it is moving.
    """
    connection = schema_editor.connection
    if getattr(schema_editor, "atomic_migration", False):
        # Inside the migration's transaction every schema's locks would pile up again. (Not
        # connection.in_atomic_block: tests call the migrations' functions in theirs.)
        raise RuntimeError(f"{label}: the migration must declare atomic = False")
    return walk_tenant_schemas(
        connection,
        apps.get_model("tenants", "Tenant"),
        fn,
        table=table,
        label=label,
        report_every=report_every,
        out=out,
    )


def walk_tenant_schemas(
    connection: Any,
    Tenant: Any,  # noqa: N803 - a model class, historical in migrations
    fn: Callable[[Any, SchemaTenant], None],
    *,
    table: str,
    label: str,
    report_every: float,
    out: TextIO | None,
) -> int:
    """The walk itself, for `for_each_tenant_schema` (and tests, which run in a transaction)."""
    customers = list(
        Tenant.objects.filter(kind="customer")
        .order_by("pk")
        .values_list("pk", "parent_id", "name", "slug", "schema_name")
    )
    with connection.cursor() as cursor:
        # One catalog query instead of one information_schema lookup per schema.
        cursor.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relname = %s AND c.relkind IN ('r', 'p')",
            [table],
        )
        having = {row[0] for row in cursor.fetchall()}
    todo = [
        SchemaTenant(*row, connection.ops.quote_name(row[4]))
        for row in customers
        if row[4] in having
    ]
    out = out or sys.stdout
    started = last = time.monotonic()
    reported = False
    for done, tenant in enumerate(todo, 1):
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            fn(cursor, tenant)
        now = time.monotonic()
        if now - last >= report_every:
            prefix = "" if reported else "\n"
            out.write(f"{prefix}  {label}: {done}/{len(todo)} schemas, {now - started:.0f} s\n")
            out.flush()
            last, reported = now, True
    if reported:
        out.write(f"  {label}: {len(todo)} schemas done in {time.monotonic() - started:.0f} s\n")
    return len(todo)
