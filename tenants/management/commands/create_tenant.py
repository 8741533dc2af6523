"""Replaces django-tenants' `create_tenant` (see `tenants.management.refused`)."""

from tenants.management.refused import RefusedTenantCommand


class Command(RefusedTenantCommand):
    pass
