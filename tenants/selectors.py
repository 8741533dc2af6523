"""Scoped reads of tenants and users.

Every tenant-scoped page, API call and admin screen reaches its tenant through `tenant_for`,
which treats "exists but outside your scope" exactly like "does not exist".
"""

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Case, Exists, Q, QuerySet, When
from django.db.models.functions import Lower
from django.http import Http404

from common.shared_cache import guarded

from .depth import KEYED_DEPTHS, depth_key
from .models import PathRewrite, Tenant, User
from .permissions import Action, can


def covers_subtree(user: User | AnonymousUser) -> bool:
    """Whether the user's scope is their tenant and everything below it: every administrator
    (partner, company, unit, read-only) and every API client. A plain user's scope is their
    own tenant."""
    role = getattr(user, "role", "")
    return bool(role) and role != User.Role.USER


def tenants_visible_to(user: User | AnonymousUser) -> QuerySet[Tenant]:
    """The tenants a user may work on: an administrator's tenant and its whole subtree (a
    partner administrator's sub-partners, folders, customers and units; a company
    administrator's customer and its units), a plain user's own tenant, and every tenant for
    the platform superuser."""
    tenants = Tenant.objects.select_related("parent")
    if not user.is_authenticated or not user.is_active:
        return tenants.none()
    if user.is_superuser:
        return tenants.all()
    if user.tenant_id is None:
        return tenants.none()
    if covers_subtree(user) and user.tenant is not None:
        return tenants.filter(subtree_of(user.tenant, "pk"))
    return tenants.filter(pk=user.tenant_id)


def subtree_ids(tenant: Tenant) -> list[int]:
    """The ids of a tenant and every tenant below it: one read of the `lineage` GIN index,
    kept on the instance for the rest of the request."""
    ids = tenant.__dict__.get("_subtree_ids")
    if ids is None:
        below = Tenant.objects.filter(lineage__contains=[tenant.pk])
        ids = list(below.values_list("pk", flat=True))
        tenant.__dict__["_subtree_ids"] = ids
    return ids


def subtree_of(
    tenant: Tenant, field: str = "tenant", family: str = "family", lineage: str | None = None
) -> Q:
    """Rows of a tenant and everything below it. The top of a tree is its `family` (a column
    of tenants, users, tokens, directory entries and audit events: one index range); a tenant
    without children is its own id (`field`). A middle level at depth 2 or 3 (a reseller, a
    folder, a customer with units) is its id at that place of the rows' copy of their
    tenant's path, when they carry one (`lineage` names it; see tenants.depth): one range of
    the list's index, in the list's order; until the worker has rewritten the rows of a
    move, the tree's middle levels read ids. Deeper levels are the ids of their subtree."""
    if tenant.is_top:
        return Q(**{family: tenant.pk})
    if not tenant.has_children:
        return Q(**{field: tenant.pk})
    depth = len(tenant.lineage or ())
    if lineage is not None and depth in KEYED_DEPTHS and not paths_pending(tenant):
        # In the same statement, no rewrite queued since: a move committed between the
        # check and the read gives an empty page for a moment, never another level's rows.
        return Q(**{depth_key(depth, lineage): tenant.pk}) & ~Q(_queued(tenant))
    return Q(**{f"{field}__in": subtree_ids(tenant)})


def _queued(tenant: Tenant) -> Exists:
    return Exists(PathRewrite.objects.filter(family=tenant.family))


def paths_pending(tenant: Tenant) -> bool:
    """Whether a move in the tenant's tree still has rows to rewrite (tenants.depth): one
    indexed read of a table that is empty but for a minute after a move, kept on the
    instance for the rest of the request."""
    pending = tenant.__dict__.get("_paths_pending")
    if pending is None:
        pending = PathRewrite.objects.filter(family=tenant.family).exists()
        tenant.__dict__["_paths_pending"] = pending
    return pending


def at_level(
    tenant: Tenant, field: str = "tenant", family: str = "family", lineage: str | None = None
) -> Q:
    """Rows of a level: a partner or folder ("All customers") covers its whole subtree, a
    customer itself and its units, a unit itself and the units below it. `field` names the
    tenant column (`"pk"` when filtering tenants themselves), `family` the tree's, and
    `lineage` the rows' copy of their tenant's path if they carry one."""
    return subtree_of(tenant, field, family, lineage)


def covers(level: Tenant, tenant: Tenant) -> bool:
    """`at_level` for one tenant already in hand: is `tenant` the level or below it?"""
    return level.pk in (tenant.lineage or ())


def in_scope(actor: User, tenant: Tenant | None) -> bool:
    """Whether the actor may work on `tenant`; None is the whole platform, which only the
    superuser reaches. Services re-check what views already resolved, so a new caller cannot
    skip the scope."""
    if tenant is None:
        return actor.is_active and actor.is_superuser
    if not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    if actor.tenant_id is None:
        return False
    if tenant.pk == actor.tenant_id:
        return True
    # The tenant's path says whether it is below the actor's: no query.
    return covers_subtree(actor) and actor.tenant_id in (tenant.lineage or ())


def tenant_for(*, actor: User | AnonymousUser, tenant_id: str) -> Tenant:
    """The tenant named `tenant_id` (its slug) if the actor may see it; Http404 otherwise.

    On the hot path without a query: the actor's own tenant comes with the actor (see
    `tenants.backends`), and a partner administrator's customers are cached one by one
    (`level_of`) until renamed.
    """
    if not actor.is_authenticated or not actor.is_active:
        raise Http404("No such tenant.")
    own = actor.tenant if actor.tenant_id else None
    if own is not None and own.slug == tenant_id:
        return own
    if own is not None and covers_subtree(actor):
        level = level_of(own.family, tenant_id)
        if level is None or not covers(own, level):
            raise Http404("No such tenant.")
        return level
    try:
        return tenants_visible_to(actor).get(slug=tenant_id)
    except Tenant.DoesNotExist:
        raise Http404("No such tenant.") from None


