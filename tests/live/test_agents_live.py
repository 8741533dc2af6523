"""End to end over HTTP against gunicorn: the real agent programs, concurrency on real
PostgreSQL, and throttling shared by every worker process."""

import json
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings

from tests.live.http import Session, hostnames, post_json
from tests.live.server import PASSWORD
from tokens import throttling, values

CLIENT = Path(__file__).resolve().parents[2] / "agents" / "client"


def run(program: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(CLIENT / program), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def new_token(portal, *, user: str, plan: str | None = None, admin: str = "globex-admin") -> str:
    session = Session(portal.url).login(admin, PASSWORD)
    _, users = session.get("/api/v1/tenants/globex/users")
    user_id = next(u["id"] for u in json.loads(users)["items"] if u["username"] == user)
    body = {"user_id": user_id}
    if plan:
        _, plans = session.get("/api/v1/tenants/globex/protection_plans")
        body["plan_id"] = next(p["id"] for p in json.loads(plans)["items"] if p["name"] == plan)
    status, created = session.post_json("/api/v1/tenants/globex/registration_tokens", body)
    assert status == 201, created
    return created["token"]


def devices_seen_by(portal, username: str, slug: str) -> tuple[int, set[str]]:
    status, html = Session(portal.url).login(username, PASSWORD).get(f"/console/{slug}/devices/")
    return status, hostnames(html)


def test_agent_lifecycle_with_the_real_programs(live_portal, tmp_path):
    portal = live_portal
    token = new_token(portal, user="globex-alice", plan="Daily backup")
    options = tmp_path / "token.conf"
    options.write_text(f"token={token}\n")
    config = tmp_path / "agent" / "agent.json"
    common = ["--config", str(config)]

    # Register with the token kept off the command line.
    result = run(
        "register_agent.py",
        "-o",
        "register",
        "-a",
        portal.url,
        "--options-file",
        str(options),
        "--machine-id",
        "e2e-machine",
        "--hostname",
        "e2e-laptop",
        *common,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "registered as agent" in result.stdout and "globex-alice" in result.stdout
    assert token not in result.stdout
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    identity = json.loads(config.read_text())

    # Listed for its owner and the administrators, and nobody else.
    assert "e2e-laptop" in devices_seen_by(portal, "globex-alice", "globex")[1]
    assert "e2e-laptop" in devices_seen_by(portal, "globex-admin", "globex")[1]
    assert "e2e-laptop" in devices_seen_by(portal, "msp-admin", "demo-msp")[1]
    assert "e2e-laptop" not in devices_seen_by(portal, "globex-bob", "globex")[1]
    assert "e2e-laptop" not in devices_seen_by(portal, "initech-admin", "initech")[1]
    assert devices_seen_by(portal, "initech-admin", "globex")[0] == 404
    assert devices_seen_by(portal, "other-admin", "demo-msp")[0] == 404

    # Apply, apply again, revoke: the plan follows.
    for _ in range(2):
        applied = run("protection_plan.py", "--token", token, *common)
        assert (
            applied.returncode == 0
            and applied.stdout.strip() == "Protection Plan was successfully applied."
        )
    _, html = Session(portal.url).login("globex-alice", PASSWORD).get("/console/globex/devices/")
    assert "Daily backup" in html
    revoked = run("protection_plan.py", "--token", token, "--revoke", *common)
    assert (
        revoked.returncode == 0
        and revoked.stdout.strip() == "Protection Plan was successfully revoked."
    )

    # A token without a plan explains itself.
    plain = new_token(portal, user="globex-alice")
    failed = run("protection_plan.py", "--token", plain, *common)
    assert failed.returncode == 1
    assert failed.stdout.strip() == (
        "Failed to apply or revoke Protection Plan: "
        "No protection plan can be assigned using this registration token"
    )

    # Delete the token: new registrations fail with 401, the registered machine keeps working.
    admin = Session(portal.url).login("globex-admin", PASSWORD)
    _, listing = admin.get("/api/v1/tenants/globex/registration_tokens")
    token_id = next(
        i["id"] for i in json.loads(listing)["items"] if i["plan"] and i["registrations"] == 1
    )
    assert admin.delete(f"/api/v1/registration_tokens/{token_id}") == 204
    other_config = tmp_path / "other" / "agent.json"
    refused = run(
        "register_agent.py",
        "-o",
        "register",
        "-a",
        portal.url,
        "--token",
        token,
        "--machine-id",
        "e2e-other",
        "--config",
        str(other_config),
    )
    assert refused.returncode == 1 and "Registration failed" in refused.stdout
    status, _ = post_json(
        portal.url,
        "/api/v1/agents/register",
        {"token": token, "hostname": "x", "os": "x", "machine_id": "e2e-other"},
    )
    assert status == 401
    status, me = post_json(
        portal.url, "/api/v1/agents/me/plan/revoke", {"token": plain}, identity["agent_secret"]
    )
    assert status == 409  # authenticated fine; that token simply carries no plan

    # Unregister: the device leaves All devices and the identity file goes.
    gone = run("register_agent.py", "-o", "unregister", *common)
    assert gone.returncode == 0 and "unregistered" in gone.stdout
    assert not config.exists()
    assert "e2e-laptop" not in devices_seen_by(portal, "globex-admin", "globex")[1]


def _register(portal, token, machine):
    return post_json(
        portal.url,
        "/api/v1/agents/register",
        {"token": token, "hostname": machine, "os": "Linux", "machine_id": machine},
    )


def test_twenty_parallel_registrations_with_one_token(live_portal):
    token = new_token(live_portal, user="globex-bob")
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda n: _register(live_portal, token, f"par-{n:02d}"), range(20)))
    assert [status for status, _ in results] == [201] * 20
    [(devices,)] = live_portal.sql(
        "SELECT count(*) FROM t_globex.agents_device WHERE machine_id LIKE 'par-%%'"
    )
    assert devices == 20
    [(registrations,)] = live_portal.sql(
        "SELECT registrations FROM tokens_registrationtoken WHERE digest = %s",
        (values.digest(values.normalize(token)),),
    )
    assert registrations == 20


