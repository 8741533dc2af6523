"""Scoped reads of tenants and users.

Every tenant-scoped page, API call and admin screen reaches its tenant through `tenant_for`,
which treats "exists but outside your scope" exactly like "does not exist".
"""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, Q, QuerySet, When
from django.db.models.functions import Lower
from django.http import Http404

from common.shared_cache import guarded

from .models import Tenant, User
from .permissions import Action, can


def reaches_all_customers(user: User | AnonymousUser) -> bool:
    """Whether the user works at a partner's level, over all of its customers: a partner
    administrator, or an API client of a partner (`tenants.api_clients.services.principal`), also a
    read-only one."""
    return getattr(user, "role", "") == User.Role.PARTNER_ADMIN or getattr(
        user, "partner_level", False
    )


def tenants_visible_to(user: User | AnonymousUser) -> QuerySet[Tenant]:
    """The tenants a user may work on: a partner administrator's partner and its customers,
    everyone else's own tenant, and every tenant for the platform superuser."""
    tenants = Tenant.objects.select_related("parent")
    if not user.is_authenticated or not user.is_active:
        return tenants.none()
    if user.is_superuser:
        return tenants.all()
    if user.tenant_id is None:
        return tenants.none()
    if reaches_all_customers(user):
        # A partner administrator's tenant is a partner: no need to load it to know.
        return tenants.filter(family=user.tenant_id)
    return tenants.filter(pk=user.tenant_id)


def at_level(tenant: Tenant, field: str = "tenant") -> Q:
    """Rows of a level: a partner's level ("All customers") covers the partner itself and
    each of its customers, that is its `family` (a column of tenants, users, tokens and audit
    events, so the filter is one index range); a customer's covers only itself. `field`
    names the tenant at a customer (`"pk"` when filtering tenants themselves)."""
    if tenant.is_partner:
        return Q(family=tenant.pk)
    return Q(**{field: tenant.pk})


def covers(level: Tenant, tenant: Tenant) -> bool:
    """`at_level` for one tenant already in hand."""
    return tenant.pk == level.pk or tenant.parent_id == level.pk


def in_scope(actor: User, tenant: Tenant | None) -> bool:
    """Whether the actor may work on `tenant`; None is the whole platform, which only the
    superuser reaches. Services re-check what views already resolved, so a new caller cannot
    skip the scope."""
    if tenant is None:
        return actor.is_active and actor.is_superuser
    # A service often asks twice about the same tenant in one call (generate, then act for
    # another user); the answer is kept on the actor object, which lives for one request.
    answers = actor.__dict__.setdefault("_in_scope_answers", {})
    if tenant.pk not in answers:
        answers[tenant.pk] = tenants_visible_to(actor).filter(pk=tenant.pk).exists()
    return answers[tenant.pk]


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
    if reaches_all_customers(actor) and actor.tenant_id:
        level = level_of(actor.tenant_id, tenant_id)
        if level is None:
            raise Http404("No such tenant.")
        return level
    try:
        return tenants_visible_to(actor).get(slug=tenant_id)
    except Tenant.DoesNotExist:
        raise Http404("No such tenant.") from None


LEVEL_TIMEOUT = 300


def _level_key(family: int, slug: str) -> str:
    return f"tenant-level:{family}:{slug}"


def level_of(partner_id: int, slug: str) -> Tenant | None:
    """The tenant `slug` of the partner's level (the partner or one of its customers), from
    the shared cache; one indexed query on a miss. Misses are not cached."""
    key = _level_key(partner_id, slug)
    tenant = guarded("get", None, key)
    if tenant is None:
        tenant = (
            Tenant.objects.select_related("parent").filter(family=partner_id, slug=slug).first()
        )
        if tenant is not None:
            guarded("set", None, key, tenant, LEVEL_TIMEOUT)
    return tenant


def forget_levels(tenant: Tenant) -> None:
    """After a tenant is created or renamed: its cached copy is stale."""
    if tenant.family is not None:
        guarded("delete", None, _level_key(tenant.family, tenant.slug))


def customers_at(tenant: Tenant) -> QuerySet[Tenant]:
    """The customers a level covers, by name: a partner ("All customers") covers all of its
    customers, a customer only itself. Paginate it: a partner may have 1,000."""
    customers = Tenant.objects.select_related("parent")
    if tenant.is_customer:
        return customers.filter(pk=tenant.pk)
    return customers.filter(parent=tenant).order_by(Lower("name"), "id")


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
    if own is not None and own.is_customer:
        return [own], False  # nothing to choose from, and no query
    if own is not None:  # a partner administrator: its customers, by an index range
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
    users = User.objects.select_related("tenant").filter(at_level(tenant))
    if not can(actor, Action.VIEW_ALL_USERS):
        users = users.filter(pk=actor.pk)
    return users.order_by("username")
