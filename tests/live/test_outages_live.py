"""The real agent programs through outages: a database restart (on a PostgreSQL cluster of
the test's own), and an address throttled by someone else's bad tokens."""

import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings

from tests.live.databases import restore_template
from tests.live.http import Session, post_json, post_json_full
from tests.live.postgres import own_cluster
from tests.live.server import (
    PASSWORD,
    LivePortal,
    portal_env,
    start_gunicorn,
    stop_gunicorn,
    wait_until_up,
)
from tests.live.test_agents_live import new_token, run
from tests.redis_server import running_redis

RUNS = 50
UNAVAILABLE = {"detail": "The service is temporarily unavailable. Try again shortly."}


def _register(url: str, token: str, n: int, folder) -> tuple[int, str]:
    result = run(
        "register_agent.py",
        *("-o", "register", "-a", url, "--token", token),
        *("--machine-id", f"restart-{n:02d}", "--hostname", f"restart-{n:02d}"),
        *("--config", str(folder / f"agent-{n:02d}" / "agent.json")),
    )
    return result.returncode, result.stdout + result.stderr


def _outage(cluster, url: str, session: Session, token: str, done: list, probes: list) -> None:
    """After ten registrations, stop the database for two seconds, probing the API."""
    while len(done) < 10:
        time.sleep(0.02)
    cluster.stop("fast")
    down_until = time.monotonic() + 2
    while time.monotonic() < down_until:
        probes.append(session.get_json("/api/v1/tenants"))
        body = {"token": token, "hostname": "probe", "os": "Linux", "machine_id": "probe"}
        probes.append(post_json_full(url, "/api/v1/agents/register", body))
        time.sleep(0.2)
    cluster.start()


def test_register_agent_fifty_times_across_a_database_restart_without_a_failure(tmp_path):
    started = time.monotonic()
    with own_cluster() as cluster:
        restore_template(cluster.url)
        env = portal_env(cluster.url)
        log = tmp_path / "gunicorn.log"
        process, url = start_gunicorn(env=env, workers=2, threads=4, log=log)
        try:
            wait_until_up(url, process, log)
            dsn = f"host=127.0.0.1 port={cluster.port} dbname=portal user=postgres"
            portal = LivePortal(url=url, database_url=cluster.url, dsn=dsn)
            token = new_token(portal, user="globex-bob")
            session = Session(url).login("globex-admin", PASSWORD)
            done: list = []
            probes: list = []
            outage = threading.Thread(
                target=_outage, args=(cluster, url, session, token, done, probes), daemon=True
            )
            outage.start()
            restart_at = time.monotonic()

            def one(n: int) -> tuple[int, str]:
                outcome = _register(url, token, n, tmp_path)
                done.append(outcome)
                return outcome

            with ThreadPoolExecutor(max_workers=5) as pool:
                outcomes = list(pool.map(one, range(RUNS)))
            outage.join(timeout=30)
            runs_took = time.monotonic() - restart_at
            [(devices,)] = portal.sql(
                "SELECT count(*) FROM t_globex.agents_device WHERE machine_id LIKE 'restart-%%'"
            )
        finally:
            stop_gunicorn(process)

    failed = [output for code, output in outcomes if code != 0]
    retried = [output for code, output in outcomes if "retrying in" in output]
    print(
        f"database restart: {len(failed)} of {RUNS} register_agent.py runs failed, "
        f"{len(retried)} retried; runs took {runs_took:.1f} s, "
        f"the whole test {time.monotonic() - started:.1f} s"
    )
    assert failed == []
    assert devices == RUNS
    assert retried, "no run met the outage"
    # One clear line per retry, on stderr.
    line = next(ln for ln in retried[0].splitlines() if "retrying in" in ln)
    assert re.fullmatch(
        r"The portal is not available \(.+\); retrying in \d+\.\d s \(attempt \d+\)\.", line
    ), line
    # While the database was down the API answered 503 JSON with Retry-After.
    assert probes
    for status, body, headers in probes:
        assert (status, body) == (503, UNAVAILABLE), (status, body)
        assert int(headers["Retry-After"]) >= 1
    assert runs_took < 60


