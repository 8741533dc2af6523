"""Console pages: Protection plans (list, create, edit, delete)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from common.forms import add_service_errors
from common.keyset import keyset_page_of
from tenants.mixins import TenantScopedMixin
from tenants.permissions import Action

from .. import selectors
from ..forms import ProtectionPlanForm
from ..services import plans as services


class PlanListView(TenantScopedMixin, TemplateView):
    template_name = "agents/plan_list.html"
    required_action = Action.VIEW_PLANS
    section = "plans"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sort = self.request.GET.get("sort", "name")
        plans = selectors.plans_for(tenant=self.tenant, sort=sort)
        page = keyset_page_of(plans, self.request, size=settings.CONSOLE_PAGE_SIZE)
        page.object_list = self.with_where(page.object_list)
        context.update(page=page, sort=sort, all_customers=self.tenant.is_partner)
        return context


class PlanFormMixin(TenantScopedMixin):
    """Create and edit share one form and one error path: service errors land on the form."""

    template_name = "agents/plan_form.html"
    required_action = Action.MANAGE_PLANS
    uses_tenant_schema = True
    section = "plans"
    form_class = ProtectionPlanForm
    plan = None

    def form_valid(self, form):
        try:
            self.save(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        return redirect("plans", tenant_id=self.tenant.slug)

    def get_context_data(self, **kwargs):
        return super().get_context_data(plan=self.plan, **kwargs)


class PlanCreateView(PlanFormMixin, FormView):
    def get(self, request, *args, **kwargs):
        if not self.tenant.is_customer:
            messages.error(request, _(services.MSG_PLANS_NEED_CUSTOMER))
            return redirect("plans", tenant_id=self.tenant.slug)
        return super().get(request, *args, **kwargs)

    def save(self, data):
        plan = services.plan_create(
            actor=self.request.user, tenant=self.tenant, data=data, origin=self.origin()
        )
        messages.success(self.request, _("Protection plan “%s” was created.") % plan.name)


class PlanUpdateView(PlanFormMixin, FormView):
    def get_form_kwargs(self):
        self.plan = selectors.plan_in(tenant=self.tenant, plan_id=self.kwargs["plan_id"])
        return {**super().get_form_kwargs(), "instance": self.plan}

    def save(self, data):
        plan = services.plan_update(
            actor=self.request.user,
            tenant=self.tenant,
            plan=self.plan,
            data=data,
            origin=self.origin(),
        )
        messages.success(self.request, _("Protection plan “%s” was saved.") % plan.name)


class PlanDeleteView(TenantScopedMixin, TemplateView):
    template_name = "agents/plan_confirm_delete.html"
    required_action = Action.MANAGE_PLANS
    uses_tenant_schema = True
    section = "plans"

    def get_context_data(self, **kwargs):
        plan = selectors.plan_in(tenant=self.tenant, plan_id=self.kwargs["plan_id"])
        return super().get_context_data(plan=plan, **kwargs)

    def post(self, request, *args, **kwargs):
        plan = selectors.plan_in(tenant=self.tenant, plan_id=self.kwargs["plan_id"])
        services.plan_delete(
            actor=request.user, tenant=self.tenant, plan=plan, origin=self.origin()
        )
        messages.success(request, _("Protection plan “%s” was deleted.") % plan.name)
        return redirect("plans", tenant_id=self.tenant.slug)
