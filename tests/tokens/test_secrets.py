"""A token value exists only in the response that creates it: not in logs, lists or audit."""

import logging

from django.urls import reverse

from tests.agents.helpers import devices_url, token_generate_url
from tests.patterns import TOKEN_RE
from tokens import values


def secret_parts(value):
    """The value as shown and as typed, minus the two symbols that may be shown."""
    canonical = values.normalize(value)
    return [value, canonical, canonical[2:], value[2:]]


def test_values_never_reach_logs_lists_or_the_audit_log(client, users, caplog, settings, api):
    settings.DEBUG = True  # also log SQL
    caplog.set_level(logging.DEBUG)
    admin, partner = api("globex-admin"), api("msp-admin")
    created = []
    body = admin.post("/api/v1/tenants/globex/registration_tokens", {}, format="json").json()
    created.append(body["token"])
    client.force_login(users["globex-admin"])
    page = client.post(
        token_generate_url("globex"),
        {"lifetime": "3600", "user": users["globex-bob"].pk},
    )
    page = client.get(page["Location"])  # post/redirect/get: the value is shown here once
    created.append(TOKEN_RE.search(page.content.decode()).group(0))
    # Failing requests are logged by Django; they must not carry a value either.
    admin.post("/api/v1/tenants/globex/registration_tokens", {"expires_in": 1}, format="json")
    admin.delete("/api/v1/registration_tokens/00000000-0000-0000-0000-000000000000")

    seen = [
        admin.get("/api/v1/tenants/globex/registration_tokens").content.decode(),
        partner.get("/api/v1/tenants/demo-msp/registration_tokens").content.decode(),
        client.get(devices_url("globex", pane="tokens")).content.decode(),
        client.get(reverse("audit", kwargs={"tenant_id": "globex"})).content.decode(),
        caplog.text,
    ]
    assert len(caplog.records) > 0
    for value in created:
        for part in secret_parts(value):
            for text in seen:
                assert part not in text.replace("-", "") and part not in text
