"""Registration tokens: public schema, because an agent presents one before its tenant is known.

Only a SHA-256 digest of the value and its first two symbols are stored; the value itself
exists only in the response that creates it.
"""

import datetime
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.depth import PathField, level_indexes

from . import values

MAX_MACHINES = 10_000

# "Last used" sorts never-used tokens last either way: a non-null key per direction (an
# index each), so the order has no NULLs for a keyset page to step over.
_LATEST = datetime.datetime(9999, 12, 31, tzinfo=datetime.UTC)
_EARLIEST = datetime.datetime(1, 1, 1, tzinfo=datetime.UTC)
NEVER_USED_LAST_ASC = Coalesce("last_used_at", Value(_LATEST))
NEVER_USED_LAST_DESC = Coalesce("last_used_at", Value(_EARLIEST))
LIST_SORT_KEYS = {
    "expires": F("expires_at"),
    "user": F("user_username"),
    "customer": F("customer_name"),
    "registrations": F("registrations"),
    "machines": F("machines"),
    "last_used_up": NEVER_USED_LAST_ASC,
    "last_used_down": NEVER_USED_LAST_DESC,
}


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
    # Who made it, as named then: a person's username, or "API client <name>" for a client
    # (which has no account, so `created_by` is empty); kept after either is deleted.
    created_by_name = models.CharField(
        _("created by"), max_length=150, blank=True, default="", db_default=""
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # The customer's family (its partner level): All customers lists are an index range.
    family = models.BigIntegerField(null=True, editable=False)
    # The customer's path (tenants.depth): a middle level's tokens are an index range too.
    lineage = PathField()
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
    # Copies of the customer's name and the user's username (as the device directory keeps
    # them), so sorting All customers' tokens by either is one index range, not a join of
    # every token of the partner. Written with the token; a rename of the customer updates
    # them (TokensConfig.ready); usernames never change.
    customer_name = models.CharField(max_length=100, blank=True, default="", db_default="")
    user_username = models.CharField(max_length=150, blank=True, default="", db_default="")
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
            *level_indexes(
                "token_active_by_level",
                F("created_at").desc(),
                F("id").desc(),
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["tenant", "-created_at", "-id"],
                name="token_active_by_customer",
                condition=Q(deleted_at__isnull=True),
            ),
            # One per sort of the token lists at All customers, so every sort (either way)
            # is an index range of the partner's tokens and a keyset page a seek in it.
            *(
                models.Index(
                    "family",
                    key,
                    "id",
                    name=f"token_family_by_{name}",
                    condition=Q(deleted_at__isnull=True),
                )
                for name, key in LIST_SORT_KEYS.items()
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
    database function the registration statement calls (`tokens_take_use`, migration 0014),
    once per machine, so a re-registration of the same machine does not use the token up."""

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


# Usage counters and agent credentials: a module of their own, registered with this app here.
from .other_models import AgentCredential, UsageDay, UsageRollup  # noqa: E402, F401
