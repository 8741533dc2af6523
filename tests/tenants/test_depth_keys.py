"""A middle level's lists are one range of an index on the rows' copy of their tenant's path
(tenants.depth): rows of a unit appear at each level above it and at no sibling, follow a
move, and the query reads an index in the list's order without sorting the subtree.

The demo tree: Demo Distributor > Northwind Resellers > Contoso > Contoso Sales / Contoso Labs,
Northwind > Fabrikam, Demo Distributor > Southridge Resellers > Tailspin, and the folder
Direct customers > Litware.
"""

import datetime
import uuid

import pytest
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from agents.directory.models import DeviceEntry, PlanEntry
from agents.selectors import devices_for, plans_for
from tenants import tree
from tenants.api_clients.selectors import api_clients_at
from tenants.api_clients.services import api_client_create
from tenants.audit import CLI
from tenants.audit.selectors import AuditFilter, audit_events
from tenants.depth import path_models, rewrite_queued
from tenants.models import Tenant
from tenants.selectors import at_level, paths_pending, users_at
from tests.factories import make_token
from tokens.models import RegistrationToken
from tokens.selectors import tokens_active_for

pytestmark = pytest.mark.django_db

ABOVE = ("demo-distributor", "northwind", "contoso", "contoso-sales")
BESIDE = ("southridge", "tailspin", "fabrikam", "contoso-labs", "direct-customers")


def _rows_of_sales(tenants, users) -> dict[str, int]:
    """One row of each list in the unit Contoso Sales: its ids by list."""
    sales, grace = tenants["contoso-sales"], users["contoso-sales-grace"]
    token, _ = make_token(sales, grace, actor=users["contoso-admin"])
    common = {"customer_name": sales.name, "customer_slug": sales.slug, "partner_id": sales.family}
    device = DeviceEntry.objects.create(
        tenant=sales,
        device_id=9001,
        agent_id=uuid.uuid4(),
        hostname="sales-host",
        os="Linux",
        owner=grace,
        owner_username=grace.username,
        registered_at=timezone.now(),
        **common,
    )
    plan = PlanEntry.objects.create(
        tenant=sales,
        plan_id=9001,
        name="Sales plan",
        schedule="daily",
        what_to_back_up="files",
        start_time=datetime.time(2),
        retention_days=30,
        encryption=True,
        updated_at=timezone.now(),
        **common,
    )
    client = api_client_create(
        actor=users["contoso-admin"],
        tenant=sales,
        name="Sales script",
        role="administrator",
        origin=CLI,
    ).client
    return {
        "token": token.pk,
        "device": device.pk,
        "plan": plan.pk,
        "client": client.pk,
        "user": grace.pk,
    }


def _lists_at(level: Tenant, actor) -> dict[str, set[int]]:
    events = audit_events(actor=actor, tenant=level, filters=AuditFilter())
    return {
        "token": {t.pk for t in tokens_active_for(actor=actor, tenant=level)},
        "device": {e.pk for e in devices_for(actor=actor, tenant=level)},
        "plan": {e.pk for e in plans_for(tenant=level)},
        "client": {c.pk for c in api_clients_at(actor=actor, tenant=level)},
        "user": {u.pk for u in users_at(actor=actor, tenant=level)},
        "event": {e.tenant_id for e in events},
    }


def _seen(rows: dict[str, int], lists: dict[str, set[int]], sales: Tenant) -> dict[str, bool]:
    seen = {name: rows[name] in lists[name] for name in rows}
    seen["event"] = sales.pk in lists["event"]
    return seen


def test_middle_levels_at_depth_2_and_3_read_the_rows_paths(tenants, users):
    northwind, contoso = tenants["northwind"], tenants["contoso"]
    # The key, and (the same statement) no rewrite queued in the tree.
    assert at_level(northwind, lineage="lineage").children[0] == ("lineage__1", northwind.pk)
    assert at_level(contoso, lineage="lineage").children[0] == ("lineage__2", contoso.pk)
    # A leaf its own id, the top its family, tables without a path the subtree's ids.
    assert at_level(tenants["fabrikam"], lineage="lineage") == Q(tenant=tenants["fabrikam"].pk)
    assert at_level(tenants["demo-distributor"], lineage="lineage") == Q(
        family=tenants["demo-distributor"].pk
    )
    ((lookup, ids),) = at_level(northwind).children
    below = Tenant.objects.filter(lineage__contains=[northwind.pk])
    assert lookup == "tenant__in" and sorted(ids) == sorted(below.values_list("pk", flat=True))
    # Deeper than the keyed depths: a unit with units (depth 5) is its subtree's ids.
    inner = tree.child_create(
        actor=users["distributor-admin"],
        parent=tenants["contoso-sales"],
        kind="unit",
        name="Sales desk",
        origin=CLI,
    )
    sales = Tenant.objects.get(slug="contoso-sales")
    assert len(sales.lineage) == 4 and sales.has_children
    ((lookup, ids),) = at_level(sales, lineage="lineage").children
    assert lookup == "tenant__in" and sorted(ids) == sorted([sales.pk, inner.pk])


