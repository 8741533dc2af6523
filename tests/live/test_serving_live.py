"""The README's production command, served for real: slow clients cannot starve it, and it
refuses to start without its settings."""

import os
import secrets
import subprocess
import sys
import time
import urllib.request

import psycopg
import pytest

from tests.live.databases import template_copy
from tests.live.http import post_json
from tests.live.server import ROOT, free_port
from tests.live.slowclients import SlowBodies, health_latency
from tokens import throttling

SLOW_CLIENTS = 50
BODY_TIMEOUT = 12  # REQUEST_BODY_TIMEOUT of the served portal, seconds
REQUIRED = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CACHE_URL", "EMAIL_URL")
SERVED: dict = {}  # the production server's process and database dsn, for the worker test


def _task_workers_of(pid: int) -> list[int]:
    """Processes started by `pid` that run the task worker (`manage.py procrastinate worker`)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = open(f"/proc/{entry}/stat").read()  # noqa: SIM115
            command = open(f"/proc/{entry}/cmdline", "rb").read().split(b"\0")  # noqa: SIM115
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == pid and b"procrastinate" in command and b"worker" in command:
            found.append(int(entry))
    return found


def _gone(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]  # noqa: SIM115
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.2)
    return False


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "portal.launch", "serve", "--production", *args]


def _production_env(database_url: str, scratch) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return {
        **clean,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "CACHE_URL": f"filecache://{scratch}/cache",
        "STATIC_ROOT": f"{scratch}/static",
        # Required in production; nothing here sends mail.
        "EMAIL_URL": "smtp://127.0.0.1:25",
        # Plain HTTP on loopback: no TLS proxy in front to redirect to.
        "SECURE_SSL_REDIRECT": "False",
        "REQUEST_BODY_TIMEOUT": str(BODY_TIMEOUT),
    }


def _wait_until_healthy(url: str, process: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the production server exited:\n{log.read_text()[-3000:]}")
        try:
            health_latency(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the production server did not start:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def production_server(tmp_path_factory):
    """`python3 -m portal.launch serve --production` on a free port and a database of its own
    (collectstatic, setup_portal and check --deploy included). The database is a copy of the
    template, so setup_portal finds it migrated; tests/launcher starts from empty ones."""
    scratch = tmp_path_factory.mktemp("production")
    log = scratch / "server.log"
    port = free_port()
    with template_copy("prod") as (database_url, dsn):
        process = subprocess.Popen(
            _command("--bind", f"127.0.0.1:{port}", "--workers", "4"),
            env=_production_env(database_url, scratch),
            cwd=ROOT,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        SERVED.update(process=process, dsn=dsn)
        workers: list[int] = []
        try:
            _wait_until_healthy(url, process, log)
            workers = _task_workers_of(process.pid)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
            # The task worker ends with the server (it was started before gunicorn was
            # exec'd).
            left = [pid for pid in workers if not _gone(pid, within=30)]
            for pid in left:
                os.kill(pid, 9)
            assert not left, "the task worker outlived the production server"


def test_health_check_answers_within_a_second_while_50_clients_trickle_bodies(production_server):
    url = production_server
    for _ in range(8):  # every worker has served a request before the clock starts
        health_latency(url)
    with SlowBodies(url, SLOW_CLIENTS) as slow:
        started = time.monotonic()
        time.sleep(2)
        latencies = []
        for _ in range(6):
            assert slow.open_count() == SLOW_CLIENTS, slow.answers
            latencies.append(health_latency(url, timeout=5))
            time.sleep(0.5)
        figures = [round(seconds, 3) for seconds in latencies]
        print(f"/healthz with {SLOW_CLIENTS} slow bodies open: {figures} s")
        assert max(latencies) < 1.0, latencies

        # And the slow bodies themselves end: 408 once REQUEST_BODY_TIMEOUT has passed.
        while slow.open_count() and time.monotonic() - started < BODY_TIMEOUT + 8:
            time.sleep(0.5)
        statuses = {answer.split(b"\r\n", 1)[0] for answer in slow.answers.values()}
    assert len(slow.answers) == SLOW_CLIENTS
    assert statuses == {b"HTTP/1.1 408 Request Timeout"}, statuses


def test_production_command_runs_the_task_worker_beside_gunicorn(production_server):
    process = SERVED["process"]
    [worker] = _task_workers_of(process.pid)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with psycopg.connect(SERVED["dsn"], autocommit=True) as conn:
            (alive,) = conn.execute("SELECT count(*) FROM procrastinate_workers").fetchone()
        if alive:
            break
        time.sleep(0.5)
    assert alive == 1  # the worker has registered itself in the database and is polling
    assert worker != process.pid


def test_production_server_serves_collected_static_files_pages_and_the_api(production_server):
    with urllib.request.urlopen(f"{production_server}/static/portal/portal.css") as response:  # noqa: S310
        assert response.status == 200
    with urllib.request.urlopen(f"{production_server}/accounts/login/") as response:  # noqa: S310
        assert response.status == 200
    body = {"token": "not-a-token", "hostname": "h", "os": "linux", "machine_id": "m"}
    status, answer = post_json(production_server, "/api/v1/agents/register", body)
    assert (status, answer) == (400, {"detail": throttling.MSG_MISTYPED_TOKEN})


@pytest.mark.parametrize(
    "missing",
    [
        ("SECRET_KEY",),
        ("ALLOWED_HOSTS",),
        ("DATABASE_URL",),
        ("CACHE_URL",),
        ("EMAIL_URL",),
        REQUIRED,
    ],
)
def test_production_command_refuses_to_start_naming_each_missing_setting(missing, tmp_path):
    env = _production_env("postgres://postgres@127.0.0.1:1/never", tmp_path)
    for name in missing:
        env.pop(name)
    result = subprocess.run(
        _command("--bind", f"127.0.0.1:{free_port()}"),
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.splitlines() == [
        f"Missing setting {name}: set it in the environment (see Settings in docs/operations.md)."
        for name in missing
    ]
    assert result.stdout == ""
