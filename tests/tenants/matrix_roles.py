"""Who walks the authorization matrix (tests/tenants/test_scope_matrix*.py): every role at
every depth of the demo tree. The everyday loop walks FAST_ROLES, which between them meet
every relation (their own level, levels below, their parent, a sibling, another tree; 403 of
a read-only role; a plain user above units); `--all` walks every role (`exhaustive`)."""

import pytest
from django_tenants.utils import tenant_context

from agents.models import ProtectionPlan
from tenants import services
from tenants.api_clients.services import api_client_create
from tenants.audit import CLI
from tenants.models import ApiClient, User
from tests.conftest import DEMO_PASSWORD
from tests.factories import make_device, make_token

# The platform, a distributor, its resellers, a customer with units, a unit, a folder's
# customer, a reseller's other customer, plain users above and in a unit, read-only
# administrators at a reseller, a customer and a unit; and the old one-level demo.
ROLES = [
    "platform-admin",
    "distributor-admin",
    "northwind-admin",
    "southridge-admin",
    "northwind-reader",
    "contoso-admin",
    "contoso-reader",
    "contoso-sales-admin",
    "contoso-sales-reader",
    "contoso-sales-grace",
    "contoso-frank",
    "fabrikam-admin",
    "litware-admin",
    "tailspin-ivan",
    "msp-admin",
    "globex-admin",
    "globex-auditor",
    "globex-alice",
    "other-admin",
]
FAST_ROLES = {"northwind-admin", "contoso-sales-reader", "contoso-frank"}
ROLE_PARAMS = [
    u if u in FAST_ROLES else pytest.param(u, marks=pytest.mark.exhaustive) for u in ROLES
]
# The read-only administrators the demo lacks: username -> tenant.
READERS = {
    "northwind-reader": "northwind",
    "contoso-reader": "contoso",
    "contoso-sales-reader": "contoso-sales",
}


@pytest.fixture
def matrix_users(tenants, users) -> dict[str, User]:
    """The demo users and READERS, made by the platform's superuser."""
    for username, slug in READERS.items():
        users[username] = services.user_create(
            actor=users["platform-admin"],
            tenant=tenants[slug],
            username=username,
            password=DEMO_PASSWORD,
            role=User.Role.READONLY_ADMIN,
            origin=CLI,
        )
    return users


@pytest.fixture
def world(tenants, matrix_users):
    """One object of each kind at every tenant that can hold it (device, plan, user, API
    client, token), made by the platform's superuser."""
    users = matrix_users
    root = users["platform-admin"]
    objects: dict = {"uuid": {}, "device": {}, "plan": {}, "user": {}, "client": {}, "token": {}}
    for slug, tenant in tenants.items():
        objects["uuid"][slug] = str(tenant.uuid)
        people = sorted((u for u in users.values() if u.tenant_id == tenant.pk), key=_plain_first)
        if people:
            objects["user"][slug] = people[0].pk
        issued = api_client_create(
            actor=root, tenant=tenant, name="matrix", role=ApiClient.Role.ADMINISTRATOR, origin=CLI
        )
        objects["client"][slug] = ApiClient.objects.get(application__client_id=issued.client_id).pk
        if tenant.is_customer and people:
            objects["device"][slug] = str(make_device(tenant, people[0]).agent_id)
            token, _ = make_token(tenant, people[0], actor=root)
            objects["token"][slug] = (str(token.public_id), people[0].pk)
            with tenant_context(tenant):
                plan = ProtectionPlan.objects.order_by("pk").first()
            if plan is not None:
                objects["plan"][slug] = plan.pk
    return objects


def _plain_first(user: User) -> tuple[bool, str]:
    return (user.role != User.Role.USER, user.username)