def test_rows_of_a_unit_appear_at_each_level_above_and_not_beside(tenants, users):
    rows = _rows_of_sales(tenants, users)
    actor = users["distributor-admin"]
    sales = tenants["contoso-sales"]
    for slug in ABOVE:
        seen = _seen(rows, _lists_at(tenants[slug], actor), sales)
        assert all(seen.values()), (slug, seen)
    for slug in BESIDE:
        seen = _seen(rows, _lists_at(tenants[slug], actor), sales)
        assert not any(seen.values()), (slug, seen)


def test_rows_follow_a_move(tenants, users):
    rows = _rows_of_sales(tenants, users)
    actor = users["distributor-admin"]
    sales = tenants["contoso-sales"]
    contoso = Tenant.objects.select_related("parent").get(slug="contoso")
    tree.tenant_move(actor=actor, tenant=contoso, to=tenants["southridge"], origin=CLI)

    def levels():
        return [Tenant.objects.get(slug=s) for s in ("southridge", "northwind", "contoso")]

    # Before the worker: the rows still carry the old path, the tree's middle levels read
    # ids, and every list is right already.
    southridge, northwind, contoso = levels()
    assert paths_pending(southridge)
    assert at_level(southridge, lineage="lineage").children[0][0] == "tenant__in"
    moved = Tenant.objects.get(slug="contoso-sales").lineage
    assert RegistrationToken.objects.get(pk=rows["token"]).lineage == sales.lineage != moved
    assert all(_seen(rows, _lists_at(southridge, actor), sales).values())
    assert not any(_seen(rows, _lists_at(northwind, actor), sales).values())
    # The worker's rewrite: the rows follow, and (on its next run, no older transaction
    # being open) the levels are index ranges again.
    assert rewrite_queued() == 0
    assert paths_pending(Tenant.objects.get(slug="southridge"))
    assert rewrite_queued() == 1
    southridge, northwind, contoso = levels()
    assert not paths_pending(southridge)
    assert at_level(southridge, lineage="lineage").children[0] == ("lineage__1", southridge.pk)
    assert all(_seen(rows, _lists_at(southridge, actor), sales).values())
    assert not any(_seen(rows, _lists_at(northwind, actor), sales).values())
    assert all(_seen(rows, _lists_at(contoso, actor), sales).values())
    # Every row of the platform carries its tenant's path (none but tenant-less rows null).
    for model in path_models():
        for row in model.objects.select_related("tenant"):
            assert row.lineage == (row.tenant.lineage if row.tenant_id else None), (model, row.pk)


def test_a_move_between_the_check_and_the_read_gives_no_other_levels_rows(tenants, users):
    """A level checked before a move and read after it (the rows still with their old paths)
    shows nothing rather than the rows of a customer that has left it."""
    rows = _rows_of_sales(tenants, users)
    actor = users["distributor-admin"]
    northwind = Tenant.objects.get(slug="northwind")
    assert not paths_pending(northwind)  # checked, kept on the instance
    contoso = Tenant.objects.select_related("parent").get(slug="contoso")
    tree.tenant_move(actor=actor, tenant=contoso, to=tenants["southridge"], origin=CLI)
    assert rows["token"] not in {t.pk for t in tokens_active_for(actor=actor, tenant=northwind)}
    assert RegistrationToken.objects.get(pk=rows["token"]).lineage[1] == northwind.pk


def test_a_full_save_of_a_row_that_never_read_its_path_keeps_it(tenants, users):
    """The path is written by the database: an instance saved twice (an INSERT, then an
    UPDATE of every column with the instance's empty path) still has it."""
    grace = users["contoso-sales-grace"]
    grace.first_name = "Grace"
    grace.lineage = None
    grace.save()
    grace.refresh_from_db()
    assert grace.lineage == tenants["contoso-sales"].lineage


def _plan(sql: str, params) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize("slug,index", [("northwind", "_d2"), ("contoso", "_d3")])
def test_a_middle_level_page_is_an_index_range_without_a_sort(tenants, users, slug, index):
    """2,000 tokens below Northwind (its customers and Contoso's units), analysed: the first
    page at Northwind and at Contoso reads the path index in the list's order; no Sort."""
    below = [tenants[s] for s in ("contoso", "contoso-sales", "contoso-labs", "fabrikam")]
    grace = users["contoso-sales-grace"]
    with connection.cursor() as cursor:
        for tenant in below:
            cursor.execute(
                "INSERT INTO tokens_registrationtoken (public_id, tenant_id, family,"
                " customer_name, user_id, user_username, created_at, expires_at, plan_name,"
                " digest, prefix, registrations, machines, allowed_networks)"
                " SELECT gen_random_uuid(), %s, %s, 'c', %s, 'u', now() - i * interval '1 minute',"
                " now() + interval '7 days', '', md5(random()::text) || md5(random()::text),"
                " 'AB', 0, 0, '{}' FROM generate_series(1, 500) i",
                [tenant.pk, tenant.family, grace.pk],
            )
        cursor.execute("ANALYZE tokens_registrationtoken")
    level = tenants[slug]
    page = tokens_active_for(actor=users["distributor-admin"], tenant=level)[:25]
    sql, params = page.query.sql_with_params()
    plan = _plan(sql, params)
    assert f"token_active_by_level{index}" in plan, plan
    assert "Sort" not in plan, plan
    assert len(list(page)) == 25


