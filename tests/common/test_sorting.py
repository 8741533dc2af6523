"""Sortable tables: plans and active tokens, with aria-sort on the sorted column."""

from django.urls import reverse

from tests.factories import make_token


def test_plans_sort_by_retention_both_ways(login, tenants, users):
    from agents.services import plans as services
    from tenants.audit import CLI

    services.plan_create(
        actor=users["globex-admin"],
        tenant=tenants["globex"],
        data={"name": "Long", "retention_days": 900},
        origin=CLI,
    )
    client = login("globex-admin")
    url = reverse("plans", kwargs={"tenant_id": "globex"})
    ascending = client.get(url, {"sort": "retention"})
    descending = client.get(url, {"sort": "-retention"})
    assert [p.name for p in descending.context["page"].object_list][0] == "Long"
    assert [p.name for p in ascending.context["page"].object_list][-1] == "Long"
    assert 'aria-sort="descending"' in descending.content.decode()


def test_all_customers_plans_sort_by_customer(login):
    url = reverse("plans", kwargs={"tenant_id": "demo-msp"})
    rows = login("msp-admin").get(url, {"sort": "-customer"}).context["page"].object_list
    assert [p.customer_name for p in rows][0] == "Initech"


def test_token_pane_sorts_by_user_and_keeps_the_pane_open(login, tenants, users):
    make_token(tenants["globex"], users["globex-bob"])
    make_token(tenants["globex"], users["globex-alice"])
    client = login("globex-admin")
    url = reverse("devices", kwargs={"tenant_id": "globex"})
    response = client.get(url, {"pane": "tokens", "tsort": "user"})
    assert [t.user.username for t in response.context["tokens"]] == ["globex-alice", "globex-bob"]
    html = response.content.decode()
    assert "pane=tokens&amp;tsort=-user" in html and 'aria-sort="ascending"' in html
    newest_first = client.get(url, {"pane": "tokens"}).context["tokens"]
    assert [t.user.username for t in newest_first] == ["globex-alice", "globex-bob"]
    oldest_first = client.get(url, {"pane": "tokens", "tsort": "created"}).context["tokens"]
    assert [t.user.username for t in oldest_first] == ["globex-bob", "globex-alice"]


def test_unknown_sort_falls_back_to_the_default(login):
    url = reverse("devices", kwargs={"tenant_id": "demo-msp"})
    assert login("msp-admin").get(url, {"sort": "password; DROP TABLE"}).status_code == 200


def test_page_links_keep_the_filter_and_the_sort(login, tenants, users):
    """Page 2 of the devices of one token is still the devices of that token."""
    from django.test import override_settings

    from tests.factories import make_device

    token_id = "6f1c1b1e-2d3a-4b5c-8d9e-0f1a2b3c4d5e"
    for _ in range(3):
        make_device(tenants["globex"], users["globex-alice"], registered_token_id=token_id)
    with override_settings(CONSOLE_PAGE_SIZE=2):
        html = (
            login("globex-admin")
            .get(f"/console/globex/devices/?token={token_id}&sort=-name")
            .content.decode()
        )
    # Page 2 is read from the key of page 1's last row (common.keyset), with the same filter.
    assert f'href="?token={token_id}&amp;sort=-name&amp;page=2&amp;page_after=' in html


def test_counts_stop_at_the_bound_and_say_so(login, tenants, users, settings, monkeypatch):
    from common import paging
    from tests.factories import make_device

    monkeypatch.setattr(paging, "COUNT_BOUND", 2)
    settings.CONSOLE_PAGE_SIZE = 1
    for _ in range(3):
        make_device(tenants["globex"], users["globex-alice"])
    response = login("globex-admin").get("/console/globex/devices/")
    page = response.context["page"]
    assert (page.paginator.count, page.paginator.capped) == (2, True)
    assert "Page 1 of 2+" in response.content.decode()
