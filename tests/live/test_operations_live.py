"""Operating the production command for real (gunicorn's ASGI workers, PostgreSQL, a Redis of
the test's own): /readyz, /metrics added up across worker processes, and the JSON log with
request ids, never a secret."""

import contextlib
import http.cookiejar
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.live.databases import restore_template, template_copy
from tests.live.http import Session, post_json, post_json_full
from tests.live.postgres import own_cluster
from tests.live.server import (
    PASSWORD,
    ROOT,
    free_port,
    portal_env,
    start_gunicorn,
    stop_gunicorn,
    wait_until_up,
)
from tests.live.test_serving_live import _command, _production_env, _wait_until_healthy
from tests.processes import children_of
from tests.redis_server import running_redis

WORKERS = 3
METRICS_TOKEN = "live-metrics-token-0123456789abcdefghijkl"
SERVED: dict = {}
OK = {"status": "ok", "checks": {"database": "ok", "cache": "ok", "migrations": "ok"}}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`python3 -m portal.launch serve --production` with Redis as its cache, on a copy of
    the template (migrated, demo data seeded; the command's own setup_portal finds it up to
    date), and a metrics token."""
    scratch = tmp_path_factory.mktemp("operations")
    with template_copy("ops") as (database_url, dsn), running_redis() as redis:
        env = {
            **_production_env(database_url, scratch),
            "CACHE_URL": redis.url,
            "METRICS_TOKEN": METRICS_TOKEN,
        }
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # the launcher makes its own
        # The demo passwords were hashed with the test settings' fast hasher, which
        # production does not accept: one administrator gets a production hash.
        reset = (
            "from tenants.models import User; u = User.objects.get(username='globex-admin'); "
            f"u.set_password({PASSWORD!r}); u.save(update_fields=['password'])"
        )
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "shell", "-c", reset],
            env={**env, "DJANGO_SETTINGS_MODULE": "portal.settings.production"},
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        log = scratch / "server.log"
        port = free_port()
        process = subprocess.Popen(
            _command("--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS)),
            env=env,
            cwd=ROOT,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        SERVED.update(
            url=url, log=log, dsn=dsn, redis=redis, process=process, database_url=database_url
        )
        try:
            _wait_until_healthy(url, process, log)
            yield SERVED
        finally:
            process.terminate()
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()


class _PlainHttpPolicy(http.cookiejar.DefaultCookiePolicy):
    """Production cookies are Secure; this test talks plain HTTP on loopback (no TLS proxy
    in front), so the test's browser sends them anyway."""

    def return_ok_secure(self, cookie, request):
        return True


def signed_in(url: str, username: str) -> Session:
    session = Session(url)
    session.jar.set_policy(_PlainHttpPolicy())
    return session.login(username, PASSWORD)


