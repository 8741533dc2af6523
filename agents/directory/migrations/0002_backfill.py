"""Fill the directory with the devices registered before it existed (one statement per
customer schema, once)."""

from django.db import migrations

from tenants.schema_walk import for_each_tenant_schema

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
    for_each_tenant_schema(
        apps, schema_editor, _backfill_one, table="agents_device", label="0002_backfill"
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
    dependencies = [("agents_directory", "0001_initial")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
