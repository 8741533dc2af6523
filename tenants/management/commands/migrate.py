"""`manage.py migrate` is `manage.py migrate_schemas`, as in django-tenants, with the
template schema brought up to date too (see migrate_schemas.py)."""

from tenants.management.commands.migrate_schemas import Command  # noqa: F401
