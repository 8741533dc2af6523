"""The tenant selector's tree: the path from the actor's tenant down to the current level,
each level of it opened on its first children, and one page of a level's children at a time
for the levels opened later (lazily, by portal.js).

Never the whole tree: a distributor of 1,000 customers with units gets at most `limit`
children per opened level, and a search for the others. Everything here starts from the
actor's own tenant (or, for the platform superuser, the tops of the trees) and walks down
it, so nothing outside the actor's scope can be listed.
"""

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, F, Q, Value, When, Window
from django.db.models.functions import Lower, RowNumber

from .models import Tenant, User
from .selectors import covers_subtree, tenants_visible_to


@dataclass
class Node:
    """One level in the selector: its children are loaded when `opened`; `more` says that
    it has more children than were listed."""

    tenant: Tenant
    children: list["Node"] = field(default_factory=list)
    opened: bool = False
    more: bool = False
    url: str = ""  # set by the page: the same section at this level
    current: bool = False
    level: int = 1  # its depth in the selector's tree (aria-level), set with `url`


def tree_level(user: User | AnonymousUser, tenant: Tenant) -> int:
    """How deep `tenant` stands in the actor's selector tree: 1 for its roots (the actor's
    own tenant; every top for the superuser)."""
    own = root_of(user)
    above = len(own.lineage or [own.pk]) - 1 if own is not None else 0
    return len(tenant.lineage or [tenant.pk]) - above


def root_of(user: User | AnonymousUser) -> Tenant | None:
    """Where the actor's tree starts: their own tenant (None: the superuser, every top)."""
    return user.tenant if user.is_authenticated and user.tenant_id else None


def _ranked(parents: Q, first: list[int], limit: int) -> list[Tenant]:
    """Children of `parents`, numbered by name within each parent (the ids in `first`,
    the current path, numbered first so they are always listed), at most `limit` + 1 each."""
    path_first = Case(When(pk__in=first, then=Value(0)), default=Value(1))
    rank = Window(
        RowNumber(),
        partition_by=[F("parent_id")],
        order_by=[path_first.asc(), Lower("name").asc(), F("id").asc()],
    )
    rows = Tenant.objects.filter(parents).annotate(rank=rank).filter(rank__lte=limit + 1)
    return sorted(rows, key=lambda t: (t.name.lower(), t.pk))


def _rank(tenant: Tenant) -> int:
    return tenant.__dict__["rank"]  # annotated by `_ranked`


def _children(rows: list[Tenant], limit: int) -> tuple[list[Tenant], bool]:
    return [t for t in rows if _rank(t) <= limit], any(_rank(t) > limit for t in rows)


def selector_tree(
    user: User | AnonymousUser, level: Tenant, *, limit: int
) -> tuple[list[Node], list[Tenant]]:
    """The selector's top nodes, and the path from the actor's tenant to `level` (which the
    caller has resolved through `tenant_for`). One query: every level of the path opened on
    its first `limit` children (the path's own next level always among them)."""
    own = root_of(user)
    if own is not None and (not own.has_children or not covers_subtree(user)):
        return [Node(own)], [own]  # nothing to choose from, and no query
    lineage = list(level.lineage or [level.pk])
    start = lineage.index(own.pk) if own is not None and own.pk in lineage else 0
    path_ids = lineage[start:]
    opened = path_ids[:-1] + ([level.pk] if level.has_children else [])
    parents = Q(parent_id__in=opened)
    if own is None:
        parents |= Q(parent__isnull=True)
    rows = _ranked(parents, path_ids, limit)
    by_pk = {t.pk: t for t in rows}
    if own is not None:
        by_pk[own.pk] = own
    by_parent: dict[int | None, list[Tenant]] = {}
    for tenant in rows:
        by_parent.setdefault(tenant.parent_id, []).append(tenant)

    def node(tenant: Tenant) -> Node:
        if tenant.pk not in opened:
            return Node(tenant)
        children, more = _children(by_parent.get(tenant.pk, []), limit)
        return Node(tenant, [node(c) for c in children], opened=True, more=more)

    if own is not None:
        roots, more = [node(own)], False
    else:
        tops, more = _children(by_parent.get(None, []), limit)
        roots = [node(t) for t in tops]
    path = [by_pk[pk] for pk in path_ids if pk in by_pk]
    if roots and more:
        roots[-1].more = True  # said after the last top, as under any level
    return roots, path


def children_page(
    user: User | AnonymousUser, parent: Tenant, *, offset: int, limit: int
) -> tuple[list[Tenant], bool]:
    """One page of a level's children, by name. The caller resolved `parent` through
    `tenant_for`, so it is in scope; below it too where the scope is a subtree (every
    administrator, the superuser). A plain user's scope is their own tenant only: the units
    below a customer are not theirs, so nothing is listed (and no query)."""
    if not (user.is_superuser or covers_subtree(user)):
        return [], False
    rows = Tenant.objects.filter(parent=parent).order_by(Lower("name"), "id")
    found = list(rows[offset : offset + limit + 1])
    return found[:limit], len(found) > limit


def selector_search(
    user: User | AnonymousUser, search: str, *, limit: int
) -> tuple[list[Tenant], bool]:
    """Levels of the actor's tree whose name contains `search`, by name, each with `path`:
    the names from below the actor's tenant down to its parent. Two queries (the matches,
    then the names of their levels above)."""
    own = root_of(user)
    found = tenants_visible_to(user).filter(name__icontains=search)
    if own is not None:
        found = found.exclude(pk=own.pk)
    found_list = list(found.order_by(Lower("name"), "id")[: limit + 1])
    more = len(found_list) > limit
    found_list = found_list[:limit]
    above: set[int] = set()
    for tenant in found_list:
        above.update(_above(own, tenant))
    names = dict(Tenant.objects.filter(pk__in=above).values_list("pk", "name")) if above else {}
    for tenant in found_list:
        tenant.path = [names[pk] for pk in _above(own, tenant) if pk in names]  # type: ignore[attr-defined]
    return found_list, more


def _above(own: Tenant | None, tenant: Tenant) -> list[int]:
    lineage = list(tenant.lineage or [])[:-1]
    if own is not None and own.pk in lineage:
        lineage = lineage[lineage.index(own.pk) + 1 :]
    return lineage
