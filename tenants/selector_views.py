"""The tenant selector's lazily loaded levels: one page of a level's children, as the tree's
items (templates/console/tenant_tree_children.html), for portal.js to insert."""

from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.generic import View

from .mixins import SELECTOR_LIMIT, TenantScopedMixin
from .selector_tree import Node, children_page, tree_level


class SelectorChildrenView(TenantScopedMixin, View):
    """GET `?section=<url name>&offset=<n>`: the children of this level (resolved through
    `tenant_for`: another tree's level answers 404), each linking to that section."""

    def get(self, request, *args, **kwargs):
        try:
            offset = max(0, int(request.GET.get("offset", "0")))
        except ValueError:
            offset = 0
        children, more = children_page(
            request.user, self.tenant, offset=offset, limit=SELECTOR_LIMIT
        )
        section = request.GET.get("section", "devices")
        nodes = []
        for child in children:
            try:
                url = reverse(section, kwargs={"tenant_id": child.slug})
            except NoReverseMatch:
                url = reverse("devices", kwargs={"tenant_id": child.slug})
            nodes.append(Node(child, url=url, level=tree_level(request.user, child)))
        context = {
            "nodes": nodes,
            "more": more,
            "parent": self.tenant,
            "offset": offset + len(children),
        }
        return render(request, "console/tenant_tree_children.html", context)
