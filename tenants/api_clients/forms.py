from django import forms
from django.utils.translation import gettext_lazy as _

from tenants.models import ApiClient


class ApiClientForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    role = forms.ChoiceField(
        label=_("Role"), choices=ApiClient.Role.choices, initial=ApiClient.Role.ADMINISTRATOR
    )
