"""Console: Devices > All devices > Add > Registration token, and Manage active tokens."""

import re

import pytest
from django_tenants.utils import tenant_context

from agents.models import ProtectionPlan
from tests.agents.helpers import devices_url, generate_custom, token_delete_url, token_generate_url
from tests.factories import make_token
from tests.patterns import TOKEN_RE
from tokens import values
from tokens.models import RegistrationToken
from tokens.services import MSG_ALL_CUSTOMERS as ALL_CUSTOMERS


def test_add_opens_the_add_devices_pane_with_the_registration_token_section(login):
    client = login("globex-alice")
    page = client.get(devices_url("globex")).content.decode()
    assert ">Add</button>" in page
    pane = client.get(devices_url("globex", pane="add")).content.decode()
    for label in (
        "Add devices",
        "Registration token",
        ">Generate</button>",
        "Manage active tokens",
    ):
        assert label in pane
    assert pane.index("Registration program") < pane.index("Registration token")


def test_generate_asks_for_the_lifetime_with_three_days_preselected(login):
    html = (
        login("globex-alice")
        .get(devices_url("globex", pane="add", step="generate"))
        .content.decode()
    )
    options = re.findall(r'<option value="([^"]+)"( selected)?>([^<]+)</option>', html)
    lifetimes = [(value, label) for value, _, label in options]
    assert lifetimes[:7] == [
        ("3600", "1 hour"),
        ("86400", "1 day"),
        ("259200", "3 days"),
        ("604800", "1 week"),
        ("2592000", "1 month"),
        ("31536000", "1 year"),
        ("custom", "Custom"),
    ]
    assert ("259200", " selected", "3 days") in options
    assert "Generate token" in html
    # A plain user generates for themselves: no user or plan to choose.
    assert 'name="user"' not in html and 'name="plan"' not in html


def test_administrators_choose_the_user_and_an_optional_plan_no_plan_by_default(login):
    html = (
        login("globex-admin")
        .get(devices_url("globex", pane="add", step="generate"))
        .content.decode()
    )
    assert 'name="user"' in html and 'name="plan"' in html
    assert re.search(r'<option value="" selected>No plan</option>', html)
    for name in ("globex-alice", "globex-bob", "Daily backup", "Weekly full image"):
        assert name in html
    assert "initech-carol" not in html and "Servers nightly" not in html


def test_generate_token_shows_the_value_once_with_copy_commands_and_close(login, users):
    client = login("globex-alice")
    response = client.post(token_generate_url("globex"), {"lifetime": "259200"})
    assert response.status_code == 303  # post/redirect/get
    assert response["Cache-Control"] == "no-store"
    response = client.get(response["Location"])
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    value = TOKEN_RE.search(html).group(0)
    token = RegistrationToken.objects.get(digest=values.digest(values.normalize(value)))
    assert token.user == users["globex-alice"]
    assert ">Copy</button>" in html and ">Close</button>" in html
    assert (
        '<span class="arg">-a</span> <span class="arg">http://testserver</span> '
        f'<span class="arg">--token</span> <span class="arg">{value}</span>'
    ) in html
    assert "--options-file" in html
    # Nowhere else, ever again.
    for page in (
        devices_url("globex"),
        devices_url("globex", pane="add"),
        devices_url("globex", pane="tokens"),
    ):
        assert value not in client.get(page).content.decode()


def test_admin_generates_for_another_user_with_a_plan(login, tenants, users):
    with tenant_context(tenants["globex"]):
        plan = ProtectionPlan.objects.get(name="Weekly full image")
    response = login("globex-admin").post(
        token_generate_url("globex"),
        {"lifetime": "86400", "user": users["globex-bob"].pk, "plan": plan.pk},
    )
    assert response.status_code == 303
    token = RegistrationToken.objects.get()
    assert (token.user, token.created_by, token.plan_name) == (
        users["globex-bob"],
        users["globex-admin"],
        "Weekly full image",
    )
    assert (token.expires_at - token.created_at).total_seconds() == 86400


def test_custom_lifetime(login):
    response = generate_custom(login("globex-alice"), "90", "minutes")
    assert response.status_code == 303
    token = RegistrationToken.objects.get()
    assert (token.expires_at - token.created_at).total_seconds() == 5400


def test_custom_lifetime_out_of_range_is_explained(login):
    response = generate_custom(login("globex-alice"), "400", "days")
    assert response.status_code == 400
    assert "between 60 seconds and 1 year" in response.content.decode()
    assert not RegistrationToken.objects.exists()


