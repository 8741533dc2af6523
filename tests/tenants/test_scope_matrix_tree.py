"""The authorization matrix for the tree's own paths (GET): the selector's children of a
level, the move form (two tenants in its URL: every pair) and the vendor API's tenants, by
id, their children and `?uuids=` / `?parent_id=`, with their content. The expectations come
from tests/tenants/scope_matrix.py (the tree walked by `parent`, the role map), not from
tenants.selectors: out of scope 404, in scope without the action 403, lists hold only the
actor's scope. Roles as in test_scope_matrix.py (FAST_ROLES everyday, every role with
--all)."""

import pytest
from django.urls import reverse

from tenants.permissions import Action

from .matrix_roles import ROLE_PARAMS
from .scope_matrix import Tree, allowed

pytestmark = pytest.mark.django_db


def action_under(tree: Tree, parent: int) -> Action:
    """Creating or moving below a partner or folder is managing customers; below a customer
    or unit, managing units (the rule of tenants.tree, restated)."""
    return Action.MANAGE_CUSTOMERS if tree.partner_side(parent) else Action.MANAGE_UNITS


def move_form_answer(tree: Tree, scope: set[int], user, level: int, moved: int) -> int:
    """GET customers/<moved>/move/ at `level`: the level's checks, then the moved tenant's:
    in scope, below the level (not the top of a tree), and its parent managed by the actor."""
    if level not in scope:
        return 404
    if not allowed(user, Action.VIEW_MANAGEMENT):
        return 403
    parent = tree.parent[moved]
    if moved not in scope or parent is None or level not in tree.path(moved):
        return 404
    if not allowed(user, action_under(tree, parent)) or parent not in scope:
        return 403
    return 200


@pytest.mark.parametrize("username", ROLE_PARAMS)
def test_the_trees_paths_answer_every_role_at_every_tenant(client, tenants, matrix_users, username):
    user = matrix_users[username]
    tree = Tree()
    scope = tree.scope(user)
    client.force_login(user)
    by_pk = {t.pk: t for t in tenants.values()}
    uuid = {pk: str(t.uuid) for pk, t in by_pk.items()}
    wrong: list[str] = []

    def check(label: str, got, want) -> None:
        if got != want:
            wrong.append(f"{label}: {got}, expected {want}")

    for pk, tenant in by_pk.items():
        children = {c for c, parent in tree.parent.items() if parent == pk}
        visible = children & scope  # what a list of its children may hold
        want = 200 if pk in scope else 404

        url = reverse("tenant-selector-children", kwargs={"tenant_id": tenant.slug})
        response = client.get(url)
        check(url, response.status_code, want)
        if response.status_code == 200:
            listed = {node.tenant.pk for node in response.context["nodes"]}
            check(f"{url} lists", sorted(tree.slug[c] for c in listed), _slugs(tree, visible))

        url = f"/api/2/tenants/{uuid[pk]}"
        response = client.get(url)
        check(url, response.status_code, want)
        if response.status_code == 200:
            parent = tree.parent[pk]
            body = response.json()
            check(f"{url} id", body["id"], uuid[pk])
            check(f"{url} parent_id", body["parent_id"], parent and uuid[parent])

        for url in (
            f"/api/2/tenants/{uuid[pk]}/children",
            f"/api/2/tenants/{uuid[pk]}/children?include_details=true",
            f"/api/2/tenants?parent_id={uuid[pk]}",
        ):
            response = client.get(url)
            check(url, response.status_code, want)
            if response.status_code == 200:
                items = response.json()["items"]
                ids = {item if isinstance(item, str) else item["id"] for item in items}
                check(f"{url} lists", sorted(ids), sorted(uuid[c] for c in visible))

        for moved, other in by_pk.items():
            url = reverse("tenant-move", kwargs={"tenant_id": tenant.slug, "child_id": other.slug})
            want = move_form_answer(tree, scope, user, pk, moved)
            check(url, client.get(url).status_code, want)

    # Every tenant's id at once: exactly the scope comes back.
    response = client.get("/api/2/tenants?uuids=" + ",".join(uuid.values()))
    ids = {item["id"] for item in response.json()["items"]}
    check("?uuids= of every tenant", sorted(ids), sorted(uuid[pk] for pk in scope))
    assert not wrong, f"{username}: {len(wrong)} wrong answers:\n" + "\n".join(wrong)


def _slugs(tree: Tree, pks: set[int]) -> list[str]:
    return sorted(tree.slug[pk] for pk in pks)
