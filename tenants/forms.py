from django import forms
from django.utils.translation import gettext_lazy as _

from .models import User
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