LEVEL_TIMEOUT = 300


def _level_key(family: int, slug: str) -> str:
    return f"tenant-level:{family}:{slug}"


def level_of(family: int, slug: str) -> Tenant | None:
    """The tenant `slug` of a tree (the top partner's `family`), from the shared cache; one
    indexed query on a miss. Misses are not cached. The caller checks that it is below the
    actor's tenant (`covers`)."""
    key = _level_key(family, slug)
    tenant = guarded("get", None, key)
    if tenant is None:
        tenant = Tenant.objects.select_related("parent").filter(family=family, slug=slug).first()
        if tenant is not None:
            guarded("set", None, key, tenant, LEVEL_TIMEOUT)
    return tenant


def forget_levels(tenant: Tenant) -> None:
    """After a tenant is created or renamed: its cached copy is stale."""
    if tenant.family is not None:
        guarded("delete", None, _level_key(tenant.family, tenant.slug))


def customers_at(tenant: Tenant) -> QuerySet[Tenant]:
    """The customers and units a level covers, by name: a partner or folder ("All
    customers") every customer and unit of its subtree, a customer itself and its units, a
    unit itself and the units below it. Paginate it: a partner may have 1,000."""
    customers = Tenant.objects.select_related("parent").filter(
        subtree_of(tenant, "pk"), kind__in=(Tenant.Kind.CUSTOMER, Tenant.Kind.UNIT)
    )
    return customers.order_by(Lower("name"), "id")


def levels_at(tenant: Tenant) -> QuerySet[Tenant]:
    """The Customers page of a level: every tenant of its subtree, of every kind, by name
    (at a partner or folder, without the level itself: it is the page's "All customers")."""
    levels = Tenant.objects.select_related("parent").filter(subtree_of(tenant, "pk"))
    if tenant.is_partner:
        levels = levels.exclude(pk=tenant.pk)
    return levels.order_by(Lower("name"), "id")


def selector_page(
    user: User | AnonymousUser, *, search: str = "", limit: int | None = None
) -> tuple[list[Tenant], bool]:
    """The tenant selector's entries, and whether there are more than `limit`.

    Each partner first (shown as "All customers"), then its customers, in name order; with
    `search`, only names containing it. One query of at most `limit` + 1 rows, so a partner
    of 1,000 customers lists the first ones and searches for the others. The user's own
    partner level is always offered.
    """
    own = user.tenant if user.is_authenticated and user.tenant_id else None
    if own is not None and (not own.has_children or not covers_subtree(user)):
        return [own], False  # nothing to choose from, and no query
    if own is not None:  # an administrator: the customers and units below, by name
        tenants = customers_at(own)
    else:
        partners_first = Case(When(kind=Tenant.Kind.PARTNER, then=0), default=1)
        tenants = tenants_visible_to(user).order_by(partners_first, Lower("name"), "id")
    if search:
        tenants = tenants.filter(name__icontains=search)
    found = list(tenants if limit is None else tenants[: limit + 1])
    more = limit is not None and len(found) > limit
    found = found[:limit]
    if own is not None and own not in found:
        found.insert(0, own)
    ordered: list[Tenant] = []
    for partner in (t for t in found if t.is_partner):
        ordered.append(partner)
        ordered.extend(t for t in found if t.parent_id == partner.pk)
    seen = {t.pk for t in ordered}
    ordered.extend(t for t in found if t.pk not in seen)
    return ordered, more


def users_at(*, actor: User, tenant: Tenant) -> QuerySet[User]:
    """Users of a level the actor has already been scoped to: at a partner, the partner's
    own administrators and every user of its customers. Without VIEW_ALL_USERS, only the
    actor."""
    users = User.objects.select_related("tenant").filter(at_level(tenant, lineage="lineage"))
    if not can(actor, Action.VIEW_ALL_USERS):
        users = users.filter(pk=actor.pk)
    return users.order_by("username")


# How a path below a level is written in lists, as the selector and the page's path do.
PATH_SEPARATOR = " / "

_PATHS_BELOW = """
SELECT t.id, array_agg(a.name ORDER BY p.n)
  FROM tenants_tenant t
 CROSS JOIN LATERAL unnest(t.lineage) WITH ORDINALITY AS p(id, n)
  JOIN tenants_tenant a ON a.id = p.id
 WHERE t.id = ANY(%(ids)s) AND t.lineage @> ARRAY[%(level)s]::bigint[]
   AND p.n > array_position(t.lineage, %(level)s::bigint) - (t.id = %(level)s)::int
 GROUP BY t.id
"""


def paths_below(level: Tenant, tenant_ids: Iterable[int | None]) -> dict[int, str]:
    """Where rows of a list at `level` live: for each of `tenant_ids` in the level's subtree,
    the names of its path below the level ("Contoso / Contoso Sales" at Northwind, "Contoso
    Sales" at Contoso; the level's own rows, its own name). One query for a page's rows,
    whatever their number; tenants outside the level are left out."""
    ids = sorted({pk for pk in tenant_ids if pk is not None})
    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_PATHS_BELOW, {"ids": ids, "level": level.pk})
        return {pk: PATH_SEPARATOR.join(names) for pk, names in cursor.fetchall()}
