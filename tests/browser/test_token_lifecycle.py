"""Issue 20 items 1, 2, 4 and 11 in Chromium, in English at 1366 px and German at 390 px:
a used-up token stays listed with every action, Reissue asks and redirects and keeps the
old value for a grace period, Extend never shortens and says the new expiry, and Usage
counts every failure the audit log counts.

Every label is read from the portal's own catalogues (`gettext` in the page's language), so
the German run checks the German page, not a copy of its words here. Each test saves its
screens as artifacts/screenshots/lifecycle-<screen>-<language>-<width>.png and its final
screen as <test name>.png (token values and commands masked).
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS
from tests.live.http import Session, post_json
from tests.live.server import PASSWORD

TOKEN = re.compile(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){6}")
RUNS = [("en", 1366, 768), ("de", 390, 844)]
YEAR = 365 * 86400


class Words:
    """The portal's text in one language: `words("Extend")`, `words.n(singular, plural, n)`."""

    def __init__(self, language: str):
        self.language = language

    def __call__(self, msgid: str) -> str:
        with translation.override(self.language):
            return gettext(msgid)

    def n(self, singular: str, plural: str, count: int) -> str:
        with translation.override(self.language):
            return ngettext(singular, plural, count)


@pytest.fixture
def signed_in(browser, portal, request):
    """`signed_in(language, width, height)`: globex-admin signed in through the login form,
    in a browser whose language is `language`; `shot(name)` saves a screen."""
    contexts = []

    def _open(language: str, width: int, height: int):
        context = browser.new_context(
            viewport={"width": width, "height": height},
            base_url=portal.url,
            locale={"en": "en-US", "de": "de-DE"}[language],
        )
        context.set_default_timeout(15000)
        contexts.append(context)
        page = context.new_page()
        words = Words(language)
        page.goto("/accounts/login/")
        page.get_by_label(words("Username")).fill("globex-admin")
        page.get_by_label(words("Password")).fill(PASSWORD)
        page.get_by_role("button", name=words("Log in")).click()
        page.wait_for_url("**/console/**")

        def shot(name: str) -> None:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            secrets = [page.locator("[data-token-value]"), page.locator("pre.command")]
            path = SCREENSHOTS / f"lifecycle-{name}-{language}-{width}.png"
            page.screenshot(path=path, animations="disabled", mask=secrets, full_page=True)

        return page, words, shot

    yield _open
    # The final screen, passed or failed, under the test's own name (so a run on older code
    # leaves the screen it stopped at, under the same name).
    if contexts and contexts[-1].pages:
        page = contexts[-1].pages[-1]
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        secrets = [page.locator("[data-token-value]"), page.locator("pre.command")]
        page.screenshot(
            path=SCREENSHOTS / f"{request.node.name}.png", animations="disabled", mask=secrets
        )
    for context in contexts:
        context.close()


@pytest.fixture(autouse=True)
def _tokens_deleted_afterwards(portal):
    """This file's tokens (described "lifecycle: ...", reissued ones too) are deleted after
    each test, so the other files' list checks see the portal as they left it."""
    yield
    portal.sql(
        "UPDATE tokens_registrationtoken SET deleted_at = now()"
        " WHERE deleted_at IS NULL AND description LIKE 'lifecycle: %%' RETURNING id"
    )


def new_token(portal, **body) -> dict:
    """A Globex token for globex-bob through the REST API (as a script would make one)."""
    session = Session(portal.url).login("globex-admin", PASSWORD)
    _, users = session.get_json("/api/v1/tenants/globex/users")[:2]
    body["user_id"] = next(u["id"] for u in users["items"] if u["username"] == "globex-bob")
    status, created = session.post_json("/api/v1/tenants/globex/registration_tokens", body)
    assert status == 201, created
    return created


def register(portal, value: str, machine: str) -> tuple[int, dict]:
    body = {"token": value, "hostname": machine, "os": "Ubuntu 24.04", "machine_id": machine}
    return post_json(portal.url, "/api/v1/agents/register", body)


def manage_url(token_id: str) -> str:
    devices = reverse("devices", kwargs={"tenant_id": "globex"})
    return f"{devices}?pane=tokens&manage={token_id}"


def tokens_pane(page, words):
    return page.get_by_role("dialog", name=words("Active tokens"))


@pytest.mark.parametrize("language,width,height", RUNS)
def test_a_used_up_token_stays_listed_marked_and_with_every_action(
    signed_in, portal, language, width, height
):
    about = f"lifecycle: two seats {language} {width}"
    token = new_token(portal, max_machines=2, description=about)
    for n in range(2):
        assert register(portal, token["token"], f"used-up-{language}-{width}-{n}")[0] == 201
    third = register(portal, token["token"], f"used-up-{language}-{width}-9")
    page, words, shot = signed_in(language, width, height)
    page.goto(reverse("devices", kwargs={"tenant_id": "globex"}) + "?pane=tokens")
    machines = words.n("%(n)d of %(max)d machine", "%(n)d of %(max)d machines", 2)
    used_up = words("Used up (%(machines)s)") % {"machines": machines % {"n": 2, "max": 2}}
    row = tokens_pane(page, words).get_by_role("row").filter(has_text=about)
    expect(row).to_contain_text(used_up)
    shot("used-up-list")
    page.goto(manage_url(token["id"]))
    panel = tokens_pane(page, words)
    expect(panel).to_contain_text(used_up)
    for action in ("Save description", "Extend", "Reissue", "Delete and unregister its machines"):
        expect(panel.get_by_role("button", name=words(action), exact=True)).to_be_visible()
    shot("used-up-manage")
    # The technician is told why: used up, not "unknown, expired or deleted" (still 401).
    assert third[0] == 401 and "used up" in third[1]["detail"]


