"""The console's Add devices and Manage active tokens panes: the details a user trips on.

Each test is named by the behaviour a user relies on; the browser tests
(tests/browser/test_token_pane.py) check what only a browser can (layout, JavaScript).
"""

import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tests.agents.helpers import devices_url, generate_custom, token_delete_url, token_generate_url
from tests.factories import make_token
from tests.patterns import TOKEN_RE
from tokens import values
from tokens.forms import MSG_SELECT_USER
from tokens.models import RegistrationToken
from tokens.services import MSG_ALL_CUSTOMERS as ALL_CUSTOMERS

READ_ONLY = "As a read-only administrator, you can view registration tokens but not generate"
SELECT_USER = str(MSG_SELECT_USER)


def pane_of(html: str) -> str:
    """The pane's markup (the right-hand dialog), without the page behind it."""
    start = html.index('<aside class="pane')
    return html[start : html.index("</aside>", start)]


def custom_fieldset(html: str) -> str:
    start = html.index("<fieldset")
    return html[start : html.index("</fieldset>", start)]


def generated(response) -> bool:
    """A token was made (201 on the old code, 303 since post/redirect/get)."""
    return response.status_code in (201, 303)


def issued_pane(client, slug, data) -> str:
    """Generate, then the pane that shows the value (after the redirect, if any)."""
    response = client.post(token_generate_url(slug), data)
    assert generated(response)
    if response.status_code == 303:
        response = client.get(response["Location"])
    return pane_of(response.content.decode())


def lifetime_seconds(token) -> float:
    return (token.expires_at - token.created_at).total_seconds()


# Trap 1: the custom lifetime is used only for "Custom", and an invalid one is explained.


@pytest.mark.parametrize(
    "preset,leftover",
    [
        ("604800", {"custom_value": "0", "custom_unit": "days"}),
        ("259200", {"custom_value": "2", "custom_unit": "hours"}),
        ("3600", {"custom_value": "abc", "custom_unit": "weeks"}),
        ("86400", {"custom_value": "999999", "custom_unit": "days"}),
    ],
)
def test_a_preset_lifetime_ignores_leftover_custom_fields(login, preset, leftover):
    response = login("globex-alice").post(
        token_generate_url("globex"), {"lifetime": preset, **leftover}
    )
    assert generated(response)
    assert lifetime_seconds(RegistrationToken.objects.get()) == int(preset)


@pytest.mark.parametrize(
    "value,unit",
    [("", "days"), ("0", "days"), ("-5", "hours"), ("abc", "days"), ("400", "days"), ("2", "x")],
)
def test_an_invalid_custom_lifetime_is_an_error_next_to_the_field_and_makes_no_token(
    login, value, unit
):
    response = generate_custom(login("globex-alice"), value, unit)
    assert response.status_code == 400
    assert not RegistrationToken.objects.exists()
    fieldset = custom_fieldset(response.content.decode())
    error = re.search(r'<div class="field-error" id="([^"]+)"[^>]*>(.*?)</div>', fieldset, re.S)
    assert error, "the error is shown inside the custom lifetime fields"
    assert error.group(2).strip()
    invalid = re.search(r"<(input|select)[^>]*aria-invalid=\"true\"[^>]*>", fieldset)
    assert invalid and f'aria-describedby="{error.group(1)}"' in invalid.group(0)
    # The form comes back with Custom still selected, so the fields are shown.
    assert '<option value="custom" selected>' in response.content.decode()


def test_an_out_of_range_custom_lifetime_names_the_limits_next_to_the_field(login):
    response = generate_custom(login("globex-alice"), "366", "days")
    assert response.status_code == 400
    assert "between 60 seconds and 1 year" in custom_fieldset(response.content.decode())


def test_a_valid_custom_lifetime_is_used(login):
    response = generate_custom(login("globex-alice"), "2", "hours")
    assert generated(response)
    assert lifetime_seconds(RegistrationToken.objects.get()) == 7200