def test_all_customers_disables_generate_and_says_why(login, users):
    client = login("msp-admin")
    html = client.get(devices_url("demo-msp", pane="add")).content.decode()
    assert ALL_CUSTOMERS in html
    assert re.search(r"<button[^>]*disabled[^>]*>Generate</button>", html)
    response = client.post(
        token_generate_url("demo-msp"), {"lifetime": "259200", "user": users["globex-alice"].pk}
    )
    assert response.status_code == 400
    assert ALL_CUSTOMERS in response.content.decode()
    assert not RegistrationToken.objects.exists()


def test_partner_generates_after_selecting_a_customer(login, users):
    client = login("msp-admin")
    html = client.get(devices_url("initech", pane="add", step="generate")).content.decode()
    assert "initech-carol" in html and "globex-alice" not in html
    response = client.post(
        token_generate_url("initech"), {"lifetime": "3600", "user": users["initech-carol"].pk}
    )
    assert response.status_code == 303
    assert RegistrationToken.objects.get().tenant.slug == "initech"


def test_read_only_admin_has_no_generate_and_is_refused(login, users):
    client = login("globex-auditor")
    html = client.get(devices_url("globex", pane="add")).content.decode()
    assert ">Generate</button>" not in html and "Manage active tokens" in html
    response = client.post(
        token_generate_url("globex"), {"lifetime": "3600", "user": users["globex-alice"].pk}
    )
    assert response.status_code == 403


def test_manage_active_tokens_lists_the_prefix_and_the_columns(login, tenants, users):
    token, value = make_token(
        tenants["globex"], users["globex-bob"], actor=users["globex-admin"], plan="Daily backup"
    )
    html = login("globex-admin").get(devices_url("globex", pane="tokens")).content.decode()
    headers = [
        re.sub(r"<[^>]+>|[▲▼]", "", h).strip()
        for h in re.findall(r"<th[^>]*>(.*?)</th>", html, re.S)
    ]
    for column in (
        "Token",
        "User",
        "Created by",
        "Created",
        "Expires",
        "Protection plan",
        "Machines registered",
        "Last used",
    ):
        assert column in headers
    assert f"{token.prefix}••" in html and value not in html
    assert values.normalize(value)[2:6] not in html
    assert "globex-bob" in html and "globex-admin" in html and "Daily backup" in html
    assert "only the first two characters" in html


def test_user_sees_only_their_own_tokens(login, tenants, users):
    make_token(tenants["globex"], users["globex-alice"])
    make_token(tenants["globex"], users["globex-bob"])
    response = login("globex-alice").get(devices_url("globex", pane="tokens"))
    assert [t.user.username for t in response.context["tokens"]] == ["globex-alice"]


def test_delete_asks_to_confirm_then_deletes(login, tenants, users):
    first, _ = make_token(tenants["globex"], users["globex-bob"])
    second, _ = make_token(tenants["globex"], users["globex-alice"])
    client = login("globex-admin")
    confirm = client.post(token_delete_url("globex"), {"token": [str(first.public_id)]})
    assert confirm.status_code == 200
    assert "Delete 1 token?" in confirm.content.decode()
    assert RegistrationToken.objects.active().count() == 2
    done = client.post(
        token_delete_url("globex"), {"token": [str(first.public_id)], "confirm": "yes"}, follow=True
    )
    assert "1 token was deleted." in done.content.decode()
    assert list(RegistrationToken.objects.active()) == [second]


def test_user_cannot_delete_someone_elses_token(login, tenants, users):
    bobs, _ = make_token(tenants["globex"], users["globex-bob"])
    response = login("globex-alice").post(
        token_delete_url("globex"), {"token": [str(bobs.public_id)], "confirm": "yes"}
    )
    assert response.status_code == 404
    assert RegistrationToken.objects.active().filter(pk=bobs.pk).exists()


def test_token_list_query_count_does_not_grow(login, tenants, users, django_assert_num_queries):
    client = login("globex-admin")
    make_token(tenants["globex"], users["globex-alice"])
    client.get(devices_url("globex", pane="tokens"))  # each measured request follows one like it
    # session, user (with its tenant), token count, token page, device count (no device
    # rows to read: the count is 0)
    with django_assert_num_queries(5):
        client.get(devices_url("globex", pane="tokens"))
    for _ in range(15):
        make_token(tenants["globex"], users["globex-bob"])
    client.get(devices_url("globex", pane="tokens"))
    with django_assert_num_queries(5):
        client.get(devices_url("globex", pane="tokens"))


@pytest.mark.parametrize("slug", ["initech", "umbrella"])
def test_another_tenants_token_pages_answer_404(login, slug):
    client = login("globex-admin")
    assert client.get(devices_url(slug, pane="tokens")).status_code == 404
    assert client.post(token_generate_url(slug), {"lifetime": "3600"}).status_code == 404
