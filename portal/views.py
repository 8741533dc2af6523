"""Pages that span several apps (Monitoring > Usage, deleting a user), and the home redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from agents.selectors import device_count_of, device_counts
from common.paging import page_of
from tenants.api_clients.selectors import api_clients_created_by
from tenants.models import User
from tenants.permissions import Action
from tenants.selectors import customers_at, tenants_visible_to, users_at
from tenants.views import ManagementMixin
from tokens.selectors import active_token_counts
from tokens.usage import usage_by_day

from . import services
from .readiness import readiness
from .usage_chart import chart


def home_tenant(user):
    """The level a user lands on: their own tenant (for a partner, "All customers")."""
    if user.tenant_id:
        return user.tenant
    return (
        tenants_visible_to(user).filter(kind="partner").first() or tenants_visible_to(user).first()
    )


@never_cache
@require_GET
def healthz(request):
    """Liveness: the process answers requests. No database, no cache, no sign-in."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    """Readiness: database and cache answer, migrations applied (portal.readiness).
    200 or 503, naming what failed; no sign-in, nothing from an exception."""
    ready, checks = readiness()
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )


@login_required
def home(request):
    tenant = home_tenant(request.user)
    if tenant is None:
        return redirect("admin:index")
    return redirect("devices", tenant_id=tenant.slug)


class UserTargetMixin(ManagementMixin):
    """A page about one user of this level, listing the API clients they created: those
    keep working without them (a client belongs to its level), so the page offers to
    delete them in the same step (`delete_api_clients`), each deletion audited."""

    section = "users"
    required_action = Action.MANAGE_USERS

    def target(self):
        users = users_at(actor=self.request.user, tenant=self.tenant)
        try:
            return users.get(pk=self.kwargs["user_id"])
        except User.DoesNotExist:
            raise Http404("No such user.") from None

    def created_clients(self, user):
        return list(api_clients_created_by(actor=self.request.user, tenant=self.tenant, user=user))

    def chosen_clients(self, user):
        return self.created_clients(user) if self.request.POST.get("delete_api_clients") else []

    def get_context_data(self, **kwargs):
        user = self.target()
        return super().get_context_data(
            target=user, created_clients=self.created_clients(user), **kwargs
        )

    def act(self, service, success):
        """Run `service` on the target user (with the chosen API clients), then back to
        the users list with `success(user, result)` as the message, or the refusal."""
        user = self.target()
        try:
            result = service(
                actor=self.request.user,
                user=user,
                origin=self.origin(),
                api_clients=self.chosen_clients(user),
            )
        except ValidationError as error:
            messages.error(self.request, " ".join(error.messages))
        else:
            messages.success(self.request, success(user, result))
        return redirect("users", tenant_id=self.tenant.slug)


class UserDeleteView(UserTargetMixin, TemplateView):
    """Confirm (saying how many devices go with the user), then delete."""

    template_name = "tenants/user_confirm_delete.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        return {**context, "device_count": device_count_of(context["target"])}

    def post(self, request, *args, **kwargs):
        return self.act(services.user_delete, self.deleted)

    @staticmethod
    def deleted(user, count):
        return ngettext(
            "User “%(name)s” was deleted and %(n)d device was unregistered.",
            "User “%(name)s” was deleted and %(n)d devices were unregistered.",
            count,
        ) % {"name": user.username, "n": count}


class UserDeactivateView(UserTargetMixin, TemplateView):
    """Confirm, then deactivate: the user can no longer sign in and their registration
    tokens stop working; the API clients they created are deleted too if chosen."""

    template_name = "tenants/user_confirm_deactivate.html"

    def post(self, request, *args, **kwargs):
        return self.act(services.user_deactivate, self.deactivated)

    @staticmethod
    def deactivated(user, deleted):
        message = _("User “%s” was deactivated.") % user.username
        if deleted:
            message += " " + _("API clients deleted: %s.") % ", ".join(deleted)
        return message


class UsageView(ManagementMixin, TemplateView):
    """Monitoring > Usage. The Protection tab counts each customer's devices and tokens, and
    charts machines registered and failed token uses per day of the level (one indexed read
    of the usage counters, tokens/usage.py)."""

    template_name = "tenants/usage.html"
    section = "usage"

    def get_context_data(self, **kwargs):
        page = page_of(customers_at(self.tenant), self.request, count=False)
        customers = list(page.object_list)
        counts = device_counts(customers)
        tokens = active_token_counts(customers)
        rows = [
            {
                "customer": c,
                **counts.get(c.pk, {"devices": 0, "protected": 0}),
                "active_tokens": tokens.get(c.pk, 0),
            }
            for c in customers
        ]
        usage = chart(usage_by_day(self.tenant))
        return super().get_context_data(rows=rows, page=page, usage=usage, **kwargs)
