"""The directory's `partner` is the top of the entry's tree (`Tenant.family`), not the
customer's parent: with resellers and units (issue 23) the parent may be a reseller, a
folder or a customer, and the top's "All customers" reads `partner = <top>` (at_level).
Entries written since the tree arrived are rewritten; one UPDATE per table, a no-op where
parent and top were already the same (every one-level tree)."""

from django.db import migrations

REWRITE = """
UPDATE public.{table} e SET partner_id = t.family
FROM public.tenants_tenant t
WHERE e.tenant_id = t.id AND e.partner_id IS DISTINCT FROM t.family
"""


class Migration(migrations.Migration):
    dependencies = [
        ("agents_directory", "0005_sort_indexes"),
        ("tenants", "0013_tenant_tree"),
    ]

    operations = [
        migrations.RunSQL(
            REWRITE.format(table="agents_directory_deviceentry"), migrations.RunSQL.noop
        ),
        migrations.RunSQL(REWRITE.format(table="agents_directory_planentry"), migrations.RunSQL.noop),
    ]
