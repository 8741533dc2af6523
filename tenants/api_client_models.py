"""API clients: a partner's or customer's scripts (OAuth 2.0 client credentials).

Registered with the tenants app by `tenants.models`; this module does not import it.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .depth import PathField, level_indexes


class ApiClient(models.Model):
    """A partner's or customer's script: an OAuth 2.0 client (client credentials) that acts
    at one level (a partner's All customers, or one customer) with one role.

    The credentials are django-oauth-toolkit's `Application` (client id, hashed secret),
    deleted with the client, and with it every access token it holds.
    """

    class Role(models.TextChoices):
        ADMINISTRATOR = "administrator", _("Administrator")
        READ_ONLY_ADMINISTRATOR = "read_only_administrator", _("Read-only administrator")

    name = models.CharField(_("name"), max_length=100)
    tenant = models.ForeignKey(
        "tenants.Tenant",
        verbose_name=_("level"),
        on_delete=models.CASCADE,
        related_name="api_clients",
    )
    # The tenant's family (its partner level), so a partner's list is an index range.
    family = models.BigIntegerField(editable=False)
    # The tenant's path (tenants.depth): a middle level's clients are an index range too.
    lineage = PathField()
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    application = models.OneToOneField(
        "oauth2_provider.Application", on_delete=models.CASCADE, related_name="api_client"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept when the account is deleted, and names a client that created another one.
    created_by_name = models.CharField(_("created by"), max_length=150)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("API client")
        indexes = [
            models.Index("family", "name", "id", name="api_client_level_by_name"),
            *level_indexes("api_client_level_by_name", "name", "id"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="api_client_name_per_level"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.family = self.tenant.family
        super().save(*args, **kwargs)