# Trap 2: administrators choose the user; nobody is chosen for them.


def test_administrators_must_choose_the_user_nobody_is_preselected(login):
    html = login("globex-admin").get(devices_url("globex", pane="add", step="generate")).content
    html = html.decode()
    select = re.search(r'<select name="user"[^>]*>(.*?)</select>', html, re.S)
    assert select and " required" in select.group(0).split(">")[0]
    assert re.findall(r"<option[^>]*selected[^>]*>([^<]*)</option>", select.group(1)) == [
        "Select a user"
    ]
    assert "globex-admin" in select.group(1)  # they may pick themselves
    assert SELECT_USER in html


def test_an_administrator_who_picks_no_user_gets_an_error_and_no_token(login):
    response = login("globex-admin").post(token_generate_url("globex"), {"lifetime": "259200"})
    assert response.status_code == 400
    assert not RegistrationToken.objects.exists()
    html = response.content.decode()
    assert re.search(r'class="field-error"[^>]*>.*?Select the user', html, re.S)


def test_an_administrator_may_choose_themselves(login, users):
    response = login("globex-admin").post(
        token_generate_url("globex"), {"lifetime": "259200", "user": users["globex-admin"].pk}
    )
    assert generated(response)
    assert RegistrationToken.objects.get().user == users["globex-admin"]


def test_a_user_generates_for_themselves_without_choosing(login, users):
    client = login("globex-bob")
    html = client.get(devices_url("globex", pane="add", step="generate")).content.decode()
    assert 'name="user"' not in html and SELECT_USER not in html
    assert generated(client.post(token_generate_url("globex"), {"lifetime": "3600"}))
    assert RegistrationToken.objects.get().user == users["globex-bob"]


# Trap 3: post/redirect/get; the value is shown exactly once and never in a URL.


def test_generate_redirects_and_the_value_is_shown_exactly_once(login):
    client = login("globex-alice")
    response = client.post(token_generate_url("globex"), {"lifetime": "259200"})
    assert response.status_code == 303
    assert response["Cache-Control"] == "no-store"
    location = response["Location"]
    assert location.startswith(devices_url("globex")) and "pane=add" in location
    token = RegistrationToken.objects.get()
    shown = client.get(location)
    assert shown.status_code == 200
    assert "no-store" in shown["Cache-Control"]
    value = TOKEN_RE.search(pane_of(shown.content.decode())).group(0)
    assert RegistrationToken.objects.get(digest=values.digest(values.normalize(value))) == token
    assert value not in location and values.normalize(value) not in location
    # A reload shows the pane without the value and makes no second token.
    again = client.get(location)
    assert again.status_code == 200
    assert value not in again.content.decode()
    assert "shown only once" in again.content.decode()
    assert RegistrationToken.objects.count() == 1


def test_the_value_is_shown_only_at_the_customer_it_was_generated_at(login, users):
    client = login("msp-admin")
    response = client.post(
        token_generate_url("initech"), {"lifetime": "3600", "user": users["initech-carol"].pk}
    )
    location = response["Location"]
    elsewhere = client.get(location.replace("/initech/", "/globex/"))
    assert not TOKEN_RE.search(elsewhere.content.decode())
    assert TOKEN_RE.search(client.get(location).content.decode())


# Trap 4: the list shows two characters.


def test_the_active_tokens_list_shows_the_token_as_its_two_characters(login, tenants, users):
    token, value = make_token(tenants["globex"], users["globex-bob"])
    pane = pane_of(login("globex-admin").get(devices_url("globex", pane="tokens")).content.decode())
    assert f'<code class="token-masked">{token.prefix}••</code>' in pane
    assert token.masked not in pane and values.normalize(value)[2:6] not in pane


# Trap 5: relative times as people read them, the exact time with its time zone.


