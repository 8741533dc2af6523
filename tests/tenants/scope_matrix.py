"""The authorization matrix (issue 23): what every role at every depth of the demo tree
should get from every page, API, admin list and vendor path, at every tenant.

The expected answers come from the tree itself (each tenant's `parent`, walked here in
Python: not the `lineage` column, not `tenants.selectors`) and the role map
(`ROLE_ACTIONS`), so a scope bug in the one door shows up as a mismatch instead of being
repeated by the test. The pages come from the URL resolver: a pattern that is neither in
PAGES nor in EXCLUDED (with the reason) fails `unlisted_patterns`, so a new page cannot be
left out of the walk.
"""

from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from portal.management.commands.seed_demo import DEMO, DEMO_TREE
from tenants.models import Tenant, User
from tenants.permissions import ROLE_ACTIONS, Action


def demo_slugs() -> list[str]:
    """Every tenant `seed_demo` makes, from its own tables: the one-level partners and their
    customers, then the tree, parents first."""
    slugs = []
    for _name, slug, _admin, customers in DEMO:
        slugs += [slug, *(customer[1] for customer in customers)]
    nodes = [DEMO_TREE]
    while nodes:
        _name, slug, _kind, _users, _plans, children = nodes.pop(0)
        slugs.append(slug)
        nodes += children
    return slugs


class Tree:
    """The demo tree as plain data: parents, kinds and what each actor may reach."""

    def __init__(self) -> None:
        rows = list(Tenant.objects.values("pk", "parent_id", "kind", "slug"))
        self.parent = {r["pk"]: r["parent_id"] for r in rows}
        self.kind = {r["pk"]: r["kind"] for r in rows}
        self.slug = {r["pk"]: r["slug"] for r in rows}

    def path(self, pk: int) -> list[int]:
        """The tenant and every tenant above it, by walking `parent`."""
        found = []
        while pk is not None:
            found.append(pk)
            pk = self.parent[pk]
        return found

    def below(self, level: int) -> set[int]:
        """The level and everything under it."""
        return {pk for pk in self.parent if level in self.path(pk)}

    def scope(self, user: User) -> set[int]:
        if not user.is_active:
            return set()
        if user.is_superuser:
            return set(self.parent)
        if user.tenant_id is None:
            return set()
        if user.role == User.Role.USER:
            return {user.tenant_id}
        return self.below(user.tenant_id)

    def partner_side(self, pk: int) -> bool:
        return self.kind[pk] in (Tenant.Kind.PARTNER, Tenant.Kind.FOLDER)


def allowed(user: User, action: Action | None) -> bool:
    if action is None or user.is_superuser:
        return True
    return action in ROLE_ACTIONS.get(user.role, frozenset())


@dataclass(frozen=True)
class Page:
    """A tenant's page or API as the walk calls it (GET). `answer` is the status for a role
    that has `action` at a tenant in scope (405: a form that only posts, after the scope
    and role checks); `partner_answer` at a partner or folder if different. `needs` names
    the object of the walked tenant its URL takes (skipped where the tenant has none)."""

    name: str
    action: Action | None
    answer: int = 200
    partner_answer: int | None = None
    needs: str = ""
    kwargs: dict = field(default_factory=dict)
    query: str = ""
    partner_action: Action | None = None

    def at(self, partner_side: bool) -> tuple[Action | None, int]:
        """The action and the answer at a tenant of this side."""
        if not partner_side:
            return self.action, self.answer
        answer = self.answer if self.partner_answer is None else self.partner_answer
        return self.partner_action or self.action, answer


