"""The authorization matrix (issue 23, done-when): every role at every depth of the demo
tree walks every console page, management page, REST API list and detail, Django admin list
and vendor API path, at every tenant of both demo trees. In scope: 200 (or the page's own
answer: a form that only posts answers 405 after the checks, a redirect at a partner
level), or 403 where the role lacks the action; out of scope: 404, never 200 and never a
403 that tells the tenant exists. The expectations come from tests/tenants/scope_matrix.py
(the tree walked by `parent` and the role map), not from tenants.selectors.

One test per role; each collects every mismatch and fails once with the list. The whole
matrix takes minutes (about 9,000 requests), so the everyday loop walks it for FAST_ROLES
(matrix_roles.py), which between them meet every relation (their own level, levels below,
their parent, a sibling, another tree; 403 of a read-only role; a plain user above units),
and `--all` walks it for every role. The tree's own paths: test_scope_matrix_tree.py (GET)
and test_scope_matrix_changes.py (creates and moves)."""

import pytest
from django.urls import reverse

from tenants.models import User
from tenants.permissions import Action

from .matrix_roles import ROLE_PARAMS
from .scope_matrix import PAGES, Tree, allowed, page_url, unlisted_patterns

pytestmark = pytest.mark.django_db

ADMIN_LISTS = [
    "tenants_tenant",
    "tenants_user",
    "tenants_auditevent",
    "tokens_registrationtoken",
    "agents_protectionplan",
    "agents_device",
]


def test_every_url_pattern_is_walked_or_excluded_with_a_reason():
    assert unlisted_patterns() == []


def expect(tree: Tree, scope: set[int], user: User, pk: int, action, answer: int) -> int:
    if pk not in scope:
        return 404
    if not allowed(user, action):
        return 403
    return answer


@pytest.mark.parametrize("username", ROLE_PARAMS)
def test_every_role_gets_its_answer_on_every_page_at_every_tenant(
    client, tenants, matrix_users, world, username
):
    users = matrix_users
    user = users[username]
    tree = Tree()
    scope = tree.scope(user)
    client.force_login(user)
    wrong: list[str] = []

    def check(label: str, got: int, want: int) -> None:
        if got != want:
            wrong.append(f"{label}: {got}, expected {want}")

    by_pk = {t.pk: t for t in tenants.values()}
    for page in PAGES:
        for pk, tenant in by_pk.items():
            url = page_url(page, tenant.slug, world)
            if url is None:
                continue
            action, answer = page.at(tree.partner_side(pk))
            check(url, client.get(url).status_code, expect(tree, scope, user, pk, action, answer))

    # Details by an object's own id (no tenant in the path): a token of every customer.
    for slug, (public_id, owner) in world["token"].items():
        pk = tenants[slug].pk
        want = expect(tree, scope, user, pk, None, 200)
        if want == 200 and not (allowed(user, Action.VIEW_ALL_TOKENS) or owner == user.pk):
            want = 404  # a plain user's scope holds only their own tokens
        url = reverse("vendor-token-detail", kwargs={"token_id": public_id})
        check(url, client.get(url).status_code, want)

    # The tenant list is the scope, exactly.
    listed = {t["id"] for t in client.get(reverse("api-tenants") + "?limit=100").json()["items"]}
    check("api-tenants", sorted(listed) != sorted(tree.slug[pk] for pk in scope), False)

    # Users at each level in scope: only users of that level's subtree.
    for pk in scope:
        rows = client.get(reverse("api-users", kwargs={"tenant_id": tree.slug[pk]})).json()
        below = {tree.slug[t] for t in tree.below(pk)}
        stray = {row["tenant"]["id"] for row in rows["items"]} - below
        check(f"api-users at {tree.slug[pk]} lists users of {sorted(stray)}", bool(stray), False)

    _walk_admin(client, tree, scope, user, by_pk, check)
    assert not wrong, f"{username}: {len(wrong)} wrong answers:\n" + "\n".join(wrong)


def _walk_admin(client, tree, scope, user, by_pk, check) -> None:
    """The admin's level at every tenant, its lists there, and every tenant's admin page."""
    if not allowed(user, Action.VIEW_MANAGEMENT):
        response = client.get(reverse("admin:tenants_tenant_changelist"))
        check("admin for a plain user", response.status_code, 302)
        return
    select = reverse("admin:select_scope")
    for pk, tenant in by_pk.items():
        got = client.post(select, {"tenant": tenant.slug}).status_code
        check(f"admin level {tenant.slug}", got, 302 if pk in scope else 404)
        if pk not in scope:
            continue
        for model in ADMIN_LISTS:
            response = client.get(reverse(f"admin:{model}_changelist"))
            check(f"admin {model} at {tenant.slug}", response.status_code, 200)
            if model == "tenants_tenant" and response.status_code == 200:
                shown = {t.pk for t in response.context["cl"].queryset}
                want = tree.below(pk) & scope
                check(f"admin tenants at {tenant.slug} shows {shown ^ want}", shown == want, True)
    own = "" if user.is_superuser else user.tenant.slug
    client.post(select, {"tenant": own})
    nowhere = client.get(reverse("admin:tenants_tenant_change", args=[0])).status_code
    for pk, tenant in by_pk.items():
        url = reverse("admin:tenants_tenant_change", args=[pk])
        want = (
            200
            if pk in (tree.scope(user) if user.is_superuser else tree.below(user.tenant_id))
            else nowhere
        )
        check(url + f" ({tenant.slug})", client.get(url).status_code, want)
    assert nowhere != 200