def test_ten_parallel_registrations_of_one_machine_give_one_device(live_portal):
    token = new_token(live_portal, user="globex-bob")
    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(lambda _: _register(live_portal, token, "same-machine"), range(10)))
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * 9 + [201]
    assert len({body["agent_id"] for _, body in results}) == 1
    [(devices,)] = live_portal.sql(
        "SELECT count(*) FROM t_globex.agents_device WHERE machine_id = 'same-machine'"
    )
    [(credentials,)] = live_portal.sql(
        "SELECT count(*) FROM tokens_agentcredential c JOIN t_globex.agents_device d "
        "ON d.id = c.device_id WHERE d.machine_id = 'same-machine'"
    )
    assert (devices, credentials) == (1, 1)
    # Only the last secret issued works; the other nine were replaced.
    working = [
        post_json(
            live_portal.url, "/api/v1/agents/me/plan/revoke", {"token": token}, body["agent_secret"]
        )[0]
        for _, body in results
    ]
    assert working.count(401) == 9


def test_throttling_is_shared_by_every_worker_process(live_portal):
    token = new_token(live_portal, user="globex-bob")
    bad = {
        "token": "0000-0000-0000-0000-0000-0000-0000",
        "hostname": "x",
        "os": "x",
        "machine_id": "x",
    }
    # Failures spread over gunicorn's three worker processes still add up ...
    for _ in range(settings.AGENT_TOKEN_FAILURE_LIMIT):
        assert post_json(live_portal.url, "/api/v1/agents/register", bad)[0] in (400, 401)
    assert _register(live_portal, token, "after-failures")[0] == 429


def test_failures_counted_by_another_process_throttle_the_server(live_portal):
    token = new_token(live_portal, user="globex-bob")
    assert not throttling.is_blocked("127.0.0.1")
    # This test process is not one of the server's workers, yet shares their counter.
    for _ in range(settings.AGENT_TOKEN_FAILURE_LIMIT):
        throttling.record_failure("127.0.0.1")
    assert _register(live_portal, token, "blocked-by-peer")[0] == 429
