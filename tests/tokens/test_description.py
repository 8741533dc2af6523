"""Token descriptions: given at Generate, shown everywhere, editable by whoever may delete."""

from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse

from tenants.audit import CLI
from tenants.models import AuditEvent
from tests.agents.helpers import devices_url, token_generate_url
from tests.factories import make_token
from tokens import services

pytestmark = pytest.mark.django_db


def describe(actor, token, text):
    return services.token_update_description(actor=actor, token=token, description=text, origin=CLI)


def test_description_is_given_at_generate_and_audited(tenants, users):
    issued = services.token_create(
        actor=users["globex-admin"],
        tenant=tenants["globex"],
        user_id=users["globex-bob"].pk,
        description="  Globex HQ rollout ",
        origin=CLI,
    )
    assert issued.token.description == "Globex HQ rollout"
    event = AuditEvent.objects.get(action=AuditEvent.Action.TOKEN_CREATE, object_id=issued.token.pk)
    assert event.details["description"] == "Globex HQ rollout"


def test_description_over_200_characters_is_refused(tenants, users):
    with pytest.raises(ValidationError) as error:
        services.token_create(
            actor=users["globex-alice"], tenant=tenants["globex"], description="x" * 201, origin=CLI
        )
    assert error.value.message_dict == {"description": [services.MSG_DESCRIPTION]}


@pytest.mark.parametrize("actor", ["globex-bob", "globex-admin", "msp-admin"])
def test_owner_company_admin_and_partner_admin_edit_the_description(tenants, users, actor):
    token, _ = make_token(tenants["globex"], users["globex-bob"])
    describe(users[actor], token, "Bob's laptop")
    token.refresh_from_db()
    assert token.description == "Bob's laptop"
    event = AuditEvent.objects.get(action=AuditEvent.Action.TOKEN_UPDATE, object_id=token.pk)
    assert (event.actor, event.details["description"]) == (users[actor], "Bob's laptop")
    assert event.details["previous_description"] == ""


@pytest.mark.parametrize("actor", ["globex-alice", "globex-auditor"])
def test_another_user_and_a_read_only_admin_cannot_edit_the_description(tenants, users, actor):
    token, _ = make_token(tenants["globex"], users["globex-bob"])
    with pytest.raises(PermissionDenied):
        describe(users[actor], token, "mine now")
    token.refresh_from_db()
    assert token.description == ""
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN_UPDATE).exists()


