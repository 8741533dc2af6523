"""The authorization matrix for API clients (issue 23, done-when): a client of each role
(administrator, read-only administrator) at every level of the demo trees, with a real
access token (client credentials, then Bearer), walks every REST API list and vendor API
path of the matrix at every tenant, and lists the tenants and users it covers. A client is
an administrator of its level's subtree (tenants.api_clients.services.principal), so its
expected answers are those of such an administrator, from tests/tenants/scope_matrix.py
(the tree walked by `parent` and the role map), not from tenants.selectors.

The everyday loop walks FAST_PLACES (a reseller's administrator client, a unit's read-only
client, a folder's client: above customers, inside a customer, beside resellers); `--all`
walks a client of both roles at every tenant."""

import pytest
from django.urls import reverse

from tenants.api_clients.services import api_client_create, principal
from tenants.audit import CLI
from tenants.models import ApiClient, Tenant
from tests.tenants.api_clients.test_apis import access_token, bearer

from .scope_matrix import PAGES, Tree, allowed, demo_slugs, page_url

pytestmark = pytest.mark.django_db

API_PAGES = [page for page in PAGES if page.name.startswith(("api-", "vendor-"))]
API_PREFIX = "/api/"  # the REST API and the vendor's; "api-clients" is a console page
DEMO_TREES = demo_slugs()
ROLES = [ApiClient.Role.ADMINISTRATOR, ApiClient.Role.READ_ONLY_ADMINISTRATOR]
FAST_PLACES = {
    ("northwind", ApiClient.Role.ADMINISTRATOR),
    ("contoso-sales", ApiClient.Role.READ_ONLY_ADMINISTRATOR),
    ("direct-customers", ApiClient.Role.ADMINISTRATOR),
}
PLACES = [
    pytest.param(slug, role, id=f"{slug}-{role}")
    if (slug, role) in FAST_PLACES
    else pytest.param(slug, role, id=f"{slug}-{role}", marks=pytest.mark.exhaustive)
    for slug in DEMO_TREES
    for role in ROLES
]


def test_every_demo_tenant_has_a_place_in_the_walk(tenants):
    assert sorted(tenants) == sorted(DEMO_TREES)
    assert set(Tenant.objects.values_list("slug", flat=True)) == set(DEMO_TREES)


@pytest.mark.parametrize("slug,role", PLACES)
def test_a_client_at_every_level_gets_its_answer_on_every_api_at_every_tenant(
    tenants, matrix_users, world, slug, role
):
    issued = api_client_create(
        actor=matrix_users["platform-admin"],
        tenant=tenants[slug],
        name=f"walker {role}",
        role=role,
        origin=CLI,
    )
    actor = principal(issued.client)
    api = bearer(access_token(issued))
    tree = Tree()
    scope = tree.scope(actor)
    assert tenants[slug].pk in scope  # the walk is not of an empty scope
    wrong: list[str] = []

    def check(label: str, got, want) -> None:
        if got != want:
            wrong.append(f"{label}: {got}, expected {want}")

    walked = 0
    for page in API_PAGES:
        for tenant in tenants.values():
            url = page_url(page, tenant.slug, world)
            if url is None or not url.startswith(API_PREFIX):
                continue
            action, answer = page.at(tree.partner_side(tenant.pk))
            permitted = answer if allowed(actor, action) else 403
            want = permitted if tenant.pk in scope else 404
            check(url, api.get(url).status_code, want)
            walked += 1
    assert walked >= 6 * len(tenants)  # the REST lists and the vendor's, at every tenant

    # A token of every customer, by its own id: the client covers its subtree's tokens.
    for token_slug, (public_id, _owner) in world["token"].items():
        url = reverse("vendor-token-detail", kwargs={"token_id": public_id})
        want = 200 if tenants[token_slug].pk in scope else 404
        check(url, api.get(url).status_code, want)

    # The tenant list is the client's subtree, exactly; users only of a level's subtree.
    answer = api.get(reverse("api-tenants") + "?limit=100")
    check("api-tenants", answer.status_code, 200)
    listed = {t["id"] for t in answer.json()["items"]}
    check("api-tenants lists", sorted(listed), sorted(tree.slug[pk] for pk in scope))
    for pk in scope:
        rows = api.get(reverse("api-users", kwargs={"tenant_id": tree.slug[pk]})).json()
        below = {tree.slug[t] for t in tree.below(pk)}
        stray = {row["tenant"]["id"] for row in rows["items"]} - below
        check(f"api-users at {tree.slug[pk]} lists users of", sorted(stray), [])
    assert not wrong, f"{slug} {role}: {len(wrong)} wrong answers:\n" + "\n".join(wrong)