def new_token(served, user: str) -> str:
    """A token from the command line (`manage.py tokens create`), its value printed once."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "tokens", "create"]
        + ["--tenant", "globex", "--user", user],
        env=portal_env(served["database_url"]),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return next(ln.split()[1] for ln in result.stdout.splitlines() if ln.startswith("Token:"))


def get(url: str, path: str, headers: dict | None = None, timeout: float = 10):
    """(status, body bytes, headers) of a GET on a new connection."""
    request = urllib.request.Request(url + path, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def readyz(url: str) -> tuple[int, dict, float]:
    started = time.monotonic()
    status, body, _ = get(url, "/readyz")
    return status, json.loads(body), time.monotonic() - started


# --- /readyz ------------------------------------------------------------------------------


def test_readyz_names_a_pending_migration_until_it_is_applied(served):
    """First in the module: no worker has seen the migrations applied yet (each process
    checks until it has)."""
    with psycopg.connect(served["dsn"], autocommit=True) as conn:
        row = conn.execute(
            "DELETE FROM django_migrations WHERE id = (SELECT id FROM django_migrations"
            " WHERE app = 'tokens' ORDER BY name DESC LIMIT 1) RETURNING id, app, name, applied"
        ).fetchone()
        try:
            answers = [readyz(served["url"]) for _ in range(2 * WORKERS)]
        finally:
            conn.execute(
                "INSERT INTO django_migrations (id, app, name, applied) VALUES (%s, %s, %s, %s)",
                row,
            )
    expected = {
        "status": "unavailable",
        "checks": {
            "database": "ok",
            "cache": "ok",
            "migrations": f"pending: public: tokens.{row[2]}",
        },
    }
    assert [(status, body) for status, body, _ in answers] == [(503, expected)] * (2 * WORKERS)
    assert readyz(served["url"])[:2] == (200, OK)


def test_readyz_answers_503_promptly_while_redis_is_stopped_or_hung(served):
    url, redis = served["url"], served["redis"]
    status, body, healthy = readyz(url)
    assert (status, body) == (200, OK)
    slack = 2 * healthy + 0.5  # what a busy machine may add (see tests/portal/test_readyz.py)
    redis.stop()
    try:
        stopped = [readyz(url) for _ in range(3)]
    finally:
        redis.start()
    redis.hang()
    try:
        hung = [readyz(url) for _ in range(3)]
    finally:
        redis.resume()
    for status, body, took in stopped:
        assert (status, body["checks"]) == (
            503,
            {"database": "ok", "cache": "unavailable", "migrations": "ok"},
        )
        assert took < 2.0 + slack, took  # "unavailable": refused, not waited for
    for status, body, took in hung:
        assert status == 503 and body["checks"]["cache"] in {"unavailable", "timeout"}, body
        assert took < 2.0 + slack, took  # READYZ_TIMEOUT at most
    print(f"/readyz with Redis stopped: {[round(t, 3) for *_, t in stopped]} s; hung: "
          f"{[round(t, 3) for *_, t in hung]} s")  # fmt: skip
    deadline = time.monotonic() + 10
    while readyz(url)[0] != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert readyz(url)[:2] == (200, OK)


# --- /metrics -----------------------------------------------------------------------------


def scrape(url: str) -> dict:
    status, body, headers = get(url, "/metrics", {"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert status == 200, body[:300]
    found = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


HEALTHZ = (
    "django_http_requests_total_by_view_transport_method_total",
    (("method", "GET"), ("transport", "http"), ("view", "healthz")),
)
CREATED = ("portal_agent_registrations_total", (("reason", ""), ("result", "created")))


def test_metrics_are_refused_without_the_token_from_an_unlisted_address(served):
    assert get(served["url"], "/metrics")[0] == 403
    status, body, _ = get(served["url"], "/metrics", {"Authorization": "Bearer wrong"})
    assert status == 403 and b"django_http" not in body


def test_metrics_add_up_across_worker_processes(served):
    url = served["url"]
    value = new_token(served, "globex-bob")
    before = scrape(url)
    requests = 90
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(lambda _: get(url, "/healthz")[0], range(requests)))
        registered = list(
            pool.map(
                lambda n: post_json(
                    url,
                    "/api/v1/agents/register",
                    {
                        "token": value,
                        "hostname": f"h{n}",
                        "os": "Linux",
                        "machine_id": f"metrics-{n}",
                    },  # fmt: skip
                )[0],
                range(6),
            )
        )
    assert statuses == [200] * requests and registered == [201] * 6
    scrapes = [scrape(url) for _ in range(2 * WORKERS)]  # answered by different workers
    for after in scrapes:
        assert after[HEALTHZ] - before.get(HEALTHZ, 0) == requests
        assert after[CREATED] - before.get(CREATED, 0) == 6
        assert after[("portal_registration_tokens_active", ())] >= 1
    # The healthz requests really were served by several processes.
    pids = {line["pid"] for line in _request_lines(served) if line["path"] == "/healthz"}
    assert len(pids) >= 2, pids


def _user_id(served, username: str) -> str:
    with psycopg.connect(served["dsn"]) as conn:
        (pk,) = conn.execute(
            "SELECT id FROM tenants_user WHERE username = %s", [username]
        ).fetchone()
    return str(pk)


# --- Logs and request ids -----------------------------------------------------------------


# The one line that is not JSON: the task worker's start (procrastinate prints it itself).
WORKER_START = "Launching a worker on all queues"


def _server_lines(served) -> list[str]:
    """The server's output after the launcher's own start-up lines (collectstatic,
    setup_portal, check --deploy), i.e. from gunicorn's start on."""
    lines = served["log"].read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Serving the portal on"))
    return [line for line in lines[start + 1 :] if line.strip() and line != WORKER_START]


