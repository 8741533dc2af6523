from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from tenants.admin_base import CustomerScopedModelAdmin
from tenants.permissions import Action

from .models import Device, ProtectionPlan
from .selectors import devices_visible
from .services import plans as services


class PlanAdminForm(forms.ModelForm):
    class Meta:
        model = ProtectionPlan
        fields = services.PLAN_FIELDS

    def clean_name(self):
        name = self.cleaned_data["name"]
        others = ProtectionPlan.objects.filter(name__iexact=name)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(services.MSG_PLAN_NAME_TAKEN)
        return name


@admin.register(ProtectionPlan)
class ProtectionPlanAdmin(CustomerScopedModelAdmin):
    form = PlanAdminForm
    list_display = ["name", "what_to_back_up", "schedule", "start_time", "retention_days"]
    view_action = Action.VIEW_PLANS
    change_action = Action.MANAGE_PLANS

    def save_model(self, request, obj, form, change):
        data = {field: form.cleaned_data[field] for field in services.PLAN_FIELDS}
        common = {
            "actor": request.user,
            "tenant": request.admin_tenant,
            "origin": self.origin(request),
        }
        if change:
            saved = services.plan_update(plan=obj, data=data, **common)
        else:
            saved = services.plan_create(data=data, **common)
        self.adopt(obj, saved)

    def delete_model(self, request, obj):
        services.plan_delete(
            actor=request.user, tenant=request.admin_tenant, plan=obj, origin=self.origin(request)
        )


@admin.register(Device)
class DeviceAdmin(CustomerScopedModelAdmin):
    list_display = [
        "hostname",
        "owner",
        "os",
        "agent_version",
        "protection",
        "registered_at",
        "registered_with",
        "last_seen_at",
    ]
    search_fields = ["hostname"]

    @admin.display(description=_("protection plans"))
    def protection(self, device):
        return ", ".join(plan.name for plan in device.plans.all()) or _("Not protected")

    @admin.display(description=_("registered with token"))
    def registered_with(self, device):
        return f"{device.registered_token_prefix}••" if device.registered_token_prefix else "—"

    view_action = Action.VIEW_DEVICES

    def customer_queryset(self, request, tenant):
        return devices_visible(actor=request.user).prefetch_related("plans")

    def has_change_permission(self, request, obj=None):
        return False
