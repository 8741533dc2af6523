"""N "app servers" of the portal sharing one database and one Redis.

Each instance is a gunicorn of its own (its own port, worker processes and log), optionally
with a task worker of its own (`manage.py procrastinate worker`), as on separate machines:
they share only what a real deployment shares, the database, the cache (a Redis started
for the cluster, `CACHE_URL`) and the secret key. Mail goes to files in one folder (the
file backend), so a test sees what every process sent.
"""

import email
import email.policy
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from tests.live.databases import template_copy
from tests.live.server import (
    ROOT,
    LivePortal,
    portal_env,
    start_gunicorn,
    stop_gunicorn,
    wait_until_up,
)
from tests.redis_server import running_redis

POLICY = email.policy.default


@dataclass
class Cluster:
    urls: list[str]  # one base URL per instance
    database_url: str
    dsn: str
    redis_url: str
    mail_dir: Path
    env: dict
    logs: list[Path] = field(default_factory=list)
    task_workers: list[subprocess.Popen] = field(default_factory=list)

    def portal(self, n: int) -> LivePortal:
        """Instance `n` as a LivePortal (for helpers written for the one-server fixture)."""
        return LivePortal(url=self.urls[n], database_url=self.database_url, dsn=self.dsn)

    def sql(self, query: str, params=()):
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            return conn.execute(query, params).fetchall()

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        """`manage.py <args>` against the cluster's database, cache and mail."""
        return subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )

    def mails(self) -> list[email.message.EmailMessage]:
        """Every mail any process of the cluster sent (the file backend's files)."""
        found = []
        for path in sorted(self.mail_dir.glob("*.log")):
            separator = "-" * 79
            for raw in path.read_text().split(separator):
                if raw.strip():
                    found.append(
                        email.message_from_string(raw.lstrip(), policy=email.policy.default)
                    )
        return found


def _start_task_worker(env: dict, log: Path) -> subprocess.Popen:
    command = [sys.executable, str(ROOT / "manage.py"), "procrastinate", "worker"]
    return subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT
    )


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def wait_for_task_workers(cluster: Cluster, count: int, timeout: float = 60) -> None:
    """Until `count` task workers have registered themselves in the database."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for n, process in enumerate(cluster.task_workers):
            if process.poll() is not None:
                log = cluster.logs[len(cluster.urls) + n].read_text()[-3000:]
                raise RuntimeError(f"task worker {n} exited:\n{log}")
        [(alive,)] = cluster.sql("SELECT count(*) FROM procrastinate_workers")
        if alive >= count:
            return
        time.sleep(0.3)
    raise RuntimeError(f"{count} task workers did not start")


@contextmanager
def running_cluster(
    folder: Path, *, instances: int = 2, workers: int = 2, task_workers: bool = False, **extra
) -> Iterator[Cluster]:
    """`instances` app servers (gunicorn, `workers` processes each, and a task worker each
    when `task_workers`) on a fresh database of their own (a copy of the template) and a
    Redis of their own. The `cluster` fixture is in tests/live/fixtures.py."""
    mail_dir = folder / "mail"
    mail_dir.mkdir()
    with ExitStack() as stack:
        database_url, dsn = stack.enter_context(template_copy("cluster"))
        redis = stack.enter_context(running_redis())
        env = portal_env(
            database_url,
            PORTAL_TEST_CACHE_URL=redis.url,
            PORTAL_TEST_MAIL_DIR=str(mail_dir),
            # Patient cache timeouts: a loaded machine must not trip the 100 ms fail-open
            # path (tested elsewhere), which would let a count be missed here.
            CACHE_SOCKET_TIMEOUT="2",
            **extra,
        )
        cluster = Cluster(
            urls=[],
            database_url=database_url,
            dsn=dsn,
            redis_url=redis.url,
            mail_dir=mail_dir,
            env=env,
        )
        servers = []
        try:
            for n in range(instances):
                log = folder / f"instance-{n}.log"
                process, url = start_gunicorn(env=env, workers=workers, log=log)
                servers.append(process)
                cluster.urls.append(url)
                cluster.logs.append(log)
            for process, url, log in zip(servers, cluster.urls, cluster.logs, strict=True):
                wait_until_up(url, process, log)
            if task_workers:
                for n in range(instances):
                    log = folder / f"task-worker-{n}.log"
                    cluster.task_workers.append(_start_task_worker(env, log))
                    cluster.logs.append(log)
                wait_for_task_workers(cluster, instances)
            yield cluster
        finally:
            for process in cluster.task_workers:
                _stop(process)
            for process in servers:
                stop_gunicorn(process)
