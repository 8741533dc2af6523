"""Tenants, users and the audit log: the public schema.

Tenants form trees, as in the original product: partners (a distributor's resellers are
partners under a partner) and folders (partner-side grouping) above, customers below them,
and units (a customer's departments or sites) inside customers, to any depth. Every tenant
has its own PostgreSQL schema (built like the migrated template schema), but only the
customer side (customers and units) ever holds users' machines and protection plans.
Users live in the public schema and belong to exactly one tenant with exactly one role; the
platform superuser is the only account without a tenant.
"""

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.functions import RandomUUID
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tenants.models import TenantMixin
from django_tenants.utils import schema_exists

from .depth import PathField, level_indexes


class Tenant(TenantMixin):
    class Kind(models.TextChoices):
        PARTNER = "partner", _("Partner")
        FOLDER = "folder", _("Folder")
        CUSTOMER = "customer", _("Customer")
        UNIT = "unit", _("Unit")

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
    # The path from the top of the tree to this tenant, ids inclusive: [distributor, reseller,
    # customer, unit]. A GIN index answers "this level and everything below" (`lineage @>
    # [id]`); a database trigger fills it (and `family`) on insert and on a change of
    # parent, so rows inserted by SQL get it too; a move rewrites the moved subtree's paths.
    lineage = ArrayField(models.BigIntegerField(), default=list, editable=False)
    # Whether any tenant has this one as parent (set by the same trigger): a level without
    # children is read by its own id, the plans of a single customer.
    has_children = models.BooleanField(default=False, db_default=False, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # The top of this tenant's tree (`lineage[0]`): the partner whose "All customers" covers
    # every tenant of the tree. One indexed column of tenants, users, tokens, directory
    # entries and audit events answers the top level, and it is the key a tree's data would be
    # placed by on several database servers; moves stay within one tree, so it never changes.
    family = models.BigIntegerField(null=True, editable=False)
    # Bumped by the database on every rename and move (tenants migration 0016's trigger, which
    # owns the column: a save() cannot write it back stale). The vendor's API answers it and
    # refuses a change made against an older one (409), as the original product does.
    version = models.PositiveIntegerField(default=1, db_default=1, editable=False)
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
            # Only a partner may stand at the top of a tree; which kind may sit under which
            # is the services' rule (`tenants.tree`).
            models.CheckConstraint(
                name="tenant_only_partners_at_the_top",
                condition=Q(kind="partner") | Q(parent__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["parent", "name"], name="tenant_name_unique_per_partner"
            ),
        ]
        # A partner's customers by name: the selector, Customers and Usage read a page of it.
        indexes = [
            models.Index("parent", Lower("name"), "id", name="tenant_customers_by_name"),
            models.Index("family", "name", "id", name="tenant_level_by_name"),
            models.Index("family", Lower("name"), "id", name="tenant_tree_by_name"),
            GinIndex(fields=["lineage"], name="tenant_lineage"),
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
        adding = self._state.adding
        super().save(*args, **kwargs)
        if adding:  # what the insert trigger wrote, without reading it back
            above = list(self.parent.lineage) if self.parent_id else []
            self.lineage = [*above, self.pk]
            self.family = self.lineage[0]
            if self.parent_id:
                self.parent.has_children = True

    @property
    def is_partner(self) -> bool:
        """A level on the partner side (a partner or a folder): it holds no machines, and its
        level is "All customers" of its subtree."""
        return self.kind in (self.Kind.PARTNER, self.Kind.FOLDER)

    @property
    def is_customer(self) -> bool:
        """A tenant on the customer side (a customer or a unit): it has users and machines."""
        return self.kind in (self.Kind.CUSTOMER, self.Kind.UNIT)

    @property
    def is_folder(self) -> bool:
        return self.kind == self.Kind.FOLDER

    @property
    def is_unit(self) -> bool:
        return self.kind == self.Kind.UNIT

    @property
    def is_top(self) -> bool:
        """The top of a tree: its level is its whole `family`."""
        return self.parent_id is None

    @staticmethod
    def schema_name_for(slug: str) -> str:
        return "t_" + slug.replace("-", "_")


class User(AbstractUser):
    class Role(models.TextChoices):
        PARTNER_ADMIN = "partner_admin", _("Partner administrator")
        COMPANY_ADMIN = "company_admin", _("Company administrator")
        USER = "user", _("User")
        READONLY_ADMIN = "readonly_admin", _("Read-only administrator")
        UNIT_ADMIN = "unit_admin", _("Unit administrator")

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
    # The tenant's path (tenants.depth): a middle level's users are an index range too.
    lineage = PathField()

    objects = UserManager()

    class Meta:
        ordering = ["username"]
        indexes = [
            models.Index("family", "username", name="user_level_by_username"),
            *level_indexes("user_level_by_username", "username"),
        ]
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


# The audit log, second factors, session records and API clients (modules of their own,
# registered with this app here).
from .account_models import RecoveryCodes, UserSession  # noqa: E402, F401
from .api_client_models import ApiClient  # noqa: E402, F401
from .audit_models import AuditEvent  # noqa: E402, F401
from .path_models import PathRewrite  # noqa: E402, F401
