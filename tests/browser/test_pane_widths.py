"""Issue 20, item 5: every pane fits a 1366 px window in English, German and French, for
every role, the Active tokens pane at All customers included (measured in Chromium: the
pane, its close button, every column and every Manage link inside the window, nothing to
scroll sideways). The Active tokens pane at All customers, 1366 px, English, is saved as
pane-all-customers-tokens-1366.png for docs/development.md."""

import pytest
from django.utils import translation
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_token_pane import api, seed_tokens

# (login, console page) per role: company administrator, read-only administrator, user,
# partner administrator at All customers.
ROLES = [
    ("globex-admin", "globex"),
    ("globex-auditor", "globex"),
    ("globex-alice", "globex"),
    ("msp-admin", "demo-msp"),  # last: the test's saved screen is its Active tokens pane
]
PANES = ["?pane=tokens", "?pane=add", "?pane=add&step=generate"]
MEASURE = """() => {
  const win = window.innerWidth;
  const box = el => {
    const r = el.getBoundingClientRect();
    return {left: r.left, right: r.right};
  };
  const pane = document.querySelector('[data-pane]');
  const parts = [['pane', pane], ['close button', pane.querySelector('.pane-x')]];
  pane.querySelectorAll('th, td, .pane-actions .button').forEach(el => {
    if (el.getClientRects().length) parts.push([el.tagName + ' ' + el.innerText.trim(), el]);
  });
  const outside = parts.map(([name, el]) => ({name, ...box(el)}))
    .filter(p => p.left < -1 || p.right > win + 1);
  const sideways = [...pane.querySelectorAll('.pane-body, .table-scroll')]
    .map(el => el.scrollWidth - el.clientWidth).filter(d => d > 1);
  return {outside, sideways, page: document.documentElement.scrollWidth - win,
          width: Math.round(pane.getBoundingClientRect().width)};
}"""


def seed_described_tokens(portal) -> list[str]:
    """Tokens as a real customer has them: a description, a use limit, a year's lifetime
    (their ids)."""
    admin = api(portal, "globex-admin")
    ids = []
    for limit in (250, 10_000):
        body = {
            "description": "Globex headquarters rollout, second floor servers and laptops",
            "max_machines": limit,
            "expires_in": 31_536_000,
        }
        status, created = admin.post_json("/api/v1/tenants/globex/registration_tokens", body)
        assert status == 201, created
        ids.append(created["id"])
    return ids


def delete_tokens(portal, ids):
    admin = api(portal, "globex-admin")
    for token_id in ids:
        assert admin.delete(f"/api/v1/registration_tokens/{token_id}") == 204


def t(message: str, language: str) -> str:
    with translation.override(language):
        return str(translation.gettext(message))


@pytest.mark.parametrize("language", ["en", "de", "fr"])
def test_every_pane_fits_1366_px_for_every_role(login, portal, language):
    seed_tokens(portal, n=3)
    described = seed_described_tokens(portal)
    try:
        widths = measure_every_pane(login, portal, language)
    finally:
        delete_tokens(portal, described)  # the live portal's other tests count rows
    print(f"\npane widths at 1366 px: {widths}")


def measure_every_pane(login, portal, language) -> dict:
    widths = {}
    for username, slug in ROLES:
        page = login(username, width=1366, height=768)
        page.context.add_cookies(
            [{"name": "django_language", "value": language, "url": portal.url}]
        )
        for query in PANES:
            page.goto(f"/console/{slug}/devices/{query}")
            expect(page.get_by_role("dialog")).to_be_visible()
            page.wait_for_function(  # the pane has slid in
                "() => document.getAnimations().every(a => a.playState !== 'running')"
            )
            found = page.evaluate(MEASURE)
            where = f"{username} {query} ({language})"
            assert not found["outside"], f"{where}: cut off at 1366 px: {found['outside']}"
            assert not found["sideways"], f"{where}: scrolls sideways by {found['sideways']} px"
            assert found["page"] <= 1, f"{where}: the page scrolls sideways"
            widths[where] = found["width"]
        if username == "msp-admin":
            manage = page.get_by_role("dialog").get_by_text(t("Manage", language), exact=True)
            page.goto(f"/console/{slug}/devices/?pane=tokens")
            expect(manage.first).to_be_in_viewport()
            if language == "en":
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                shot = SCREENSHOTS / "pane-all-customers-tokens-1366.png"
                page.screenshot(path=shot, animations="disabled")
    return widths
