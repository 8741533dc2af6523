"""Schema-level helpers: the template schema new tenants are cloned from, and reads that
span several customers' schemas in one query."""

from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection

from .models import Tenant


def ensure_template_schema(verbosity: int = 0) -> None:
    """Create the template schema if needed and bring it up to date with the tenant apps.

    django-tenants clones it for every new tenant (TENANT_CREATION_FAKES_MIGRATIONS), so it
    must be migrated whenever the tenant apps' migrations change.
    """
    name = settings.TENANT_BASE_SCHEMA
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {connection.ops.quote_name(name)}")
    call_command(
        "migrate_schemas", tenant=True, schema_name=name, interactive=False, verbosity=verbosity
    )
    connection.set_schema_to_public()


def union_across(customers: Sequence[Tenant], select: str) -> str:
    """`select` repeated once per customer schema and joined with UNION ALL.

    `select` names the customer's schema as `{schema}` and its id as `{tenant_pk}`; both are
    filled in from validated Tenant rows (schema names are checked by django-tenants, and
    quoted here), never from user input.
    """
    parts = [
        select.format(schema=connection.ops.quote_name(c.schema_name), tenant_pk=int(c.pk))
        for c in customers
    ]
    return "\nUNION ALL\n".join(parts)


class UnionRows:
    """A lazily paged, ordered read across customer schemas, usable with Django's Paginator.

    Counting is one query; each page is one query, whatever the number of customers. Rows
    are dicts of the selected columns, or whatever `row` makes of them (`row(**columns)`).
    """

    def __init__(
        self,
        *,
        customers: Sequence[Tenant],
        select: str,
        order_by: str,
        params: Sequence = (),
        row: Callable[..., Any] = dict,
    ):
        self.customers = list(customers)
        self.row = row
        self.sql = union_across(self.customers, select) if self.customers else ""
        self.order_by = order_by
        self.params = list(params) * len(self.customers)
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            if not self.customers:
                self._count = 0
            else:
                with connection.cursor() as cursor:
                    cursor.execute(f"SELECT count(*) FROM ({self.sql}) AS rows", self.params)  # noqa: S608
                    self._count = cursor.fetchone()[0]
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item):
        if not isinstance(item, slice):
            return self[item : item + 1][0]
        if not self.customers or self._count == 0:
            return []  # a paginator has counted already: nothing to read
        start = item.start or 0
        limit = (item.stop - start) if item.stop is not None else None
        sql = f"SELECT * FROM ({self.sql}) AS rows ORDER BY {self.order_by}"  # noqa: S608
        params = list(self.params)
        if limit is not None:
            sql += " LIMIT %s"
            params.append(limit)
        sql += " OFFSET %s"
        params.append(start)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            columns = [col.name for col in cursor.description]
            return [self.row(**dict(zip(columns, r, strict=True))) for r in cursor.fetchall()]
