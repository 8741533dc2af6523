"""The Protection console shell: the tenant selector, Devices > All devices, scoping."""

import pytest
from django.urls import reverse

from tests.agents.helpers import devices_url
from tests.factories import make_device


def test_login_page_is_djangos_standard_url(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b'name="username"' in response.content


def test_anonymous_visitor_is_sent_to_login(client, db):
    response = client.get(devices_url("globex"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_logout_is_djangos_standard_url(login):
    client = login("globex-alice")
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get(devices_url("globex")).status_code == 302


@pytest.mark.parametrize(
    "username,home",
    [
        ("msp-admin", "demo-msp"),
        ("globex-admin", "globex"),
        ("globex-alice", "globex"),
        ("umbrella-dave", "umbrella"),
    ],
)
def test_home_opens_the_console_at_the_users_own_level(login, username, home):
    response = login(username).get("/")
    assert response.status_code == 302
    assert response["Location"] == devices_url(home)


def test_menu_has_the_manual_labels(login):
    html = login("globex-admin").get(devices_url("globex")).content.decode()
    for label in ("Devices", "All devices", "Protection plans", "Protection console"):
        assert label in html


def test_partner_selector_offers_all_customers_and_each_customer(login):
    response = login("msp-admin").get(devices_url("demo-msp"))
    selector = response.context["selector"]
    assert [e["tenant"].slug for e in selector] == ["demo-msp", "globex", "initech"]
    assert [e["url"] for e in selector] == [
        devices_url("demo-msp"),
        devices_url("globex"),
        devices_url("initech"),
    ]
    html = response.content.decode()
    assert "All customers" in html and "Umbrella" not in html


def test_selector_shows_the_current_customer_name(login):
    response = login("msp-admin").get(devices_url("globex"))
    current = [e["tenant"].slug for e in response.context["selector"] if e["current"]]
    assert current == ["globex"]
    assert 'aria-current="page"' in response.content.decode()


@pytest.mark.parametrize(
    "username,slug",
    [
        ("msp-admin", "umbrella"),
        ("msp-admin", "other-msp"),
        ("other-admin", "globex"),
        ("globex-admin", "initech"),
        ("globex-alice", "initech"),
        ("globex-alice", "demo-msp"),
        ("initech-admin", "globex"),
    ],
)
def test_another_tenants_console_answers_404(login, username, slug):
    for name in ("devices", "plans"):
        url = reverse(name, kwargs={"tenant_id": slug})
        assert login(username).get(url).status_code == 404


def test_empty_device_list_says_what_to_do_next(login):
    html = login("globex-alice").get(devices_url("globex")).content.decode()
    assert "No devices yet" in html
    assert "registration token" in html


def test_user_sees_only_their_own_devices(login, tenants, users):
    make_device(tenants["globex"], users["globex-alice"], hostname="alice-laptop")
    make_device(tenants["globex"], users["globex-bob"], hostname="bob-desktop")
    html = login("globex-alice").get(devices_url("globex")).content.decode()
    assert "alice-laptop" in html and "bob-desktop" not in html


@pytest.mark.parametrize("username", ["globex-admin", "globex-auditor", "msp-admin"])
def test_administrators_see_every_device_of_the_customer(login, tenants, users, username):
    make_device(tenants["globex"], users["globex-alice"], hostname="alice-laptop")
    make_device(tenants["globex"], users["globex-bob"], hostname="bob-desktop")
    make_device(tenants["initech"], users["initech-carol"], hostname="carol-server")
    html = login(username).get(devices_url("globex")).content.decode()
    assert "alice-laptop" in html and "bob-desktop" in html
    assert "carol-server" not in html


def test_all_customers_lists_every_managed_customers_devices_with_a_customer_column(
    login, tenants, users
):
    make_device(tenants["globex"], users["globex-alice"], hostname="alice-laptop")
    make_device(
        tenants["initech"],
        users["initech-carol"],
        hostname="carol-server",
        plans=["Servers nightly"],
    )
    make_device(tenants["umbrella"], users["umbrella-dave"], hostname="dave-pc")
    response = login("msp-admin").get(devices_url("demo-msp"))
    html = response.content.decode()
    assert "Customer" in html
    rows = {(d.hostname, d.customer_name) for d in response.context["page"].object_list}
    assert rows == {("alice-laptop", "Globex"), ("carol-server", "Initech")}
    assert "Servers nightly" in html


def test_all_customers_device_list_is_paginated_and_sorted(login, tenants, users, settings):
    settings.CONSOLE_PAGE_SIZE = 2
    for name in ("c-host", "a-host", "b-host"):
        make_device(tenants["globex"], users["globex-alice"], hostname=name)
    make_device(tenants["initech"], users["initech-carol"], hostname="d-host")
    client = login("msp-admin")
    first = client.get(devices_url("demo-msp"), {"sort": "name"}).context["page"]
    second = client.get(devices_url("demo-msp"), {"sort": "name", "page": 2}).context["page"]
    assert [d.hostname for d in first.object_list] == ["a-host", "b-host"]
    assert [d.hostname for d in second.object_list] == ["c-host", "d-host"]
    assert first.paginator.count == 4
    newest_first = client.get(devices_url("demo-msp"), {"sort": "-name"}).context["page"]
    assert [d.hostname for d in newest_first.object_list] == ["d-host", "c-host"]


@pytest.mark.parametrize(
    ("username", "slug", "expected"),
    [
        # session, user (with its tenant), count, rows (of the directory); no SET
        # search_path, no tenant lookup; a partner's selector reads its first customers, and
        # its where column the rows' paths below it (one query a page)
        ("globex-admin", "globex", 4),
        ("msp-admin", "demo-msp", 6),
    ],
)
def test_device_list_query_count_is_pinned_at_each_level(
    login, tenants, users, django_assert_num_queries, username, slug, expected
):
    """One row shape at both levels: more devices, plans or customers add no query."""
    from tenants import services
    from tenants.audit import CLI

    client = login(username)
    make_device(tenants["globex"], users["globex-alice"], plans=["Daily backup"])
    client.get(devices_url(slug))
    with django_assert_num_queries(expected):
        client.get(devices_url(slug))
    for n in range(3):
        make_device(tenants["globex"], users["globex-bob"], plans=["Daily backup"])
        customer = services.customer_create(
            actor=users["msp-admin"], partner=tenants["demo-msp"], name=f"Extra {n}", origin=CLI
        )
        make_device(customer, users["msp-admin"], hostname=f"extra-{n}")
    client.get(devices_url(slug))  # each measured request follows one like it
    with django_assert_num_queries(expected):
        client.get(devices_url(slug))


def test_the_tenant_selector_lists_the_first_customers_and_searches_the_rest(login, tenants):
    """A partner of many customers gets the first ones in the selector, and a search box."""
    from tenants.mixins import SELECTOR_LIMIT
    from tests.factories import make_bare_customers

    make_bare_customers(tenants["demo-msp"], "Zeta", SELECTOR_LIMIT + 5)
    client = login("msp-admin")
    page = client.get(devices_url("globex"))
    names = [e["tenant"].name for e in page.context["selector"]]
    assert len(names) == SELECTOR_LIMIT + 1  # "All customers" and the first 20 customers
    assert page.context["selector_more"] and "Zeta 024" not in names
    found = client.get(devices_url("globex"), {"tq": "zeta 024"})
    assert [e["tenant"].name for e in found.context["selector"]] == ["Demo MSP", "Zeta 024"]
    assert 'name="tq"' in found.content.decode()
