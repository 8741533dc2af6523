"""django-tenants' PostgreSQL backend, without redundant `SET search_path` statements.

django-tenants forgets which search path the connection has whenever a tenant is selected,
even the one already in force, so every request (which starts and ends in the public
schema) and every `tenant_context` paid a `SET search_path` round trip. This backend keeps
the remembered path when the newly selected one is the same. The path is still forgotten
where it may really have changed: on rollback, on closing, and by django-tenants itself
when a `SET` fails.
"""

from django_tenants.postgresql_backend import base


class DatabaseWrapper(base.DatabaseWrapper):
    def set_tenant(self, tenant, include_public=True):
        in_force = self.search_path_set_schemas
        super().set_tenant(tenant, include_public)
        if in_force is not None and in_force == self._get_cursor_search_paths():
            self.search_path_set_schemas = in_force