def test_a_valid_agent_behind_a_throttled_address_gets_through_by_honouring_retry_after(
    live_portal, tmp_path
):
    token = new_token(live_portal, user="globex-bob", plan="Daily backup")
    bad = {"token": "0000-0000-0000-0000-0000-0000-0000", "hostname": "x", "os": "x"}
    for _ in range(settings.AGENT_TOKEN_FAILURE_LIMIT):  # a script on the same address
        assert post_json(live_portal.url, "/api/v1/agents/register", {**bad, "machine_id": "x"})[
            0
        ] in (400, 401)
    started = time.monotonic()
    code, output = _register(live_portal.url, token, 99, tmp_path)
    took = time.monotonic() - started
    assert code == 0, output
    assert "HTTP 429" in output and "registered as agent" in output
    assert took < 60
    config = tmp_path / "agent-99" / "agent.json"
    assert json.loads(config.read_text())["owner"]["username"] == "globex-bob"
    # Still blocked: the plan program waits its turn the same way.
    applied = run("protection_plan.py", "--token", token, "--config", str(config))
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "HTTP 429" in applied.stderr
    assert applied.stdout.strip() == "Protection Plan was successfully applied."


def test_gunicorn_keeps_registering_while_its_redis_is_stopped_or_hung(live_portal, tmp_path):
    """The portal served by gunicorn (three workers) on a Redis of the test's own."""
    token = new_token(live_portal, user="globex-bob")
    with running_redis() as redis:
        env = portal_env(live_portal.database_url, PORTAL_TEST_CACHE_URL=redis.url)
        log = tmp_path / "gunicorn.log"
        process, url = start_gunicorn(env=env, workers=3, threads=4, log=log)
        try:
            wait_until_up(url, process, log)
            # Every worker thread's first request (imports, database connection) first.
            warm = [f"warm-{n}" for n in range(24)]
            with ThreadPoolExecutor(max_workers=12) as pool:
                assert {s for s, _ in pool.map(lambda m: _timed_register(url, token, m), warm)} == {
                    201
                }
            answers = {}
            for phase, fault, recover in [
                ("stopped", redis.stop, redis.start),
                ("hung", redis.hang, redis.resume),
            ]:
                fault()
                machines = [f"{phase}-{n}" for n in range(80)]
                with ThreadPoolExecutor(max_workers=8) as pool:
                    answers[phase] = list(
                        pool.map(lambda m: _timed_register(url, token, m), machines)
                    )
                recover()
            time.sleep(6)  # each worker tries the cache again after 5 s
            bad = {"token": "0000-0000-0000-0000-0000-0000-0000", "hostname": "x", "os": "x"}
            for _ in range(settings.AGENT_TOKEN_FAILURE_LIMIT):
                post_json(url, "/api/v1/agents/register", {**bad, "machine_id": "x"})
            blocked = _timed_register(url, token, "after")[0]
        finally:
            stop_gunicorn(process)
    for phase in ("stopped", "hung"):
        lost = sum(status not in (200, 201) for status, _ in answers[phase])
        slowest = max(seconds for _, seconds in answers[phase])
        print(f"gunicorn, redis {phase}: {lost} of 80 registrations lost, slowest {slowest:.2f} s")
        assert lost == 0 and slowest < 1.0, (phase, lost, slowest)
    assert blocked == 429  # the counter works again


def _timed_register(url: str, token: str, machine: str) -> tuple[int, float]:
    started = time.monotonic()
    body = {"token": token, "hostname": machine, "os": "Linux", "machine_id": machine}
    status = post_json(url, "/api/v1/agents/register", body)[0]
    return status, time.monotonic() - started
