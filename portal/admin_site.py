"""The Django admin, scoped the way the console is.

A partner administrator picks "All customers" or one of its customers (kept in the session);
every admin page then works on that tenant only, with the connection pointed at its schema.
A company or read-only administrator is pinned to their own tenant; the platform superuser
may pick any tenant, or none for the whole platform.
"""

from functools import wraps

from django.contrib import admin
from django.db import connection
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy

from tenants.permissions import Action, can
from tenants.selectors import in_scope, selector_page, tenant_for

SESSION_KEY = "admin_tenant"
SEARCH_KEY = "admin_tenant_search"
# How many tenants the scope list offers before asking for a search.
SCOPE_LIMIT = 50


def admin_tenant(request):
    """The tenant the admin works on for this request, or None (superuser: whole platform)."""
    slug = request.session.get(SESSION_KEY)
    if slug:
        try:
            return tenant_for(actor=request.user, tenant_id=slug)
        except Http404:
            request.session.pop(SESSION_KEY, None)
    if in_scope(request.user, None):  # the whole platform
        return None
    return request.user.tenant


class PortalAdminSite(admin.AdminSite):
    site_header = gettext_lazy("Management portal administration")
    site_title = gettext_lazy("Management portal")
    index_title = gettext_lazy("Administration")

    def login(self, request, extra_context=None):
        """The admin signs in through the portal's one door: password, then the second
        factor its user has or a level requires (tenants.two_factor_middleware)."""
        target = request.GET.get("next") or reverse("admin:index")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("admin:index")
        return HttpResponseRedirect(f"{reverse('login')}?{urlencode({'next': target})}")

    def has_permission(self, request):
        user = request.user
        return user.is_active and can(user, Action.VIEW_MANAGEMENT)

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def scoped(request, *args, **kwargs):
            request.admin_tenant = None
            if request.user.is_authenticated and self.has_permission(request):
                request.admin_tenant = admin_tenant(request)
                if request.admin_tenant is not None:
                    # django-tenants' admin index reads request.tenant to show tenant apps.
                    request.tenant = request.admin_tenant
                    connection.set_tenant(request.admin_tenant)
            return inner(request, *args, **kwargs)

        return scoped

    def get_urls(self):
        return [
            path("scope/", self.admin_view(self.select_scope), name="select_scope"),
            *super().get_urls(),
        ]

    def select_scope(self, request):
        if request.method == "POST" and "search" in request.POST:
            # Narrow the tenant list (kept in the session: admin lists take no stray GET
            # parameters); selecting happens with the list's own form.
            request.session[SEARCH_KEY] = request.POST["search"].strip()[:100]
        elif request.method == "POST":
            slug = request.POST.get("tenant", "")
            if slug:
                tenant = tenant_for(actor=request.user, tenant_id=slug)
                request.session[SESSION_KEY] = tenant.slug
            elif in_scope(request.user, None):
                request.session.pop(SESSION_KEY, None)
            else:
                raise Http404
        target = request.POST.get("next") or reverse("admin:index")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("admin:index")
        return HttpResponseRedirect(target)

    def each_context(self, request):
        context = super().each_context(request)
        if request.user.is_authenticated and self.has_permission(request):
            current = getattr(request, "admin_tenant", None)
            search = request.session.get(SEARCH_KEY, "")
            choices, more = selector_page(request.user, search=search, limit=SCOPE_LIMIT)
            if current is not None and current not in choices:
                choices.insert(0, current)
            context.update(
                scope_choices=choices,
                scope_current=current,
                scope_search=search,
                scope_more=more,
            )
        return context
