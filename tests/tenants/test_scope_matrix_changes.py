"""The authorization matrix for the tree's changes: a new level (REST
`POST /api/v1/tenants`, the vendor's `POST /api/2/tenants`, the console's new-level form) and
a move (REST `POST /api/v1/tenants/{id}/move`, the vendor's `PUT /api/2/tenants/{id}` with
its version, the console's move form, confirmed) by every role under
every tenant of the demo trees. Out of scope: 404; in scope without the action: 403; both
change nothing (no tenant, no move, no audit event). Allowed: done, and audited once.

The demo tree itself is left as it is: the tenants moved are made for the test, under each
demo tenant (a destination and one tenant to move per door), and the test's transaction is
rolled back. The expectations come from tests/tenants/scope_matrix.py (the tree walked by
`parent`, the role map), not from tenants.selectors or tenants.tree."""

import pytest
from django.urls import reverse

from tenants import tree as tree_services
from tenants.audit import CLI
from tenants.models import AuditEvent, Tenant
from tenants.permissions import Action

from .matrix_roles import ROLE_PARAMS
from .scope_matrix import Tree, allowed
from .test_scope_matrix_tree import action_under

pytestmark = pytest.mark.django_db

K = Tenant.Kind
CHANGES = (AuditEvent.Action.TENANT_CREATE, AuditEvent.Action.TENANT_MOVE)


def create_answer(tree: Tree, scope: set[int], user, parent: int, console: bool) -> int:
    if parent not in scope:
        return 404
    if console and not allowed(user, Action.VIEW_MANAGEMENT):
        return 403
    if not allowed(user, action_under(tree, parent)):
        return 403
    return 302 if console else 201


def move_answer(tree: Tree, scope: set[int], user, moved: int, parent: int, to: int) -> int:
    """REST: the tenant, then the new parent, must be in scope; then the action under the new
    parent at the tenant, its old parent and the new one (destinations here always fit)."""
    if moved not in scope or to not in scope:
        return 404
    if not allowed(user, action_under(tree, to)) or parent not in scope:
        return 403
    return 200


def console_move_answer(tree, scope, user, level: int, moved: int, parent: int, to: int) -> int:
    """The console at `level` (the moved tenant's parent here): the level, then the moved
    tenant and its parent (as the GET, see test_scope_matrix_tree.py); a destination out of
    scope is not among the form's choices (200, the form again); then the move's checks."""
    if level not in scope:
        return 404
    if not allowed(user, Action.VIEW_MANAGEMENT):
        return 403
    if moved not in scope or level not in tree.path(moved):
        return 404
    if not allowed(user, action_under(tree, parent)) or parent not in scope:
        return 403
    if to not in scope:
        return 200
    if not allowed(user, action_under(tree, to)):
        return 403
    return 302


@pytest.mark.parametrize("username", ROLE_PARAMS)
def test_every_role_creates_and_moves_only_where_it_may(client, tenants, matrix_users, username):
    root, user = matrix_users["platform-admin"], matrix_users[username]
    demo = {t.pk: t for t in tenants.values()}
    made: dict[int, dict[str, Tenant]] = {}
    for pk, parent in demo.items():
        side = parent.is_partner
        made[pk] = {
            role: tree_services.child_create(
                actor=root, parent=parent, kind=kind, name=f"Matrix {role}", origin=CLI
            )
            for role, kind in (
                ("to", K.FOLDER if side else K.UNIT),
                ("api", K.CUSTOMER if side else K.UNIT),
                ("vendor", K.CUSTOMER if side else K.UNIT),
                ("console", K.CUSTOMER if side else K.UNIT),
            )
        }
    tree = Tree()
    scope = tree.scope(user)
    client.force_login(user)
    wrong: list[str] = []

    def check(label: str, got, want) -> None:
        if got != want:
            wrong.append(f"{label}: {got}, expected {want}")

    def changes() -> int:
        return AuditEvent.objects.filter(actor=user, action__in=CHANGES).count()

    def post(label: str, url: str, data: dict, want: int, api: bool, method="post") -> bool:
        before = changes()
        extra = {"content_type": "application/json"} if api else {}
        response = getattr(client, method)(url, data, **extra)
        check(label, response.status_code, want)
        done = want in (200, 201, 302)
        check(f"{label} audited", changes() - before, 1 if done else 0)
        return done

    for pk, parent in demo.items():
        kind = K.CUSTOMER if parent.is_partner else K.UNIT
        # A new level under every tenant, by the three doors.
        for door in ("api", "vendor", "console"):
            name = f"Matrix new {door}"
            data = {"name": name, "kind": kind}
            if door == "api":
                url, data["parent_id"] = reverse("api-tenants"), parent.slug
            elif door == "vendor":
                url, data["parent_id"] = reverse("vendor-tenants"), str(parent.uuid)
            else:
                url = reverse("child-create", kwargs={"tenant_id": parent.slug})
            want = create_answer(tree, scope, user, pk, console=door == "console")
            post(f"create under {parent.slug} ({url})", url, data, want, door != "console")
            there = Tenant.objects.filter(parent=parent, name=name).exists()
            check(f"{name} under {parent.slug} exists", there, want in (201, 302))

        to, moved = made[pk]["to"], made[pk]["api"]
        # Into its sibling, and to a level of the tree on the other side of the scope.
        away = next(
            (
                t
                for t in demo
                if t != pk
                and (t in scope) != (moved.pk in scope)
                and demo[t].family == parent.family
                and moved.kind in tree_services.CHILD_KINDS[demo[t].kind]
            ),
            None,
        )
        for target in [to.pk] + ([away] if away else []):
            now = Tenant.objects.get(pk=moved.pk).parent_id
            want = move_answer(tree, scope, user, moved.pk, now, target)
            url = reverse("api-tenant-move", kwargs={"tenant_id": moved.slug})
            done = post(
                f"move {moved.slug} to {tree.slug[target]}",
                url,
                {"parent_id": tree.slug[target]},
                want,
                api=True,
            )
            after = Tenant.objects.get(pk=moved.pk).parent_id
            check(f"{moved.slug} under", tree.slug[after], tree.slug[target if done else now])

        # The vendor's door: the same answers (a move is a change of parent at the version
        # last read).
        moved = made[pk]["vendor"]
        for target in [to.pk] + ([away] if away else []):
            current = Tenant.objects.get(pk=moved.pk)
            want = move_answer(tree, scope, user, moved.pk, current.parent_id, target)
            url = reverse("vendor-tenant", kwargs={"tenant_id": str(moved.uuid)})
            data = {
                "version": current.version,
                "parent_id": str(Tenant.objects.get(pk=target).uuid),
            }
            done = post(f"vendor move {moved.slug}", url, data, want, api=True, method="put")
            after = Tenant.objects.get(pk=moved.pk).parent_id
            want_parent = target if done else current.parent_id
            check(f"{moved.slug} under", tree.slug[after], tree.slug[want_parent])

        moved = made[pk]["console"]
        url = reverse("tenant-move", kwargs={"tenant_id": parent.slug, "child_id": moved.slug})
        want = console_move_answer(tree, scope, user, pk, moved.pk, pk, to.pk)
        data = {"to": to.slug, "confirm": "yes"}
        done = post(f"console move {moved.slug}", url, data, want, api=False)
        after = Tenant.objects.get(pk=moved.pk).parent_id
        check(f"{moved.slug} under", tree.slug[after], tree.slug[to.pk if done else pk])
    assert not wrong, f"{username}: {len(wrong)} wrong answers:\n" + "\n".join(wrong)
