"""Fill the plan directory with the plans created before it existed."""

from django.db import migrations

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
    Tenant = apps.get_model("tenants", "Tenant")
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for tenant in Tenant.objects.filter(kind="customer"):
            cursor.execute(
                "SELECT 1 FROM information_schema.tables "
                "WHERE table_schema = %s AND table_name = 'agents_protectionplan'",
                [tenant.schema_name],
            )
            if cursor.fetchone() is None:
                continue
            sql = BACKFILL.format(schema=connection.ops.quote_name(tenant.schema_name))
            cursor.execute(sql, [tenant.pk, tenant.parent_id, tenant.name, tenant.slug])


class Migration(migrations.Migration):
    dependencies = [("agents_directory", "0003_plan_entry")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
