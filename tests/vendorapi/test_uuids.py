"""The UUID columns of migration 0010: added to tables that already hold rows, they give
every row its own value (the backfill), and rows inserted later by SQL get one too."""

import importlib

from django.db import connection

from tenants.models import Tenant, User

MIGRATION = importlib.import_module("tenants.migrations.0010_vendor_api_uuids")


def _readd(model, name: str) -> None:
    """Drop the column, then add it again as the migration does, over the existing rows."""
    (operation,) = [
        op
        for op in MIGRATION.Migration.operations
        if op.model_name == model._meta.model_name and op.name == name
    ]
    with connection.schema_editor(atomic=False) as editor:
        editor.remove_field(model, model._meta.get_field(name))
        field = operation.field.clone()
        field.set_attributes_from_name(name)
        field.model = model
        editor.add_field(model, field)


def test_adding_the_columns_backfills_every_existing_row(tenants, users):
    for model, name in ((Tenant, "uuid"), (User, "uuid"), (User, "personal_tenant_uuid")):
        before = set(model.objects.values_list(name, flat=True))
        _readd(model, name)
        after = list(model.objects.values_list(name, flat=True))
        assert None not in after and len(set(after)) == len(after) == model.objects.count()
        assert not before & set(after)  # drawn afresh for the rows that were there


def test_a_row_inserted_by_sql_gets_its_ids(users):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO tenants_user (password, is_superuser, username, first_name, last_name,"
            " email, is_staff, is_active, date_joined, role)"
            " VALUES ('', true, 'sql-made', '', '', '', false, true, now(), '')"
            " RETURNING uuid, personal_tenant_uuid"
        )
        uuid, personal = cursor.fetchone()
    assert uuid and personal and uuid != personal
