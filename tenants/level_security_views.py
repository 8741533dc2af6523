"""Management pages of two-factor sign-in: a level's requirement, and resetting a user's
second factors or signing them out everywhere (both audited, by the services)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from common.forms import add_service_errors

from .models import User
from .permissions import Action
from .selectors import users_at
from .two_factor import ADMINS, EVERYONE, inherited_requirement, level_requirement
from .two_factor_middleware import recheck
from .two_factor_services import requirement_set, second_factors_reset
from .user_sessions import sign_out_everywhere
from .views import ManagementMixin

CHOICES = [
    ("", gettext_lazy("Not required")),
    (ADMINS, gettext_lazy("Require two-factor sign-in for administrators at this level and below")),
    (EVERYONE, gettext_lazy("Require two-factor sign-in for everyone at this level and below")),
]


class RequirementForm(forms.Form):
    requirement = forms.ChoiceField(
        label=gettext_lazy("Two-factor sign-in"),
        choices=CHOICES,
        required=False,
        widget=forms.RadioSelect,
    )


class RequirementView(ManagementMixin, FormView):
    template_name = "tenants/two_factor_requirement.html"
    section = "users"
    required_action = Action.MANAGE_USERS
    form_class = RequirementForm

    def get_initial(self):
        return {"requirement": self.tenant.two_factor_required}

    def get_context_data(self, **kwargs):
        labels = dict(CHOICES)
        above = inherited_requirement(self.tenant)  # every level up to the top of the tree
        return super().get_context_data(
            inherited=labels.get(above) if above else None,
            in_force=labels[level_requirement(self.tenant)],
            **kwargs,
        )

    def form_valid(self, form):
        try:
            requirement_set(
                actor=self.request.user,
                tenant=self.tenant,
                value=form.cleaned_data["requirement"],
                origin=self.origin(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        recheck(self.request)  # the actor may now be under it too
        messages.success(self.request, _("The two-factor requirement was saved."))
        return redirect("users", tenant_id=self.tenant.slug)


class UserActionView(ManagementMixin, TemplateView):
    """Confirm, then act on one user of the level."""

    section = "users"
    required_action = Action.MANAGE_USERS

    def target(self) -> User:
        try:
            return users_at(actor=self.request.user, tenant=self.tenant).get(
                pk=self.kwargs["user_id"]
            )
        except User.DoesNotExist:
            raise Http404("No such user.") from None

    def get_context_data(self, **kwargs):
        return super().get_context_data(target=self.target(), **kwargs)


class TwoFactorResetView(UserActionView):
    template_name = "tenants/user_two_factor_reset.html"

    def post(self, request, *args, **kwargs):
        user = self.target()
        second_factors_reset(actor=request.user, user=user, origin=self.origin())
        messages.success(
            request,
            _("The second factors of “%s” were reset and their sessions ended.") % user.username,
        )
        return redirect("users", tenant_id=self.tenant.slug)


class SignOutEverywhereView(UserActionView):
    template_name = "tenants/user_sign_out.html"

    def post(self, request, *args, **kwargs):
        user = self.target()
        sign_out_everywhere(actor=request.user, user=user, origin=self.origin())
        messages.success(request, _("“%s” was signed out everywhere.") % user.username)
        return redirect("users", tenant_id=self.tenant.slug)
