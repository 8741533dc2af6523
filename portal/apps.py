from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class PortalConfig(AppConfig):
    """The project package as an app: its commands (seed_demo) compose every other app."""

    name = "portal"
    verbose_name = "Portal"

    def ready(self):
        from . import checks  # noqa: F401  (registers the settings checks)


class PortalAdminConfig(AdminConfig):
    """Django's admin with the portal's scoped site (partner selects customer)."""

    default_site = "portal.admin_site.PortalAdminSite"