def test_a_fresh_three_day_token_expires_in_3_days_with_the_time_zone_on_hover(
    login, tenants, users
):
    token, _ = make_token(tenants["globex"], users["globex-alice"])
    pane = pane_of(login("globex-alice").get(devices_url("globex", pane="tokens")).content.decode())
    moment = re.escape(token.expires_at.isoformat())
    expires = re.search(rf'<time datetime="{moment}" title="([^"]+)">([^<]+)</time>', pane)
    assert expires and expires.group(2) == "in 3 days"
    assert expires.group(1).endswith("UTC")


def test_a_one_week_token_expires_in_7_days(login, tenants, users):
    make_token(tenants["globex"], users["globex-alice"], lifetime=datetime.timedelta(weeks=1))
    pane = pane_of(login("globex-alice").get(devices_url("globex", pane="tokens")).content.decode())
    assert ">in 7 days</time>" in pane


# Trap 7: Delete says what happened, in the pane, in the singular or plural.


def test_delete_with_nothing_selected_says_so_in_the_pane(login, tenants, users):
    make_token(tenants["globex"], users["globex-bob"])
    response = login("globex-admin").post(token_delete_url("globex"), {}, follow=True)
    pane = pane_of(response.content.decode())
    said = r'role="(status|alert)"[^>]*>.*Select one or more tokens to delete\.'
    assert re.search(said, pane, re.S)
    assert RegistrationToken.objects.active().count() == 1


def test_deleting_one_token_says_1_token_and_never_them(login, tenants, users):
    token, _ = make_token(tenants["globex"], users["globex-bob"])
    client = login("globex-admin")
    asked = client.post(token_delete_url("globex"), {"token": [str(token.public_id)]})
    confirm = pane_of(asked.content.decode())
    assert "Delete 1 token?" in confirm
    assert not re.search(r"\bthem\b", confirm)
    assert "with it" in confirm
    done = client.post(
        token_delete_url("globex"), {"token": [str(token.public_id)], "confirm": "yes"}, follow=True
    )
    assert "1 token was deleted." in pane_of(done.content.decode())
    assert not RegistrationToken.objects.active().exists()


def test_deleting_three_tokens_says_3_tokens(login, tenants, users):
    ids = [str(make_token(tenants["globex"], users["globex-bob"])[0].public_id) for _ in range(3)]
    client = login("globex-admin")
    confirm = pane_of(client.post(token_delete_url("globex"), {"token": ids}).content.decode())
    assert "Delete 3 tokens?" in confirm and "with them" in confirm
    done = client.post(token_delete_url("globex"), {"token": ids, "confirm": "yes"}, follow=True)
    assert "3 tokens were deleted." in pane_of(done.content.decode())


# Trap 8: every command has its own Copy button and wraps only between arguments.


def _commands(pane: str) -> list[tuple[str, str]]:
    return re.findall(r'<pre class="command" id="([^"]+)">(.*?)</pre>', pane, re.S)


def test_every_command_in_the_pane_has_its_own_copy_button(login):
    client = login("globex-admin")
    pages = [pane_of(client.get(devices_url("globex", pane="add")).content.decode())]
    pages.append(issued_pane(login("globex-alice"), "globex", {"lifetime": "3600"}))
    for pane in pages:
        commands = _commands(pane)
        assert commands
        for command_id, _ in commands:
            assert len(re.findall(rf'data-copy-target="{command_id}"', pane)) == 1
    assert len(_commands(pages[1])) >= 3  # register, token file, register with the file


def test_commands_wrap_only_between_arguments(login):
    pane = issued_pane(login("globex-alice"), "globex", {"lifetime": "3600"})
    for _, body in _commands(pane):
        args = re.findall(r'<span class="arg">([^<]*)</span>', body)
        assert args
        # Nothing but the argument spans and the spaces between them.
        assert re.sub(r'<span class="arg">[^<]*</span>', "", body).strip(" ") == ""
    register = _commands(pane)[0][1]
    assert '<span class="arg">http://testserver</span>' in register


