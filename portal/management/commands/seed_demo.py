"""Create the demo tenants, users and plans. Idempotent; refuses to run in production."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_tenants.utils import tenant_context

from agents.directory.services import plan_entry_save
from agents.models import ProtectionPlan
from tenants.models import Tenant, User

Role = User.Role

# (partner name, slug, partner admin, customers); a customer is
# (name, slug, [(username, role)], [plan names]).
DEMO = [
    (
        "Demo MSP",
        "demo-msp",
        "msp-admin",
        [
            (
                "Globex",
                "globex",
                [
                    ("globex-admin", Role.COMPANY_ADMIN),
                    ("globex-alice", Role.USER),
                    ("globex-bob", Role.USER),
                    ("globex-auditor", Role.READONLY_ADMIN),
                ],
                ["Daily backup", "Weekly full image"],
            ),
            (
                "Initech",
                "initech",
                [("initech-admin", Role.COMPANY_ADMIN), ("initech-carol", Role.USER)],
                ["Servers nightly"],
            ),
        ],
    ),
    (
        "Other MSP",
        "other-msp",
        "other-admin",
        [("Umbrella", "umbrella", [("umbrella-dave", Role.USER)], [])],
    ),
]

# The original product's tree (issue 23): a distributor with two resellers (sub-partners),
# a folder, customers under them and a customer with two units. A node is
# (name, slug, kind, [(username, role)], [plan names], [children]).
Kind = Tenant.Kind
DEMO_TREE = (
    "Demo Distributor",
    "demo-distributor",
    Kind.PARTNER,
    [("distributor-admin", Role.PARTNER_ADMIN)],
    [],
    [
        (
            "Northwind Resellers",
            "northwind",
            Kind.PARTNER,
            [("northwind-admin", Role.PARTNER_ADMIN)],
            [],
            [
                (
                    "Contoso",
                    "contoso",
                    Kind.CUSTOMER,
                    [("contoso-admin", Role.COMPANY_ADMIN), ("contoso-frank", Role.USER)],
                    ["Daily backup"],
                    [
                        (
                            "Contoso Sales",
                            "contoso-sales",
                            Kind.UNIT,
                            [
                                ("contoso-sales-admin", Role.UNIT_ADMIN),
                                ("contoso-sales-grace", Role.USER),
                            ],
                            ["Daily backup"],
                            [],
                        ),
                        (
                            "Contoso Labs",
                            "contoso-labs",
                            Kind.UNIT,
                            [("contoso-labs-heidi", Role.USER)],
                            [],
                            [],
                        ),
                    ],
                ),
                (
                    "Fabrikam",
                    "fabrikam",
                    Kind.CUSTOMER,
                    [("fabrikam-admin", Role.COMPANY_ADMIN)],
                    [],
                    [],
                ),
            ],
        ),
        (
            "Southridge Resellers",
            "southridge",
            Kind.PARTNER,
            [("southridge-admin", Role.PARTNER_ADMIN)],
            [],
            [("Tailspin", "tailspin", Kind.CUSTOMER, [("tailspin-ivan", Role.USER)], [], [])],
        ),
        (
            "Direct customers",
            "direct-customers",
            Kind.FOLDER,
            [],
            [],
            [
                (
                    "Litware",
                    "litware",
                    Kind.CUSTOMER,
                    [("litware-admin", Role.COMPANY_ADMIN)],
                    [],
                    [],
                )
            ],
        ),
    ],
)

PLAN_SETTINGS = {
    "Daily backup": {"schedule": "daily", "what_to_back_up": "files"},
    "Weekly full image": {"schedule": "weekly", "what_to_back_up": "entire_machine"},
    "Servers nightly": {
        "schedule": "daily",
        "what_to_back_up": "disks",
        "start_time": datetime.time(1, 30),
    },
}


class Command(BaseCommand):
    help = "Create the demo partners, customers, users and protection plans (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--password", required=True, help="Password for every demo login.")
        parser.add_argument(
            "--if-absent",
            action="store_true",
            help="Do nothing when the demo partner already exists (keeps changed passwords).",
        )

    def handle(self, *args, password, if_absent, **options):
        if settings.PORTAL_ENVIRONMENT == "production":
            raise CommandError("seed_demo refuses to run with production settings.")
        existed = Tenant.objects.filter(slug__in=["demo-msp", "demo-distributor"]).count() == 2
        if if_absent and existed:
            self.stdout.write("Demo data: present.")
            return
        with transaction.atomic():
            for partner_name, slug, admin, customers in DEMO:
                partner = self._tenant(partner_name, slug, Tenant.Kind.PARTNER, None)
                self._user(admin, partner, Role.PARTNER_ADMIN, password)
                for name, cslug, users, plans in customers:
                    node = (name, cslug, Tenant.Kind.CUSTOMER, users, plans, [])
                    self._node(node, partner, password)
            self._node(DEMO_TREE, None, password)
            superuser = self._user("platform-admin", None, "", password)
            if not superuser.is_superuser:
                superuser.is_superuser = superuser.is_staff = True
                superuser.save(update_fields=["is_superuser", "is_staff"])
        done = "present, passwords set" if existed else "created"
        self.stdout.write(self.style.SUCCESS(f"Demo data: {done}."))

    def _node(self, node, parent, password) -> None:
        name, slug, kind, users, plans, children = node
        tenant = self._tenant(name, slug, kind, parent)
        for username, role in users:
            self._user(username, tenant, role, password)
        with tenant_context(tenant):
            for plan in plans:
                saved, _ = ProtectionPlan.objects.get_or_create(
                    name=plan, defaults=PLAN_SETTINGS[plan]
                )
                plan_entry_save(tenant, saved)
        for child in children:
            self._node(child, tenant, password)

    def _tenant(self, name, slug, kind, parent) -> Tenant:
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            tenant = Tenant(
                name=name,
                slug=slug,
                kind=kind,
                parent=parent,
                schema_name=Tenant.schema_name_for(slug),
            )
            tenant.save(verbosity=0)
        return tenant

    def _user(self, username, tenant, role, password) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                tenant=tenant,
                role=role,
                is_superuser=tenant is None,
                is_staff=tenant is None,
                email=f"{username}@example.com",
            )
        user.set_password(password)
        user.save()
        return user
