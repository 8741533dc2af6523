"""`python3 -m portal.launch serve --port <port>`, run for real in a subprocess: it serves on
that port, says little (a summary line per step, each line once, the address and the demo
logins last), and when stopped (Ctrl-C, SIGINT or SIGTERM) leaves nothing running: web
server, task worker and, unless another command still uses it, the embedded PostgreSQL."""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from portal.launch.demo import DEMO_LOGINS, banner
from tests.live.server import ROOT, _server_params, free_port

PASSWORD = "launcher-demo-password"
# The demo-login block's last line, as `serve` prints it (padded to the longest login).
LAST = banner("127.0.0.1", 8000, PASSWORD).splitlines()[-1]
assert "platform-admin" in LAST


def _env(tmp_path: Path, **extra: str) -> dict:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "PORTAL_")) and k not in {"DATABASE_URL", "LOG_LEVEL"}
    }
    cache = tmp_path / "cache"
    return {**clean, "DEMO_PASSWORD": PASSWORD, "CACHE_URL": f"filecache://{cache}", **extra}


class Launched:
    """One `serve` command: its process (the leader of a session of its own, as a shell in a
    terminal would start it) and everything it printed."""

    def __init__(self, port: int, env: dict, log: Path):
        self.port, self.log = port, log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "portal.launch", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def lines(self) -> list[str]:
        return self.log.read_text().splitlines()

    def wait_until_serving(self) -> list[str]:
        """Wait for the demo logins' last line; the output up to then."""
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            lines = self.lines()
            if LAST in lines:
                return lines
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited:\n{self.log.read_text()}")
            time.sleep(0.3)
        raise AssertionError(f"serve did not start:\n{self.log.read_text()}")

    def page(self, path: str = "/accounts/login/") -> int:
        url = f"http://127.0.0.1:{self.port}{path}"
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status

    def processes(self) -> set[int]:
        """The launcher and every process below it (web server and its reloader child,
        task worker)."""
        return {self.process.pid, *_descendants(self.process.pid)}

    def stop(self, signum: int, *, group: bool = False) -> None:
        if group:  # Ctrl-C in a terminal: the whole foreground process group
            os.killpg(self.process.pid, signum)
        else:
            self.process.send_signal(signum)
        self.process.wait(timeout=60)


def _descendants(pid: int) -> set[int]:
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _still_running(pids: set[int], within: float = 20) -> set[int]:
    deadline = time.monotonic() + within
    while (left := {pid for pid in pids if _running(pid)}) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def _cleanup(*launched: Launched) -> None:
    for one in launched:
        for pid in one.processes():
            if _running(pid):
                os.kill(pid, signal.SIGKILL)


def _check_output(lines: list[str], port: int) -> None:
    printed = [line for line in lines if line.strip()]
    assert not [line for line, n in Counter(printed).items() if n > 1], lines
    # Not the 45 lines of migrate, nor runserver's banner; one line a demo login.
    assert len(printed) <= 10 + len(DEMO_LOGINS), lines
    # Each demo login with its role (issue 20), the tree's among them (issue 23).
    assert lines[-(len(DEMO_LOGINS) + 2) :] == [
        f"Portal: http://127.0.0.1:{port}/  (admin: http://127.0.0.1:{port}/admin/)",
        f"Demo logins, all with password {PASSWORD!r}:",
        "  msp-admin            partner administrator, Demo MSP (all its customers)",
        "  globex-admin         company administrator, Globex",
        "  globex-alice         user, Globex",
        "  globex-bob           user, Globex",
        "  globex-auditor       read-only administrator, Globex",
        "  initech-admin        company administrator, Initech",
        "  initech-carol        user, Initech",
        "  other-admin          partner administrator, Other MSP",
        "  umbrella-dave        user, Umbrella (customer of Other MSP)",
        "  distributor-admin    partner administrator, Demo Distributor (the whole tree)",
        "  northwind-admin      partner administrator, Northwind Resellers (a reseller)",
        "  southridge-admin     partner administrator, Southridge Resellers (a reseller)",
        "  contoso-admin        company administrator, Contoso (and its units)",
        "  contoso-frank        user, Contoso",
        "  contoso-sales-admin  unit administrator, Contoso Sales (unit of Contoso)",
        "  contoso-sales-grace  user, Contoso Sales",
        "  contoso-labs-heidi   user, Contoso Labs (unit of Contoso)",
        "  fabrikam-admin       company administrator, Fabrikam",
        "  tailspin-ivan        user, Tailspin (customer of Southridge)",
        "  litware-admin        company administrator, Litware (in the folder Direct customers)",
        LAST,
    ], lines


