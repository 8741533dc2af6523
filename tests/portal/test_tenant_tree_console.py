"""The console at every level of the demo tree (issue 23): the tenant selector's tree and
path, its lazily loaded levels, the where-column of lists below a level, the token picker at
All customers and the Generate form's users at a customer with units."""

import pytest
from django.urls import reverse

from tenants import tree
from tenants.audit import CLI
from tenants.mixins import SELECTOR_LIMIT
from tenants.models import Tenant
from tenants.selector_tree import selector_tree
from tests.factories import make_device

pytestmark = pytest.mark.django_db


def devices_url(slug: str, query: str = "") -> str:
    return reverse("devices", kwargs={"tenant_id": slug}) + query


def children_url(slug: str, query: str = "?section=devices") -> str:
    return reverse("tenant-selector-children", kwargs={"tenant_id": slug}) + query


def shown(nodes) -> list[str]:
    """The slugs of a tree, depth first."""
    found: list[str] = []
    for node in nodes:
        found.append(node.tenant.slug)
        found.extend(shown(node.children))
    return found


def test_the_tree_is_opened_along_the_path_of_the_current_level(users, tenants):
    roots, path = selector_tree(users["distributor-admin"], tenants["contoso-sales"], limit=20)
    assert [t.slug for t in path] == ["demo-distributor", "northwind", "contoso", "contoso-sales"]
    # Each level of the path is open on its children; Southridge and the folder stay closed.
    assert shown(roots) == [
        "demo-distributor",
        "direct-customers",
        "northwind",
        "contoso",
        "contoso-labs",
        "contoso-sales",
        "fabrikam",
        "southridge",
    ]
    southridge = [n for n in roots[0].children if n.tenant.slug == "southridge"][0]
    assert not southridge.opened and southridge.tenant.has_children


def test_a_reseller_admin_tree_starts_at_the_reseller(users, tenants):
    roots, path = selector_tree(users["northwind-admin"], tenants["contoso"], limit=20)
    assert [t.slug for t in path] == ["northwind", "contoso"]
    assert shown(roots) == ["northwind", "contoso", "contoso-labs", "contoso-sales", "fabrikam"]


def test_the_tree_costs_one_query_however_large(users, tenants, django_assert_num_queries):
    admin, contoso = users["distributor-admin"], tenants["contoso"]
    with django_assert_num_queries(1):
        selector_tree(admin, contoso, limit=3)
    for n in range(6):
        for parent in ("demo-distributor", "northwind", "contoso"):
            kind = Tenant.Kind.UNIT if parent == "contoso" else Tenant.Kind.CUSTOMER
            tree.child_create(
                actor=users["distributor-admin"],
                parent=Tenant.objects.get(slug=parent),
                kind=kind,
                name=f"Zz {parent} {n}",
                origin=CLI,
            )
    admin = type(admin).objects.select_related("tenant").get(pk=admin.pk)
    contoso = Tenant.objects.get(slug="contoso")
    with django_assert_num_queries(1):
        roots, path = selector_tree(admin, contoso, limit=3)
    # At most 3 children per open level, the path's own level among them, and "more".
    top = roots[0]
    assert len(top.children) == 3 and top.more
    assert "northwind" in [n.tenant.slug for n in top.children]
    northwind = [n for n in top.children if n.tenant.slug == "northwind"][0]
    assert "contoso" in [n.tenant.slug for n in northwind.children] and northwind.more


def test_a_level_without_anything_below_needs_no_query(users, tenants, django_assert_num_queries):
    with django_assert_num_queries(0):
        roots, path = selector_tree(
            users["contoso-sales-admin"], tenants["contoso-sales"], limit=20
        )
    assert shown(roots) == ["contoso-sales"] and path == [tenants["contoso-sales"]]


def test_the_page_shows_the_path_and_the_tree(login):
    html = login("distributor-admin").get(devices_url("contoso-sales")).content.decode()
    assert 'aria-label="Path of the current level"' in html
    for name in ("Demo Distributor", "Northwind Resellers", "Contoso Labs"):
        assert name in html
    assert "Tailspin" not in html  # Southridge is closed: its customers are not rendered


