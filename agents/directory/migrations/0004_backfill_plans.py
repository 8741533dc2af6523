"""Fill the plan directory with the plans created before it existed."""

from django.db import migrations

from tenants.schema_walk import for_each_tenant_schema

BACKFILL = """
INSERT INTO public.agents_directory_planentry
    (tenant_id, partner_id, plan_id, name, schedule, what_to_back_up, start_time,
     retention_days, encryption, updated_at, customer_name, customer_slug)
SELECT %s, %s, p.id, p.name, p.schedule, p.what_to_back_up, p.start_time, p.retention_days,
       p.encryption, p.updated_at, %s, %s
FROM {schema}.agents_protectionplan p
ON CONFLICT DO NOTHING
"""


def backfill(apps, schema_editor):
    for_each_tenant_schema(
        apps,
        schema_editor,
        _backfill_one,
        table="agents_protectionplan",
        label="0004_backfill_plans",
    )


def _backfill_one(cursor, tenant):
    cursor.execute(
        BACKFILL.format(schema=tenant.quoted_schema),
        [tenant.pk, tenant.parent_id, tenant.name, tenant.slug],
    )


class Migration(migrations.Migration):
    # One transaction per schema (see tenants.schema_walk): a single one runs out of locks
    # at about 1,400 customers. ON CONFLICT DO NOTHING makes a rerun after an interruption
    # skip what was done.
    atomic = False
    dependencies = [("agents_directory", "0003_plan_entry")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
