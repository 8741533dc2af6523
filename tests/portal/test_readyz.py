"""GET /readyz: the database and the cache answer and every migration is applied; else 503
naming what failed, promptly, with nothing from an exception in the answer."""

import json
import socket
import threading
import time

import psycopg
import pytest
from django.db import connection

from portal import readiness
from tests.portal.test_settings import PRODUCTION_ENV, manage

OK = {"status": "ok", "checks": {"database": "ok", "cache": "ok", "migrations": "ok"}}


@pytest.fixture(autouse=True)
def _fresh_process_state(settings):
    """Each test starts as a new process would: migrations not yet seen applied, and no
    check left running by an earlier test."""
    settings.READYZ_TIMEOUT = 0.8
    readiness._migrated.clear()
    yield
    for future in list(readiness._running.values()):
        future.result(timeout=10)
    readiness._migrated.clear()


def _dsn() -> str:
    db = connection.settings_dict
    port = f" port={db['PORT']}" if db.get("PORT") else ""
    return f"host={db['HOST']} dbname={db['NAME']} user={db['USER']}{port}"


def _probe(client):
    started = time.monotonic()
    response = client.get("/readyz")
    return response.status_code, json.loads(response.content), time.monotonic() - started


def _slack(healthy_seconds: float) -> float:
    """What a busy machine may add to a probe: twice a healthy probe's time on this machine,
    now, plus half a second. The bounds below are READYZ_TIMEOUT plus this, so they prove
    "answers at the timeout, not when the fault ends" without needing a quiet machine; the
    status ("unavailable" rather than "timeout") is what tells a refused connection from a
    wait."""
    return 2 * healthy_seconds + 0.5


def test_readyz_answers_ok_without_signing_in(client, db):
    status, body, _ = _probe(client)
    assert (status, body) == (200, OK)
    response = client.get("/readyz")
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    assert client.post("/readyz").status_code == 405


class _Unrecorded:
    """Take a recorded migration out of a schema's django_migrations (committed, so the
    readiness check's own connection sees it), and put it back afterwards."""

    def __init__(self, app: str, schema: str = "public"):
        self.app, self.schema = app, schema

    def __enter__(self) -> str:
        with psycopg.connect(_dsn(), autocommit=True) as conn:
            self.row = conn.execute(
                f'DELETE FROM "{self.schema}".django_migrations WHERE id = ('  # noqa: S608
                f'SELECT id FROM "{self.schema}".django_migrations WHERE app = %s'
                " ORDER BY name DESC LIMIT 1) RETURNING id, app, name, applied",
                [self.app],
            ).fetchone()
        return f"{self.row[1]}.{self.row[2]}"

    def __exit__(self, *exc) -> None:
        with psycopg.connect(_dsn(), autocommit=True) as conn:
            conn.execute(
                f'INSERT INTO "{self.schema}".django_migrations (id, app, name, applied)'  # noqa: S608
                " VALUES (%s, %s, %s, %s)",
                self.row,
            )


def test_a_pending_migration_in_public_or_the_template_schema_answers_503_naming_it(client, db):
    with _Unrecorded("tokens") as public, _Unrecorded("agents", "tenant_template") as template:
        status, body, _ = _probe(client)
    assert status == 503
    assert body == {
        "status": "unavailable",
        "checks": {
            "database": "ok",
            "cache": "ok",
            "migrations": f"pending: public: {public}, tenant_template: {template}",
        },
    }
    # Recorded again: ready.
    assert _probe(client)[:2] == (200, OK)


def test_the_newest_tenant_schema_is_checked_too(client, db):
    with psycopg.connect(_dsn(), autocommit=True) as conn:
        (newest,) = conn.execute(
            "SELECT schema_name FROM tenants_tenant ORDER BY id DESC LIMIT 1"
        ).fetchone()
    with _Unrecorded("agents", newest) as migration:
        status, body, _ = _probe(client)
    assert status == 503
    assert body["checks"]["migrations"] == f"pending: {newest}: {migration}"


def test_applied_migrations_are_checked_once_per_process(client, db):
    assert _probe(client)[:2] == (200, OK)
    with _Unrecorded("tokens"):
        # Once seen applied, this process does not look again (new migrations come with
        # new processes): the check stays one cheap statement, then none.
        assert _probe(client)[:2] == (200, OK)
        readiness._migrated.clear()
        assert _probe(client)[0] == 503