A = Action
UUID0 = "00000000-0000-4000-8000-000000000000"  # forms that only post never look it up
PAGES = [
    # Protection console (agents.urls)
    Page("devices", A.VIEW_DEVICES),
    Page("device-unregister", A.UNREGISTER_DEVICES, needs="device"),
    Page("client-download", A.VIEW_DEVICES, kwargs={"name": "register_agent.py"}),
    Page("token-generate", A.GENERATE_TOKENS, 405),
    Page("token-customer", A.GENERATE_TOKENS, 302, 404, query="customer"),
    Page("token-delete", A.GENERATE_TOKENS, 405),
    Page("token-describe", A.GENERATE_TOKENS, 405, kwargs={"token_id": UUID0}),
    Page("token-leak", A.UNREGISTER_DEVICES, 405, kwargs={"token_id": UUID0}),
    Page("token-extend", A.GENERATE_TOKENS, 405, kwargs={"token_id": UUID0}),
    Page("token-reissue", A.GENERATE_TOKENS, 405, kwargs={"token_id": UUID0}),
    Page("plans", A.VIEW_PLANS),
    Page("plan-create", A.MANAGE_PLANS, 200, 302),
    Page("plan-edit", A.MANAGE_PLANS, needs="plan"),
    Page("plan-delete", A.MANAGE_PLANS, needs="plan"),
    # Management portal (tenants.urls, portal.urls)
    Page("usage", A.VIEW_MANAGEMENT),
    Page("customers", A.VIEW_MANAGEMENT),
    Page("customer-create", A.MANAGE_CUSTOMERS),
    # A new level: customers, sub-partners, folders under a partner or folder; units under
    # a customer or unit.
    Page("child-create", A.MANAGE_UNITS, partner_action=A.MANAGE_CUSTOMERS),
    # The selector's children of a level (their content: tests/tenants/test_scope_matrix_tree.py).
    Page("tenant-selector-children", None),
    Page("users", A.VIEW_MANAGEMENT),
    Page("user-create", A.MANAGE_USERS),
    Page("user-delete", A.MANAGE_USERS, needs="user"),
    Page("user-deactivate", A.MANAGE_USERS, needs="user"),
    Page("user-two-factor-reset", A.MANAGE_USERS, needs="user"),
    Page("user-sign-out", A.MANAGE_USERS, needs="user"),
    Page("two-factor-requirement", A.MANAGE_USERS),
    Page("audit", A.VIEW_MANAGEMENT),
    Page("api-clients", A.VIEW_MANAGEMENT),
    Page("api-client-create", A.MANAGE_API_CLIENTS),
    Page("api-client-reset-secret", A.MANAGE_API_CLIENTS, needs="client"),
    Page("api-client-delete", A.MANAGE_API_CLIENTS, needs="client"),
    # REST API lists (portal.api_urls); a plain user's lists hold only their own rows.
    Page("api-users", None),
    Page("api-audit-events", A.VIEW_MANAGEMENT),
    Page("api-api-clients", A.VIEW_MANAGEMENT),
    Page("api-plans", None),
    Page("api-tokens", None),
    # The vendor's API v2: a tenant by its UUID.
    Page("vendor-tokens", None, needs="uuid"),
]

# Walked by their own steps of the walk (see tests/tenants/test_scope_matrix.py).
WALKED_ELSEWHERE = {
    "api-tenants": "the tenant list: its items must be exactly the actor's scope; its POST "
    "(a new level) in test_scope_matrix_changes.py",
    "api-tenant-move": "POST only: moves in and out of scope, test_scope_matrix_changes.py",
    "tenant-move": "two tenants in its URL: every pair (GET, test_scope_matrix_tree.py; "
    "POST, test_scope_matrix_changes.py)",
    "vendor-tenant": "with its content, test_scope_matrix_tree.py",
    "vendor-tenant-children": "with its content, test_scope_matrix_tree.py",
    "vendor-tenants": "?uuids= and ?parent_id= with their content, test_scope_matrix_tree.py",
    "vendor-token-detail": "a token's detail, for a token of every tenant",
    "admin:select_scope": "the admin's level, posted for every tenant",
    "admin:tenants_tenant_changelist": "admin lists at every level in scope",
    "admin:tenants_user_changelist": "admin lists at every level in scope",
    "admin:tenants_auditevent_changelist": "admin lists at every level in scope",
    "admin:tokens_registrationtoken_changelist": "admin lists at every level in scope",
    "admin:agents_protectionplan_changelist": "admin lists at every level in scope",
    "admin:agents_device_changelist": "admin lists at every level in scope",
    "admin:tenants_tenant_change": "every tenant's admin page",
}

