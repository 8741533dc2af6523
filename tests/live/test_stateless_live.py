"""Stateless app servers: two gunicorn instances (two "app servers" on two ports) sharing
only the database and a Redis. A session made on one is valid on the other, the failed
sign-in limit and the token-failure throttle count across both, and with a task worker
beside each instance a reminder is mailed once."""

import time
import urllib.error
import urllib.parse
import urllib.request

import redis
from django.conf import settings

from tests.agents.helpers import unknown_but_well_formed
from tests.live.http import Session, post_json
from tests.live.server import PASSWORD
from tests.live.test_agents_live import new_token
from tests.tokens.test_secrets import TOKEN_RE
from tokens.throttling import MSG_INVALID_TOKEN, MSG_THROTTLED

LOCKED = "Too many failed sign-in attempts."
REGISTER = "/api/v1/agents/register"


def test_a_session_made_on_one_instance_is_valid_on_the_other(cluster):
    first, second = cluster.urls
    browser = Session(first).login("globex-admin", PASSWORD)  # through the sign-in form
    status, html = browser.at(second).get("/console/globex/devices/")
    assert status == 200 and "globex-admin" in html
    # A write on the other instance, with the CSRF token the first one issued.
    _, users = browser.at(second).get_json("/api/v1/tenants/globex/users")[:2]
    alice = next(u["id"] for u in users["items"] if u["username"] == "globex-alice")
    status, created = browser.at(second).post_json(
        "/api/v1/tenants/globex/registration_tokens", {"user_id": alice}
    )
    assert status == 201, created
    # Signing out on the second ends the session on the first.
    status, _ = browser.at(second).post_form("/accounts/logout/", {})
    assert status == 200
    status, html = browser.get("/console/globex/devices/")
    assert status == 200 and 'name="password"' in html  # the sign-in page again


class _Stay(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the redirect is answered as an HTTPError: the test follows it itself


def _post_without_following(browser: Session, path: str, data: dict) -> str:
    """POST a form as `browser` does, and return the redirect's Location unfollowed."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(browser.jar), _Stay)
    body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": browser.csrf()}).encode()
    request = urllib.request.Request(browser.base + path, data=body)
    try:
        opener.open(request, timeout=30)
    except urllib.error.HTTPError as answer:
        assert answer.code == 303, answer.code
        return answer.headers["Location"]
    raise AssertionError("no redirect")


def test_a_token_generated_on_one_instance_is_shown_once_on_the_other(cluster):
    """Generate's post/redirect/get: the POST on one app server, the page that shows the
    value on the other (the value waits in the session and a cookie, not in a process)."""
    first, second = cluster.urls
    browser = Session(first).login("globex-admin", PASSWORD)
    _, users = browser.get_json("/api/v1/tenants/globex/users")[:2]
    bob = next(u["id"] for u in users["items"] if u["username"] == "globex-bob")
    location = _post_without_following(
        browser, "/console/globex/tokens/generate/", {"lifetime": "3600", "user": bob}
    )
    status, html = browser.at(second).get(location)
    assert status == 200 and TOKEN_RE.search(html), html[:500]
    status, html = browser.at(first).get(location)
    assert status == 200 and not TOKEN_RE.search(html)  # once, whichever server asks


def _sign_in(base: str, username: str, password: str) -> tuple[int, str]:
    session = Session(base)
    session.get("/accounts/login/")
    return session.post_form("/accounts/login/", {"username": username, "password": password})


def test_failed_sign_ins_alternating_between_instances_lock_on_both(cluster):
    limit = settings.AXES_FAILURE_LIMIT
    try:
        statuses = [
            _sign_in(cluster.urls[n % 2], "initech-carol", "wrong")[0] for n in range(limit)
        ]
        assert statuses[:-1] == [200] * (limit - 1) and statuses[-1] in (200, 429)
        for url in cluster.urls:
            status, html = _sign_in(url, "initech-carol", PASSWORD)
            assert status == 429 and LOCKED in html, url
        assert cluster.sql("SELECT sum(failures_since_start) FROM axes_accessattempt") == [(limit,)]
    finally:
        cluster.sql("DELETE FROM axes_accessattempt RETURNING id")
    assert _sign_in(cluster.urls[1], "initech-carol", PASSWORD)[0] == 200


def test_token_failures_alternating_between_instances_are_throttled_on_both(cluster):
    limit = settings.AGENT_TOKEN_FAILURE_LIMIT
    body = {"hostname": "x", "os": "Linux", "machine_id": "throttled"}
    try:
        for n in range(limit):
            answer = post_json(cluster.urls[n % 2], REGISTER, {**body, "token": bad()})
            assert answer == (401, {"detail": MSG_INVALID_TOKEN}), (n, answer)
        for url in cluster.urls:
            answer = post_json(url, REGISTER, {**body, "token": bad()})
            assert answer == (429, {"detail": MSG_THROTTLED}), url
    finally:
        # The cluster's own Redis: the next tests register from this address too.
        redis.Redis.from_url(cluster.redis_url).flushdb()


def bad() -> str:
    return unknown_but_well_formed()


BURST = 8
FIRST_MACHINE = "registered its first machine"


def _defer_burst(cluster, tag: str) -> None:
    """BURST scans at once, each with a lock of its own, so both task workers run them
    side by side (the periodic job's own lock would have them take turns)."""
    code = (
        "from tokens.tasks import send_reminders\n"
        f"for n in range({BURST}):\n"
        f"    send_reminders.configure(lock='{tag}-%d' % n).defer(timestamp=n)\n"
    )
    cluster.manage("shell", "-c", code)


def _burst_done(cluster, tag: str) -> list[tuple[str, int]]:
    return cluster.sql(
        "SELECT status::text, count(*) FROM procrastinate_jobs WHERE lock LIKE %s GROUP BY 1",
        [f"{tag}-%"],
    )


def test_a_reminder_is_mailed_once_with_a_task_worker_on_each_instance(cluster):
    first, second = cluster.urls
    token = new_token(cluster.portal(0), user="globex-alice")
    machine = {"token": token, "hostname": "h", "os": "Linux", "machine_id": "reminded-1"}
    status, _ = post_json(second, REGISTER, machine)
    assert status == 201
    assert len(cluster.task_workers) == 2
    _defer_burst(cluster, "burst")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _burst_done(cluster, "burst") != [("succeeded", BURST)]:
        time.sleep(0.3)
    assert _burst_done(cluster, "burst") == [("succeeded", BURST)]
    time.sleep(1)  # a mail sent by a slower scan would be on disk by now
    prefix = token.replace("-", "")[:2].upper()
    reminded = [m for m in cluster.mails() if FIRST_MACHINE in m["Subject"]]
    subjects = [str(m["Subject"]).strip() for m in reminded]
    assert subjects == [f"Registration token {prefix}•• {FIRST_MACHINE}"]
    assert sorted(reminded[0]["To"].split(", ")) == [
        "globex-admin@example.com",
        "globex-alice@example.com",
    ]
    # Both task workers took part: each ran scans of the burst.
    runs = [log.read_text().count("tokens.send_reminders") for log in cluster.logs[2:]]
    print(f"reminder scans run by each task worker (log lines): {runs}")
    assert all(runs), runs
