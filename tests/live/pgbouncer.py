"""A PgBouncer of the test's own (Debian's `pgbouncer`) in transaction pooling mode, on a
free loopback port, in front of the test run's PostgreSQL server.

As root it runs as the `postgres` OS user (PgBouncer refuses root), with its files in a
temporary folder that user owns. `.ci/run` installs the package when it is absent; without
the binary the tests that need it are skipped with the reason.
"""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from tests.live.server import free_port

ALIAS = "portal"  # the database name clients ask PgBouncer for


def binary() -> str | None:
    return shutil.which("pgbouncer") or next(
        (p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if os.access(p, os.X_OK)), None
    )


class PgBouncer:
    def __init__(self, *, host: str, port: str, user: str, dbname: str, pool_size: int) -> None:
        self.server = {"host": host or "127.0.0.1", "port": port or "5432", "user": user}
        self.dbname, self.pool_size = dbname, pool_size
        self.port = free_port()
        self.url = f"postgres://{user}@127.0.0.1:{self.port}/{ALIAS}"
        self.dsn = f"host=127.0.0.1 port={self.port} dbname={ALIAS} user={user}"
        self.process: subprocess.Popen | None = None
        self.root = Path(tempfile.mkdtemp(prefix="portal-pgbouncer-"))

    def config(self) -> str:
        s = self.server
        return "\n".join(
            [
                "[databases]",
                f"{ALIAS} = host={s['host']} port={s['port']} dbname={self.dbname}"
                f" user={s['user']}",
                "[pgbouncer]",
                "listen_addr = 127.0.0.1",
                f"listen_port = {self.port}",
                "unix_socket_dir =",
                # The test's own loopback port; production uses scram-sha-256 (README).
                "auth_type = any",
                "pool_mode = transaction",
                f"default_pool_size = {self.pool_size}",
                "min_pool_size = 0",
                "reserve_pool_size = 0",
                "max_client_conn = 500",
                "server_lifetime = 3600",
                "server_idle_timeout = 600",
                "query_wait_timeout = 30",
                f"logfile = {self.root / 'pgbouncer.log'}",
                "",
            ]
        )

    def _os_user(self) -> pwd.struct_passwd:
        """Who PgBouncer runs as under root (it refuses root): the owner of the server's
        socket folder when the server listens on a unix socket only (the embedded server's
        folder is its own user's, mode 0700), else the `postgres` user."""
        host = self.server["host"]
        if host.startswith("/"):
            owner = os.stat(host).st_uid
            if owner != 0:
                return pwd.getpwuid(owner)
        return pwd.getpwnam("postgres")

    def start(self) -> None:
        ini = self.root / "pgbouncer.ini"
        ini.write_text(self.config())
        command = [binary() or "pgbouncer"]
        if os.geteuid() == 0:
            entry = self._os_user()
            for path in (self.root, ini):
                os.chown(path, entry.pw_uid, entry.pw_gid)
            command += ["-u", entry.pw_name]
        self.process = subprocess.Popen(
            [*command, str(ini)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"pgbouncer exited:\n{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    pass
                with psycopg.connect(self.dsn, autocommit=True, connect_timeout=5) as conn:
                    conn.execute("SELECT 1")
                return
            except (OSError, psycopg.OperationalError):
                time.sleep(0.1)
        raise RuntimeError(f"pgbouncer did not start:\n{self.log()}")

    def log(self) -> str:
        path = self.root / "pgbouncer.log"
        return path.read_text()[-3000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def running_pgbouncer(*, host, port, user, dbname, pool_size) -> Iterator[PgBouncer]:
    if binary() is None:
        pytest.skip("pgbouncer is not installed (.ci/run installs Debian's pgbouncer)")
    bouncer = PgBouncer(host=host, port=port, user=user, dbname=dbname, pool_size=pool_size)
    try:
        bouncer.start()
        yield bouncer
    finally:
        bouncer.stop()
