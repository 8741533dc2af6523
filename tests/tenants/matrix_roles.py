"""Who walks the authorization matrix (tests/tenants/test_scope_matrix*.py): every role at
every depth of the demo tree. The everyday loop walks FAST_ROLES, which between them meet
every relation (their own level, levels below, their parent, a sibling, another tree; 403 of
a read-only role; a plain user above units); `--all` walks every role (`exhaustive`)."""

import pytest

from tenants import services
from tenants.audit import CLI
from tenants.models import User
from tests.conftest import DEMO_PASSWORD

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
