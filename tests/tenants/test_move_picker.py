"""The Move picker is bounded (issue 23 gaps, item 3): at a distributor with a thousand places
a tenant could go, the confirmation's destination list holds the first ones by name and a
search by name finds the others, in one query of a bounded size; a destination found by
a search is moved to like any other."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tenants.models import Tenant
from tenants.tree_views import DESTINATION_LIMIT

pytestmark = pytest.mark.django_db

MOVE = reverse("tenant-move", kwargs={"tenant_id": "demo-distributor", "child_id": "litware"})


def folders(top, count: int) -> None:
    """`count` folders right under the top (no schemas: the picker reads tenants only)."""
    Tenant.objects.bulk_create(
        Tenant(
            name=f"Zone {n:04}",
            slug=f"zone-{n}",
            kind="folder",
            parent=top,
            schema_name=f"t_zone_{n}",
        )
        for n in range(count)
    )


def offered(response) -> list[str]:
    return [slug for slug, _ in response.context["form"].fields["to"].choices]


def test_a_thousand_destinations_offer_the_first_ones_and_a_search(login, tenants):
    client = login("distributor-admin")
    client.get(MOVE)
    with CaptureQueriesContext(connection) as few:
        small = client.get(MOVE)
    assert offered(small) == ["demo-distributor", "northwind", "southridge"]
    assert "More destinations" not in small.content.decode()
    folders(tenants["demo-distributor"], 1050)
    with CaptureQueriesContext(connection) as many:
        big = client.get(MOVE)
    slugs = offered(big)
    assert len(slugs) == DESTINATION_LIMIT
    assert slugs[:3] == ["demo-distributor", "northwind", "southridge"]  # by name
    assert slugs[3:] == [f"zone-{n}" for n in range(DESTINATION_LIMIT - 3)]
    html = big.content.decode()
    assert "More destinations: search by name to find them." in html
    assert 'name="q"' in html
    assert len(many.captured_queries) == len(few.captured_queries)
    [picker] = [q["sql"] for q in many.captured_queries if '"kind" IN' in q["sql"]]
    assert f"LIMIT {DESTINATION_LIMIT + 1}" in picker


def test_a_destination_beyond_the_first_ones_is_found_and_moved_to(login, tenants):
    client = login("distributor-admin")
    folders(tenants["demo-distributor"], 1050)
    found = client.get(MOVE, {"q": "zone 1049"})
    assert offered(found) == ["zone-1049"]
    assert "More destinations" not in found.content.decode()
    confirm = client.post(MOVE + "?q=zone+1049", {"to": "zone-1049"})
    assert confirm.status_code == 200 and confirm.context["confirming"]
    done = client.post(MOVE, {"to": "zone-1049", "confirm": "yes"})
    assert done.status_code == 302
    assert Tenant.objects.get(slug="litware").parent.slug == "zone-1049"


def test_a_search_that_matches_nothing_says_so_and_a_bad_choice_is_refused(login, tenants):
    client = login("distributor-admin")
    folders(tenants["demo-distributor"], 60)
    none = client.get(MOVE, {"q": "nowhere at all"})
    assert offered(none) == []
    assert "No destination matches." in none.content.decode()
    refused = client.post(MOVE, {"to": "contoso", "confirm": "yes"})  # a customer holds none
    assert refused.status_code == 200 and "to" in refused.context["form"].errors
    assert len(offered(refused)) == DESTINATION_LIMIT
    assert Tenant.objects.get(slug="litware").parent == tenants["direct-customers"]
