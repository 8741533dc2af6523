"""Who may do what: the one map every entry point (console, admin, API, CLI) consults.

Scope (which tenants a user can reach) is a separate question, answered by
`tenants.selectors`; these actions only say what a role may do inside its scope. Services
ask both questions at once through `tenants.authorization.authorize`; pages and admin
screens use `can` to decide what to show.
"""

from enum import StrEnum

from django.contrib.auth.models import AnonymousUser

from .models import User

Role = User.Role


class Action(StrEnum):
    VIEW_DEVICES = "view_devices"
    VIEW_ALL_DEVICES = "view_all_devices"  # not just one's own
    VIEW_PLANS = "view_plans"
    MANAGE_PLANS = "manage_plans"
    VIEW_MANAGEMENT = "view_management"
    MANAGE_USERS = "manage_users"
    MANAGE_CUSTOMERS = "manage_customers"  # and sub-partners and folders; move them
    MANAGE_UNITS = "manage_units"  # create and rename units of a customer
    GENERATE_TOKENS = "generate_tokens"  # and delete them
    VIEW_ALL_TOKENS = "view_all_tokens"  # not just one's own
    ACT_FOR_OTHERS = "act_for_others"  # tokens for other users, with a protection plan
    UNREGISTER_DEVICES = "unregister_devices"
    VIEW_ALL_USERS = "view_all_users"  # not just oneself
    MANAGE_PARTNER_ADMINS = "manage_partner_admins"  # create and delete them
    MANAGE_PARTNERS = "manage_partners"  # create and rename partners: the platform's job
    MANAGE_API_CLIENTS = "manage_api_clients"  # create and delete them


_ADMIN_VIEW = {
    Action.VIEW_DEVICES,
    Action.VIEW_ALL_DEVICES,
    Action.VIEW_PLANS,
    Action.VIEW_MANAGEMENT,
    Action.VIEW_ALL_TOKENS,
    Action.VIEW_ALL_USERS,
}
_ADMIN_CHANGE = {
    Action.MANAGE_PLANS,
    Action.MANAGE_USERS,
    Action.GENERATE_TOKENS,
    Action.ACT_FOR_OTHERS,
    Action.UNREGISTER_DEVICES,
    Action.MANAGE_API_CLIENTS,
    Action.MANAGE_UNITS,
}

ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.PARTNER_ADMIN: frozenset(
        _ADMIN_VIEW | _ADMIN_CHANGE | {Action.MANAGE_CUSTOMERS, Action.MANAGE_PARTNER_ADMINS}
    ),
    Role.COMPANY_ADMIN: frozenset(_ADMIN_VIEW | _ADMIN_CHANGE),
    # A unit's administrator, as in the original: a company administrator of their unit and
    # the units below it (the scope, `tenants.selectors`, makes the difference).
    Role.UNIT_ADMIN: frozenset(_ADMIN_VIEW | _ADMIN_CHANGE),
    Role.READONLY_ADMIN: frozenset(_ADMIN_VIEW),
    Role.USER: frozenset({Action.VIEW_DEVICES, Action.VIEW_PLANS, Action.GENERATE_TOKENS}),
}

# The platform superuser has no role: it may do everything, including MANAGE_PARTNERS,
# which no role has.


def can(user: User | AnonymousUser, action: Action) -> bool:
    """Whether the user's role allows the action (anywhere in the user's scope)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return action in ROLE_ACTIONS.get(user.role, frozenset())
