"""The admin's tenant forms: a new level under a parent and a change of parent, both checked
by `tenants.tree` before anything is saved (TenantAdmin saves through the same services)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from . import tree
from .models import Tenant


class ChildAddForm(forms.ModelForm):
    """Name, kind and parent. Without a parent, the level picked at the top of the admin;
    without a kind, a customer under a partner or folder and a unit under a customer or unit
    (the add form of before the tree, which only made customers, still works)."""

    request = None  # set per request by TenantAdmin.get_form
    kind = forms.ChoiceField(
        label=_("kind"), choices=[("", "---------"), *Tenant.Kind.choices], required=False
    )
    parent = forms.ModelChoiceField(
        label=_("Parent"), queryset=Tenant.objects.none(), required=False
    )

    class Meta:
        model = Tenant
        fields = ["name", "kind", "parent"]

    def clean(self):
        data = super().clean()
        parent = data.get("parent") or getattr(self.request, "admin_tenant", None)
        if parent is None:
            self.add_error("parent", _("Choose the level the new tenant goes under."))
            return data
        data["parent"] = parent
        if not data.get("kind"):
            data["kind"] = Tenant.Kind.CUSTOMER if parent.is_partner else Tenant.Kind.UNIT
        if "name" in data:
            tree.child_create_check(
                actor=self.request.user, parent=parent, kind=data["kind"], name=data["name"]
            )
        return data


class TenantChangeForm(forms.ModelForm):
    """A rename, and a move when the parent changes (`tree.move_check` first)."""

    request = None  # set per request by TenantAdmin.get_form
    parent = forms.ModelChoiceField(
        label=_("Parent"), queryset=Tenant.objects.none(), required=False
    )

    class Meta:
        model = Tenant
        fields = ["name", "parent"]

    def clean(self):
        data = super().clean()
        to = data.get("parent")
        if to is not None and to.pk != self.instance.parent_id:
            moved = Tenant.objects.select_related("parent").get(pk=self.instance.pk)
            tree.move_check(actor=self.request.user, tenant=moved, to=to)
        return data
