"""The bases of every tenant-scoped console page, management page and API endpoint."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import connection
from django.urls import reverse
from rest_framework.views import APIView

from .audit import Origin
from .models import AuditEvent
from .permissions import Action, can
from .selector_tree import Node, selector_search, selector_tree, tree_level
from .selectors import paths_below, tenant_for

# How many tenants the tenant selector lists before asking for a search.
SELECTOR_LIMIT = 20


class TenantScopedMixin(LoginRequiredMixin):
    """Base of every page that works on one tenant named in its URL (`<tenant_id>`).

    Resolves the tenant through `tenant_for` (another customer's tenant answers 404), checks
    `required_action` against the role map, and (with `uses_tenant_schema`) points the
    connection at the tenant's schema for the rest of the request. Subclasses read
    `self.tenant`; they never look a tenant up themselves. `section` is the URL name the
    tenant selector links to.
    """

    required_action: Action | None = None
    section: str = "devices"
    # Pages that read or write the tenant's own schema (devices and plans themselves) set
    # this; the others read only the public schema (lists come from the directory) and pay
    # no `SET search_path`. A page that forgets it fails loudly: the tenant's tables are not
    # in the public schema.
    uses_tenant_schema: bool = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.tenant = tenant_for(actor=request.user, tenant_id=kwargs.pop("tenant_id"))
        if self.required_action is not None and not can(request.user, self.required_action):
            self.raise_exception = True
            return self.handle_no_permission()
        request.tenant = self.tenant
        if self.uses_tenant_schema:
            connection.set_tenant(self.tenant)
        return super().dispatch(request, *args, **kwargs)

    def can(self, action: Action) -> bool:
        return can(self.request.user, action)

    def origin(self) -> Origin:
        return Origin.from_request(self.request, AuditEvent.Source.UI)

    def with_where(self, rows, tenant_of=lambda row: row.tenant_id) -> list:
        """A list's rows at this level, each given `where`: the path of its tenant below
        the level ("Contoso / Contoso Sales" at a reseller), the list's where column. One
        query for the page; "" at a level with nothing below (the column is not shown)."""
        rows = list(rows)
        paths: dict[int, str] = {}
        if self.tenant.is_partner or self.tenant.has_children:
            paths = paths_below(self.tenant, (tenant_of(row) for row in rows))
        for row in rows:
            row.where = paths.get(tenant_of(row), "")
        return rows

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        search = self.request.GET.get("tq", "").strip()[:100]
        context.update(tenant_selector(self.request.user, self.tenant, self.section, search))
        context.update(
            tenant=self.tenant,
            section=self.section,
            # Lists at a level with anything below it (All customers, a customer with units)
            # say where each row lives.
            where_column=self.tenant.is_partner or self.tenant.has_children,
            can_manage_plans=self.can(Action.MANAGE_PLANS),
            can_view_management=self.can(Action.VIEW_MANAGEMENT),
            can_manage_users=self.can(Action.MANAGE_USERS),
            can_manage_customers=self.can(Action.MANAGE_CUSTOMERS),
            can_manage_units=self.can(Action.MANAGE_UNITS),
        )
        return context


def tenant_selector(user, level, section: str, search: str) -> dict:
    """The tenant selector's context: the tree opened along the path to `level` (or, with
    `search`, the matching levels with their paths), each entry linking to `section`."""
    roots, path = selector_tree(user, level, limit=SELECTOR_LIMIT)
    flat: list[Node] = []

    def visit(node: Node) -> None:
        node.url = reverse(section, kwargs={"tenant_id": node.tenant.slug})
        node.current = node.tenant.pk == level.pk
        node.level = tree_level(user, node.tenant)
        flat.append(node)
        for child in node.children:
            visit(child)

    for root in roots:
        visit(root)
    more = any(node.more for node in flat)
    matches: list | None = None
    if search:
        found, more = selector_search(user, search, limit=SELECTOR_LIMIT)
        matches = [Node(t) for t in found]
        for node in matches:
            node.url = reverse(section, kwargs={"tenant_id": node.tenant.slug})
            node.current = node.tenant.pk == level.pk
    listed = flat if matches is None else [*flat[:1], *matches]
    return {
        "selector_roots": roots,
        "selector_path": path,
        "selector_matches": matches,
        "selector_search": search,
        "selector_more": more,
        # Offer the search where there is something to search: a partner's customers.
        "selector_searchable": bool(search or more or len(flat) > 2),
        "selector": [{"tenant": n.tenant, "url": n.url, "current": n.current} for n in listed],
    }


class TenantScopedAPIView(APIView):
    """Base of every endpoint under `/api/v1/tenants/{tenant_id}/`.

    After authentication it resolves `tenant_id` through `tenant_for` (a tenant outside the
    caller's scope answers 404) and, with `uses_tenant_schema`, points the connection at the
    tenant's schema. Subclasses use `self.tenant` and never look a tenant up themselves.
    """

    # As on TenantScopedMixin: only endpoints that touch the tenant's own tables set it.
    uses_tenant_schema = False

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.tenant = tenant_for(actor=request.user, tenant_id=kwargs["tenant_id"])
        if self.uses_tenant_schema:
            connection.set_tenant(self.tenant)

    def origin(self) -> Origin:
        return Origin.from_request(self.request, AuditEvent.Source.API)