# Trap 9: no dead ends.


def test_all_customers_offers_a_customer_picker_right_under_the_refusal(login):
    pane = pane_of(login("msp-admin").get(devices_url("demo-msp", pane="add")).content.decode())
    after = pane[pane.index(ALL_CUSTOMERS) :]
    picker = re.search(r"<form[^>]*data-customer-picker[^>]*>(.*?)</form>", after, re.S)
    assert picker, "a customer picker follows the sentence"
    between = after[: picker.start()]
    assert "<button" not in between and "<section" not in between
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', picker.group(1))
    assert ("globex", "Globex") in options and ("initech", "Initech") in options
    assert not any(slug == "umbrella" for slug, _ in options)


def test_the_customer_picker_switches_to_the_customer_and_opens_generate(login):
    client = login("msp-admin")
    url = reverse("token-customer", kwargs={"tenant_id": "demo-msp"})
    response = client.get(url, {"customer": "initech"})
    assert response.status_code == 302
    assert response["Location"] == devices_url("initech", pane="add", step="generate") + (
        "#registration-token"
    )
    html = client.get(devices_url("initech", pane="add", step="generate")).content.decode()
    assert "Generate token" in html and "initech-carol" in html


@pytest.mark.parametrize("customer", ["umbrella", "demo-msp", "", "nope"])
def test_the_customer_picker_refuses_anything_but_ones_own_customers(login, customer):
    url = reverse("token-customer", kwargs={"tenant_id": "demo-msp"})
    assert login("msp-admin").get(url, {"customer": customer}).status_code == 404
    assert not RegistrationToken.objects.exists()


def test_a_read_only_administrator_is_told_why_generate_is_absent(login, tenants, users):
    make_token(tenants["globex"], users["globex-bob"])
    client = login("globex-auditor")
    add = pane_of(client.get(devices_url("globex", pane="add")).content.decode())
    assert ">Generate</button>" not in add and READ_ONLY in add
    tokens = pane_of(client.get(devices_url("globex", pane="tokens")).content.decode())
    assert ">Delete</button>" not in tokens and READ_ONLY in tokens


def test_the_issued_value_expires_from_the_session(login, client):
    client = login("globex-alice")
    location = client.post(token_generate_url("globex"), {"lifetime": "3600"})["Location"]
    session = client.session
    issued = session["tokens.issued"]
    issued["at"] = (timezone.now() - datetime.timedelta(minutes=11)).isoformat()
    session["tokens.issued"] = issued
    session.save()
    assert not TOKEN_RE.search(client.get(location).content.decode())
    assert "tokens.issued" not in client.session


def test_no_store_holds_the_value_while_it_waits_for_its_one_read(login):
    from django.contrib.sessions.models import Session

    client = login("globex-alice")
    location = client.post(token_generate_url("globex"), {"lifetime": "3600"})["Location"]
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    waiting = Session.objects.get(session_key=key)
    pad = client.cookies["token_pad"]
    assert pad["httponly"] and pad["path"] == devices_url("globex")
    value = TOKEN_RE.search(client.get(location).content.decode()).group(0)
    for store in (waiting.session_data, str(waiting.get_decoded()), pad.value):
        assert value not in store and values.normalize(value) not in store
    # Shown once: the pad is gone with the read.
    assert client.cookies["token_pad"].value == ""


def test_the_pane_that_shows_the_value_costs_the_same_queries_whatever_the_tokens(
    login, tenants, users
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login("globex-alice")

    def shown_queries() -> int:
        location = client.post(token_generate_url("globex"), {"lifetime": "3600"})["Location"]
        with CaptureQueriesContext(connection) as queries:
            assert TOKEN_RE.search(client.get(location).content.decode())
        return len(queries)

    first = shown_queries()
    for _ in range(15):
        make_token(tenants["globex"], users["globex-alice"])
    assert shown_queries() == first
