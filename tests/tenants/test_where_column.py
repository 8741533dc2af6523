"""The where column of lists at a level (issue 23 gaps, item 4): each row says where it
lives as the path below the level being viewed ("Northwind Resellers / Contoso / Contoso
Sales" at the distributor, "Contoso / Contoso Sales" at Northwind, "Contoso Sales" at
Contoso), the page's tenant names read in one query whatever its rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tenants.selectors import paths_below
from tests.factories import make_device, make_token

pytestmark = pytest.mark.django_db

SALES_FROM = {
    "demo-distributor": "Northwind Resellers / Contoso / Contoso Sales",
    "northwind": "Contoso / Contoso Sales",
    "contoso": "Contoso Sales",
}


def url(name, slug):
    return reverse(name, kwargs={"tenant_id": slug})


def where_of(response, rows_key="page"):
    rows = response.context[rows_key]
    rows = rows.object_list if hasattr(rows, "object_list") else rows
    return rows


def test_paths_are_written_below_the_level_and_only_inside_it(tenants):
    ids = [tenants[s].pk for s in ("contoso-sales", "contoso", "tailspin", "globex")]
    at_top = paths_below(tenants["demo-distributor"], ids)
    assert at_top == {
        tenants["contoso-sales"].pk: SALES_FROM["demo-distributor"],
        tenants["contoso"].pk: "Northwind Resellers / Contoso",
        tenants["tailspin"].pk: "Southridge Resellers / Tailspin",
    }  # globex is another tree's
    at_contoso = paths_below(tenants["contoso"], ids)
    assert at_contoso == {
        tenants["contoso-sales"].pk: "Contoso Sales",
        tenants["contoso"].pk: "Contoso",  # the level's own rows
    }
    assert paths_below(tenants["southridge"], [tenants["contoso-sales"].pk]) == {}


@pytest.mark.parametrize("level", list(SALES_FROM))
def test_every_list_at_a_level_shows_the_path_below_it(login, tenants, users, level):
    sales, grace = tenants["contoso-sales"], users["contoso-sales-grace"]
    make_device(sales, grace, hostname="sales-laptop")
    make_token(sales, grace)
    client = login("distributor-admin")
    expected = SALES_FROM[level]
    devices = client.get(url("devices", level))
    [device] = [d for d in where_of(devices) if d.hostname == "sales-laptop"]
    assert device.where == expected
    assert f'<td data-label="Customer">{expected}</td>' in devices.content.decode()
    pane = client.get(url("devices", level), {"pane": "tokens"})
    assert {t.where for t in pane.context["tokens"] if t.tenant_id == sales.pk} == {expected}
    assert f'title="{expected}">{expected}</span>' in pane.content.decode()
    plans = client.get(url("plans", level))
    assert expected in {p.where for p in where_of(plans) if p.tenant_id == sales.pk}
    users_page = client.get(url("users", level))
    [row] = [u for u in where_of(users_page) if u.username == "contoso-sales-grace"]
    assert row.where == expected and f"<td>{expected}</td>" in users_page.content.decode()
    audit = client.get(url("audit", level))
    wheres = {e.where for e, _, _ in audit.context["rows"] if e.tenant_id == sales.pk}
    assert wheres == {expected}


def test_a_leaf_shows_no_where_column_and_reads_no_paths(login, tenants, users):
    make_device(tenants["fabrikam"], users["fabrikam-admin"], hostname="fab-1")
    client = login("fabrikam-admin")
    client.get(url("devices", "fabrikam"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("devices", "fabrikam"))
    assert not response.context["where_column"]
    assert not [q for q in queries.captured_queries if "unnest" in q["sql"]]


def test_the_paths_of_a_page_are_one_query_whatever_its_rows(login, tenants, users):
    client = login("distributor-admin")
    make_device(tenants["tailspin"], users["tailspin-ivan"])

    def statements():
        client.get(url("devices", "demo-distributor"))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url("devices", "demo-distributor"))
        paths = [q for q in queries.captured_queries if "unnest(t.lineage)" in q["sql"]]
        return len(queries.captured_queries), len(paths), len(response.context["page"])

    few = statements()
    for slug, owner in (
        ("contoso-sales", "contoso-sales-grace"),
        ("contoso-labs", "contoso-labs-heidi"),
        ("contoso", "contoso-frank"),
        ("litware", "litware-admin"),
    ):
        for _ in range(5):
            make_device(tenants[slug], users[owner])
    many = statements()
    assert many[2] == few[2] + 20
    assert many[:2] == few[:2] and few[1] == 1
