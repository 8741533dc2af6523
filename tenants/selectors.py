"""Scoped reads of tenants and users.

Every tenant-scoped page, API call and admin screen reaches its tenant through `tenant_for`,
which treats "exists but outside your scope" exactly like "does not exist".
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from .models import Tenant, User


def tenants_visible_to(user) -> QuerySet[Tenant]:
    """The tenants a user may work on: a partner administrator's partner and its customers,
    everyone else's own tenant, and every tenant for the platform superuser."""
    tenants = Tenant.objects.select_related("parent")
    if not user.is_authenticated or not user.is_active:
        return tenants.none()
    if user.is_superuser:
        return tenants.all()
    if user.tenant_id is None:
        return tenants.none()
    if user.role == User.Role.PARTNER_ADMIN:
        return tenants.filter(Q(pk=user.tenant_id) | Q(parent_id=user.tenant_id))
    return tenants.filter(pk=user.tenant_id)


def in_scope(actor, tenant_id) -> bool:
    """Whether the actor may work on the tenant with this primary key (services re-check
    what views already resolved, so a new caller cannot skip the scope)."""
    return tenant_id is not None and tenants_visible_to(actor).filter(pk=tenant_id).exists()


def tenant_for(*, actor, tenant_id: str) -> Tenant:
    """The tenant named `tenant_id` (its slug) if the actor may see it; Http404 otherwise."""
    try:
        return tenants_visible_to(actor).get(slug=tenant_id)
    except Tenant.DoesNotExist:
        raise Http404("No such tenant.") from None


def customers_at(tenant: Tenant) -> list[Tenant]:
    """The customers a level covers: a partner ("All customers") covers all of its
    customers, a customer only itself."""
    if tenant.is_customer:
        return [tenant]
    return list(Tenant.objects.filter(parent=tenant).order_by("name"))


def selector_choices(user) -> list[Tenant]:
    """The tenant selector's entries: each partner first (shown as "All customers"),
    then its customers, in name order."""
    tenants = list(tenants_visible_to(user))
    partners = sorted((t for t in tenants if t.is_partner), key=lambda t: t.name.lower())
    ordered: list[Tenant] = []
    for partner in partners:
        ordered.append(partner)
        ordered.extend(
            sorted((t for t in tenants if t.parent_id == partner.pk), key=lambda t: t.name.lower())
        )
    seen = {t.pk for t in ordered}
    ordered.extend(t for t in tenants if t.pk not in seen)
    return ordered


def users_at(*, actor, tenant: Tenant) -> QuerySet[User]:
    """Users of a level the actor has already been scoped to: at a partner, the partner's
    own administrators and every user of its customers."""
    users = User.objects.select_related("tenant")
    if tenant.is_partner:
        users = users.filter(Q(tenant=tenant) | Q(tenant__parent=tenant))
    else:
        users = users.filter(tenant=tenant)
    if not actor.is_superuser and not actor.is_admin_role:
        users = users.filter(pk=actor.pk)
    return users.order_by("tenant__name", "username")


def user_in(*, tenant: Tenant, user_id) -> User:
    """A user of exactly this customer tenant, or Http404."""
    try:
        return User.objects.get(pk=user_id, tenant=tenant)
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404("No such user.") from None
