"""Console pages: Devices > All devices, unregistering a device, and the agent programs."""

import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from common.keyset import keyset_page_of
from tenants.mixins import TenantScopedMixin
from tenants.permissions import Action

from .. import selectors
from ..services.devices import device_unregister
from .panes import AddDevicesPaneMixin


class DeviceListView(AddDevicesPaneMixin, TenantScopedMixin, TemplateView):
    """Devices > All devices, with the Add devices and Manage active tokens panes."""

    template_name = "agents/device_list.html"
    required_action = Action.VIEW_DEVICES
    section = "devices"

    def get_context_data(self, **kwargs):
        pane = self.pane_context(**kwargs)
        context = super().get_context_data(**kwargs)
        context.update(pane)
        sort = self.request.GET.get("sort", "name")
        token_id = _uuid_or_none(self.request.GET.get("token"))
        devices = selectors.devices_for(
            actor=self.request.user, tenant=self.tenant, sort=sort, token_id=token_id
        )
        page = keyset_page_of(devices, self.request, size=settings.CONSOLE_PAGE_SIZE)
        page.object_list = self.with_where(page.object_list)
        context.update(
            page=page,
            sort=sort,
            token_filter=token_id,
            all_customers=self.tenant.is_partner,
            can_unregister=self.can(Action.UNREGISTER_DEVICES),
            # Links on a page a POST rendered lead here, not to the POST-only address.
            list_path=reverse("devices", kwargs={"tenant_id": self.tenant.slug}),
            list_params={"pane": self.pane} if self.pane else {},
        )
        return context


def _uuid_or_none(text):
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None


class DeviceUnregisterView(TenantScopedMixin, TemplateView):
    """Confirm, then unregister a device: it leaves All devices and its agent is locked out."""

    template_name = "agents/device_confirm_unregister.html"
    required_action = Action.UNREGISTER_DEVICES
    uses_tenant_schema = True
    section = "devices"

    def device(self):
        return selectors.device_in(
            actor=self.request.user, tenant=self.tenant, agent_id=self.kwargs["agent_id"]
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(device=self.device(), **kwargs)

    def post(self, request, *args, **kwargs):
        device = self.device()
        device_unregister(
            actor=request.user, tenant=self.tenant, device=device, origin=self.origin()
        )
        messages.success(request, _("Device “%s” was unregistered.") % device.hostname)
        return redirect("devices", tenant_id=self.tenant.slug)


CLIENT_PROGRAMS = ("register_agent.py", "protection_plan.py")


class ClientDownloadView(TenantScopedMixin, View):
    """The programs that run on a machine, served by the portal itself."""

    required_action = Action.VIEW_DEVICES

    def get(self, request, *args, name, **kwargs):
        if name not in CLIENT_PROGRAMS:
            raise Http404("No such program.")
        path = Path(__file__).resolve().parent.parent / "client" / name
        return FileResponse(
            path.open("rb"), as_attachment=True, filename=name, content_type="text/x-python"
        )
