"""Registration tokens: public schema, because an agent presents one before its tenant is known.

Only a SHA-256 digest of the value and its first two symbols are stored; the value itself
exists only in the response that creates it.
"""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import values

MAX_MACHINES = 10_000


class TokenQuerySet(models.QuerySet):
    def active(self, now=None):
        return self.filter(deleted_at__isnull=True, expires_at__gt=now or timezone.now())

    def usable(self, now=None):
        """Active and not used up: what can still register a new machine (the metrics
        gauge). The lists show every active token, used up or replaced in its grace period
        included (`active`): such a token still works for something, so it must stay
        deletable."""
        room = Q(max_machines__isnull=True) | Q(machines__lt=F("max_machines"))
        return self.active(now).filter(room)


class RegistrationToken(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tenant = models.ForeignKey(
        "tenants.Tenant",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="registration_tokens",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="registration_tokens",
        help_text=_("Machines registered with the token are registered under this user."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # The customer's family (its partner level): All customers lists are an index range.
    family = models.BigIntegerField(null=True, editable=False)
    expires_at = models.DateTimeField(_("expires"))
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)
    # A plan in the tenant's schema; its name is kept here so lists need no schema hop.
    plan_id = models.BigIntegerField(_("protection plan"), null=True, blank=True)
    plan_name = models.CharField(_("protection plan"), max_length=100, blank=True)
    # Database defaults too, so rows written by plain SQL (or an older release) are valid.
    description = models.CharField(
        _("description"), max_length=200, blank=True, default="", db_default=""
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("token"), max_length=values.PREFIX_LENGTH, editable=False)
    registrations = models.PositiveIntegerField(_("registrations"), default=0)
    # Use limit: None is reusable; else at most this many distinct machines (TokenMachine).
    max_machines = models.PositiveIntegerField(_("machine limit"), null=True, blank=True)
    machines = models.PositiveIntegerField(_("machines"), default=0, db_default=0)
    # Address limit: CIDR networks (normalized by tokens.networks); empty allows any address.
    # (An array, not JSON: the registration's hand-written lookup reads it as a list. Its
    # database default '{}' is set by migration 0007.)
    allowed_networks = ArrayField(
        models.CharField(max_length=49),
        verbose_name=_("allowed networks"),
        default=list,
        blank=True,
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    # Reissued with a grace period: the token that replaces this one. The old value keeps
    # working until `expires_at`, which the reissue brought forward to the grace's end
    # (`works_until`); a reissue without grace deletes the old token instead.
    replaced_by = models.ForeignKey(
        "self",
        verbose_name=_("replaced by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Reminders (tokens/reminders.py): set once a reminder is sent or found not due, so the
    # periodic scan reads small partial indexes of pending tokens only.
    expiry_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    first_machine_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = TokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("registration token")
        constraints = [
            models.CheckConstraint(
                condition=Q(max_machines__isnull=True)
                | Q(max_machines__gte=1, max_machines__lte=MAX_MACHINES),
                name="token_machine_limit_range",
            ),
        ]
        indexes = [
            models.Index(
                fields=["tenant", "expires_at"],
                name="token_active_by_tenant",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["family", "-created_at", "-id"],
                name="token_active_by_family",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["tenant", "-created_at", "-id"],
                name="token_active_by_customer",
                condition=Q(deleted_at__isnull=True),
            ),
            # Reminders: the tokens still waiting for each kind (tokens/reminders.py).
            models.Index(
                fields=["expires_at"],
                name="token_expiry_reminder_due",
                condition=Q(deleted_at__isnull=True, expiry_reminded_at__isnull=True),
            ),
            models.Index(
                fields=["id"],
                name="token_first_machine_due",
                condition=Q(
                    deleted_at__isnull=True,
                    first_machine_reminded_at__isnull=True,
                    registrations__gt=0,
                ),
            ),
        ]

    def __str__(self):
        return self.masked

    @property
    def masked(self) -> str:
        return values.masked(self.prefix)

    def is_active(self, now=None) -> bool:
        return self.deleted_at is None and self.expires_at > (now or timezone.now())

    @property
    def used_up(self) -> bool:
        return self.max_machines is not None and self.machines >= self.max_machines

    @property
    def works_until(self):
        """A replaced token's old value works until then (its grace's end), else None."""
        return self.expires_at if self.replaced_by_id is not None else None


class TokenMachine(models.Model):
    """A distinct machine a token registered: what its use limit counts. Written by the
    registration statement (`agents.services.registration_sql`), ON CONFLICT DO NOTHING-
    style, so a re-registration of the same machine does not use the token up."""

    token = models.ForeignKey(RegistrationToken, on_delete=models.CASCADE, related_name="+")
    machine_id = models.CharField(max_length=128)
    registered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "machine_id"], name="one_pair_per_machine")
        ]

    def __str__(self):
        return self.machine_id


class TokenReminder(models.Model):
    """A reminder mail claimed for a token: its unique (token, kind) row is inserted (ON
    CONFLICT DO NOTHING) and committed before the mail is sent, so each is sent at most once
    even with several workers or a worker killed mid-send; a failed send deletes the row
    (it is tried again). See tokens/reminders.py."""

    class Kind(models.TextChoices):
        EXPIRES_SOON = "expires_soon", _("expires within a day")
        FIRST_MACHINE = "first_machine", _("first machine registered")

    token = models.ForeignKey(RegistrationToken, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "tokens_reminder"
        constraints = [
            models.UniqueConstraint(fields=["token", "kind"], name="one_reminder_per_kind"),
        ]

    def __str__(self):
        return f"{self.kind} reminder of token {self.token_id}"


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