def test_api_creates_lists_and_patches_the_description(tenants, users, api):
    client = api("globex-admin")
    created = client.post(
        "/api/v1/tenants/globex/registration_tokens",
        {"user_id": users["globex-bob"].pk, "description": "HQ rollout"},
        format="json",
    )
    assert created.status_code == 201 and created.json()["description"] == "HQ rollout"
    token_id = created.json()["id"]
    listed = client.get("/api/v1/tenants/globex/registration_tokens").json()["items"]
    assert [t["description"] for t in listed if t["id"] == token_id] == ["HQ rollout"]
    patched = client.patch(
        f"/api/v1/registration_tokens/{token_id}", {"description": "Bob's laptop"}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["description"] == "Bob's laptop"
    too_long = client.patch(
        f"/api/v1/registration_tokens/{token_id}", {"description": "x" * 201}, format="json"
    )
    assert too_long.status_code == 400 and "description" in too_long.json()["errors"]


@pytest.mark.parametrize("actor,code", [("initech-admin", 404), ("globex-auditor", 403)])
def test_api_patch_of_another_tenant_is_404_and_read_only_is_403(tenants, users, api, actor, code):
    token, _ = make_token(tenants["globex"], users["globex-bob"])
    response = api(actor).patch(
        f"/api/v1/registration_tokens/{token.public_id}", {"description": "x"}, format="json"
    )
    assert response.status_code == code
    token.refresh_from_db()
    assert token.description == ""


def test_cli_creates_lists_and_describes(tenants, users):
    out = StringIO()
    call_command(
        "tokens", "create", "--tenant", "globex", "--user", "globex-bob",
        "--description", "HQ rollout", stdout=out,
    )  # fmt: skip
    assert "About:   HQ rollout" in out.getvalue()
    token = users["globex-bob"].registration_tokens.get()
    call_command("tokens", "describe", str(token.public_id), "Lab machines", stdout=out)
    listing = StringIO()
    call_command("tokens", "list", "--tenant", "globex", stdout=listing)
    assert "Lab machines" in listing.getvalue()


def test_console_generate_takes_a_description_and_the_list_and_manage_panel_show_it(
    login, tenants, users
):
    client = login("globex-alice")
    url = token_generate_url("globex")
    response = client.post(url, {"lifetime": "259200", "description": "Alice's desktop"})
    assert response.status_code == 303  # post/redirect/get
    token = users["globex-alice"].registration_tokens.get()
    assert token.description == "Alice's desktop"
    devices = devices_url("globex")
    listing = client.get(devices + "?pane=tokens").content.decode()
    assert "Alice&#x27;s desktop" in listing and ">Manage</a>" in listing
    panel = client.get(devices + f"?pane=tokens&manage={token.public_id}").content.decode()
    assert "Save description" in panel
    describe_url = reverse(
        "token-describe", kwargs={"tenant_id": "globex", "token_id": token.public_id}
    )
    assert client.post(describe_url, {"description": "Desk 4"}).status_code == 302
    token.refresh_from_db()
    assert token.description == "Desk 4"


def test_console_describe_of_another_users_token_is_404(login, tenants, users):
    token, _ = make_token(tenants["globex"], users["globex-bob"])
    client = login("globex-alice")
    url = reverse("token-describe", kwargs={"tenant_id": "globex", "token_id": token.public_id})
    assert client.post(url, {"description": "x"}).status_code == 404
    devices = devices_url("initech")
    other = login("initech-admin").get(devices + f"?pane=tokens&manage={token.public_id}")
    assert other.status_code == 404


def test_admin_shows_and_edits_the_description(login, tenants, users):
    token, _ = make_token(tenants["globex"], users["globex-bob"])
    describe(users["globex-admin"], token, "Rollout")
    client = login("globex-admin")
    listing = client.get(reverse("admin:tokens_registrationtoken_changelist")).content.decode()
    assert "Rollout" in listing
    url = reverse("admin:tokens_registrationtoken_change", args=[token.pk])
    assert client.post(url, {"description": "Renamed"}).status_code == 302
    token.refresh_from_db()
    assert token.description == "Renamed"
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.TOKEN_UPDATE, source=AuditEvent.Source.ADMIN
    ).exists()


def test_openapi_schema_describes_the_description_and_patch(client, users):
    client.force_login(users["globex-admin"])
    schema = client.get("/api/v1/schema?format=json").json()
    item = schema["components"]["schemas"]["TokenItem"]["properties"]
    assert "description" in item
    patch = schema["paths"]["/api/v1/registration_tokens/{token_id}"]["patch"]
    assert {"200", "400", "403", "404"} <= set(patch["responses"])


@pytest.mark.parametrize(
    "text",
    ["HQ\r\nBcc: victim@example.com", "line one\nline two", "tab\there", "nul\x00", "a\u2028b"],
)
def test_a_description_is_one_line_without_control_characters(tenants, users, api, text):
    """It goes verbatim into reminder mails: CR/LF and other control characters are refused
    by the service, the API and the console alike (issue 21, item 7)."""
    message = "The description must be one line, without control characters."
    with pytest.raises(ValidationError) as error:
        services.token_create(
            actor=users["globex-admin"],
            tenant=tenants["globex"],
            user_id=users["globex-bob"].pk,
            description=text,
            origin=CLI,
        )
    assert error.value.message_dict == {"description": [message]}
    token, _ = make_token(tenants["globex"], users["globex-bob"])
    with pytest.raises(ValidationError):
        describe(users["globex-admin"], token, text)
    client = api("globex-admin")
    created = client.post(
        "/api/v1/tenants/globex/registration_tokens",
        {"user_id": users["globex-bob"].pk, "description": text},
        format="json",
    )
    assert created.status_code == 400, created.content
    patched = client.patch(
        f"/api/v1/registration_tokens/{token.public_id}", {"description": text}, format="json"
    )
    assert patched.status_code == 400, patched.content
    token.refresh_from_db()
    assert token.description == ""
