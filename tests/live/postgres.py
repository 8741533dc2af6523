"""A PostgreSQL cluster of the test's own (initdb + pg_ctl in a temporary folder, on a free
loopback port), so a test may stop and restart its database without touching the shared
server. As root, the cluster runs as the `postgres` OS user (PostgreSQL refuses root)."""

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from tests.live.server import free_port

BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


class Cluster:
    def __init__(self, root: Path, user: str | None) -> None:
        self.root, self.user = root, user
        self.data, self.log = root / "data", root / "postgres.log"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/portal"

    def _run(self, *command: str, timeout: float = 60) -> None:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        subprocess.run(
            [*prefix, *command], check=True, timeout=timeout, capture_output=True, cwd=self.root
        )

    def init(self) -> None:
        self._run(str(BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres")

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off"
        self._run(
            str(BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options,
            "-w", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run(str(BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def sql(self, statement: str, dbname: str = "postgres") -> None:
        self._run(
            str(BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
            "-d", dbname, "-v", "ON_ERROR_STOP=1", "-c", statement,
        )  # fmt: skip


@contextmanager
def own_cluster() -> Iterator[Cluster]:
    """A started cluster with an empty database `portal`; stopped and removed afterwards."""
    if not (BIN / "initdb").exists():
        pytest.skip(f"no PostgreSQL server binaries in {BIN}")
    user = "postgres" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="portal-pg-"))
    if user:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    cluster = Cluster(root, user)
    try:
        cluster.init()
        cluster.start()
        cluster.sql("CREATE DATABASE portal")
        yield cluster
    finally:
        with suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            cluster.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
