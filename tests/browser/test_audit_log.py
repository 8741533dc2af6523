"""Management portal > Audit log in Chromium, by its visible labels: a failed token use
reads in words with its count, the filters narrow the list and survive paging, and the
page fits a laptop and a phone."""

import pytest
from playwright.sync_api import expect

from tests.live.http import post_json
from tests.live.test_agents_live import new_token
from tokens import values

WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 8).map(e => e.tagName + '.' + e.className)"""


def _deleted_token_used_three_times(portal) -> None:
    value = new_token(portal, user="globex-bob")
    digest = values.digest(values.normalize(value))
    portal.sql(
        "UPDATE tokens_registrationtoken SET deleted_at = now() WHERE digest = %s RETURNING id",
        [digest],
    )
    body = {"token": value, "hostname": "h", "os": "Linux", "machine_id": "browser-audit"}
    for _ in range(3):
        assert post_json(portal.url, "/api/v1/agents/register", body)[0] == 401


@pytest.mark.parametrize("width,height", [(1366, 768), (390, 844)])
def test_audit_log_filters_by_action_and_user_and_reads_failures_in_words(
    login, portal, width, height
):
    _deleted_token_used_three_times(portal)
    page = login("globex-admin", width=width, height=height)
    page.goto("/manage/globex/audit/")
    page.get_by_label("Action").select_option(label="Registration token use failed")
    page.get_by_role("button", name="Filter").click()
    table = page.get_by_role("table")
    expect(table.get_by_role("cell", name="Registration token use failed").first).to_be_visible()
    expect(table.get_by_role("cell", name="deleted, 3 times").first).to_be_visible()
    expect(page.get_by_label("Action")).to_have_value("token.use_failed")
    page.get_by_label("Action").select_option(label="Registration token generated")
    page.get_by_label("User").fill("globex-admin")
    page.get_by_role("button", name="Filter").click()
    expect(table.get_by_role("cell", name="Registration token generated").first).to_be_visible()
    expect(table.get_by_role("cell", name="Registration token use failed")).to_have_count(0)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the audit log scrolls sideways by {overflow}px: {page.evaluate(WIDEST)}"
    page.get_by_label("Action").select_option(label="Registration token use failed")
    page.get_by_label("User").fill("")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name="Clear filters")).to_be_visible()
