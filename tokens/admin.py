from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from common.shown_once import ShownOnce
from tenants.admin_base import ScopedModelAdmin
from tenants.models import User
from tenants.permissions import Action, can

from . import renewal, selectors, services
from .forms import LIFETIME_PRESETS
from .models import MAX_MACHINES, RegistrationToken
from .plans import catalog
from .templatetags.token_tags import use_text

# Save keeps the new value and redirects to the page that shows it once (post/redirect/get):
# a reload there shows nothing and makes no second token.
ADMIN_ISSUED = ShownOnce(session_key="tokens.admin_issued", cookie="admin_token_pad")


class TokenAddForm(forms.ModelForm):
    """Generate a token for a user of the selected customer. Rules are the service's."""

    request = None  # set per request by RegistrationTokenAdmin.get_form

    user = forms.ModelChoiceField(label=_("User"), queryset=User.objects.none())
    lifetime = forms.TypedChoiceField(
        label=_("Token lifetime"),
        choices=LIFETIME_PRESETS,
        coerce=int,
        initial=int(services.DEFAULT_LIFETIME.total_seconds()),
    )
    plan = forms.TypedChoiceField(
        label=_("Protection plan"), required=False, coerce=int, empty_value=None
    )
    description = forms.CharField(
        label=_("Description"), required=False, max_length=services.MAX_DESCRIPTION
    )
    max_machines = forms.IntegerField(
        label=_("Machine limit"),
        required=False,
        min_value=1,
        max_value=MAX_MACHINES,
        help_text=_("Empty: reusable. 1: one machine. N: up to N distinct machines."),
    )
    allowed_networks = forms.CharField(
        label=_("Allowed networks"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional. CIDR networks, one per line (IPv4 or IPv6)."),
    )

    class Meta:
        model = RegistrationToken
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        tenant = getattr(self.request, "admin_tenant", None)
        if tenant is not None and tenant.is_customer:
            self.fields["user"].queryset = User.objects.filter(tenant=tenant, is_active=True)
            plans = [(plan.id, plan.name) for plan in catalog().choices(tenant)]
        else:
            plans = []
        self.fields["plan"].choices = [("", _("No plan")), *plans]

    def _post_clean(self):
        # No model instance is built from this form: the service creates the token.
        pass

    def clean(self):
        data = super().clean()
        tenant = getattr(self.request, "admin_tenant", None)
        if tenant is None:
            raise forms.ValidationError(_(services.MSG_ALL_CUSTOMERS))
        services.token_create_check(actor=self.request.user, tenant=tenant)
        return data


@admin.register(RegistrationToken)
class RegistrationTokenAdmin(ScopedModelAdmin):
    """Active tokens of the selected level. Values are shown once, right after generating."""

    list_display = [
        "masked",
        "tenant",
        "user",
        "created_by_name",
        "created_at",
        "expires_at",
        "plan_name",
        "description",
        "machines_used",
        "registrations",
        "allowed_networks",
        "last_used_at",
    ]
    list_select_related = ["tenant", "user", "created_by"]
    view_action = Action.VIEW_ALL_TOKENS
    change_action = Action.GENERATE_TOKENS
    readonly_fields = [f for f in list_display if f != "description"]
    fields = list_display

    @admin.display(description=_("token"))
    def masked(self, token):
        return token.masked

    @admin.display(description=_("machines"), ordering="machines")
    def machines_used(self, token):
        return use_text(token)

    def scoped_queryset(self, request, tenant):
        if tenant is None:
            return RegistrationToken.objects.active().select_related("tenant", "user", "created_by")
        return selectors.tokens_active_for(actor=request.user, tenant=tenant)

    def has_change_permission(self, request, obj=None):
        # Only the description changes (through the service, which checks the token's user).
        return can(request.user, Action.GENERATE_TOKENS)

    def has_delete_permission(self, request, obj=None):
        return can(request.user, Action.GENERATE_TOKENS)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            return super().get_form(request, obj, change, **kwargs)
        return self.form_for(TokenAddForm, request)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "lifetime", "plan", "description", "max_machines", "allowed_networks"]
        return self.fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.token_update_description(
                actor=request.user,
                token=obj,
                description=data["description"],
                origin=self.origin(request),
            )
            return
        issued = services.token_create(
            actor=request.user,
            tenant=request.admin_tenant,
            user_id=data["user"].pk,
            lifetime=data["lifetime"],
            plan_id=data["plan"],
            description=data["description"],
            max_machines=data["max_machines"],
            allowed_networks=data["allowed_networks"],
            origin=self.origin(request),
        )
        self.adopt(obj, issued.token)
        request.issued_token = issued

    def get_urls(self):
        created = path(
            "created/",
            self.admin_site.admin_view(self.created_view),
            name="tokens_registrationtoken_created",
        )
        return [created, *super().get_urls()]

    def response_add(self, request, obj, post_url_continue=None):
        issued = getattr(request, "issued_token", None)
        if issued is None:
            return super().response_add(request, obj, post_url_continue)
        url = reverse("admin:tokens_registrationtoken_created")
        response = HttpResponseRedirect(url, status=303)
        response["Cache-Control"] = "no-store"
        ADMIN_ISSUED.keep(
            request,
            response,
            path=url,
            tenant_slug=issued.token.tenant.slug,
            value=issued.value,
            facts={"token": str(issued.token.public_id)},
        )
        return response

    def created_view(self, request):
        """The value just generated, once; a reload says it is gone."""
        tenant = getattr(request, "admin_tenant", None)
        taken = ADMIN_ISSUED.take(request, tenant_slug=tenant.slug) if tenant else None
        issued = None
        if taken is not None:
            value, facts = taken
            try:
                token = selectors.token_for(actor=request.user, token_id=facts["token"])
                issued = services.IssuedToken(token=token, value=value)
            except Http404:
                issued = None  # deleted meanwhile
        context = {
            **self.admin_site.each_context(request),
            "title": _("Registration token generated"),
            "issued": issued,
            "opts": self.opts,
        }
        response = TemplateResponse(request, "admin/tokens/token_created.html", context)
        response["Cache-Control"] = "no-store"
        ADMIN_ISSUED.forget(response, path=reverse("admin:tokens_registrationtoken_created"))
        return response

    actions = ["delete_and_unregister", "extend_own_lifetime"]

    @admin.action(description=_("Extend: its own lifetime again from now"), permissions=["change"])
    def extend_own_lifetime(self, request, queryset):
        """Each selected token gets its own lifetime again from now (as the console's
        Extend offers first); one that would expire earlier so is left as it is."""
        extended, refused = 0, 0
        for token in queryset:
            try:
                renewal.token_extend(
                    actor=request.user,
                    token=token,
                    lifetime=renewal.own_lifetime(token),
                    origin=self.origin(request),
                )
                extended += 1
            except ValidationError:
                refused += 1
        self.message_user(
            request,
            _("%(extended)d token(s) extended, %(refused)d left as they were.")
            % {"extended": extended, "refused": refused},
        )

    @admin.action(description=_("Delete and unregister its machines"), permissions=["unregister"])
    def delete_and_unregister(self, request, queryset):
        """The leak response for the selected tokens, each through the token service."""
        tokens, machines = 0, 0
        for token in queryset:
            machines += services.token_delete(
                actor=request.user,
                token=token,
                origin=self.origin(request),
                unregister_machines=True,
            )
            tokens += 1
        self.message_user(
            request,
            _("%(tokens)d token(s) deleted and %(machines)d machine(s) unregistered.")
            % {"tokens": tokens, "machines": machines},
        )

    def has_unregister_permission(self, request):
        return can(request.user, Action.UNREGISTER_DEVICES)

    def delete_model(self, request, obj):
        services.token_delete(actor=request.user, token=obj, origin=self.origin(request))
