"""The Content-Security-Policy breaks nothing: Chromium reports no violation on the main
screens, the admin, the API docs and the sign-in pages (issue 10, finding 8)."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import SCREENS

COLLECT = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${where}`);
});
"""
MORE_SCREENS = [
    ("globex-admin", "/admin/"),
    ("globex-admin", "/admin/tenants/user/"),
    ("globex-admin", "/admin/tokens/registrationtoken/add/"),
    ("msp-admin", "/admin/tenants/tenant/"),
    ("globex-admin", "/api/v1/docs"),
]


def watch(page) -> list[str]:
    """Violations seen by the page's event listener and Chromium's console, from now on."""
    console: list[str] = []
    page.add_init_script(COLLECT)
    page.on(
        "console",
        lambda m: console.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return console


def violations(page, console) -> list[str]:
    return [*page.evaluate("window.__cspViolations || []"), *console]


def test_sign_in_and_reset_pages_raise_no_csp_violation(new_page):
    page = new_page()
    console = watch(page)
    for path in ["/accounts/login/", "/accounts/password_reset/"]:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert violations(page, console) == [], path


@pytest.mark.parametrize("username,path", SCREENS + MORE_SCREENS)
def test_main_screens_raise_no_csp_violation(login, username, path):
    page = login(username)
    console = watch(page)
    page.goto(path)
    page.wait_for_load_state("networkidle")
    if path == "/api/v1/docs":
        expect(page.locator(".swagger-ui .info")).to_be_visible()
    assert violations(page, console) == []


def test_generating_a_token_raises_no_csp_violation(login):
    page = login("globex-alice")
    console = watch(page)
    page.goto("/console/globex/devices/?pane=add&step=generate")
    page.get_by_role("button", name="Generate token").click()
    expect(page.locator("[data-token-value]")).to_be_visible()
    page.get_by_role("button", name="Copy").first.click()
    assert violations(page, console) == []
