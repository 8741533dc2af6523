"""Fill the directory with the devices registered before it existed (one statement per
customer schema, once)."""

from django.db import migrations

BACKFILL = """
INSERT INTO public.agents_directory_deviceentry
    (tenant_id, partner_id, device_id, agent_id, hostname, os, agent_version, owner_id,
     owner_username, customer_name, customer_slug, plan_names, registered_at,
     registered_token_id, registered_token_prefix, last_seen_at)
SELECT %s, %s, d.id, d.agent_id, d.hostname, d.os, d.agent_version, d.owner_id, u.username,
       %s, %s,
       ARRAY(SELECT p.name FROM {schema}.agents_protectionplan p
             JOIN {schema}.agents_device_plans dp ON dp.protectionplan_id = p.id
             WHERE dp.device_id = d.id ORDER BY p.name)::varchar(100)[],
       d.registered_at, d.registered_token_id, d.registered_token_prefix, d.last_seen_at
FROM {schema}.agents_device d JOIN public.tenants_user u ON u.id = d.owner_id
ON CONFLICT DO NOTHING
"""


def backfill(apps, schema_editor):
    Tenant = apps.get_model("tenants", "Tenant")
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for tenant in Tenant.objects.filter(kind="customer"):
            cursor.execute(
                "SELECT 1 FROM information_schema.tables "
                "WHERE table_schema = %s AND table_name = 'agents_device'",
                [tenant.schema_name],
            )
            if cursor.fetchone() is None:
                continue
            sql = BACKFILL.format(schema=connection.ops.quote_name(tenant.schema_name))
            cursor.execute(sql, [tenant.pk, tenant.parent_id, tenant.name, tenant.slug])


class Migration(migrations.Migration):
    dependencies = [("agents_directory", "0001_initial")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
