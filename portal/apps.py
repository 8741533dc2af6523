from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    """Django's admin with the portal's scoped site (partner selects customer)."""

    default_site = "portal.admin_site.PortalAdminSite"