FRESH = r"Database: \d+ migrations applied \(public schema and template schema\)\."
TRANSLATIONS = r"Translations compiled: de, fr \(2 catalogues, \d+ messages\)\."
# The demo data: 5 tenants of the one-level demo and the 10 of the tree (issue 23).
UP_TO_DATE = "Database: up to date (public schema, template schema and 15 tenant schemas)."


@pytest.fixture
def own_database():
    name = f"{settings.DATABASES['default']['NAME']}_launcher"
    admin = _server_params("postgres")[1]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield _server_params(name)[0]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_serve_with_database_url_on_a_port_then_ctrl_c_leaves_nothing(own_database, tmp_path):
    port = free_port()
    serve = Launched(port, _env(tmp_path, DATABASE_URL=own_database), tmp_path / "serve.log")
    try:
        lines = serve.wait_until_serving()
        assert serve.page() == 200
        _check_output(lines, port)
        assert re.fullmatch(TRANSLATIONS, lines[0]), lines
        assert re.fullmatch(FRESH, lines[1]), lines
        assert lines[2] == "Demo data: created."
        assert not any("Embedded PostgreSQL" in line for line in lines)
        started = serve.processes()
        assert len(started) >= 4, started  # launcher, worker, reloader, server

        serve.stop(signal.SIGINT, group=True)

        assert not _still_running(started)
        with pytest.raises(OSError):
            serve.page()
    finally:
        _cleanup(serve)


def _postmaster(pgdata: Path) -> tuple[int, str]:
    """The embedded server's process id and socket folder (its postmaster.pid file)."""
    lines = (pgdata / "postmaster.pid").read_text().splitlines()
    return int(lines[0]), lines[4]


def test_embedded_postgres_is_shared_and_stops_with_the_last_command(tmp_path, pgdata):
    """Two `serve` commands on one data folder: the first stopped with SIGTERM leaves the
    server to the second; the second stopped with SIGINT stops it, even though a holder that
    died without a word (SIGKILL) is still on record."""
    env = _env(tmp_path, PORTAL_PGDATA=str(pgdata))
    first_port, second_port = free_port(), free_port()
    first = Launched(first_port, env, tmp_path / "first.log")
    second = None
    try:
        lines = first.wait_until_serving()
        _check_output(lines, first_port)
        assert lines[0] == f"Embedded PostgreSQL: started, data in {pgdata}/"
        assert re.fullmatch(TRANSLATIONS, lines[1]), lines
        assert re.fullmatch(FRESH, lines[2]), lines
        assert lines[3] == "Demo data: created."
        postmaster, socket_dir = _postmaster(pgdata)
        assert _running(postmaster)

        second = Launched(second_port, env, tmp_path / "second.log")
        lines = second.wait_until_serving()
        _check_output(lines, second_port)
        assert re.fullmatch(TRANSLATIONS, lines[1]), lines
        assert lines[:1] + lines[2:4] == [
            f"Embedded PostgreSQL: already running, data in {pgdata}/",
            UP_TO_DATE,
            "Demo data: present.",
        ]
        assert _postmaster(pgdata)[0] == postmaster  # one server for both
        first_started = first.processes()

        first.stop(signal.SIGTERM)

        assert not _still_running(first_started)
        assert (
            first.lines()[-1] == "Embedded PostgreSQL: left running for the other command using it."
        )
        assert _running(postmaster)
        assert second.page() == 200
        dsn = f"host={socket_dir} dbname=portal user=postgres"
        with psycopg.connect(dsn) as conn:
            assert conn.execute("SELECT count(*) FROM tenants_tenant").fetchone() == (15,)

        # A holder killed outright leaves its file behind, unlocked: it does not count.
        (pgdata.parent / "data.holders" / "999999").write_text("")
        second_started = second.processes()

        second.stop(signal.SIGINT)

        assert not _still_running(second_started | {postmaster})
        assert second.lines()[-1] == "Embedded PostgreSQL: stopped."
        assert not (pgdata / "postmaster.pid").exists()
        assert [p.name for p in (pgdata.parent / "data.holders").iterdir()] == [".lock"]
    finally:
        _cleanup(first, *([second] if second else []))
        if (pgdata / "postmaster.pid").exists():
            os.kill(_postmaster(pgdata)[0], signal.SIGQUIT)
