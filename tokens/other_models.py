"""The tokens app's models that do not refer to a token: Monitoring > Usage's daily counters
(per tenant, and rolled up per level of the tree) and the agents' own credentials.
Registered with the app by `tokens.models`; this module does not import it."""

from django.db import models
from django.utils import timezone


class UsageDay(models.Model):
    """Machines registered and failed token uses of one customer on one day (UTC), the
    counters Monitoring > Usage reads. `registrations` is added to by the registration
    statement itself (agents/services/registration_sql.py, new devices only), `failures`
    where a failed token use is answered (tokens/throttling.py). Failures of unknown tokens
    have no customer: tenant and family are null (platform only)."""

    tenant = models.ForeignKey(
        "tenants.Tenant", null=True, on_delete=models.CASCADE, related_name="+"
    )
    # The customer's partner level (as on tokens): All customers reads one (family, day) range.
    family = models.BigIntegerField(null=True)
    day = models.DateField()
    registrations = models.PositiveIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "tokens_usageday"
        constraints = [
            # NULLS NOT DISTINCT: the platform's one row per day for unknown tokens.
            models.UniqueConstraint(
                fields=["tenant", "day"], name="one_usage_row_per_day", nulls_distinct=False
            ),
        ]
        indexes = [models.Index(fields=["family", "day"], name="usage_by_family_day")]

    def __str__(self):
        return f"usage of {self.tenant_id} on {self.day}"


class UsageRollup(models.Model):
    """A level's usage per day: the sum of `UsageDay` over the level and every tenant below
    it, so Monitoring > Usage reads 30 rows at any level (a distributor's 3,000 tenants as a
    leaf customer's one). Kept by a database trigger on `tokens_usageday` (migration 0012:
    every change of a tenant's counters adds its difference to each level of the tenant's
    `lineage`, in the same statement and transaction); a move shifts the moved level's rows
    from its old ancestors to its new ones (`tenants.tree.tenant_move`). Never written by
    the application otherwise."""

    level = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    family = models.BigIntegerField()  # the tree's top: the sharding key, as on `UsageDay`
    day = models.DateField()
    # Not "positive": a move's shift of counters is one upsert, whose rows PostgreSQL checks
    # before it knows they are updates.
    registrations = models.BigIntegerField(default=0)
    failures = models.BigIntegerField(default=0)

    class Meta:
        db_table = "tokens_usagerollup"
        constraints = [
            models.UniqueConstraint(fields=["level", "day"], name="one_usage_rollup_per_day"),
        ]

    def __str__(self):
        return f"usage below {self.level_id} on {self.day}"


class AgentCredential(models.Model):
    """An agent's own credential: which tenant and device a Bearer secret belongs to.

    Public schema, so the secret's digest resolves the tenant in one indexed query; the
    device itself lives in that tenant's schema. Re-registering replaces the digest, so the
    previous secret stops working.
    """

    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="agent_credentials"
    )
    device_id = models.BigIntegerField()
    agent_id = models.UUIDField(unique=True)
    secret_digest = models.CharField(max_length=64, unique=True)
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "device_id"], name="one_credential_per_device"
            ),
        ]

    def __str__(self):
        return f"agent {self.agent_id}"
