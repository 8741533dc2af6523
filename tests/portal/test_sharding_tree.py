"""The sharding map follows the tree (issue 23, item 6): every partitioned table is
distributed by the top of the tenant's tree (`family`; the directory's `partner`), so a
distributor's whole tree, resellers, folders, customers and units, lands on one node, and
its All customers reads one node's range. A move inside the tree changes no row's key."""

import pytest
from django.db import connection

from agents.selectors import devices_for
from portal.sharding import PARTITIONED, PUBLIC_TABLES
from tenants import tree
from tenants.audit import CLI
from tests.agents.helpers import register
from tests.factories import make_token

pytestmark = pytest.mark.django_db

# The distribution column of each partitioned table that has one (the others are
# documented as "needs a `family` column" and go with their token).
KEYS = {
    "tokens_registrationtoken": "family",
    "tokens_usageday": "family",
    "tokens_usagerollup": "family",
    "tenants_auditevent": "family",
    "agents_directory_deviceentry": "partner_id",
    "agents_directory_planentry": "partner_id",
}

# The tenant column of tables that name it otherwise (a rollup's level).
TENANT_OF = {"tokens_usagerollup": "level_id"}


def keys_of_tree(top) -> dict[str, set]:
    """Each partitioned table's distribution values over the rows of `top`'s tree."""
    found = {}
    with connection.cursor() as cursor:
        for table, column in KEYS.items():
            cursor.execute(
                f"SELECT DISTINCT x.{column} FROM {table} x"  # noqa: S608 - fixed names
                f" JOIN tenants_tenant t ON t.id = x.{TENANT_OF.get(table, 'tenant_id')}"
                " WHERE %s = ANY(t.lineage)",
                [top.pk],
            )
            found[table] = {row[0] for row in cursor.fetchall()}
    return found


def test_the_map_names_the_key_of_every_partitioned_table_with_one():
    for table, column in KEYS.items():
        kind, how = PUBLIC_TABLES[table]
        assert kind == PARTITIONED
        assert how.startswith(f"distributed by `{column}`"), table


def test_a_whole_tree_maps_to_one_shard_key_its_top(tenants, users):
    top = tenants["demo-distributor"]
    for slug, user in (
        ("contoso-sales", "contoso-sales-grace"),
        ("contoso", "contoso-frank"),
        ("tailspin", "tailspin-ivan"),
    ):
        _token, value = make_token(tenants[slug], users[user])
        assert register(value, machine=f"m-{slug}").status_code == 201
    found = keys_of_tree(top)
    for table in (
        "tokens_registrationtoken",
        "tokens_usageday",
        "tokens_usagerollup",
        "tenants_auditevent",
    ):
        assert found[table] == {top.pk}, table
    assert found["agents_directory_deviceentry"] == {top.pk}
    assert found["agents_directory_planentry"] <= {top.pk}
    assert {u.family for u in users.values() if u.tenant_id and u.tenant.family == top.pk} == {
        top.pk
    }
    # The top's All customers lists the devices of every depth from that one key.
    hosts = {e.customer_slug for e in devices_for(actor=users["distributor-admin"], tenant=top)}
    assert {"contoso-sales", "contoso", "tailspin"} <= hosts


def test_a_move_inside_the_tree_keeps_every_rows_shard_key(tenants, users):
    top = tenants["demo-distributor"]
    _token, value = make_token(tenants["contoso-sales"], users["contoso-sales-grace"])
    assert register(value, machine="moving").status_code == 201
    tree.tenant_move(
        actor=users["distributor-admin"],
        tenant=tenants["contoso"],
        to=tenants["southridge"],
        origin=CLI,
    )
    found = keys_of_tree(top)
    assert found["agents_directory_deviceentry"] == {top.pk}
    assert found["tokens_registrationtoken"] == {top.pk}
    at_southridge = devices_for(actor=users["southridge-admin"], tenant=tenants["southridge"])
    assert "contoso-sales" in {e.customer_slug for e in at_southridge}
