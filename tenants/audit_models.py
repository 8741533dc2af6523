"""The audit log: one recorded change, in the public schema (a model of `tenants.models`)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .depth import PathField, level_indexes


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
        TENANT_MOVE = "tenant.move", _("Tenant moved")
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
    # The tenant's path (tenants.depth): a middle level's log is an index range too.
    lineage = PathField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("initiator"), max_length=150)
    # The API client that acted (its access token), kept after the client is deleted;
    # `actor_name` then reads "API client <name>" and `actor` is empty.
    actor_client_id = models.BigIntegerField(null=True, blank=True, editable=False)
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    tenant = models.ForeignKey(
        settings.TENANT_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
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
            *level_indexes("audit_level_by_time", F("at").desc(), F("id").desc()),
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
