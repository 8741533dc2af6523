import copy

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import services, tree
from .admin_base import ScopedModelAdmin
from .admin_tree_forms import ChildAddForm, TenantChangeForm
from .api_clients.services import api_clients_delete
from .models import ApiClient, AuditEvent, Tenant, User
from .permissions import Action
from .selectors import at_level, in_scope, tenants_visible_to, users_at


@admin.register(Tenant)
class TenantAdmin(ScopedModelAdmin):
    list_display = ["name", "slug", "kind", "parent", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    change_action = Action.MANAGE_CUSTOMERS
    fields = ["name", "slug", "kind", "parent", "schema_name", "created_at"]
    readonly_fields = ["slug", "kind", "parent", "schema_name", "created_at"]

    def scoped_queryset(self, request, tenant):
        visible = tenants_visible_to(request.user)
        return visible if tenant is None else visible.filter(at_level(tenant, "pk"))

    def _parents(self, request):
        return self.scoped_queryset(request, getattr(request, "admin_tenant", None))

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            form = self.form_for(ChildAddForm, request)
            form.base_fields["parent"] = copy.deepcopy(form.base_fields["parent"])
            form.base_fields["parent"].queryset = self._parents(request)
            return form
        form = super().get_form(request, obj, change, form=TenantChangeForm, **kwargs)
        form = self.form_for(form, request)
        if "parent" in form.base_fields:
            parent = copy.deepcopy(form.base_fields["parent"])  # per request
            moved = Tenant.objects.select_related("parent").get(pk=obj.pk)
            destinations = tree.move_destinations(request.user, moved)
            parent.queryset = destinations | Tenant.objects.filter(pk=obj.parent_id)
            form.base_fields["parent"] = parent
        return form

    def get_changeform_initial_data(self, request):
        tenant = getattr(request, "admin_tenant", None)
        return {"parent": tenant.pk} if tenant is not None else {}

    def get_fields(self, request, obj=None):
        return ["name", "kind", "parent"] if obj is None else super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        movable = obj.parent_id is not None and in_scope(request.user, obj.parent)
        if movable and self.has_change_permission(request, obj):
            return [f for f in self.readonly_fields if f != "parent"]  # a move
        return self.readonly_fields

    def has_add_permission(self, request):
        tenant = getattr(request, "admin_tenant", None)
        if tenant is None:
            return bool(request.user.is_superuser)
        return bool(tree.creatable_kinds(request.user, tenant))

    def has_delete_permission(self, request, obj=None):
        # Deleting a tenant drops its schema: a platform operation for the command line
        # (django-tenants' delete_tenant), not a click in the admin.
        return False

    def save_model(self, request, obj, form, change):
        data, origin = form.cleaned_data, self.origin(request)
        if change:
            tenant = Tenant.objects.select_related("parent").get(pk=obj.pk)
            if data["name"] != tenant.name:
                tenant = services.tenant_rename(
                    actor=request.user, tenant=tenant, name=data["name"], origin=origin
                )
            to = data.get("parent")
            if to is not None and to.pk != tenant.parent_id:
                tree.tenant_move(actor=request.user, tenant=tenant, to=to, origin=origin)
            return
        created = tree.child_create(
            actor=request.user,
            parent=data["parent"],
            kind=data["kind"],
            name=data["name"],
            origin=origin,
        )
        self.adopt(obj, created)


class UserAddForm(forms.ModelForm):
    password = forms.CharField(widget=forms.PasswordInput, min_length=8)
    request = None  # set per request by UserAdmin.get_form

    class Meta:
        model = User
        fields = ["username", "tenant", "role", "email", "first_name", "last_name"]

    def validate_unique(self):
        # The service's rules below include username uniqueness (case-insensitive).
        pass

    def clean(self):
        data = super().clean()
        if data.get("tenant") and data.get("username") and data.get("role"):
            services.user_create_check(
                actor=self.request.user,
                tenant=data["tenant"],
                username=data["username"],
                role=data["role"],
            )
        return data


class UserChangeForm(forms.ModelForm):
    """With the API clients the user created (they keep working without the user: a client
    belongs to its level), an offer to delete them when the user is deactivated."""

    delete_api_clients = forms.BooleanField(
        required=False, label=_("Also delete the API clients this user created")
    )


@admin.register(User)
class UserAdmin(ScopedModelAdmin):
    list_display = ["username", "tenant", "role", "email", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "email"]
    change_action = Action.MANAGE_USERS
    fields = ["username", "tenant", "role", "email", "first_name", "last_name", "is_active"]
    readonly_fields = ["username", "tenant", "role"]

    def scoped_queryset(self, request, tenant):
        if tenant is None:
            return User.objects.select_related("tenant")
        return users_at(actor=request.user, tenant=tenant)

    def _created_clients(self, obj) -> list[ApiClient]:
        return list(ApiClient.objects.filter(created_by=obj).select_related("tenant"))

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            clients = self._created_clients(obj)
            if not clients:
                return super().get_form(request, obj, change, **kwargs)
            form = super().get_form(request, obj, change, form=UserChangeForm, **kwargs)
            offer = copy.deepcopy(form.base_fields["delete_api_clients"])  # per request
            names = ", ".join(f"{c.name} ({c.tenant.name})" for c in clients)
            offer.help_text = _("When deactivating. They keep working otherwise: %s") % names
            form.base_fields["delete_api_clients"] = offer
            return form
        form = self.form_for(UserAddForm, request)
        form.base_fields["tenant"].queryset = self._tenant_choices(request)
        return form

    def _tenant_choices(self, request):
        tenants = tenants_visible_to(request.user)
        tenant = getattr(request, "admin_tenant", None)
        return tenants if tenant is None else tenants.filter(at_level(tenant, "pk"))

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["username", "password", "tenant", "role", "email", "first_name", "last_name"]
        return [*self.fields, "delete_api_clients"] if self._created_clients(obj) else self.fields

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if obj.pk == request.user.pk:  # nobody locks themselves out
            return [*self.readonly_fields, "is_active"]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        # Deleting a user also unregisters their devices, after a confirmation that says how
        # many: that lives in the management portal (Users > Delete), not here.
        return False

    def save_model(self, request, obj, form, change):
        if change:
            data = {
                f: form.cleaned_data[f] for f in services.USER_EDITABLE if f in form.cleaned_data
            }
            user = User.objects.get(pk=obj.pk)
            origin = self.origin(request)
            services.user_update(actor=request.user, user=user, data=data, origin=origin)
            if not user.is_active and form.cleaned_data.get("delete_api_clients"):
                clients = self._created_clients(user)  # in the admin's one transaction
                api_clients_delete(actor=request.user, clients=clients, origin=origin)
            return
        data = form.cleaned_data
        created = services.user_create(
            actor=request.user,
            tenant=data["tenant"],
            username=data["username"],
            password=data["password"],
            role=data["role"],
            email=data.get("email", ""),
            first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""),
            origin=self.origin(request),
        )
        self.adopt(obj, created)


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedModelAdmin):
    list_display = [
        "at",
        "actor_name",
        "tenant",
        "action",
        "object_repr",
        "count",
        "source",
        "ip_address",
    ]
    list_filter = ["source", "action"]

    def scoped_queryset(self, request, tenant):
        events = AuditEvent.objects.select_related("tenant")
        return events if tenant is None else events.filter(at_level(tenant, lineage="lineage"))

    def has_change_permission(self, request, obj=None):
        return False