@pytest.mark.parametrize("language,width,height", RUNS)
def test_reissue_asks_first_redirects_shows_the_commands_and_keeps_the_old_value(
    signed_in, portal, language, width, height
):
    about = f"lifecycle: GPO rollout {language} {width}"
    token = new_token(portal, description=about)
    page, words, shot = signed_in(language, width, height)
    page.goto(manage_url(token["id"]))
    tokens_pane(page, words).get_by_role("button", name=words("Reissue"), exact=True).click()
    confirm = page.get_by_role("alertdialog", name=words("Reissue this token?"))
    expect(confirm).to_be_visible()
    confirm.get_by_label(words("The old value keeps working for")).select_option(
        label=words("1 day")
    )
    confirm.scroll_into_view_if_needed()
    shot("reissue-confirm")
    confirm.get_by_role("button", name=words("Reissue now")).click()
    value = page.locator("[data-token-value]").inner_text().strip()
    assert TOKEN.fullmatch(value) and value != token["token"]
    expect(page.locator("pre.command").first).to_contain_text("register_agent.py")
    panel = tokens_pane(page, words)
    kept = words("The old value (%(p)s) keeps working until %(w)s.")
    head, tail = kept.split("%(p)s")
    expect(panel).to_contain_text(head + token["token_prefix"] + "••")
    expect(panel).to_contain_text(tail.split("%(w)s")[0])
    shot("reissue-shown")
    # A reload is a GET of the redirect's target: no error page, no value, and it says why.
    page.reload()
    expect(page.locator("[data-token-value]")).to_have_count(0)
    expect(tokens_pane(page, words)).to_contain_text(
        words(
            "A registration token is shown only once. If you did not copy the new value, "
            "reissue this token again."
        )
    )
    # Both values work during the grace period; the list shows the old one as replaced.
    assert register(portal, token["token"], f"grace-old-{language}-{width}")[0] == 201
    assert register(portal, value, f"grace-new-{language}-{width}")[0] == 201
    page.goto(reverse("devices", kwargs={"tenant_id": "globex"}) + "?pane=tokens")
    old_row = (
        tokens_pane(page, words)
        .get_by_role("row")
        .filter(has_text=about)
        .filter(has_text=token["token_prefix"] + "••")
    )
    expect(old_row).to_contain_text(words("Replaced; works until %(when)s").split("%")[0])
    shot("reissue-list")


@pytest.mark.parametrize("language,width,height", RUNS)
def test_extend_offers_the_tokens_own_lifetime_never_shortens_and_says_the_new_expiry(
    signed_in, portal, language, width, height
):
    about = f"lifecycle: year-long {language} {width}"
    token = new_token(portal, expires_in=YEAR, description=about)
    page, words, shot = signed_in(language, width, height)
    page.goto(manage_url(token["id"]))
    lifetime = tokens_pane(page, words).get_by_label(words("New lifetime from now"))
    expect(lifetime).to_have_value(str(YEAR))  # its own lifetime, not 3 days
    lifetime.select_option(label=words("3 days"))
    tokens_pane(page, words).get_by_role("button", name=words("Extend"), exact=True).click()
    shorter = words(
        "The token already expires later than that. Extend never moves the expiry earlier: "
        "choose a longer lifetime."
    )
    expect(page.get_by_role("alert")).to_contain_text(shorter)
    panel = tokens_pane(page, words)
    panel.get_by_label(words("New lifetime from now")).select_option(str(YEAR))
    panel.get_by_role("button", name=words("Extend"), exact=True).click()
    said = words("The token was extended: it now expires on %(when)s.").split("%")[0]
    expect(page.get_by_text(said)).to_be_visible()
    next_year = str((datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=365)).year)
    expect(page.get_by_text(said)).to_contain_text(next_year)
    shot("extend")


def _failures_audited_today(portal) -> int:
    [(count,)] = portal.sql(
        "SELECT coalesce(sum(e.count), 0) FROM tenants_auditevent e"
        " JOIN tenants_tenant t ON t.id = e.tenant_id"
        " WHERE t.slug = 'globex' AND e.action = 'token.use_failed'"
        " AND e.at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
    )
    return int(count)


@pytest.mark.parametrize("language,width,height", RUNS)
def test_usage_counts_failures_refused_by_the_address_limit_as_the_audit_log_does(
    signed_in, portal, language, width, height
):
    token = new_token(portal, allowed_networks=["192.0.2.0/24"], description="lifecycle: net")
    for n in range(2):
        assert register(portal, token["token"], f"net-{language}-{width}-{n}")[0] == 403
    page, words, shot = signed_in(language, width, height)
    page.goto(reverse("usage", kwargs={"tenant_id": "globex"}))
    table = page.get_by_role(
        "table", name=words("Machines registered and failed token uses, last 30 days")
    )
    today = table.get_by_role("row").nth(1)  # newest day first
    failures = int(today.get_by_role("cell").nth(1).inner_text())
    shot("usage")
    assert failures == _failures_audited_today(portal) >= 2
