"""`manage.py tenants create|move|list`: the tenant tree from the command line, for scripts
that provision a distributor's resellers, folders, customers and units.

The command acts as `--as USERNAME` (default: the first active platform superuser) and calls
`tenants.tree`'s services, so the same kind rules, scope and audit trail apply as on the
Management portal, in the API and in the admin.
"""

from tenants import tree
from tenants.audit import CLI
from tenants.management.acting import ActingCommand
from tenants.models import Tenant
from tenants.selectors import at_level, tenant_for, tenants_visible_to


class Command(ActingCommand):
    help = "Create levels of the tenant tree, move them within it, and list a level's tree."

    def add_arguments(self, parser):
        parser.add_argument("--as", dest="actor", help="Act as this user (default: a superuser).")
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a tenant under a parent.")
        create.add_argument("--parent", required=True, help="The parent's identifier.")
        create.add_argument(
            "--kind",
            required=True,
            choices=Tenant.Kind.values,
            help="Under a partner or folder: partner, folder or customer; under a customer "
            "or unit: unit.",
        )
        create.add_argument("--name", required=True, help="Up to 100 characters.")
        move = sub.add_parser("move", help="Move a tenant, and all below it, in its tree.")
        move.add_argument("tenant", help="The identifier of the tenant to move.")
        move.add_argument("--to", required=True, help="The identifier of the new parent.")
        listing = sub.add_parser("list", help="A level and everything below it.")
        listing.add_argument("tenant", help="The level's identifier.")

    def _create(self, actor, *, parent, kind, name, **_):
        level = tenant_for(actor=actor, tenant_id=parent)
        child = tree.child_create(actor=actor, parent=level, kind=kind, name=name, origin=CLI)
        self.stdout.write(f"Created {child.kind} {child.name} ({child.slug}) under {level.name}.")

    def _move(self, actor, *, tenant, to, **_):
        moved = tenant_for(actor=actor, tenant_id=tenant)
        parent = tenant_for(actor=actor, tenant_id=to)
        old = moved.parent.name if moved.parent else ""
        tree.tenant_move(actor=actor, tenant=moved, to=parent, origin=CLI)
        self.stdout.write(f"Moved {moved.name} ({moved.slug}) from {old} to {parent.name}.")

    def _list(self, actor, *, tenant, **_):
        level = tenant_for(actor=actor, tenant_id=tenant)
        depth = len(level.lineage)
        below = tenants_visible_to(actor).filter(at_level(level, "pk"))
        for t in sorted(below, key=lambda t: t.lineage):
            indent = "  " * (len(t.lineage) - depth)
            self.stdout.write(f"{indent}{t.name} ({t.slug}, {t.kind})")
