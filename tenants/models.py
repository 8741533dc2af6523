"""Tenants, users and the audit log: the public schema.

A partner tenant manages customer tenants. Every tenant has its own PostgreSQL schema (cloned
from the template schema), but only customer schemas ever hold devices and protection plans.
Users live in the public schema and belong to exactly one tenant with exactly one role; the
platform superuser is the only account without a tenant.
"""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tenants.models import TenantMixin


class Tenant(TenantMixin):
    class Kind(models.TextChoices):
        PARTNER = "partner", _("Partner")
        CUSTOMER = "customer", _("Customer")

    name = models.CharField(_("name"), max_length=100)
    # The tenant's id in URLs and the API: stable, unique, and safe to show.
    slug = models.SlugField(_("identifier"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("partner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    auto_create_schema = True
    auto_drop_schema = True

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="tenant_customer_has_partner",
                condition=Q(kind="customer", parent__isnull=False)
                | Q(kind="partner", parent__isnull=True),
            ),
            models.UniqueConstraint(
                fields=["parent", "name"], name="tenant_name_unique_per_partner"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_partner(self) -> bool:
        return self.kind == self.Kind.PARTNER

    @property
    def is_customer(self) -> bool:
        return self.kind == self.Kind.CUSTOMER

    @staticmethod
    def schema_name_for(slug: str) -> str:
        return "t_" + slug.replace("-", "_")


class User(AbstractUser):
    class Role(models.TextChoices):
        PARTNER_ADMIN = "partner_admin", _("Partner administrator")
        COMPANY_ADMIN = "company_admin", _("Company administrator")
        USER = "user", _("User")
        READONLY_ADMIN = "readonly_admin", _("Read-only administrator")

    tenant = models.ForeignKey(
        Tenant,
        verbose_name=_("tenant"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)

    objects = UserManager()

    class Meta:
        ordering = ["username"]
        constraints = [
            # Exactly one tenant and one role, except for the platform superuser.
            models.CheckConstraint(
                name="user_has_tenant_and_role_or_is_superuser",
                condition=Q(tenant__isnull=False) & ~Q(role="")
                | Q(tenant__isnull=True, role="", is_superuser=True),
            ),
        ]


class AuditEvent(models.Model):
    """One recorded change, written in the same transaction as the change itself."""

    class Source(models.TextChoices):
        UI = "ui", _("Console")
        API = "api", _("API")
        ADMIN = "admin", _("Admin")
        CLI = "cli", _("Command line")
        AGENT = "agent", _("Agent")

    class Action(models.TextChoices):
        """Every kind of recorded change; `audit.record` takes only these."""

        TENANT_CREATE = "tenant.create", _("Tenant created")
        TENANT_RENAME = "tenant.rename", _("Tenant renamed")
        USER_CREATE = "user.create", _("User created")
        USER_UPDATE = "user.update", _("User changed")
        USER_DELETE = "user.delete", _("User deleted")
        TOKEN_CREATE = "token.create", _("Registration token generated")
        TOKEN_DELETE = "token.delete", _("Registration token deleted")
        PLAN_CREATE = "plan.create", _("Protection plan created")
        PLAN_UPDATE = "plan.update", _("Protection plan changed")
        PLAN_DELETE = "plan.delete", _("Protection plan deleted")
        PLAN_APPLY = "plan.apply", _("Protection plan applied")
        PLAN_REVOKE = "plan.revoke", _("Protection plan revoked")
        DEVICE_REGISTER = "device.register", _("Device registered")
        DEVICE_REREGISTER = "device.reregister", _("Device registered again")
        DEVICE_UNREGISTER = "device.unregister", _("Device unregistered")

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("initiator"), max_length=150)
    on_behalf_of = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tenant = models.ForeignKey(
        Tenant, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    action = models.CharField(_("action"), max_length=40, choices=Action.choices)
    object_type = models.CharField(_("object"), max_length=40)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)
    source = models.CharField(_("method"), max_length=10, choices=Source.choices)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["tenant", "-at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"
