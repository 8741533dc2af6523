"""Tenants, users and the audit log: the public schema.

A partner tenant manages customer tenants. Every tenant has its own PostgreSQL schema (built
like the migrated template schema), but only customer schemas ever hold devices and
protection plans.
Users live in the public schema and belong to exactly one tenant with exactly one role; the
platform superuser is the only account without a tenant.
"""

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.postgres.functions import RandomUUID
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tenants.models import TenantMixin
from django_tenants.utils import schema_exists


class Tenant(TenantMixin):
    class Kind(models.TextChoices):
        PARTNER = "partner", _("Partner")
        CUSTOMER = "customer", _("Customer")

    name = models.CharField(_("name"), max_length=100)
    # The tenant's id in URLs and the API: stable, unique, and safe to show.
    slug = models.SlugField(_("identifier"), max_length=40, unique=True)
    # The tenant's id in the original vendor's API v2 (`vendorapi`): a UUID that never
    # changes. Drawn by the database, so rows inserted by SQL get one too.
    uuid = models.UUIDField(db_default=RandomUUID(), unique=True, editable=False)
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
    # The partner whose level ("All customers") covers this tenant: the partner itself, or a
    # customer's partner. One indexed column answers "every tenant of this level", and it is
    # the key a partner's data would be placed by on several database servers.
    family = models.BigIntegerField(null=True, editable=False)
    # Two-factor sign-in required at this level and below (tenants.two_factor): a customer
    # adds to its partner's requirement, never loosens it.
    two_factor_required = models.CharField(
        _("two-factor sign-in required"),
        max_length=10,
        blank=True,
        default="",
        db_default="",  # tenants inserted by SQL (tests, the scale benchmark) get it too
        choices=[
            ("", _("Not required")),
            ("admins", _("Administrators")),
            ("everyone", _("Everyone")),
        ],
    )

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
        # A partner's customers by name: the selector, Customers and Usage read a page of it.
        indexes = [
            models.Index("parent", Lower("name"), "id", name="tenant_customers_by_name"),
            models.Index("family", "name", "id", name="tenant_level_by_name"),
        ]

    def __str__(self):
        return self.name

    def create_schema(self, check_if_exists=False, sync_schema=True, verbosity=1):
        """Create the schema from the tenant apps' models when the template schema exists
        (see `tenants.schemas.create_tenant_schema`); otherwise django-tenants' own way."""
        from .schemas import create_tenant_schema  # noqa: PLC0415 - schemas imports this module

        if check_if_exists and schema_exists(self.schema_name):
            return False
        if sync_schema and create_tenant_schema(self.schema_name):
            return True
        return super().create_schema(check_if_exists, sync_schema, verbosity)

    def save(self, *args, **kwargs):
        if self.parent_id is not None:
            self.family = self.parent_id
        super().save(*args, **kwargs)
        if self.family is None:  # a new partner is its own level
            self.family = self.pk
            type(self).objects.filter(pk=self.pk).update(family=self.pk)

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
    # The user's ids in the original vendor's API v2 (`vendorapi`): the user's own, and the
    # "personal tenant" that registration token scopes name the user by. Stable UUIDs drawn
    # by the database.
    uuid = models.UUIDField(db_default=RandomUUID(), unique=True, editable=False)
    personal_tenant_uuid = models.UUIDField(db_default=RandomUUID(), unique=True, editable=False)
    # The tenant's family (its partner level), so a partner's users list is an index range.
    family = models.BigIntegerField(null=True, editable=False)

    objects = UserManager()

    class Meta:
        ordering = ["username"]
        indexes = [models.Index("family", "username", name="user_level_by_username")]
        constraints = [
            # Exactly one tenant and one role, except for the platform superuser.
            models.CheckConstraint(
                name="user_has_tenant_and_role_or_is_superuser",
                condition=Q(tenant__isnull=False) & ~Q(role="")
                | Q(tenant__isnull=True, role="", is_superuser=True),
            ),
        ]

    def save(self, *args, **kwargs):
        self.family = self.tenant.family if self.tenant_id else None
        super().save(*args, **kwargs)


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
        # Token features of issue 11 (description, leak response, renewal)
        TOKEN_UPDATE = "token.update", _("Registration token description changed")
        TOKEN_DELETE_UNREGISTER = (
            "token.delete_unregister",
            _("Registration token deleted and its machines unregistered"),
        )
        TOKEN_EXTEND = "token.extend", _("Registration token extended")
        TOKEN_REISSUE = "token.reissue", _("Registration token reissued")
        PLAN_CREATE = "plan.create", _("Protection plan created")
        PLAN_UPDATE = "plan.update", _("Protection plan changed")
        PLAN_DELETE = "plan.delete", _("Protection plan deleted")
        PLAN_APPLY = "plan.apply", _("Protection plan applied")
        PLAN_REVOKE = "plan.revoke", _("Protection plan revoked")
        DEVICE_REGISTER = "device.register", _("Device registered")
        DEVICE_REREGISTER = "device.reregister", _("Device registered again")
        DEVICE_UNREGISTER = "device.unregister", _("Device unregistered")
        DEVICE_REGISTER_REFUSED = "device.register_refused", _("Device registration refused")
        TOKEN_USE_FAILED = "token.use_failed", _("Registration token use failed")
        API_CLIENT_CREATE = "api_client.create", _("API client created")
        API_CLIENT_DELETE = "api_client.delete", _("API client deleted")
        API_CLIENT_RESET_SECRET = "api_client.reset_secret", _("API client secret reset")
        # Two-factor sign-in and sessions (issue 21)
        TWO_FACTOR_REQUIREMENT = "tenant.two_factor", _("Two-factor requirement changed")
        TWO_FACTOR_ENROL = "user.two_factor_enrol", _("Second factor added")
        TWO_FACTOR_REMOVE = "user.two_factor_remove", _("Second factor removed")
        TWO_FACTOR_RESET = "user.two_factor_reset", _("Second factors reset")
        SESSIONS_END = "user.sessions_end", _("User signed out everywhere")

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    # The tenant's family (its partner level), so a partner's audit log is an index range.
    family = models.BigIntegerField(null=True, editable=False)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("initiator"), max_length=150)
    # The API client that acted (its access token), kept after the client is deleted;
    # `actor_name` then reads "API client <name>" and `actor` is empty.
    actor_client_id = models.BigIntegerField(null=True, blank=True, editable=False)
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
    # Rolled-up events (failed token uses): how many times it happened within the event's
    # minute, and the key that one upsert adds to (null for every other event).
    count = models.PositiveIntegerField(_("count"), default=1, db_default=1)
    rollup_key = models.CharField(max_length=200, null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-at", "-id"]
        # Each list is one index range: a level (family at All customers, tenant at a
        # customer), optionally one action or one initiator, newest first.
        indexes = [
            models.Index(fields=["tenant", "-at", "-id"], name="audit_tenant_by_time"),
            models.Index(fields=["family", "-at", "-id"], name="audit_level_by_time"),
            models.Index(fields=["family", "action", "-at", "-id"], name="audit_level_by_action"),
            models.Index(fields=["tenant", "action", "-at", "-id"], name="audit_tenant_by_action"),
            models.Index(
                fields=["family", "actor_name", "-at", "-id"], name="audit_level_by_actor"
            ),
            models.Index(
                fields=["tenant", "actor_name", "-at", "-id"], name="audit_tenant_by_actor"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["rollup_key"],
                name="audit_rollup_key_unique",
                condition=Q(rollup_key__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"


# Second factors, session records and API clients (modules of their own, registered with
# this app here).
from .account_models import RecoveryCodes, UserSession  # noqa: E402, F401
from .api_client_models import ApiClient  # noqa: E402, F401
