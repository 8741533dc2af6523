"""Building and reshaping the tenant tree: sub-partners, folders, customers and units, and
moves within one tree. Console, admin, API and CLI all call these.

Which kind may stand under which, as in the original product:

- under a partner or a folder: sub-partners (a distributor's resellers), folders and
  customers;
- under a customer or a unit: units (a customer's departments or sites).

A move stays inside one tree (the top partner's `family`), so the tree's id on the rows
(users, tokens, directory entries, audit events, usage) is left as it is. A move rewrites
the `lineage` of the moved tenants in one statement and queues the rewrite of the copy of
it that the rows of the lists carry (tenants.depth), which the worker does.
"""

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from . import audit
from .audit import Origin
from .authorization import authorize
from .models import AuditEvent, PathRewrite, Tenant, User
from .permissions import Action, can
from .selectors import forget_levels, tenants_visible_to
from .services import _create_tenant, _customer_slug

Kind = Tenant.Kind

PARTNER_SIDE = (Kind.PARTNER, Kind.FOLDER)
CUSTOMER_SIDE = (Kind.CUSTOMER, Kind.UNIT)
# The kinds a tenant of each kind may hold.
CHILD_KINDS: dict[str, tuple[str, ...]] = {
    Kind.PARTNER: (Kind.PARTNER, Kind.FOLDER, Kind.CUSTOMER),
    Kind.FOLDER: (Kind.PARTNER, Kind.FOLDER, Kind.CUSTOMER),
    Kind.CUSTOMER: (Kind.UNIT,),
    Kind.UNIT: (Kind.UNIT,),
}

MSG_KIND_NOT_HERE = gettext_noop("A tenant of this kind cannot be created here.")
MSG_NAME_TAKEN = gettext_noop("This level already has a tenant with that name.")
MSG_MOVE_TOP = gettext_noop("The top of a tree cannot be moved.")
MSG_MOVE_KIND = gettext_noop("A tenant of this kind cannot be moved there.")
MSG_MOVE_BELOW_ITSELF = gettext_noop("A tenant cannot be moved below itself.")
MSG_MOVE_OTHER_TREE = gettext_noop("A tenant can only be moved within its own partner.")


def _action_under(parent: Tenant) -> Action:
    """Creating below a partner-side level is managing customers; below a customer, units."""
    return Action.MANAGE_CUSTOMERS if parent.is_partner else Action.MANAGE_UNITS


def action_under(parent: Tenant) -> Action:
    """The action that creating (or moving a tenant) under `parent` takes."""
    return _action_under(parent)


def creatable_kinds(actor: User, parent: Tenant) -> tuple[str, ...]:
    """The kinds the actor's role may create under `parent` (a level already in scope), for
    forms to offer; `child_create` checks again."""
    return CHILD_KINDS[parent.kind] if can(actor, _action_under(parent)) else ()


def move_destinations(actor: User, tenant: Tenant, search: str = "") -> QuerySet[Tenant]:
    """Where `tenant` may go, for a picker: the levels of its own tree in the actor's scope
    that may hold its kind, other than its parent and its own subtree, by name (with
    `search`, those whose name contains it); `move_check` decides. A distributor has a
    thousand such places: pickers take the first ones (`destination_page`)."""
    kinds = [kind for kind, children in CHILD_KINDS.items() if tenant.kind in children]
    destinations = tenants_visible_to(actor).filter(family=tenant.family, kind__in=kinds)
    destinations = destinations.exclude(lineage__contains=[tenant.pk])
    if tenant.parent_id is not None:
        destinations = destinations.exclude(pk=tenant.parent_id)
    if search:
        destinations = destinations.filter(name__icontains=search)
    return destinations.order_by(Lower("name"), "id")


def destination_page(
    actor: User, tenant: Tenant, *, search: str = "", limit: int
) -> tuple[list[Tenant], bool]:
    """The first `limit` destinations by name (matching `search`), and whether there are
    more: one query of at most `limit` + 1 rows, however big the tree."""
    found = list(move_destinations(actor, tenant, search)[: limit + 1])
    return found[:limit], len(found) > limit


def _name_free(parent: Tenant, name: str, exclude: Tenant | None = None) -> None:
    siblings = Tenant.objects.filter(parent=parent, name__iexact=name.strip())
    if exclude is not None:
        siblings = siblings.exclude(pk=exclude.pk)
    if siblings.exists():
        raise ValidationError({"name": _(MSG_NAME_TAKEN)})


def child_create_check(*, actor: User, parent: Tenant, kind: str, name: str) -> None:
    authorize(actor, _action_under(parent), tenant=parent)
    if kind not in CHILD_KINDS[parent.kind]:
        raise ValidationError({"kind": _(MSG_KIND_NOT_HERE)})
    _name_free(parent, name)


@transaction.atomic
def child_create(
    *,
    actor: User,
    parent: Tenant,
    kind: str,
    name: str,
    slug: str | None = None,
    origin: Origin,
) -> Tenant:
    """Create a sub-partner, folder, customer or unit under `parent`, with its own schema."""
    child_create_check(actor=actor, parent=parent, kind=kind, name=name)
    child = _create_tenant(name=name, kind=kind, parent=parent, slug=slug or _customer_slug(name))
    forget_levels(parent)  # it has children now
    audit.record(
        actor=actor,
        origin=origin,
        action=AuditEvent.Action.TENANT_CREATE,
        tenant=child,
        obj=child,
        details={"kind": kind, "parent": parent.name},
    )
    return child


