"""The task worker under its supervisor (`manage.py run_worker`) on a PostgreSQL of the
test's own: the database is restarted under it, procrastinate's worker stops ("Side task
listener failed"), the supervisor starts it again, and a reminder due afterwards is mailed,
once; then the worker is killed outright: /readyz (requiring a worker) answers 503 until
the supervisor has started another (issue 19, item 1)."""

import email
import email.policy
import os
import signal
import subprocess
import sys
import time

import psycopg

from tests.live.databases import restore_template
from tests.live.postgres import own_cluster
from tests.live.server import ROOT, portal_env
from tests.processes import children_of

FIRST_MACHINE = "registered its first machine"
# A token of the demo data whose first machine is registered: its reminder is due at once.
MAKE_DUE = (
    "from tenants.models import Tenant, User\n"
    "from tests.factories import make_token\n"
    "from tokens.models import RegistrationToken\n"
    "token, _ = make_token(Tenant.objects.get(slug='globex'), User.objects.get("
    "username='globex-bob'), actor=User.objects.get(username='globex-admin'))\n"
    "RegistrationToken.objects.filter(pk=token.pk).update(registrations=1)\n"
    "print(token.prefix)\n"
)
DEFER = "from tokens.tasks import send_reminders\nsend_reminders.defer(timestamp=1)\n"
READYZ = (
    "from django.test import Client\n"
    "answer = Client().get('/readyz')\n"
    "print(answer.status_code, answer.content.decode())\n"
)


def _mails(folder) -> list[str]:
    subjects = []
    for path in sorted(folder.glob("*.log")):
        for raw in path.read_text().split("-" * 79):
            if raw.strip():
                message = email.message_from_string(raw.lstrip(), policy=email.policy.default)
                subjects.append(str(message["Subject"]).strip())
    return subjects


def _newest_heartbeat_age(url: str) -> float | None:
    """Seconds since the newest worker heartbeat; None while the database is away."""
    try:
        with psycopg.connect(url, connect_timeout=2, autocommit=True) as conn:
            row = conn.execute(
                "SELECT EXTRACT(EPOCH FROM now() - max(last_heartbeat)),"
                " max(id) FROM procrastinate_workers"
            ).fetchone()
    except psycopg.OperationalError:
        return None
    return None if row is None or row[0] is None else float(row[0])


def _wait(condition, within: float, what: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < within:
        if condition():
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"{what} not within {within} s")


