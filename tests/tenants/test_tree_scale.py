"""A move costs the same statements whatever the size of the moved subtree (issue 23 item 5).

`tenant_move` rewrites the paths of the moved subtree in one UPDATE and queues the rewrite
of the copies of them on the rows of the lists (users, tokens, directory entries, audit
events, API clients; tenants.depth), which the worker does in one UPDATE a table; the tree's
id on the rows is not touched, since a move stays in its tree. Counted here with a reseller
of 1 customer, then of 21 customers with 2 units each (tenant rows without schemas: a move
reads none).
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants import tree
from tenants.audit import CLI
from tenants.depth import path_models, rewrite_queued
from tenants.models import Tenant
from tests.factories import make_bare_customers

pytestmark = pytest.mark.django_db


def _grow(reseller: Tenant, customers: int, units: int) -> None:
    """`customers` more customers under the reseller, each with `units` units (the trigger
    fills their paths)."""
    for customer in make_bare_customers(reseller, "Grown", customers):
        Tenant.objects.bulk_create(
            Tenant(
                name=f"{customer.name} unit {n}",
                slug=f"{customer.slug}-u{n}",
                kind="unit",
                parent=customer,
                schema_name=f"{customer.schema_name}_u{n}",
            )
            for n in range(units)
        )


def _move_statements(actor, slug: str, to: str) -> tuple[int, list[str]]:
    tenant = Tenant.objects.select_related("parent").get(slug=slug)
    with CaptureQueriesContext(connection) as queries:
        tree.tenant_move(actor=actor, tenant=tenant, to=Tenant.objects.get(slug=to), origin=CLI)
    return len(queries.captured_queries), [q["sql"] for q in queries.captured_queries]


def test_moving_a_reseller_costs_the_same_statements_with_1_or_61_tenants_below(users):
    admin = users["distributor-admin"]
    small, _ = _move_statements(admin, "southridge", "direct-customers")
    _move_statements(admin, "southridge", "demo-distributor")
    _grow(Tenant.objects.get(slug="southridge"), 20, 2)
    big, sql = _move_statements(admin, "southridge", "direct-customers")
    assert big == small, sql
    # Only the tenants table, the move's audit event, the levels' usage rollups (the moved
    # level's rows shifted to the levels it joins) and the queued rewrite are written.
    written = {
        found.group(1)
        for s in sql
        if (found := re.match(r'\s*(?:INSERT INTO|UPDATE|DELETE FROM) "?(\w+)"?', s))
    }
    assert written == {
        "tenants_tenant",
        "tenants_auditevent",
        "tokens_usagerollup",
        "tenants_pathrewrite",
    }, sql
    # The worker's rewrite: one UPDATE a table whatever the subtree, and on its next run
    # (no older transaction open) the same again and the queue emptied.
    assert rewrite_queued() == 0
    with CaptureQueriesContext(connection) as queries:
        assert rewrite_queued() == 3  # noqa: PLR2004 - the three moves above
    rewrites = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    paths = {model._meta.db_table for model in path_models()}
    assert paths == {
        "tenants_user",
        "tenants_auditevent",
        "tenants_apiclient",
        "tokens_registrationtoken",
        "agents_directory_deviceentry",
        "agents_directory_planentry",
    }
    assert len(rewrites) == 3 * len(paths), rewrites
    folder = Tenant.objects.get(slug="direct-customers")
    moved = Tenant.objects.filter(lineage__contains=[folder.pk])
    assert moved.count() == 4 + 20 * 3  # the folder, litware, southridge, tailspin; the grown
    for tenant in moved.select_related("parent"):
        assert tenant.lineage == [*tenant.parent.lineage, tenant.pk], tenant.slug
    # Every row of every moved tenant carries its tenant's new path, and some rows moved.
    followed = 0
    for model in path_models():
        for row in model.objects.filter(tenant__in=moved).select_related("tenant"):
            assert row.lineage == row.tenant.lineage, (model, row.pk)
            followed += 1
    assert followed > 0
