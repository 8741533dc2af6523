"""The Django admin, scoped the way the console is.

A partner administrator picks "All customers" or one of its customers (kept in the session);
every admin page then works on that tenant only, with the connection pointed at its schema.
A company or read-only administrator is pinned to their own tenant; the platform superuser
may pick any tenant, or none for the whole platform.
"""

from functools import wraps

from django.contrib import admin, messages
from django.db import connection
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenants.audit import Origin
from tenants.models import AuditEvent
from tenants.permissions import Action, can
from tenants.selectors import selector_choices, tenant_for

SESSION_KEY = "admin_tenant"


def admin_tenant(request):
    """The tenant the admin works on for this request, or None (superuser: whole platform)."""
    slug = request.session.get(SESSION_KEY)
    if slug:
        try:
            return tenant_for(actor=request.user, tenant_id=slug)
        except Http404:
            request.session.pop(SESSION_KEY, None)
    if request.user.is_superuser:
        return None
    return request.user.tenant


class PortalAdminSite(admin.AdminSite):
    site_header = gettext_lazy("Management portal administration")
    site_title = gettext_lazy("Management portal")
    index_title = gettext_lazy("Administration")

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
        if request.method == "POST":
            slug = request.POST.get("tenant", "")
            if slug:
                tenant = tenant_for(actor=request.user, tenant_id=slug)
                request.session[SESSION_KEY] = tenant.slug
            elif request.user.is_superuser:
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
            context["scope_choices"] = selector_choices(request.user)
            context["scope_current"] = current
        return context


class ScopedModelAdmin(admin.ModelAdmin):
    """Base of every portal ModelAdmin: the queryset always goes through `scoped_queryset`.

    Subclasses implement `scoped_queryset(request, tenant)` (tenant is the selected admin
    tenant, or None for the superuser's whole-platform view) and must not override
    `get_queryset`, so no admin page can forget the scope. Role checks use the same action
    map as the console: `view_action` to look, `change_action` to add, change and delete.
    """

    view_action: Action = Action.VIEW_MANAGEMENT
    change_action: Action | None = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__} must implement scoped_queryset, not get_queryset")

    def scoped_queryset(self, request, tenant):
        raise NotImplementedError

    def get_queryset(self, request):
        return self.scoped_queryset(request, getattr(request, "admin_tenant", None))

    def origin(self, request) -> Origin:
        return Origin.from_request(request, AuditEvent.Source.ADMIN)

    def has_module_permission(self, request):
        return can(request.user, self.view_action)

    def has_view_permission(self, request, obj=None):
        return can(request.user, self.view_action)

    def has_add_permission(self, request):
        return self.change_action is not None and can(request.user, self.change_action)

    def has_change_permission(self, request, obj=None):
        return self.change_action is not None and can(request.user, self.change_action)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)


class CustomerScopedModelAdmin(ScopedModelAdmin):
    """For models that live in a customer's schema: nothing to show until one is selected."""

    def needs_customer(self, request) -> bool:
        tenant = getattr(request, "admin_tenant", None)
        return tenant is None or not tenant.is_customer

    def customer_queryset(self, request, tenant):
        """The model's rows in `tenant`, a customer; the connection already points at it."""
        return self.model.objects.all()

    def scoped_queryset(self, request, tenant):
        if tenant is None or not tenant.is_customer:
            return self.model.objects.none()
        return self.customer_queryset(request, tenant)

    def has_add_permission(self, request):
        return not self.needs_customer(request) and super().has_add_permission(request)

    def changelist_view(self, request, extra_context=None):
        if self.needs_customer(request):
            messages.info(
                request, _("Select a customer to see its %s.") % self.opts.verbose_name_plural
            )
        return super().changelist_view(request, extra_context)
