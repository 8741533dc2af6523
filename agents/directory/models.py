"""The device directory: one public-schema row per registered device, whatever its customer.

A device itself lives in its customer's schema. Lists that span customers ("All customers")
read this table instead of every schema, so a page costs the same with 1 customer or 1,000:
an index scan of one partner's (or one customer's) rows, never a query per schema. It is
also what keeps working when customer schemas live on several database servers.

Every change to a device writes its entry in the same transaction (registration,
unregistering, plans applied or revoked, plan renames, last seen), so the directory never
disagrees with the schemas it summarises.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Lower

from tenants.depth import PathField, level_indexes

from ..models import ProtectionPlan


class DeviceEntry(models.Model):
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="device_entries"
    )
    # The top of the customer's tree (`Tenant.family`): the top's All customers lists
    # filter on it without a join (tenants.selectors.at_level, family="partner").
    partner = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="+", null=True
    )
    # The customer's path (tenants.depth): a middle level's devices are an index range too.
    lineage = PathField()
    device_id = models.BigIntegerField()
    agent_id = models.UUIDField(unique=True)
    hostname = models.CharField(max_length=255)
    os = models.CharField(max_length=100)
    agent_version = models.CharField(max_length=40, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    owner_username = models.CharField(max_length=150)
    customer_name = models.CharField(max_length=100)
    customer_slug = models.CharField(max_length=40)
    plan_names = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    registered_at = models.DateTimeField()
    registered_token_id = models.UUIDField(null=True, blank=True)
    registered_token_prefix = models.CharField(max_length=2, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "device_id"], name="one_entry_per_device"),
        ]
        # One index per level and default sort, so the first page is an index scan; at All
        # customers one per offered sort (Devices > All devices), so every sort either way
        # is an index range of the partner's entries and a keyset page a seek in it.
        indexes = [
            models.Index("partner", Lower("hostname"), "id", name="entry_partner_by_name"),
            *level_indexes("entry_level_by_name", Lower("hostname"), "id"),
            *(
                models.Index("partner", column, "id", name=f"entry_partner_by_{name}")
                for name, column in (
                    ("owner", "owner_username"),
                    ("os", "os"),
                    ("registered", "registered_at"),
                    ("customer", "customer_name"),
                )
            ),
            models.Index("tenant", Lower("hostname"), "id", name="entry_tenant_by_name"),
            models.Index("tenant", "owner", name="entry_tenant_owner"),
            models.Index("registered_token_id", name="entry_by_token"),
        ]

    def __str__(self):
        return self.hostname


class PlanEntry(models.Model):
    """A protection plan of a customer, listed like devices are: Protection plans at All
    customers, the plan choices of tokens and the plan API read this table."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    partner = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="+", null=True
    )
    lineage = PathField()  # as DeviceEntry's
    plan_id = models.BigIntegerField()
    name = models.CharField(max_length=100)
    schedule = models.CharField(max_length=10)
    what_to_back_up = models.CharField(max_length=20)
    start_time = models.TimeField()
    retention_days = models.PositiveIntegerField()
    encryption = models.BooleanField()
    updated_at = models.DateTimeField()
    customer_name = models.CharField(max_length=100)
    customer_slug = models.CharField(max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "plan_id"], name="one_entry_per_plan"),
        ]
        indexes = [
            models.Index("partner", Lower("name"), "id", name="plan_entry_partner_by_name"),
            *level_indexes("plan_entry_level_by_name", Lower("name"), "id"),
            # Protection plans at All customers, by each offered sort (as devices).
            *(
                models.Index("partner", column, "id", name=f"plan_partner_by_{name}")
                for name, column in (
                    ("customer", "customer_name"),
                    ("schedule", "schedule"),
                    ("source", "what_to_back_up"),
                    ("retention", "retention_days"),
                )
            ),
            models.Index("tenant", Lower("name"), "id", name="plan_entry_tenant_by_name"),
            # The API's plan list pages by (name, id) as stored (a cursor needs a column):
            # without it the top of a tree sorted every plan of the tree (bench_depth).
            models.Index("partner", "name", "id", name="plan_partner_by_stored_name"),
            *level_indexes("plan_level_by_stored_name", "name", "id"),
        ]

    def __str__(self):
        return self.name

    @property
    def schedule_label(self) -> str:
        return str(ProtectionPlan.Schedule(self.schedule).label)

    @property
    def source_label(self) -> str:
        return str(ProtectionPlan.Source(self.what_to_back_up).label)
