from django.db import migrations, models

# The database owns `version`: a rename or a change of parent adds one; any other update
# keeps the stored value, whatever the statement wrote.
TRIGGER = """
CREATE FUNCTION tenants_tenant_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.name IS DISTINCT FROM OLD.name OR NEW.parent_id IS DISTINCT FROM OLD.parent_id THEN
        NEW.version := OLD.version + 1;
    ELSE
        NEW.version := OLD.version;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER tenants_tenant_version BEFORE UPDATE ON tenants_tenant
    FOR EACH ROW EXECUTE FUNCTION tenants_tenant_version();
"""

UNTRIGGER = """
DROP TRIGGER IF EXISTS tenants_tenant_version ON tenants_tenant;
DROP FUNCTION IF EXISTS tenants_tenant_version();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0015_path_rewrites"),
    ]

    operations = [
        migrations.AddField(
            model_name="tenant",
            name="version",
            field=models.PositiveIntegerField(db_default=1, default=1, editable=False),
        ),
        migrations.RunSQL(TRIGGER, UNTRIGGER),
    ]
