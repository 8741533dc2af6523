"""The base classes of every portal ModelAdmin: the admin's tenant scope, in one place.

The admin site (`portal.admin_site`) sets `request.admin_tenant` (the tenant picked at the
top: "All customers" or a customer) and points the connection at it; these classes make
every admin page read through it.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.views.main import ChangeList
from django.utils.translation import gettext as _

from common.paging import BoundedPaginator

from .audit import Origin
from .models import AuditEvent
from .permissions import Action, can


class DeclaredLookupsChangeList(ChangeList):
    """A changelist that filters only through the lookups its page declares.

    Django's admin applies any query parameter naming a field of the model as a filter
    (`?password__startswith=pbkdf2`), so a reader could recover a hash or a digest one
    character at a time. Here the list filters take their own parameters, search, ordering,
    paging and popups are Django's own (`o`, `p`, `q`, `e`, `all`, `_popup`, `_to_field`,
    `_facets`), the date hierarchy its bounds, and any parameter left over answers 400
    (SuspiciousOperation) before a query runs.
    """

    def get_filters(self, request):
        specs, has_filters, remaining, duplicates, active = super().get_filters(request)
        bounds = set()
        if self.date_hierarchy:
            bounds = {f"{self.date_hierarchy}__gte", f"{self.date_hierarchy}__lt"}
        undeclared = sorted(set(remaining) - bounds)
        if undeclared:
            raise DisallowedModelAdminLookup(f"Filtering by {undeclared[0]} not allowed")
        return specs, has_filters, remaining, duplicates, active

    @property
    def page_links(self):
        """The page numbers to link to (Django's `pagination` tag works them out only for
        its own template; templates/admin/bounded_pagination.html needs them too)."""
        return self.paginator.get_elided_page_range(self.page_num)


class ScopedModelAdmin(admin.ModelAdmin):
    """Base of every portal ModelAdmin: the queryset always goes through `scoped_queryset`.

    Subclasses implement `scoped_queryset(request, tenant)` (tenant is the selected admin
    tenant, or None for the superuser's whole-platform view) and must not override
    `get_queryset`, so no admin page can forget the scope. Role checks use the same action
    map as the console: `view_action` to look, `change_action` to add, change and delete.
    """

    view_action: Action = Action.VIEW_MANAGEMENT
    change_action: Action | None = None
    # Lists count as the portal's pages do: at most COUNT_BOUND + 1 rows, shown as
    # "10000+" beyond (templates/admin/change_list.html), and never the unfiltered total
    # as well; an audit list of a million events otherwise cost two full counts a page.
    paginator = BoundedPaginator
    show_full_result_count = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for method in ("get_queryset", "get_changelist"):
            if method in cls.__dict__:
                raise TypeError(f"{cls.__name__} must not override {method}: it holds the scope")

    def scoped_queryset(self, request, tenant):
        raise NotImplementedError

    def get_changelist(self, request, **kwargs):
        return DeclaredLookupsChangeList

    def get_queryset(self, request):
        return self.scoped_queryset(request, getattr(request, "admin_tenant", None))

    def origin(self, request) -> Origin:
        return Origin.from_request(request, AuditEvent.Source.ADMIN)

    @staticmethod
    def form_for(form_class: type[forms.BaseForm], request) -> type[forms.BaseForm]:
        """`form_class` bound to this request, for add forms whose `clean` asks a service
        (which needs the actor and the selected tenant) before anything is saved."""
        return type(form_class.__name__, (form_class,), {"request": request})

    @staticmethod
    def adopt(obj, saved) -> None:
        """Make the admin's unsaved `obj` the row a service `saved`, so the admin's messages
        and redirects name the real object."""
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})

    def delete_queryset(self, request, queryset):
        # One at a time through delete_model, so bulk deletes go through the services too.
        for obj in queryset:
            self.delete_model(request, obj)

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