# Rows of every other keyed list, 500 a tenant below Northwind, by SQL (the trigger fills
# their paths): the list, the page's query at a level, and the index it must read.
_FILL = {
    "users": (
        "INSERT INTO tenants_user (password, is_superuser, username, first_name, last_name,"
        " email, is_staff, is_active, date_joined, role, tenant_id, family)"
        " SELECT '!', false, 'bulk-' || %(tenant)s || '-' || i, '', '', '', false, true,"
        " now(), 'user', %(tenant)s, %(family)s FROM generate_series(1, 500) i"
    ),
    "devices": (
        "INSERT INTO agents_directory_deviceentry (tenant_id, partner_id, device_id, agent_id,"
        " hostname, os, agent_version, owner_id, owner_username, customer_name, customer_slug,"
        " plan_names, registered_at, registered_token_prefix)"
        " SELECT %(tenant)s, %(family)s, 100000 + i, gen_random_uuid(), 'host-' || i, 'Linux',"
        " '', %(owner)s, 'o', 'c', 'c', '{}', now(), '' FROM generate_series(1, 500) i"
    ),
    "plans": (
        "INSERT INTO agents_directory_planentry (tenant_id, partner_id, plan_id, name, schedule,"
        " what_to_back_up, start_time, retention_days, encryption, updated_at, customer_name,"
        " customer_slug) SELECT %(tenant)s, %(family)s, 100000 + i, 'Plan ' || i, 'daily',"
        " 'files', '02:00', 30, true, now(), 'c', 'c' FROM generate_series(1, 500) i"
    ),
    "audit": (
        "INSERT INTO tenants_auditevent (at, actor_name, action, object_type, object_id,"
        " object_repr, details, source, tenant_id, family, count)"
        " SELECT now() - i * interval '1 minute', 'o', 'token.create', 'token', i::text, 't',"
        " '{}', 'cli', %(tenant)s, %(family)s, 1 FROM generate_series(1, 500) i"
    ),
}
_TABLES = {
    "users": "tenants_user",
    "devices": "agents_directory_deviceentry",
    "plans": "agents_directory_planentry",
    "audit": "tenants_auditevent",
}


def _page(name: str, actor, level: Tenant):
    if name == "users":
        return users_at(actor=actor, tenant=level)[:50], "user_level_by_username"
    if name == "devices":
        return devices_for(actor=actor, tenant=level)[:50], "entry_level_by_name"
    if name == "plans":  # the API's order (a cursor needs a column)
        return plans_for(tenant=level).order_by("name", "id")[:25], "plan_level_by_stored_name"
    events = audit_events(actor=actor, tenant=level, filters=AuditFilter())
    return events[:50], "audit_level_by_time"


@pytest.mark.parametrize("name", sorted(_FILL))
@pytest.mark.parametrize("slug,depth", [("northwind", "_d2"), ("contoso", "_d3")])
def test_every_keyed_list_reads_its_range_in_order(tenants, users, name, slug, depth):
    below = [tenants[s] for s in ("contoso", "contoso-sales", "contoso-labs", "fabrikam")]
    with connection.cursor() as cursor:
        for tenant in below:
            params = {
                "tenant": tenant.pk,
                "family": tenant.family,
                "owner": users["contoso-sales-grace"].pk,
            }
            cursor.execute(_FILL[name], params)
        cursor.execute(f"ANALYZE {_TABLES[name]}")
    page, index = _page(name, users["distributor-admin"], tenants[slug])
    sql, params = page.query.sql_with_params()
    plan = _plan(sql, params)
    assert f"{index}{depth}" in plan, plan
    assert "Sort" not in plan, plan
    assert len(list(page)) == (25 if name == "plans" else 50)


def test_the_worker_rewrites_queued_moves_every_minute():
    """Registered as a periodic task of the worker (it runs `rewrite_queued`, tested above;
    the task closes the thread's connections, which a test transaction cannot have)."""
    from procrastinate.contrib.django import app

    periodic = {p.periodic_id: p for p in app.periodic_registry.periodic_tasks.values()}
    assert periodic["rewrite-paths"].cron == "* * * * *"
    assert periodic["rewrite-paths"].task.name == "tenants.rewrite_paths"
