"""Devices in the console and the management portal once agents register."""

from django.urls import reverse
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from agents.models import Device
from tenants.models import AuditEvent, User
from tests.agents.helpers import device_unregister_url, devices_url
from tests.factories import make_device, make_token


def register(value, machine, hostname):
    body = {
        "token": value,
        "hostname": hostname,
        "os": "Windows 11",
        "machine_id": machine,
        "agent_version": "2.0",
    }
    response = APIClient().post("/api/v1/agents/register", body, format="json")
    assert response.status_code in (200, 201)
    return response.json()


def test_registered_devices_show_owner_os_version_plans_and_token_prefix(login, tenants, users):
    token, value = make_token(tenants["globex"], users["globex-alice"])
    register(value, "m-1", "alice-laptop")
    html = login("globex-alice").get(devices_url("globex")).content.decode()
    assert "alice-laptop" in html and "Windows 11" in html and "2.0" in html
    assert "Not protected" in html
    assert f"with token {token.prefix}••" in html


def test_device_visibility_by_role_and_tenant(login, tenants, users):
    _, alices = make_token(tenants["globex"], users["globex-alice"])
    _, bobs = make_token(tenants["globex"], users["globex-bob"])
    register(alices, "m-1", "alice-laptop")
    register(bobs, "m-2", "bob-desktop")

    def names(username, slug):
        return {
            d.hostname for d in login(username).get(devices_url(slug)).context["page"].object_list
        }

    assert names("globex-alice", "globex") == {"alice-laptop"}
    assert names("globex-bob", "globex") == {"bob-desktop"}
    assert names("globex-admin", "globex") == {"alice-laptop", "bob-desktop"}
    assert names("msp-admin", "demo-msp") == {"alice-laptop", "bob-desktop"}
    assert names("initech-admin", "initech") == set()
    assert login("other-admin").get(devices_url("globex")).status_code == 404


def test_machines_registered_links_to_the_devices_of_that_token(login, tenants, users):
    token, value = make_token(tenants["globex"], users["globex-alice"])
    _, other = make_token(tenants["globex"], users["globex-alice"])
    register(value, "m-1", "first")
    register(value, "m-2", "second")
    register(other, "m-3", "third")
    client = login("globex-admin")
    pane = client.get(devices_url("globex", pane="tokens")).content.decode()
    link = f"{devices_url('globex')}?token={token.public_id}"
    assert link in pane and "2 machines" in pane
    listed = {d.hostname for d in client.get(link).context["page"].object_list}
    assert listed == {"first", "second"}


def test_admin_unregisters_a_device_after_confirming(login, tenants, users):
    _, value = make_token(tenants["globex"], users["globex-alice"])
    body = register(value, "m-1", "alice-laptop")
    url = device_unregister_url("globex", body["agent_id"])
    client = login("globex-admin")
    assert "alice-laptop" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    with tenant_context(tenants["globex"]):
        assert not Device.objects.exists()
    secret_client = APIClient()
    secret_client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['agent_secret']}")
    assert secret_client.get("/api/v1/agents/me").status_code == 401


def test_users_and_read_only_admins_cannot_unregister(login, tenants, users):
    _, value = make_token(tenants["globex"], users["globex-alice"])
    body = register(value, "m-1", "alice-laptop")
    url = device_unregister_url("globex", body["agent_id"])
    for username in ("globex-alice", "globex-auditor"):
        assert login(username).post(url).status_code == 403
    assert (
        login("initech-admin").post(device_unregister_url("initech", body["agent_id"])).status_code
        == 404
    )
    with tenant_context(tenants["globex"]):
        assert Device.objects.count() == 1


def test_the_agent_programs_are_offered_for_download(login):
    client = login("globex-alice")
    pane = client.get(devices_url("globex", pane="add")).content.decode()
    assert "Download register_agent.py" in pane and "Download protection_plan.py" in pane
    response = client.get(
        reverse("client-download", kwargs={"tenant_id": "globex", "name": "register_agent.py"})
    )
    assert response.status_code == 200
    assert b"def register(" in b"".join(response.streaming_content)
    assert "attachment" in response["Content-Disposition"]
    assert (
        client.get(
            reverse("client-download", kwargs={"tenant_id": "globex", "name": "settings.py"})
        ).status_code
        == 404
    )


def test_deleting_a_user_unregisters_their_devices_after_saying_how_many(login, tenants, users):
    _, value = make_token(tenants["globex"], users["globex-bob"])
    register(value, "m-1", "bob-1")
    register(value, "m-2", "bob-2")
    make_device(tenants["globex"], users["globex-alice"], hostname="alice-1")
    client = login("globex-admin")
    url = reverse("user-delete", kwargs={"tenant_id": "globex", "user_id": users["globex-bob"].pk})
    assert "This also unregisters 2 devices" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    assert not User.objects.filter(username="globex-bob").exists()
    with tenant_context(tenants["globex"]):
        assert list(Device.objects.values_list("hostname", flat=True)) == ["alice-1"]
    event = AuditEvent.objects.get(action="user.delete")
    assert event.details == {"devices_unregistered": 2}


def test_user_deletion_rules(login, users):
    def delete(actor, target, slug):
        url = reverse("user-delete", kwargs={"tenant_id": slug, "user_id": users[target].pk})
        return login(actor).post(url)

    assert delete("globex-auditor", "globex-bob", "globex").status_code == 403
    assert delete("globex-alice", "globex-bob", "globex").status_code == 403
    assert delete("globex-admin", "initech-carol", "globex").status_code == 404
    assert delete("initech-admin", "globex-bob", "initech").status_code == 404
    delete("globex-admin", "globex-admin", "globex")
    assert User.objects.filter(username="globex-admin").exists()
    assert User.objects.filter(username="globex-bob").exists()
