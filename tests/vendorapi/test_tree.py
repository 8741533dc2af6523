"""The tenant tree in the vendor's API v2 (issue 23, item 6): tenants answer the vendor's
kinds and their parent's UUID, children are listed within the caller's scope, and a unit's
users get registration tokens at the unit or at the customer above it."""

from tokens.models import RegistrationToken

from .conftest import vendor_error
from .test_tokens import user_scope


def test_a_tenant_answers_its_kind_and_its_parents_uuid(script, tenants):
    script.sign_in_client("distributor-admin")
    for slug, kind, parent in (
        ("demo-distributor", "partner", None),
        ("northwind", "partner", "demo-distributor"),
        ("direct-customers", "folder", "demo-distributor"),
        ("contoso", "customer", "northwind"),
        ("contoso-sales", "unit", "contoso"),
    ):
        tenant = tenants[slug]
        answer = script.call("GET", f"/api/2/tenants/{tenant.uuid}")
        assert answer.status_code == 200, answer.content
        body = answer.json()
        assert body["id"] == str(tenant.uuid) and body["name"] == tenant.name
        assert body["kind"] == kind, slug
        assert body["parent_id"] == (str(tenants[parent].uuid) if parent else None), slug
        assert body["has_children"] == tenant.has_children
        assert body["enabled"] is True


def test_children_and_the_tenants_list_stay_in_the_callers_subtree(script, tenants):
    script.sign_in_client("northwind-admin")
    northwind, contoso = tenants["northwind"], tenants["contoso"]
    children = script.call("GET", f"/api/2/tenants/{northwind.uuid}/children").json()
    assert set(children["items"]) == {str(contoso.uuid), str(tenants["fabrikam"].uuid)}
    detailed = script.call(
        "GET", f"/api/2/tenants/{contoso.uuid}/children?include_details=true"
    ).json()
    assert {(t["name"], t["kind"], t["parent_id"]) for t in detailed["items"]} == {
        ("Contoso Sales", "unit", str(contoso.uuid)),
        ("Contoso Labs", "unit", str(contoso.uuid)),
    }
    by_parent = script.call("GET", f"/api/2/tenants?parent_id={contoso.uuid}").json()
    assert {t["id"] for t in by_parent["items"]} == {t["id"] for t in detailed["items"]}
    # Ids outside the subtree are left out of a list and 404 one by one.
    asked = [tenants[s].uuid for s in ("contoso-sales", "tailspin", "demo-distributor")]
    listed = script.call("GET", f"/api/2/tenants?uuids={','.join(map(str, asked))}").json()
    assert [t["id"] for t in listed["items"]] == [str(tenants["contoso-sales"].uuid)]
    for slug in ("tailspin", "southridge", "demo-distributor", "globex"):
        uuid = tenants[slug].uuid
        vendor_error(script.call("GET", f"/api/2/tenants/{uuid}"), 404)
        vendor_error(script.call("GET", f"/api/2/tenants/{uuid}/children"), 404)
        vendor_error(script.call("GET", f"/api/2/tenants?parent_id={uuid}"), 404)
    vendor_error(script.call("GET", "/api/2/tenants?uuids=not-a-uuid"), 400)
    vendor_error(script.call("GET", "/api/2/tenants"), 400)


def test_a_unit_administrator_sees_its_unit_only(script, tenants):
    script.sign_in_client("contoso-sales-admin")
    sales = tenants["contoso-sales"]
    body = script.call("GET", f"/api/2/tenants/{sales.uuid}").json()
    assert body["kind"] == "unit" and body["parent_id"] == str(tenants["contoso"].uuid)
    vendor_error(script.call("GET", f"/api/2/tenants/{tenants['contoso'].uuid}"), 404)
    vendor_error(script.call("GET", f"/api/2/tenants/{tenants['contoso-labs'].uuid}"), 404)


def test_registration_tokens_for_a_units_user_at_the_unit_or_the_customer(script, users, tenants):
    script.sign_in_client("contoso-admin")
    grace = users["contoso-sales-grace"]
    for slug in ("contoso-sales", "contoso"):
        path = f"/api/2/tenants/{tenants[slug].uuid}/registration_tokens"
        answer = script.call("POST", path, {"scopes": [user_scope(grace.personal_tenant_uuid)]})
        assert answer.status_code == 201, answer.content
        assert answer.json()["tenant_id"] == str(tenants["contoso-sales"].uuid)
        token = RegistrationToken.objects.get(public_id=answer.json()["id"])
        assert token.user == grace and token.tenant == tenants["contoso-sales"]
    at_unit = f"/api/2/tenants/{tenants['contoso-sales'].uuid}/registration_tokens"
    assert len(script.call("GET", at_unit).json()["items"]) == 2
    # A unit administrator: for its unit's user, never for the sister unit's.
    script.sign_in_client("contoso-sales-admin")
    answer = script.call("POST", at_unit, {"scopes": [user_scope(grace.personal_tenant_uuid)]})
    assert answer.status_code == 201, answer.content
    heidi = users["contoso-labs-heidi"]
    at_labs = f"/api/2/tenants/{tenants['contoso-labs'].uuid}/registration_tokens"
    vendor_error(
        script.call("POST", at_labs, {"scopes": [user_scope(heidi.personal_tenant_uuid)]}), 404
    )
    refused = script.call("POST", at_unit, {"scopes": [user_scope(heidi.personal_tenant_uuid)]})
    assert refused.status_code in (400, 404), refused.content
