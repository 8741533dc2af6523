"""API clients at every level of the tree (issue 23, item 6): a client covers its level's
subtree and nothing else, with a real access token through the REST API."""

import pytest

from tenants.api_clients.services import api_client_create, principal
from tenants.audit import CLI
from tenants.models import User
from tests.tenants.api_clients.test_apis import access_token, bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_at(users, tenants):
    """`client_at(creator, slug, role)`: a Bearer API client for a new API client there."""

    def _make(creator, slug, role="administrator"):
        issued = api_client_create(
            actor=users[creator], tenant=tenants[slug], name=f"{slug} {role}", role=role, origin=CLI
        )
        return issued, bearer(access_token(issued))

    return _make


def listed(api) -> set[str]:
    answer = api.get("/api/v1/tenants?page_size=100")
    assert answer.status_code == 200, answer.content
    return {t["id"] for t in answer.json()["items"]}


@pytest.mark.parametrize(
    "creator,slug,role,expected",
    [
        (
            "northwind-admin",
            "northwind",
            User.Role.PARTNER_ADMIN,
            {"northwind", "contoso", "contoso-sales", "contoso-labs", "fabrikam"},
        ),
        (
            "distributor-admin",
            "direct-customers",
            User.Role.PARTNER_ADMIN,
            {"direct-customers", "litware"},
        ),
        (
            "contoso-admin",
            "contoso",
            User.Role.COMPANY_ADMIN,
            {"contoso", "contoso-sales", "contoso-labs"},
        ),
        ("contoso-sales-admin", "contoso-sales", User.Role.UNIT_ADMIN, {"contoso-sales"}),
    ],
)
def test_a_client_covers_its_levels_subtree_and_nothing_else(
    client_at, tenants, creator, slug, role, expected
):
    issued, api = client_at(creator, slug)
    assert principal(issued.client).role == role
    assert listed(api) == expected
    for other in tenants:
        answer = api.get(f"/api/v1/tenants/{other}/users")
        assert answer.status_code == (200 if other in expected else 404), other


def test_a_read_only_client_of_a_reseller_reads_its_subtree_and_changes_nothing(client_at, users):
    issued, api = client_at("northwind-admin", "northwind", "read_only_administrator")
    assert principal(issued.client).role == User.Role.READONLY_ADMIN
    assert "contoso-sales" in listed(api)
    assert "tailspin" not in listed(api)
    grace = users["contoso-sales-grace"]
    answer = api.post(
        "/api/v1/tenants/contoso-sales/registration_tokens", {"user_id": str(grace.pk)}
    )
    assert answer.status_code == 403


def test_a_customers_client_generates_for_a_user_of_its_unit(client_at, users):
    _issued, api = client_at("contoso-admin", "contoso")
    grace = users["contoso-sales-grace"]
    answer = api.post("/api/v1/tenants/contoso/registration_tokens", {"user_id": str(grace.pk)})
    assert answer.status_code == 201, answer.content
    assert answer.json()["tenant"]["id"] == "contoso-sales"
    listed_at_contoso = api.get("/api/v1/tenants/contoso/registration_tokens").json()["items"]
    assert answer.json()["id"] in {t["id"] for t in listed_at_contoso}


def test_a_units_client_is_refused_outside_its_unit(client_at, users):
    _issued, api = client_at("contoso-sales-admin", "contoso-sales")
    grace = users["contoso-sales-grace"]
    answer = api.post(
        "/api/v1/tenants/contoso-sales/registration_tokens", {"user_id": str(grace.pk)}
    )
    assert answer.status_code == 201, answer.content
    heidi = users["contoso-labs-heidi"]
    for slug in ("contoso-labs", "contoso"):
        answer = api.post(f"/api/v1/tenants/{slug}/registration_tokens", {"user_id": str(heidi.pk)})
        assert answer.status_code == 404, slug
    # Nor through its own level with a user of another unit.
    answer = api.post(
        "/api/v1/tenants/contoso-sales/registration_tokens", {"user_id": str(heidi.pk)}
    )
    assert answer.status_code in (400, 404)
    assert answer.status_code != 201
