"""Issue 20 on the Audit log page, in Chromium, in English at 1366 px and French at 390 px
(and German on a 1024 px tablet):
the Details column says what the API has, a token is its two symbols, the dates read in the
pages' one format, the table fits without sideways scrolling (cards on a phone), and the
User filter finds anyone involved, in any case, with suggestions from the level's users."""

import uuid

import pytest
from django.utils import translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import ngettext
from playwright.sync_api import expect

from common.datetimes import local_datetime
from tests.browser.test_audit_log import _deleted_token_used_three_times
from tests.live.http import Session, post_json
from tests.live.server import PASSWORD

SIZES = [(1366, 768, "en"), (390, 844, "fr")]

# Every cell's right edge and the table's own scrolling: nothing may reach past the window.
PAST_THE_EDGE = """() => {
  const table = document.querySelector('main table');
  // Column headers count where they show (a phone's cards hide them, as the token table's do).
  const head = table.querySelector('thead').getBoundingClientRect();
  const shown = head.width > 1 ? 'th, td' : 'tbody td';
  const cells = [...table.querySelectorAll(shown)]
    .filter(c => c.getBoundingClientRect().right > window.innerWidth + 1);
  const boxes = [table, table.parentElement];
  return {
    page: document.documentElement.scrollWidth - window.innerWidth,
    inner: Math.max(...boxes.map(b => b.scrollWidth - b.clientWidth)),
    cells: cells.slice(0, 5).map(c => c.textContent.slice(0, 30)),
  };
}"""


def _in_language(page, portal, language: str) -> None:
    page.context.add_cookies([{"name": "django_language", "value": language, "url": portal.url}])


def _token_lifecycle(portal, description: str) -> dict:
    """Generate (for globex-bob, with a description), extend, reissue, register a machine
    with the new token, delete it unregistering its machines: the API's answers."""
    admin = Session(portal.url).login("globex-admin", PASSWORD)
    users = admin.get_json("/api/v1/tenants/globex/users")[1]["items"]
    bob = next(u["id"] for u in users if u["username"] == "globex-bob")
    status, created = admin.post_json(
        "/api/v1/tenants/globex/registration_tokens", {"user_id": bob, "description": description}
    )
    assert status == 201, created
    status, extended = admin.post_json(
        f"/api/v1/registration_tokens/{created['id']}/extend", {"expires_in": 5 * 86400}
    )
    assert status == 200, extended
    status, reissued = admin.post_json(f"/api/v1/registration_tokens/{created['id']}/reissue", {})
    assert status == 201, reissued
    machine = {"token": reissued["token"], "hostname": "audit-host", "os": "Linux"}
    machine["machine_id"] = f"audit-{uuid.uuid4().hex[:8]}"
    assert post_json(portal.url, "/api/v1/agents/register", machine)[0] == 201
    status = admin.delete(f"/api/v1/registration_tokens/{reissued['id']}?unregister_machines=true")
    assert status == 200
    return {"created": created, "extended": extended, "reissued": reissued}


def _row(table, action: str, text: str):
    return table.locator("tbody tr").filter(has_text=action).filter(has_text=text).first


@pytest.mark.parametrize("width,height,language", [*SIZES, (1024, 768, "de")])
def test_audit_details_show_what_the_api_has_and_the_table_fits(
    login, portal, width, height, language
):
    description = f"Rollout {uuid.uuid4().hex[:6]}"
    made = _token_lifecycle(portal, description)
    old, new = made["created"]["token_prefix"], made["reissued"]["token_prefix"]
    page = login("globex-admin", width=width, height=height)
    _in_language(page, portal, language)
    page.goto("/manage/globex/audit/")
    table = page.locator("main table")
    with translation.override(language):
        # The labels as the page's language writes them (the catalogue, not a copy).
        generated = str(translation.gettext("Registration token generated"))
        extended = str(translation.gettext("Registration token extended"))
        reissued = str(translation.gettext("Registration token reissued"))
        unregistered = str(
            translation.gettext("Registration token deleted and its machines unregistered")
        )
        one_machine = ngettext("%(n)s machine unregistered", "%(n)s machines unregistered", 1) % {
            "n": 1
        }
        previous = local_datetime(parse_datetime(made["created"]["expires_at"]))
    # Details: the description, the previous expiry, the replaced token, the count.
    expect(_row(table, generated, description)).to_be_visible()
    expect(_row(table, extended, description)).to_contain_text(previous)
    expect(_row(table, reissued, description)).to_contain_text(f"{old}••")
    expect(_row(table, unregistered, description)).to_contain_text(one_machine)
    # A token is its two symbols, on one line, never the seven-group mask.
    objects = table.locator("tbody tr").filter(has_text=description).locator(".audit-object")
    expect(objects.first).to_have_text(f"{new}••")
    assert "•-•" not in table.inner_text()
    for box in objects.evaluate_all("els => els.map(e => e.getBoundingClientRect().height)"):
        assert box < 30, f"a token's name wraps ({box}px high)"
    # The dates: the pages' one format (Django's DATETIME_FORMAT of the language).
    moment = table.locator("tbody time").first
    with translation.override(language):
        expected = local_datetime(parse_datetime(moment.get_attribute("datetime")))
    expect(moment).to_have_text(expected)
    # Fits: no sideways scrolling of the page or of the table, no cell past the edge.
    edge = page.evaluate(PAST_THE_EDGE)
    assert edge["page"] <= 1 and edge["inner"] <= 1 and not edge["cells"], edge
    _row(table, reissued, description).scroll_into_view_if_needed()


@pytest.mark.parametrize("width,height,language", SIZES)
def test_audit_user_filter_finds_anyone_involved_with_suggestions(
    login, portal, width, height, language
):
    _deleted_token_used_three_times(portal)
    page = login("globex-admin", width=width, height=height)
    _in_language(page, portal, language)
    page.goto("/manage/globex/audit/")
    user = page.locator("#id_user")
    # Suggestions: the level's users (scoped like the Users page), not another customer's.
    suggestions = page.locator(f"datalist#{user.get_attribute('list')} option")
    names = suggestions.evaluate_all("els => els.map(e => e.value)")
    assert "globex-bob" in names and "globex-admin" in names, names
    assert not any(n.startswith(("initech-", "umbrella-")) for n in names), names
    with translation.override(language):
        failed = str(translation.gettext("Registration token use failed"))
        deleted = str(translation.gettext("deleted"))
    page.locator("#id_action").select_option("token.use_failed")
    user.fill("GLOBEX-Bob")  # on whose behalf, in another case
    page.locator("form.audit-filter button[type=submit]").click()
    rows = page.locator("main table tbody tr")
    expect(rows.filter(has_text=failed).filter(has_text=deleted).first).to_contain_text("3")
    expect(rows.filter(has_text=failed).first).to_contain_text("globex-bob")
    assert all("globex-bob" in text for text in rows.all_inner_texts())
