"""Replaces django-tenants' `clone_tenant` (see `tenants.management.refused`)."""

from tenants.management.refused import RefusedTenantCommand


class Command(RefusedTenantCommand):
    pass
