"""Calling the agent endpoints in process, as an agent would, and the console pages' URLs."""

from urllib.parse import urlencode

from django.urls import reverse
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from agents.models import Device
from tokens import values

REGISTER = "/api/v1/agents/register"


def register(
    token, machine="m-1", hostname="alice-laptop", address="10.0.0.1", proof=None, **extra
):
    """POST a registration; `proof` is an agent secret sent as the Bearer credential."""
    body = {"token": token, "hostname": hostname, "os": "Ubuntu 24.04", "machine_id": machine}
    headers = {"HTTP_AUTHORIZATION": f"Bearer {proof}"} if proof else {}
    return APIClient().post(
        REGISTER, {**body, **extra}, format="json", REMOTE_ADDR=address, **headers
    )


def agent(secret):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def devices_in(tenant):
    with tenant_context(tenant):
        return list(Device.objects.select_related("owner").prefetch_related("plans"))


def unknown_but_well_formed():
    canonical = values.normalize(values.generate())
    return values.format_value(canonical)


def plans_of(tenants):
    [device] = devices_in(tenants["globex"])
    return [p.name for p in device.plans.all()]


def devices_url(slug: str, **query) -> str:
    """Devices > All devices at `slug`, with its query: `devices_url("globex", pane="tokens")`."""
    url = reverse("devices", kwargs={"tenant_id": slug})
    return f"{url}?{urlencode(query)}" if query else url


def device_unregister_url(slug: str, agent_id) -> str:
    return reverse("device-unregister", kwargs={"tenant_id": slug, "agent_id": agent_id})


def token_generate_url(slug: str) -> str:
    return reverse("token-generate", kwargs={"tenant_id": slug})


def token_delete_url(slug: str) -> str:
    return reverse("token-delete", kwargs={"tenant_id": slug})


def generate_custom(client, value: str, unit: str):
    """Generate at globex with a custom lifetime (`value` `unit`), as the pane's form posts it."""
    body = {"lifetime": "custom", "custom_value": value, "custom_unit": unit}
    return client.post(token_generate_url("globex"), body)
