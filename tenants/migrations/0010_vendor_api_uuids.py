"""Stable UUIDs for the original vendor's API v2: every tenant, and every user with a
personal tenant id. The column default is PostgreSQL's gen_random_uuid(), volatile, so
adding the column draws a distinct value for each existing row (the backfill) and for every
row inserted later, by the ORM or by SQL."""

import django.contrib.postgres.functions
from django.db import migrations, models


def _uuid_field():
    return models.UUIDField(
        db_default=django.contrib.postgres.functions.RandomUUID(), editable=False, unique=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0009_api_clients"),
    ]

    operations = [
        migrations.AddField(model_name="tenant", name="uuid", field=_uuid_field()),
        migrations.AddField(model_name="user", name="uuid", field=_uuid_field()),
        migrations.AddField(model_name="user", name="personal_tenant_uuid", field=_uuid_field()),
    ]
