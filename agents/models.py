"""Devices and protection plans: the models that live in each customer's own schema."""

import datetime
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ProtectionPlan(models.Model):
    class Schedule(models.TextChoices):
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")

    class Source(models.TextChoices):
        ENTIRE_MACHINE = "entire_machine", _("Entire machine")
        DISKS = "disks", _("Disks/volumes")
        FILES = "files", _("Files/folders")

    name = models.CharField(_("name"), max_length=100, unique=True)
    what_to_back_up = models.CharField(
        _("what to back up"),
        max_length=20,
        choices=Source.choices,
        default=Source.ENTIRE_MACHINE,
    )
    schedule = models.CharField(
        _("schedule"), max_length=10, choices=Schedule.choices, default=Schedule.DAILY
    )
    start_time = models.TimeField(_("start at"), default=datetime.time(23, 0))
    retention_days = models.PositiveIntegerField(
        _("keep backups for (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
    )
    encryption = models.BooleanField(_("encrypt backups"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Device(models.Model):
    """A machine registered by an agent, owned by a user of this customer.

    The agent's credential is kept in the public schema (tokens.AgentCredential), so an
    agent request finds its tenant in one indexed lookup before this schema is selected.
    """

    agent_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    hostname = models.CharField(_("name"), max_length=255)
    os = models.CharField(_("operating system"), max_length=100)
    machine_id = models.CharField(max_length=128, unique=True)
    agent_version = models.CharField(_("agent version"), max_length=40, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    plans = models.ManyToManyField(
        ProtectionPlan, verbose_name=_("protection plans"), blank=True, related_name="devices"
    )
    registered_at = models.DateTimeField(_("registered"), default=timezone.now)
    # The token it (last) registered with: its public id and the two symbols lists may show.
    registered_token_id = models.UUIDField(null=True, blank=True, db_index=True)
    registered_token_prefix = models.CharField(max_length=2, blank=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)

    class Meta:
        ordering = ["hostname", "id"]
        indexes = [models.Index(fields=["owner"])]

    def __str__(self):
        return self.hostname