def test_a_level_children_load_a_page_at_a_time(login, users, tenants):
    for n in range(SELECTOR_LIMIT + 2):
        tree.child_create(
            actor=users["distributor-admin"],
            parent=tenants["southridge"],
            kind=Tenant.Kind.CUSTOMER,
            name=f"Zz {n:03}",
            origin=CLI,
        )
    client = login("distributor-admin")
    first = client.get(children_url("southridge", "?section=plans"))
    html = first.content.decode()
    assert first.status_code == 200 and "Tailspin" in html
    assert reverse("plans", kwargs={"tenant_id": "tailspin"}) in html
    assert f'data-tree-more="{SELECTOR_LIMIT}"' in html
    rest = client.get(children_url("southridge", f"?section=devices&offset={SELECTOR_LIMIT}"))
    assert "Zz 021" in rest.content.decode() and "Tailspin" not in rest.content.decode()
    assert "data-tree-more" not in rest.content.decode()


@pytest.mark.parametrize(
    "username,slug",
    [
        ("northwind-admin", "southridge"),
        ("northwind-admin", "demo-distributor"),
        ("contoso-sales-admin", "contoso"),
        ("contoso-sales-admin", "contoso-labs"),
        ("southridge-admin", "northwind"),
    ],
)
def test_levels_outside_the_scope_load_nothing(login, username, slug):
    assert login(username).get(children_url(slug)).status_code == 404


def test_a_plain_users_level_loads_no_children(login):
    """A plain user's scope is their own tenant: the units below a customer (Contoso's Sales
    and Labs for Frank) are not theirs, so the selector lists none of them."""
    response = login("contoso-frank").get(children_url("contoso"))
    assert response.status_code == 200 and response.context["nodes"] == []
    assert "Contoso Sales" not in response.content.decode()


def test_search_lists_matches_of_the_tree_with_their_path(login):
    page = login("distributor-admin").get(devices_url("demo-distributor"), {"tq": "sales"})
    html = page.content.decode()
    assert [e["tenant"].slug for e in page.context["selector"]] == [
        "demo-distributor",
        "contoso-sales",
    ]
    assert "Northwind Resellers / Contoso" in html


def test_a_customer_with_units_lists_say_where_each_row_lives(login, users, tenants):
    make_device(tenants["contoso-sales"], users["contoso-sales-grace"], hostname="sales-pc")
    html = login("contoso-admin").get(devices_url("contoso")).content.decode()
    assert '<td data-label="Customer">Contoso Sales</td>' in html
    # A unit without units: its own rows only, no column.
    unit = login("contoso-sales-admin").get(devices_url("contoso-sales"))
    assert "sales-pc" in unit.content.decode()
    assert 'data-label="Customer"' not in unit.content.decode()


def test_the_picker_at_all_customers_lists_customers_and_units(login):
    page = login("distributor-admin").get(devices_url("demo-distributor", "?pane=add"))
    slugs = [t.slug for t in page.context["picker"]]
    assert slugs == ["contoso", "contoso-labs", "contoso-sales", "fabrikam", "litware", "tailspin"]
    assert "Contoso Sales (Contoso)" in page.content.decode()


def test_the_picker_search_finds_a_unit(login):
    client = login("northwind-admin")
    found = client.get(reverse("token-customer", kwargs={"tenant_id": "northwind"}), {"q": "labs"})
    assert found["Location"] == devices_url("contoso-labs", "?pane=add&step=generate") + (
        "#registration-token"
    )
    refused = client.get(
        reverse("token-customer", kwargs={"tenant_id": "northwind"}), {"q": "tailspin"}
    )
    assert refused["Location"] == devices_url("northwind", "?pane=add")


def test_generate_at_a_customer_offers_the_users_of_its_units(login, users):
    page = login("contoso-admin").get(devices_url("contoso", "?pane=add&step=generate"))
    choices = dict(page.context["token_form"].fields["user"].choices)
    assert choices[str(users["contoso-sales-grace"].pk)] == "contoso-sales-grace (Contoso Sales)"
    assert choices[str(users["contoso-frank"].pk)] == "contoso-frank"
    unit = login("contoso-sales-admin").get(devices_url("contoso-sales", "?pane=add&step=generate"))
    offered = dict(unit.context["token_form"].fields["user"].choices)
    assert str(users["contoso-frank"].pk) not in offered
    assert str(users["contoso-labs-heidi"].pk) not in offered
