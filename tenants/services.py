"""Every write to tenants and users. Console, admin, API and CLI all call these."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.crypto import get_random_string
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tenants.utils import get_public_schema_name, schema_context

from . import audit, signals
from .audit import Origin
from .authorization import authorize
from .models import AuditEvent, Tenant, User
from .permissions import Action
from .selectors import forget_levels

Role = User.Role

ROLES_FOR_KIND = {
    # A partner's (a distributor's, a reseller's) read-only administrator sees its whole
    # subtree and changes nothing (`permissions.ROLE_ACTIONS`), as a read-only API client
    # of the partner already does.
    Tenant.Kind.PARTNER: {Role.PARTNER_ADMIN, Role.READONLY_ADMIN},
    Tenant.Kind.FOLDER: set(),  # partner-side grouping: no accounts of its own
    Tenant.Kind.CUSTOMER: {Role.COMPANY_ADMIN, Role.USER, Role.READONLY_ADMIN},
    Tenant.Kind.UNIT: {Role.UNIT_ADMIN, Role.USER, Role.READONLY_ADMIN},
}

MSG_ROLE_NOT_FOR_TENANT = gettext_noop("This role cannot be given to a user of this tenant.")
MSG_PARTNER_ADMIN_ONLY_BY_PARTNER = gettext_noop(
    "Only a partner administrator can add partner administrators."
)
# Usernames sign in, so they are unique across the platform. The one answer for a taken
# name says no more than that: not that it is a user, nor of which tenant or partner.
MSG_USERNAME_TAKEN = gettext_noop("This username is not available. Choose another.")
MSG_CUSTOMER_NAME_TAKEN = gettext_noop("This partner already has a customer with that name.")
MSG_LEVEL_NAME_TAKEN = gettext_noop("This level already has a tenant with that name.")


SLUG_SUFFIX = "abcdefghijklmnopqrstuvwxyz0123456789"


def _unique_slug(name: str) -> str:
    base = (slugify(name) or "tenant")[:30].strip("-")
    slug, n = base, 1
    while Tenant.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _customer_slug(name: str) -> str:
    """The name and a random suffix: slugs are unique across the platform, so one that
    depended on which slugs exist ("acme-2") told a partner that another partner has a
    customer called Acme."""
    base = (slugify(name) or "customer")[:30].strip("-")
    while True:
        slug = f"{base}-{get_random_string(6, SLUG_SUFFIX)}"
        if not Tenant.objects.filter(slug=slug).exists():
            return slug


def _forget_levels(tenant: Tenant) -> None:
    # Now, and again once committed: a request between the two may cache the old levels.
    forget_levels(tenant)
    transaction.on_commit(lambda: forget_levels(tenant))


def _create_tenant(*, name: str, kind: str, parent: Tenant | None, slug: str | None) -> Tenant:
    slug = slug or _unique_slug(name)
    tenant = Tenant(
        name=name.strip(),
        slug=slug,
        kind=kind,
        parent=parent,
        schema_name=Tenant.schema_name_for(slug),
    )
    tenant.full_clean()
    # django-tenants creates tenants from the public schema only; the caller may be a page
    # that has pointed the connection at the partner's schema.
    with schema_context(get_public_schema_name()):
        tenant.save(verbosity=0)
    _forget_levels(tenant)
    return tenant


@transaction.atomic
def partner_create(*, actor: User, name: str, slug: str | None = None, origin: Origin) -> Tenant:
    """Create a partner tenant: a platform-level action (only the superuser has it)."""
    authorize(actor, Action.MANAGE_PARTNERS, tenant=None)
    partner = _create_tenant(name=name, kind=Tenant.Kind.PARTNER, parent=None, slug=slug)
    audit.record(
        actor=actor,
        origin=origin,
        action=AuditEvent.Action.TENANT_CREATE,
        tenant=partner,
        obj=partner,
    )
    return partner


def customer_create_check(*, actor: User, partner: Tenant, name: str) -> None:
    authorize(actor, Action.MANAGE_CUSTOMERS, tenant=partner)
    if not partner.is_partner:
        raise ValidationError(_("Customers can only be created under a partner."))
    if Tenant.objects.filter(parent=partner, name__iexact=name.strip()).exists():
        raise ValidationError({"name": _(MSG_CUSTOMER_NAME_TAKEN)})


@transaction.atomic
def customer_create(
    *, actor: User, partner: Tenant, name: str, slug: str | None = None, origin: Origin
) -> Tenant:
    """Create a customer tenant under a partner; its schema is cloned from the template."""
    customer_create_check(actor=actor, partner=partner, name=name)
    slug = slug or _customer_slug(name)
    customer = _create_tenant(name=name, kind=Tenant.Kind.CUSTOMER, parent=partner, slug=slug)
    audit.record(
        actor=actor,
        origin=origin,
        action=AuditEvent.Action.TENANT_CREATE,
        tenant=customer,
        obj=customer,
    )
    return customer


def user_create_check(*, actor: User, tenant: Tenant, username: str, role: str) -> None:
    """The rules for creating a user, for forms that want them before saving."""
    authorize(actor, Action.MANAGE_USERS, tenant=tenant)
    if role not in ROLES_FOR_KIND[tenant.kind]:
        raise ValidationError({"role": _(MSG_ROLE_NOT_FOR_TENANT)})
    if role == Role.PARTNER_ADMIN:
        message = _(MSG_PARTNER_ADMIN_ONLY_BY_PARTNER)
        authorize(actor, Action.MANAGE_PARTNER_ADMINS, tenant=tenant, message=message)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _(MSG_USERNAME_TAKEN)})


@transaction.atomic
def user_create(
    *,
    actor: User,
    tenant: Tenant,
    username: str,
    password: str | None,
    role: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    origin: Origin,
) -> User:
    """Create a user of `tenant` with `role`, after checking the actor may."""
    user_create_check(actor=actor, tenant=tenant, username=username, role=role)
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        tenant=tenant,
        role=role,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    audit.record(
        actor=actor,
        origin=origin,
        action=AuditEvent.Action.USER_CREATE,
        tenant=tenant,
        obj=user,
        details={"role": role},
    )
    return user


MSG_CANNOT_DELETE_SELF = gettext_noop("You cannot delete your own account.")


def _authorize_on_user(actor: User, action: Action, user: User) -> None:
    # Platform accounts (no tenant) are not managed through these services.
    if user.tenant_id is None:
        raise PermissionDenied
    authorize(actor, action, tenant=user.tenant)


def user_delete_check(*, actor: User, user: User) -> None:
    _authorize_on_user(actor, Action.MANAGE_USERS, user)
    if user.pk == actor.pk:
        raise ValidationError(_(MSG_CANNOT_DELETE_SELF))
    if user.role == Role.PARTNER_ADMIN:
        authorize(actor, Action.MANAGE_PARTNER_ADMINS, tenant=user.tenant)


def user_remove(*, actor: User, user: User, origin: Origin, details: dict) -> None:
    """The tenants step of deleting a user: the audit event and the account itself.

    `portal.services.user_delete` composes it with the other apps' steps (tokens revoked,
    devices unregistered) in one transaction, after `user_delete_check`.
    """
    user_delete_check(actor=actor, user=user)
    audit.record(
        actor=actor,
        origin=origin,
        action=AuditEvent.Action.USER_DELETE,
        tenant=user.tenant,
        obj=user,
        details=details,
    )
    user.delete()


USER_EDITABLE = ("email", "first_name", "last_name", "is_active")


@transaction.atomic
def user_update(*, actor: User, user: User, data: dict, origin: Origin) -> User:
    """Change a user's contact details or active flag. A deactivated user cannot sign in,
    and their registration tokens stop working (checked at use)."""
    _authorize_on_user(actor, Action.MANAGE_USERS, user)
    if user.pk == actor.pk and data.get("is_active") is False:
        raise ValidationError(_("You cannot deactivate your own account."))
    changed = sorted(f for f in USER_EDITABLE if f in data and getattr(user, f) != data[f])
    for field in changed:
        setattr(user, field, data[field])
    if changed:
        user.save(update_fields=changed)
        audit.record(
            actor=actor,
            origin=origin,
            action=AuditEvent.Action.USER_UPDATE,
            tenant=user.tenant,
            obj=user,
            details={"fields": changed},
        )
    return user


@transaction.atomic
def tenant_rename(*, actor: User, tenant: Tenant, name: str, origin: Origin) -> Tenant:
    """Rename a tenant, from the public schema. As creating it: whoever manages its parent
    level (customers, sub-partners and folders under a partner-side level; units under a
    customer or unit); the top of a tree, only the platform."""
    parent = tenant.parent
    if parent is None:
        authorize(actor, Action.MANAGE_PARTNERS, tenant=tenant)
    else:
        action = Action.MANAGE_CUSTOMERS if parent.is_partner else Action.MANAGE_UNITS
        authorize(actor, action, tenant=parent)
    name = name.strip()
    siblings = Tenant.objects.filter(parent=tenant.parent, name__iexact=name).exclude(pk=tenant.pk)
    if parent is not None and siblings.exists():
        customer = tenant.kind == Tenant.Kind.CUSTOMER
        raise ValidationError(
            {"name": _(MSG_CUSTOMER_NAME_TAKEN if customer else MSG_LEVEL_NAME_TAKEN)}
        )
    old = tenant.name
    with schema_context(get_public_schema_name()):
        Tenant.objects.filter(pk=tenant.pk).update(name=name)
    tenant.name = name
    signals.tenant_renamed.send(sender=Tenant, tenant=tenant)
    _forget_levels(tenant)
    audit.record(
        actor=actor,
        origin=origin,
        action=AuditEvent.Action.TENANT_RENAME,
        tenant=tenant,
        obj=tenant,
        details={"from": old, "to": name},
    )
    return tenant