_NO_TENANT = "no tenant in it: the signed-in user's own account, sign-in or site page"
_MACHINE = "a machine's or an API client's credentials, not a user's scope"
_POSTS = "no GET (changes only): the object is found by the scoped selector the GETs use"
_ADMIN = "Django admin page of one object, reached through its scoped change list queryset"
EXCLUDED = {
    **dict.fromkeys(
        ["home", "healthz", "readyz", "metrics", "set_language", "api-ping", "api-schema"],
        "no tenant and no scoped data",
    ),
    "api-docs": "no tenant and no scoped data",
    **dict.fromkeys(
        [
            "two-factor-verify",
            "two-factor-enrol",
            "account-security",
            "factor-rename",
            "factor-remove",
            "recovery-codes",
            "session-end",
            "sessions-end-others",
            "password_reset",
            "login",
            "logout",
            "password_change",
            "password_change_done",
            "password_reset_done",
            "password_reset_confirm",
            "password_reset_complete",
            "vendor-me",
            "otp_webauthn:credential-registration-begin",
            "otp_webauthn:credential-registration-complete",
            "otp_webauthn:credential-authentication-begin",
            "otp_webauthn:credential-authentication-complete",
            "otp_webauthn:js-i18n-catalog",
            "admin:index",
            "admin:login",
            "admin:logout",
            "admin:password_change",
            "admin:password_change_done",
            "admin:jsi18n",
            "admin:app_list",
        ],
        _NO_TENANT,
    ),
    **dict.fromkeys(
        [
            "api-oauth-token",
            "vendor-token",
            "vendor-bc-token",
            "api-agent-register",
            "api-agent-me",
            "api-agent-plan-apply",
            "api-agent-plan-revoke",
            "api-agent-unregister",
            "vendor-applications",
        ],
        _MACHINE,
    ),
    **dict.fromkeys(
        [
            "api-api-client",
            "api-api-client-reset-secret",
            "api-token",
            "api-token-extend",
            "api-token-reissue",
            "vendor-clients",
            "vendor-legacy-tokens",
        ],
        _POSTS,
    ),
    "admin:autocomplete": "Django's autocomplete: no model admin of the portal declares one",
    "admin:view_on_site": "no portal model has get_absolute_url",
    "admin:tokens_registrationtoken_created": "shows a value just created in this session",
    **{
        f"admin:{model}_{view}": _ADMIN
        for model in (
            "tenants_tenant",
            "tenants_user",
            "tenants_auditevent",
            "tokens_registrationtoken",
            "agents_protectionplan",
            "agents_device",
        )
        for view in ("add", "history", "delete", "change")
        if f"admin:{model}_{view}" not in WALKED_ELSEWHERE
    },
    "admin/<path:object_id>/": "Django's redirect of an object's old URL to its change page",
    "admin/(?P<url>.*)$": "Django's catch-all: 404 for anything else",
}


def _patterns(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            if pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name
            else:  # Django's unnamed admin patterns: by route, model part left out
                yield "admin/" + route.rsplit("/", 2)[-2] + "/" if "object_id" in route else route


def unlisted_patterns() -> list[str]:
    """Every resolver pattern the walk neither calls nor excludes with a reason."""
    listed = {p.name for p in PAGES} | set(WALKED_ELSEWHERE) | set(EXCLUDED)
    return sorted(set(_patterns(get_resolver().url_patterns)) - listed)


ID_KWARGS = {"device": "agent_id", "plan": "plan_id", "user": "user_id", "client": "client_id"}


def page_url(page: Page, slug: str, objects: dict) -> str | None:
    """The page's URL at tenant `slug`; None where the tenant has no object it needs."""
    kwargs = {"tenant_id": slug, **page.kwargs}
    if page.needs == "uuid":
        kwargs["tenant_id"] = objects["uuid"][slug]
    elif page.needs:
        target = objects[page.needs].get(slug)
        if target is None:
            return None
        kwargs[
            {"device": "agent_id", "plan": "plan_id", "user": "user_id"}.get(
                page.needs, "client_id"
            )
        ] = target
    url = reverse(page.name, kwargs=kwargs)
    return f"{url}?{page.query}={slug}" if page.query else url
