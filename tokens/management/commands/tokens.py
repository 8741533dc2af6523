"""`manage.py tokens create|list|delete`: the token service from the command line.

The command acts as `--as USERNAME` (default: the first active platform superuser), so the
same rules and the same audit trail apply as in the console and the API.
"""

import re

from django.core.management.base import CommandError

from tenants.audit import CLI
from tenants.management.acting import ActingCommand
from tenants.models import User
from tenants.selectors import tenant_for

from ... import renewal, selectors, services
from ...plans import catalog
from ...templatetags.token_tags import machines_text, registrations_text, use_text
from ...values import masked

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "mo": 2592000, "y": 31536000}


def parse_lifetime(text: str) -> int:
    """'3d', '12h', '90m', '1w', '1mo', '1y' or plain seconds, as seconds."""
    match = re.fullmatch(r"\s*(\d+)\s*(mo|[smhdwy])?\s*", text.lower())
    if not match:
        raise CommandError(f"Cannot read the lifetime {text!r}; try 3d, 12h, 90m, 1w, 1mo or 1y.")
    return int(match.group(1)) * UNITS[match.group(2) or "s"]


def _replaced(token) -> str:
    works_until = token.works_until
    return f"  replaced, works until {works_until:%Y-%m-%d %H:%M} UTC" if works_until else ""


class Command(ActingCommand):
    help = "Generate, list, describe, extend, reissue and delete registration tokens."
    METHODS = {"describe": "describe_token"}

    def add_arguments(self, parser):
        parser.add_argument("--as", dest="actor", help="Act as this user (default: a superuser).")
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Generate a token; its value is printed once.")
        create.add_argument(
            "--tenant",
            required=True,
            help="Customer or unit identifier, e.g. globex; a user of its units may be named.",
        )
        create.add_argument("--user", required=True, help="Username the machines register under.")
        create.add_argument("--lifetime", default="3d", help="Default 3d (60 s to 1 year).")
        create.add_argument("--plan", help="Name of a protection plan of the customer.")
        create.add_argument("--description", default="", help="Up to 200 characters.")
        create.add_argument(
            "--max-machines",
            type=int,
            default=None,
            help="Use limit: 1 for one machine, N for up to N (default: reusable).",
        )
        create.add_argument(
            "--allowed-network",
            action="append",
            dest="allowed_networks",
            default=[],
            help="A CIDR network the token may be used from (repeat for more; default: any).",
        )
        listing = sub.add_parser("list", help="List active tokens (first two symbols only).")
        listing.add_argument("--tenant", required=True)
        delete = sub.add_parser("delete", help="Delete a token by its id.")
        delete.add_argument("token_id")
        delete.add_argument(
            "--unregister-machines",
            action="store_true",
            help="Also unregister every device the token registered (the leak response).",
        )
        extend = sub.add_parser("extend", help="Give a token a new expiry (same value).")
        extend.add_argument("token_id")
        extend.add_argument(
            "--lifetime",
            default=None,
            help="From now; default: the token's own lifetime. Never moves the expiry earlier.",
        )
        reissue = sub.add_parser("reissue", help="Replace a token by a new value (printed once).")
        reissue.add_argument("token_id")
        reissue.add_argument(
            "--grace",
            default="0",
            help="How long the old value keeps working: 0 (default), 1h, 1d, 7d (at most 7d).",
        )
        describe = sub.add_parser("describe", help="Change a token's description.")
        describe.add_argument("token_id")
        describe.add_argument("description", help="The new text ('' clears it).")

    def _create(self, actor, *, tenant, user, lifetime, plan, **more):
        customer = tenant_for(actor=actor, tenant_id=tenant)
        owner = User.objects.filter(username=user).first()
        plan_id = self._plan_id(customer, plan) if plan else None
        issued = services.token_create(
            actor=actor,
            tenant=customer,
            user_id=owner.pk if owner else -1,
            lifetime=parse_lifetime(lifetime),
            plan_id=plan_id,
            description=more["description"],
            max_machines=more["max_machines"],
            allowed_networks=more["allowed_networks"],
            origin=CLI,
        )
        token = issued.token
        self.stdout.write(f"Token:   {issued.value}")
        self.stdout.write(f"Id:      {token.public_id}")
        self.stdout.write(f"User:    {token.user.username} ({token.tenant.name})")
        self.stdout.write(f"Expires: {token.expires_at.isoformat()}")
        self.stdout.write(f"Plan:    {token.plan_name or '-'}")
        self.stdout.write(f"About:   {token.description or '-'}")
        self.stdout.write(f"Use:     {machines_text(token) if token.max_machines else 'reusable'}")
        self.stdout.write(f"From:    {', '.join(token.allowed_networks) or 'any network'}")
        self.stdout.write("The value is not stored: copy it now.")

    def _plan_id(self, customer, name):
        plan = catalog().by_name(customer, name)
        if plan is None:
            raise CommandError(services.MSG_UNKNOWN_PLAN)
        return plan.id

    def _list(self, actor, *, tenant, **_):
        level = tenant_for(actor=actor, tenant_id=tenant)
        tokens = selectors.tokens_active_for(actor=actor, tenant=level)
        for t in tokens:
            self.stdout.write(
                f"{t.public_id}  {masked(t.prefix)}  {t.tenant.slug:<12} {t.user.username:<16} "
                f"expires {t.expires_at:%Y-%m-%d %H:%M} UTC  plan {t.plan_name or '-':<20} "
                f"{use_text(t)}, {registrations_text(t)}{_replaced(t)}  {t.description}"
            )
        if not tokens:
            self.stdout.write("No active tokens.")

    def _delete(self, actor, *, token_id, unregister_machines, **_):
        token = selectors.token_for(actor=actor, token_id=token_id)
        count = services.token_delete(
            actor=actor, token=token, origin=CLI, unregister_machines=unregister_machines
        )
        gone = f" and unregistered {count} machine{'s' if count != 1 else ''}"
        gone = gone if unregister_machines else ""
        self.stdout.write(f"Deleted token {token.masked} ({token.public_id}){gone}.")

    def _extend(self, actor, *, token_id, lifetime, **_):
        token = selectors.token_for(actor=actor, token_id=token_id)
        seconds = parse_lifetime(lifetime) if lifetime else renewal.own_lifetime(token)
        token = renewal.token_extend(actor=actor, token=token, lifetime=seconds, origin=CLI)
        self.stdout.write(f"Extended token {token.masked}: expires {token.expires_at.isoformat()}.")

    def _reissue(self, actor, *, token_id, grace, **_):
        old = selectors.token_for(actor=actor, token_id=token_id)
        issued = renewal.token_reissue(
            actor=actor, token=old, origin=CLI, grace=parse_lifetime(grace)
        )
        self.stdout.write(f"Token:   {issued.value}")
        self.stdout.write(f"Id:      {issued.token.public_id} (replaces {old.public_id})")
        self.stdout.write(f"Expires: {issued.token.expires_at.isoformat()}")
        old.refresh_from_db()
        if old.works_until and old.deleted_at is None:
            self.stdout.write(f"The old value works until {old.works_until.isoformat()}.")
        else:
            self.stdout.write("The old token is deleted.")
        self.stdout.write("The value is not stored: copy it now.")

    def _describe_token(self, actor, *, token_id, description, **_):
        token = selectors.token_for(actor=actor, token_id=token_id)
        services.token_update_description(
            actor=actor, token=token, description=description, origin=CLI
        )
        self.stdout.write(f"Described token {token.masked} ({token.public_id}).")
