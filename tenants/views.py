"""Management portal: customers, users and Monitoring > Usage (the audit log: audit.views)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from common.forms import add_service_errors
from common.paging import page_of

from . import services, tree
from .forms import CustomerForm, UserForm
from .level_rows import as_levels, level_rows, levels_shown, movable_levels
from .mixins import TenantScopedMixin
from .permissions import Action
from .selectors import customers_at, in_scope, levels_at, users_at
from .two_factor import with_enrolment


class ManagementMixin(TenantScopedMixin):
    required_action = Action.VIEW_MANAGEMENT


class CustomerListView(ManagementMixin, TemplateView):
    template_name = "tenants/customer_list.html"
    section = "customers"

    def get_context_data(self, **kwargs):
        page = page_of(levels_shown(levels_at(self.tenant)), self.request, count=False)
        page.object_list = as_levels(page.object_list)
        movable = movable_levels(
            page.object_list,
            lambda parent: (
                self.can(tree.action_under(parent)) and in_scope(self.request.user, parent)
            ),
        )
        kinds = tree.creatable_kinds(self.request.user, self.tenant)
        return super().get_context_data(
            customers=page.object_list,
            rows=level_rows(page.object_list, self.tenant, movable),
            page=page,
            movable=movable,
            new_kinds=kinds,
            **kwargs,
        )


class CustomerCreateView(ManagementMixin, FormView):
    template_name = "tenants/customer_form.html"
    section = "customers"
    required_action = Action.MANAGE_CUSTOMERS
    form_class = CustomerForm

    def form_valid(self, form):
        try:
            customer = services.customer_create(
                actor=self.request.user,
                partner=self.tenant,
                name=form.cleaned_data["name"],
                origin=self.origin(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Customer “%s” was created.") % customer.name)
        return redirect("customers", tenant_id=self.tenant.slug)


class UserListView(ManagementMixin, TemplateView):
    template_name = "tenants/user_list.html"
    section = "users"

    def get_context_data(self, **kwargs):
        users = with_enrolment(users_at(actor=self.request.user, tenant=self.tenant))
        page = page_of(users, self.request)
        page.object_list = self.with_where(page.object_list)
        return super().get_context_data(page=page, **kwargs)


class UserCreateView(ManagementMixin, FormView):
    template_name = "tenants/user_form.html"
    section = "users"
    required_action = Action.MANAGE_USERS
    form_class = UserForm

    def get_form_kwargs(self):
        level = (
            [self.tenant, *customers_at(self.tenant)] if self.tenant.is_partner else [self.tenant]
        )
        # `self.tenant` is in the actor's scope, and so is everything of its level.
        return {**super().get_form_kwargs(), "tenants": level}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            user = services.user_create(
                actor=self.request.user,
                tenant=data["tenant"],
                username=data["username"],
                password=data["password"],
                role=data["role"],
                email=data["email"],
                origin=self.origin(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("User “%s” was created.") % user.username)
        return redirect("users", tenant_id=self.tenant.slug)
