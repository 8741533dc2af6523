"""`manage.py api_clients create|list|delete`: API clients from the command line, for
scripts that provision partners.

The command acts as `--as USERNAME` (default: the first active platform superuser), so the
same rules and the same audit trail apply as on the Management portal and in the API.
"""

from tenants.api_clients.selectors import api_client_for, api_clients_at
from tenants.api_clients.services import api_client_create, api_client_delete
from tenants.audit import CLI
from tenants.management.acting import ActingCommand
from tenants.models import ApiClient
from tenants.selectors import tenant_for


class Command(ActingCommand):
    help = "Create, list and delete API clients (OAuth 2.0 client credentials)."

    def add_arguments(self, parser):
        parser.add_argument("--as", dest="actor", help="Act as this user (default: a superuser).")
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a client; its secret is printed once.")
        create.add_argument(
            "--tenant",
            required=True,
            help="Its level, any tenant of the tree: a partner's or folder's identifier (its All "
            "customers), a customer's or a unit's, e.g. globex.",
        )
        create.add_argument("--name", required=True, help="Up to 100 characters.")
        create.add_argument(
            "--role", choices=ApiClient.Role.values, default=ApiClient.Role.ADMINISTRATOR
        )
        listing = sub.add_parser("list", help="List a level's clients (no secrets).")
        listing.add_argument("--tenant", required=True)
        delete = sub.add_parser("delete", help="Delete a client and its access tokens.")
        delete.add_argument("client_id", help="The client's id (from list), not its client_id.")

    def _create(self, actor, *, tenant, name, role, **_):
        level = tenant_for(actor=actor, tenant_id=tenant)
        issued = api_client_create(actor=actor, tenant=level, name=name, role=role, origin=CLI)
        client = issued.client
        self.stdout.write(f"Id:            {client.pk}")
        self.stdout.write(f"Name:          {client.name}")
        self.stdout.write(f"Level:         {self._level(client)}")
        self.stdout.write(f"Role:          {client.get_role_display()}")
        self.stdout.write(f"Client ID:     {issued.client_id}")
        self.stdout.write(f"Client secret: {issued.client_secret}")
        self.stdout.write("The secret is not stored: copy it now.")

    def _list(self, actor, *, tenant, **_):
        level = tenant_for(actor=actor, tenant_id=tenant)
        clients = list(api_clients_at(actor=actor, tenant=level))
        for c in clients:
            used = f"{c.last_used_at:%Y-%m-%d %H:%M} UTC" if c.last_used_at else "never"
            self.stdout.write(
                f"{c.pk:<6} {c.name:<24} {self._level(c):<16} {c.get_role_display():<24} "
                f"{c.application.client_id}  by {c.created_by_name}  last used {used}"
            )
        if not clients:
            self.stdout.write("No API clients.")

    def _delete(self, actor, *, client_id, **_):
        client = api_client_for(actor=actor, client_id=client_id)
        api_client_delete(actor=actor, client=client, origin=CLI)
        self.stdout.write(f"Deleted API client {client.name} ({client_id}) and its access tokens.")

    @staticmethod
    def _level(client) -> str:
        # A partner's or folder's client covers its subtree: name which one (a distributor's
        # resellers each have an All customers).
        tenant = client.tenant
        return f"{tenant.name}: All customers" if tenant.is_partner else tenant.name
