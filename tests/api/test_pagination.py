"""Every API list pages with a cursor: `{"items": [...], "next": url | null}`, `?limit=`
(default 100, at most 1,000) and `?cursor=` from `next`, in an order that stays stable
while rows are added."""

import pytest
from rest_framework.test import APIClient

from tests.factories import make_token


@pytest.fixture
def admin(users):
    client = APIClient()
    client.force_authenticate(users["msp-admin"])
    return client


def key(item):
    """An item's identity: a plan id is only unique within its customer."""
    tenant = item.get("tenant")
    return f"{tenant['id']}/{item['id']}" if isinstance(tenant, dict) else item["id"]


def walk(client, url, key=lambda item: item["id"]):
    """Every item of every page, following `next`."""
    seen, pages = [], 0
    while url:
        body = client.get(url).json()
        seen.extend(key(item) for item in body["items"])
        url, pages = body["next"], pages + 1
    return seen, pages


def test_tokens_page_newest_first_and_the_walk_sees_each_once(admin, tenants, users):
    made = [make_token(tenants["globex"], users["globex-alice"])[0] for _ in range(5)]
    ids, pages = walk(admin, "/api/v1/tenants/demo-msp/registration_tokens?limit=2")
    assert pages == 3
    assert ids == [str(t.public_id) for t in reversed(made)]


def test_rows_added_while_paging_do_not_repeat_or_hide_others(admin, tenants, users):
    made = [make_token(tenants["globex"], users["globex-alice"])[0] for _ in range(4)]
    first = admin.get("/api/v1/tenants/globex/registration_tokens?limit=2").json()
    make_token(tenants["globex"], users["globex-bob"])  # newer: belongs before page one
    rest, _ = walk(admin, first["next"])
    ids = [item["id"] for item in first["items"]] + rest
    assert ids == [str(t.public_id) for t in reversed(made)]


def test_default_page_is_100_items(admin, tenants, users):
    for _ in range(101):
        make_token(tenants["globex"], users["globex-alice"])
    body = admin.get("/api/v1/tenants/globex/registration_tokens").json()
    assert len(body["items"]) == 100 and body["next"]
    assert len(admin.get(body["next"]).json()["items"]) == 1


@pytest.mark.parametrize("limit", ["0", "1001", "many", "-5"])
def test_a_limit_outside_1_to_1000_is_400(admin, limit):
    response = admin.get(f"/api/v1/tenants/globex/registration_tokens?limit={limit}")
    assert response.status_code == 400
    assert response.json()["errors"] == {"limit": ["limit must be a whole number from 1 to 1000."]}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/v1/tenants", {"demo-msp", "globex", "initech"}),
        ("/api/v1/tenants/globex/users", None),
        ("/api/v1/tenants/demo-msp/protection_plans", None),
    ],
)
def test_every_list_pages_the_same_way(admin, path, expected):
    whole = admin.get(path).json()
    assert whole["next"] is None
    ids, pages = walk(admin, f"{path}?limit=1", key)
    assert ids == [key(item) for item in whole["items"]]
    assert pages == len(ids) and len(set(ids)) == len(ids)
    if expected is not None:
        assert set(ids) == expected


def test_the_openapi_schema_documents_the_page_shape_and_parameters(admin):
    import yaml

    schema = yaml.safe_load(admin.get("/api/v1/schema").content)
    for path in (
        "/api/v1/tenants",
        "/api/v1/tenants/{tenant_id}/users",
        "/api/v1/tenants/{tenant_id}/protection_plans",
        "/api/v1/tenants/{tenant_id}/registration_tokens",
    ):
        get = schema["paths"][path]["get"]
        assert {"limit", "cursor"} <= {p["name"] for p in get.get("parameters", [])}, path
        ref = get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        body = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
        assert {"items", "next"} <= set(body["properties"]), path


def test_an_unknown_cursor_is_a_json_404(admin):
    response = admin.get("/api/v1/tenants/globex/registration_tokens?cursor=garbage")
    assert response.status_code == 404 and response.json()["detail"]