def _request_lines(served) -> list[dict]:
    return [
        record
        for record in map(json.loads, _server_lines(served))
        if record.get("logger") == "portal.request"
    ]


def test_every_log_line_is_json_one_per_request_and_never_a_secret(served):
    url = served["url"]
    token_value = new_token(served, "globex-bob")
    session = signed_in(url, "globex-admin")
    body = {"token": token_value, "hostname": "log-host", "os": "Linux", "machine_id": "log-1"}
    status, registered, headers = post_json_full(url, "/api/v1/agents/register", body)
    assert status == 201
    secret, agent_id = registered["agent_secret"], registered["agent_id"]
    register_id = headers["X-Request-ID"]
    me = urllib.request.Request(
        url + "/api/v1/agents/me", headers={"Authorization": f"Bearer {secret}"}
    )
    with urllib.request.urlopen(me, timeout=10) as response:  # noqa: S310
        me_id = response.headers["X-Request-ID"]
    wrong = dict(body, token=token_value[:-1] + ("A" if token_value[-1] != "A" else "B"))
    status, refused, refused_headers = post_json_full(url, "/api/v1/agents/register", wrong)
    assert status in (400, 401)
    refused_id = refused_headers["X-Request-ID"]
    page = urllib.request.Request(url + "/console/globex/devices/?q=query-secret-value")
    with session.opener.open(page, timeout=10) as response:
        assert response.status == 200
        page_headers = response.headers
    status404, html, headers404 = get(url, "/no-such-page?next=query-secret-value")
    assert status404 == 404
    assert f'<code class="request-id">{headers404["X-Request-ID"]}</code>' in html.decode()
    scrape(url)
    time.sleep(0.5)  # the workers' lines reach the file

    lines = _server_lines(served)
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all(
        isinstance(r, dict) and {"time", "level", "logger", "message"} <= set(r) for r in records
    )
    text = "\n".join(lines)
    for never in (token_value, secret, "query-secret-value", METRICS_TOKEN, PASSWORD, "Bearer"):
        assert never not in text, never
    by_id = {r["request_id"]: r for r in records if r["logger"] == "portal.request"}
    fields = ("tenant", "user", "agent", "method", "path", "status")
    assert {k: by_id[register_id][k] for k in fields} == {
        "tenant": "globex", "user": None, "agent": None, "method": "POST",
        "path": "/api/v1/agents/register", "status": 201,
    }  # fmt: skip
    assert {k: by_id[me_id][k] for k in fields} == {
        "tenant": "globex", "user": None, "agent": agent_id, "method": "GET",
        "path": "/api/v1/agents/me", "status": 200,
    }  # fmt: skip
    assert by_id[refused_id]["status"] in (400, 401)
    console = by_id[page_headers["X-Request-ID"]]
    assert (console["path"], console["tenant"], console["user"]) == (
        "/console/globex/devices/",
        "globex",
        _user_id(served, "globex-admin"),
    )
    assert all(isinstance(r["duration_ms"], int | float) for r in by_id.values())
    # One line per request: each id once.
    ids = [r["request_id"] for r in records if r["logger"] == "portal.request"]
    assert len(ids) == len(set(ids))


def test_api_errors_quote_the_request_id_of_their_response(served):
    request = urllib.request.Request(
        served["url"] + "/api/v1/agents/register",
        data=b'{"token": "not-a-token", "hostname": "h", "os": "l", "machine_id": "m"}',
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)  # noqa: S310
    body = json.loads(refused.value.read())
    assert refused.value.code == 400
    assert body["request_id"] == refused.value.headers["X-Request-ID"]
    assert len(body["request_id"]) == 32


