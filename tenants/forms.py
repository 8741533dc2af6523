from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Tenant, User
from .services import ROLES_FOR_KIND


class CustomerForm(forms.Form):
    name = forms.CharField(label=_("Customer name"), max_length=100)


class UserForm(forms.Form):
    tenant = forms.ChoiceField(label=_("Tenant"))
    username = forms.CharField(label=_("Username"), max_length=150)
    email = forms.EmailField(label=_("Email"), required=False)
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(render_value=False), min_length=8
    )
    role = forms.ChoiceField(label=_("Role"), choices=User.Role.choices)

    def __init__(self, *args, tenants, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenants = {t.slug: t for t in tenants}
        self.fields["tenant"].choices = [(t.slug, t.name) for t in tenants]
        allowed = set().union(*(ROLES_FOR_KIND[t.kind] for t in tenants)) if tenants else set()
        self.fields["role"].choices = [c for c in User.Role.choices if c[0] in allowed]

    def clean_tenant(self):
        return self.tenants[self.cleaned_data["tenant"]]


# The kinds as a level's creator reads them: a partner under a partner is a sub-partner.
CHILD_KIND_LABELS = {
    Tenant.Kind.PARTNER: _("Sub-partner"),
    Tenant.Kind.FOLDER: _("Folder"),
    Tenant.Kind.CUSTOMER: _("Customer"),
    Tenant.Kind.UNIT: _("Unit"),
}


class ChildForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"))
    name = forms.CharField(label=_("Name"), max_length=100)

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, CHILD_KIND_LABELS[k]) for k in kinds]


class MoveForm(forms.Form):
    to = forms.ChoiceField(label=_("Move to"))

    def __init__(self, *args, destinations, **kwargs):
        super().__init__(*args, **kwargs)
        self.destinations = {t.slug: t for t in destinations}
        self.fields["to"].choices = [
            (t.slug, f"{t.name} ({t.get_kind_display()})") for t in destinations
        ]

    def clean_to(self):
        return self.destinations[self.cleaned_data["to"]]