def _readyz(manage: list[str], env: dict) -> str:
    """/readyz as a served portal that requires a worker answers it (one silent for 12 s;
    heartbeats come every 10 s)."""
    env = {**env, "READYZ_REQUIRE_WORKER": "1", "WORKER_STALE_AFTER": "12"}
    answer = subprocess.run(
        [*manage, "shell", "-c", READYZ],
        env=env, cwd=ROOT, capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    return answer.stdout.strip().splitlines()[-1]


def _latest_worker(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("SELECT coalesce(max(id), 0) FROM procrastinate_workers").fetchone()[0]


def test_the_supervised_worker_comes_back_after_a_database_restart_and_mails_once(tmp_path):
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    with own_cluster() as cluster:
        restore_template(cluster.url)  # the portal migrated, with the demo data
        env = portal_env(cluster.url, PORTAL_TEST_MAIL_DIR=str(mail_dir), LOG_LEVEL="INFO")
        manage = [sys.executable, str(ROOT / "manage.py")]
        log = tmp_path / "worker.log"
        supervisor = subprocess.Popen(
            [*manage, "run_worker", "--first-delay", "1", "--max-delay", "4"],
            env=env,
            cwd=ROOT,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        try:
            _wait(lambda: _newest_heartbeat_age(cluster.url) is not None, 60, "a worker")
            before = _latest_worker(cluster.url)

            cluster.stop("fast")
            stopped = time.monotonic()
            time.sleep(3)  # the worker notices: its listener's connection is gone
            cluster.start()
            up = time.monotonic()
            _wait(lambda: _latest_worker(cluster.url) > before, 60, "a new worker")
            recovered, after_up = time.monotonic() - stopped, time.monotonic() - up
            _wait(lambda: (_newest_heartbeat_age(cluster.url) or 99) < 15, 30, "heartbeats")

            due = time.monotonic()
            made = subprocess.run(
                [*manage, "shell", "-c", MAKE_DUE],
                env=env, cwd=ROOT, capture_output=True, text=True, check=True, timeout=120,
            )  # fmt: skip
            prefix = made.stdout.strip().splitlines()[-1]
            subprocess.run([*manage, "shell", "-c", DEFER], env=env, cwd=ROOT, check=True)
            deferred = time.monotonic()
            _wait(lambda: any(FIRST_MACHINE in s for s in _mails(mail_dir)), 60, "a mail")
            sent, after_defer = time.monotonic() - due, time.monotonic() - deferred
            with psycopg.connect(cluster.url, autocommit=True) as conn:
                jobs = conn.execute(
                    "SELECT id, task_name, status::text, attempts, worker_id"
                    " FROM procrastinate_jobs ORDER BY id"
                ).fetchall()
            time.sleep(2)  # a second mail would be on disk by now
            alive = _readyz(manage, env)

            # A dead worker: killed outright (its row stays), its supervisor paused meanwhile.
            os.kill(supervisor.pid, signal.SIGSTOP)
            try:
                [worker] = children_of(supervisor.pid)
                os.kill(worker, signal.SIGKILL)
                killed = _latest_worker(cluster.url)
                time.sleep(13)
                dead = _readyz(manage, env)
            finally:
                os.kill(supervisor.pid, signal.SIGCONT)
            after_kill = _wait(lambda: _latest_worker(cluster.url) > killed, 60, "a worker")
        finally:
            supervisor.send_signal(signal.SIGTERM)
            try:
                code = supervisor.wait(timeout=40)
            except subprocess.TimeoutExpired:
                supervisor.kill()
                raise
        output = log.read_text()
    restarts = output.count("[run_worker] The task worker exited")
    reminded = [s for s in _mails(mail_dir) if FIRST_MACHINE in s]
    print(
        f"worker restarts: {restarts}; a new worker {recovered:.1f} s after the database"
        f" stopped, {after_up:.1f} s after it was back; reminder mailed {sent:.1f} s after it"
        f" became due ({after_defer:.1f} s after the deferring shell ended); reminder mails:"
        f" {len(reminded)}; jobs: {jobs}"
    )
    print("\n".join(line for line in output.splitlines() if "run_worker" in line))
    print(f"/readyz with a live worker: {alive}\n/readyz with a dead worker: {dead}")
    print(f"a new worker {after_kill:.1f} s after the supervisor went on")
    assert restarts >= 2, output[-3000:]
    assert alive.startswith("200 ") and '"worker": "ok"' in alive, alive
    assert dead.startswith("503 ") and '"worker": "stale"' in dead, dead
    assert reminded == [f"Registration token {prefix}•• {FIRST_MACHINE}"]
    assert code == 0, output[-3000:]


def _jobs(url: str, status: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(
            "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'tokens.send_reminders'"
            " AND status = %s",
            [status],
        ).fetchone()[0]


def test_a_worker_killed_mid_send_mails_once_and_later_runs_are_not_blocked(tmp_path):
    """The worker is killed after the mail went out and before its job could mark the token
    (a transaction of the test's holds the token's row, so the job waits right there): the
    job stays "doing" with its lock until the stalled-job recovery gives it back, its retry
    sends nothing again, and a reminder due afterwards is mailed (issue 19, item 2)."""
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    with own_cluster() as cluster:
        restore_template(cluster.url)
        env = portal_env(cluster.url, PORTAL_TEST_MAIL_DIR=str(mail_dir), LOG_LEVEL="INFO")
        manage = [sys.executable, str(ROOT / "manage.py")]
        log = tmp_path / "worker.log"
        supervisor = subprocess.Popen(
            [*manage, "run_worker", "--first-delay", "1"],
            env=env,
            cwd=ROOT,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )

        def make_due() -> tuple[str, int]:
            made = subprocess.run(
                [*manage, "shell", "-c", MAKE_DUE + "print(token.pk)\n"],
                env=env, cwd=ROOT, capture_output=True, text=True, check=True, timeout=120,
            )  # fmt: skip
            prefix, pk = made.stdout.strip().splitlines()[-2:]
            return prefix, int(pk)

        def mailed(prefix: str) -> int:
            wanted = f"Registration token {prefix}•• {FIRST_MACHINE}"
            return _mails(mail_dir).count(wanted)

        try:
            _wait(lambda: _newest_heartbeat_age(cluster.url) is not None, 60, "a worker")
            first, pk = make_due()
            with psycopg.connect(cluster.url) as holder:
                # NO KEY UPDATE: the reminder's claim (its foreign key takes KEY SHARE) goes
                # through, the token's update after the mail waits.
                holder.execute(
                    "SELECT 1 FROM tokens_registrationtoken WHERE id = %s FOR NO KEY UPDATE",
                    [pk],
                )
                subprocess.run([*manage, "shell", "-c", DEFER], env=env, cwd=ROOT, check=True)
                _wait(lambda: mailed(first) == 1, 90, "the first mail")
                time.sleep(0.5)  # the job now waits on the token's row
                [worker] = children_of(supervisor.pid)
                os.kill(worker, signal.SIGKILL)
                killed = time.monotonic()
            assert _jobs(cluster.url, "doing") == 1  # left behind, holding the lock
            second, _ = make_due()
            subprocess.run([*manage, "shell", "-c", DEFER], env=env, cwd=ROOT, check=True)
            _wait(lambda: mailed(second) == 1, 240, "the reminder due afterwards")
            recovered = time.monotonic() - killed
            _wait(lambda: _jobs(cluster.url, "doing") == 0, 30, "no job doing")
            time.sleep(2)  # a second mail would be on disk by now
        finally:
            supervisor.send_signal(signal.SIGTERM)
            try:
                supervisor.wait(timeout=40)
            except subprocess.TimeoutExpired:
                supervisor.kill()
                raise
        output = log.read_text()
    print(
        f"killed mid-send: the next reminder mailed {recovered:.1f} s after the kill; mails of"
        f" the interrupted reminder: {mailed(first)}, of the later one: {mailed(second)}"
    )
    assert "Retrying job" in output, output[-3000:]
    assert (mailed(first), mailed(second)) == (1, 1)