def move_check(*, actor: User, tenant: Tenant, to: Tenant) -> None:
    """The rules of a move, for forms that want them before moving."""
    if tenant.parent_id is None:
        raise ValidationError(_(MSG_MOVE_TOP))
    if to.family != tenant.family:
        raise ValidationError({"to": _(MSG_MOVE_OTHER_TREE)})
    if tenant.pk in (to.lineage or ()):
        raise ValidationError({"to": _(MSG_MOVE_BELOW_ITSELF)})
    if tenant.kind not in CHILD_KINDS[to.kind]:
        raise ValidationError({"to": _(MSG_MOVE_KIND)})
    # Managing both ends of the move: the tenant's place and the new one.
    action = _action_under(to)
    authorize(actor, action, tenant=tenant)
    authorize(actor, action, tenant=to)
    if tenant.parent is not None:
        authorize(actor, action, tenant=tenant.parent)
    _name_free(to, tenant.name, exclude=tenant)


# The subtree's paths in one statement; then the parent (its trigger recomputes the moved
# tenant's path from the new parent's, the same value). Setting parent_id in the first
# statement would fire the trigger for every row of the subtree against old paths.
_MOVE = """
UPDATE tenants_tenant SET lineage = %(prefix)s::bigint[] || lineage[%(after)s:]
 WHERE lineage @> ARRAY[%(id)s]::bigint[]
RETURNING family, slug
"""
# Monitoring > Usage's rollups (tokens.UsageRollup): the moved level's rows hold its whole
# subtree's counters, so they leave the levels only its old path had and join those only the
# new one has, one upsert in level order (the rollup trigger's order). Run after `_MOVE`:
# its row locks make counters written meanwhile wait and follow the new path, and every
# counter committed before is in the moved level's rows. Bounded by the levels that change
# and the days of usage kept, not by the subtree's size.
_SHIFT_USAGE = """
INSERT INTO tokens_usagerollup AS u (level_id, family, day, registrations, failures)
SELECT l.level, m.family, m.day, l.sign * m.registrations, l.sign * m.failures
  FROM unnest(%(levels)s::bigint[], %(signs)s::bigint[]) AS l(level, sign)
  JOIN tokens_usagerollup m ON m.level_id = %(id)s
 ORDER BY l.level, m.day
ON CONFLICT (level_id, day) DO UPDATE SET
    registrations = u.registrations + EXCLUDED.registrations,
    failures = u.failures + EXCLUDED.failures
"""
_CHILDLESS = """
UPDATE tenants_tenant p SET has_children = EXISTS (
    SELECT 1 FROM tenants_tenant c WHERE c.parent_id = p.id)
 WHERE p.id = %s
"""


@transaction.atomic
def tenant_move(*, actor: User, tenant: Tenant, to: Tenant, origin: Origin) -> Tenant:
    """Move `tenant` and everything below it under `to` (same tree), audited."""
    move_check(actor=actor, tenant=tenant, to=to)
    old_parent = tenant.parent
    with connection.cursor() as cursor:
        # One move of a tree at a time: two concurrent moves would each compute paths from
        # the other's old ones.
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext('tenants.tree'), %s)", [tenant.family]
        )
        cursor.execute("SELECT lineage FROM tenants_tenant WHERE id = %s", [to.pk])
        (to_lineage,) = cursor.fetchone()
        cursor.execute("SELECT lineage FROM tenants_tenant WHERE id = %s", [tenant.pk])
        (old_lineage,) = cursor.fetchone()
        if tenant.pk in to_lineage:
            raise ValidationError({"to": _(MSG_MOVE_BELOW_ITSELF)})
        new_lineage = [*to_lineage, tenant.pk]
        params = {
            "prefix": new_lineage,
            "after": len(old_lineage) + 1,
            "id": tenant.pk,
            "to": to.pk,
        }
        cursor.execute(_MOVE, params)
        moved = cursor.fetchall()
        left = [level for level in old_lineage[:-1] if level not in to_lineage]
        joined = [level for level in to_lineage if level not in old_lineage]
        if left or joined:
            shift = {"levels": left + joined, "signs": [-1] * len(left) + [1] * len(joined)}
            cursor.execute(_SHIFT_USAGE, {**shift, "id": tenant.pk})
        cursor.execute("UPDATE tenants_tenant SET parent_id = %s WHERE id = %s", [to.pk, tenant.pk])
        cursor.execute(_CHILDLESS, [tenant.parent_id])
    # The moved subtree's rows keep their old paths until the worker rewrites them
    # (tenants.tasks); meanwhile the tree's middle levels read ids (subtree_of).
    PathRewrite.objects.create(family=tenant.family, root=tenant.pk)

    def forget_moved() -> None:
        for family, slug in moved:
            forget_levels(Tenant(family=family, slug=slug))

    # Now, and again once committed: a request between the two may cache the old paths.
    forget_moved()
    transaction.on_commit(forget_moved)
    forget_levels(to)
    tenant.parent, tenant.lineage = to, new_lineage
    tenant.__dict__.pop("_subtree_ids", None)
    audit.record(
        actor=actor,
        origin=origin,
        action=AuditEvent.Action.TENANT_MOVE,
        tenant=tenant,
        obj=tenant,
        details={
            "from": old_parent.name if old_parent else "",
            "to": to.name,
            "tenants": len(moved),
        },
    )
    return tenant