def test_the_live_fixtures_workers_add_up_refusals_by_reason(live_portal):
    """The suite's own gunicorn (three workers, threads) shares its metrics too: refused
    registrations counted by reason, whichever worker answered."""
    url = live_portal.url

    def scrape_local() -> dict:
        status, body, _ = get(url, "/metrics")  # 127.0.0.1 is a configured scraper here
        assert status == 200, body[:200]
        return {
            (s.labels["result"], s.labels["reason"]): s.value
            for family in text_string_to_metric_families(body.decode())
            for s in family.samples
            if s.name == "portal_agent_registrations_total"
        }

    before = scrape_local()
    body = {"token": "not-a-token", "hostname": "h", "os": "Linux", "machine_id": "m"}
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(
            pool.map(lambda _: post_json(url, "/api/v1/agents/register", body)[0], range(8))
        )
    assert statuses == [400] * 8  # within the failure limit (10) of the address
    for after in [scrape_local() for _ in range(6)]:
        mistyped = ("refused", "mistyped")
        assert after[mistyped] - before.get(mistyped, 0) == 8


def _cluster_processes(cluster) -> list[int]:
    """The postmaster of the test's own cluster and every process it started."""
    postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
    return [postmaster, *children_of(postmaster)]


def _signal(pid: int, signum: int) -> None:
    """A backend listed a moment ago may have ended since (its client disconnected)."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def _until_ready(url: str, within: float = 30) -> tuple[int, dict, float]:
    deadline = time.monotonic() + within
    while (answer := readyz(url))[0] != 200 and time.monotonic() < deadline:
        time.sleep(0.3)
    return answer


def test_readyz_answers_503_promptly_while_the_database_is_hung_or_stopped(tmp_path):
    """Stopped first, then hung: a check stuck on the hung server is still running for a
    moment after the server resumes, and until it ends its worker answers "timeout"
    without starting another (by design, so a hung server costs one thread). Stopping the
    server right after the hang (the old order) let such a leftover answer "timeout" for
    the stopped server on a loaded machine, where "unavailable" is the answer to a fresh
    check of a refused connection. In this order each fault's answer is its own, and
    the hung one is "timeout" whether the check is fresh or a leftover."""
    with own_cluster() as cluster:
        restore_template(cluster.url)
        env = portal_env(cluster.url, READYZ_TIMEOUT="1.5")
        log = tmp_path / "gunicorn.log"
        process, url = start_gunicorn(env=env, workers=2, threads=4, log=log)
        try:
            wait_until_up(url, process, log)
            healthy = [readyz(url) for _ in range(4)]
            cluster.stop("fast")
            try:
                stopped = [readyz(url) for _ in range(3)]
            finally:
                cluster.start()
            assert _until_ready(url)[:2] == (200, OK)
            processes = _cluster_processes(cluster)
            for pid in processes:
                _signal(pid, signal.SIGSTOP)
            try:
                hung = [readyz(url) for _ in range(3)]
            finally:
                for pid in processes:
                    _signal(pid, signal.SIGCONT)
            back = _until_ready(url)
        finally:
            stop_gunicorn(process)
    assert [answer[:2] for answer in healthy] == [(200, OK)] * 4
    for status, body, _ in stopped:
        assert (status, body["checks"]["database"]) == (503, "unavailable"), body
    # Prompt: the answer comes at READYZ_TIMEOUT, not when the hung server would let go
    # (never); the margin is this machine's own slowest healthy answer, twice, plus a second.
    margin = 1.0 + 2 * max(took for *_, took in healthy)
    for status, body, took in hung:
        assert (status, body["checks"]) == (
            503,
            {"database": "timeout", "cache": "ok", "migrations": "unknown"},
        ), body
        assert took < 1.5 + margin, (took, margin)
    assert back[:2] == (200, OK)
    print(f"/readyz with PostgreSQL hung: {[round(t, 3) for *_, t in hung]} s; stopped: "
          f"{[round(t, 3) for *_, t in stopped]} s")  # fmt: skip