def test_a_stopped_cache_answers_503_promptly(client, db, redis_cache):
    status, body, healthy = _probe(client)
    assert (status, body) == (200, OK)
    redis_cache.stop()
    status, body, took = _probe(client)
    assert (status, body["status"], body["checks"]) == (
        503,
        "unavailable",
        {"database": "ok", "cache": "unavailable", "migrations": "ok"},
    )
    assert took < 0.8 + _slack(healthy)


def test_a_hung_cache_answers_503_within_the_timeout(client, db, redis_cache):
    status, _, healthy = _probe(client)
    assert status == 200
    redis_cache.hang()
    try:
        status, body, took = _probe(client)
    finally:
        redis_cache.resume()
    assert status == 503 and body["checks"]["cache"] in {"unavailable", "timeout"}
    assert took < 0.8 + _slack(healthy)
    assert _probe(client)[:2] == (200, OK)


class _SilentServer:
    """A TCP listener that accepts connections and never answers: a hung database."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self):
        for conn in self.accepted:
            conn.close()
        self.sock.close()


def test_a_hung_database_answers_503_within_the_timeout_and_never_piles_up_checks(
    client, db, monkeypatch
):
    _, _, healthy = _probe(client)
    silent = _SilentServer()
    # The check's own connection goes to the silent server (the test's connection is open
    # already and stays as it is); the password must never reach the answer or the log.
    monkeypatch.setitem(connection.settings_dict, "HOST", "127.0.0.1")
    monkeypatch.setitem(connection.settings_dict, "PORT", str(silent.port))
    monkeypatch.setitem(connection.settings_dict, "PASSWORD", "db-password-never-shown")
    try:
        status, body, took = _probe(client)
        assert status == 503
        assert body["checks"] == {"database": "timeout", "cache": "ok", "migrations": "unknown"}
        assert took < 0.8 + _slack(healthy)
        # The first check is still waiting for the server: the next probe starts no other
        # and does not wait again (it takes well under the first probe's wait, however busy
        # the machine: the first one included READYZ_TIMEOUT).
        first, (status, body, took) = took, _probe(client)
        assert (status, body["checks"]["database"], took < first - 0.4) == (503, "timeout", True)
        assert len(silent.accepted) == 1
    finally:
        silent.close()
    assert "db-password-never-shown" not in json.dumps(body)


def test_a_check_stuck_on_a_lock_is_ended_by_its_own_statement_timeout(client, db):
    """The statement timeout is set inside the check's transaction (`SET LOCAL`, which a
    pooler lets through, unlike the `options` startup parameter): a check blocked by a lock
    ends by itself about a second later instead of holding its thread until the lock goes."""
    with psycopg.connect(_dsn()) as holder:
        holder.execute("LOCK TABLE public.django_migrations IN ACCESS EXCLUSIVE MODE")
        status, body, took = _probe(client)
        assert (status, body["checks"]["database"], took < 0.8 + 0.5) == (503, "timeout", True)
        stuck = readiness._running["database"]
        # READYZ_TIMEOUT 0.8 s: a statement timeout of 1 s, while the lock is still held.
        assert stuck.result(timeout=3) == ("unavailable", "unknown")
    assert _probe(client)[:2] == (200, OK)


def test_an_unreachable_database_answers_503_without_its_error_text(
    client, db, monkeypatch, caplog
):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setitem(connection.settings_dict, "HOST", "127.0.0.1")
    monkeypatch.setitem(connection.settings_dict, "PORT", str(port))
    monkeypatch.setitem(connection.settings_dict, "USER", "user-never-shown")
    status, body, _ = _probe(client)
    assert status == 503
    assert body == {
        "status": "unavailable",
        "checks": {"database": "unavailable", "cache": "ok", "migrations": "unknown"},
    }
    assert "user-never-shown" not in caplog.text and str(port) not in caplog.text


def test_production_exempts_readyz_and_metrics_from_the_https_redirect(client, db, settings):
    result = manage(
        "shell",
        "-c",
        "import json; from django.conf import settings; "
        "print(json.dumps(settings.SECURE_REDIRECT_EXEMPT))",
        env=PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stderr
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = json.loads(result.stdout.strip().splitlines()[-1])
    assert client.get("/readyz").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/metrics").status_code == 403  # refused, not redirected
    assert client.get("/accounts/login/").status_code == 301
