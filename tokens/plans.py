"""The protection plans a token may carry, as tokens see them: an id and a name.

Plans live in each customer's schema and belong to the `agents` app, which sits above this
one; tokens never import it. Instead `agents` installs its catalog here when the apps are
ready (`agents.apps.AgentsConfig.ready`), and the token service, the token admin and the
`tokens` command read plans only through `catalog()`.
"""

from dataclasses import dataclass
from typing import Protocol

from tenants.models import Tenant


@dataclass(frozen=True)
class PlanRef:
    id: int
    name: str


class PlanCatalog(Protocol):
    def choices(self, tenant: Tenant) -> list[PlanRef]:
        """Every plan of the customer, in name order."""
        ...

    def by_id(self, tenant: Tenant, plan_id: int) -> PlanRef | None:
        """The customer's plan with this id, or None."""
        ...

    def by_name(self, tenant: Tenant, name: str) -> PlanRef | None:
        """The customer's plan with this name, or None."""
        ...


class NoPlans:
    """The catalog until one is installed: a portal without plans offers none."""

    def choices(self, tenant: Tenant) -> list[PlanRef]:
        return []

    def by_id(self, tenant: Tenant, plan_id: int) -> PlanRef | None:
        return None

    def by_name(self, tenant: Tenant, name: str) -> PlanRef | None:
        return None


_catalog: PlanCatalog = NoPlans()


def install(catalog: PlanCatalog) -> None:
    global _catalog  # noqa: PLW0603 - set once, at start-up
    _catalog = catalog


def catalog() -> PlanCatalog:
    return _catalog
