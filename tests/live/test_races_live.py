"""Races over HTTP against gunicorn on real PostgreSQL: a plan applied while the device is
unregistered, or while the plan is deleted. Every answer is a defined status (never 5xx),
and the end state is consistent: an unregister that answered 204 removed the device."""

import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import psycopg

from agents.services.registration import MSG_MACHINE_TAKEN
from tests.live.http import Session
from tests.live.server import PASSWORD
from tests.live.test_agents_live import new_token
from tokens import values

ROUNDS = 100
APPLY = "/api/v1/agents/me/plan/apply"


def call(base: str, path: str, body: dict | None, secret: str | None = None) -> tuple[int, dict]:
    """POST JSON; the status and the body if it is JSON (a 5xx page may not be)."""
    headers = {"Content-Type": "application/json"}
    if secret:
        headers["Authorization"] = f"Bearer {secret}"
    data = json.dumps(body or {}).encode()
    request = urllib.request.Request(base + path, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            raw, status = response.read(), response.status
    except urllib.error.HTTPError as error:
        raw, status = error.read(), error.code
    try:
        return status, json.loads(raw) if raw else {}
    except ValueError:
        return status, {}


def together(*actions):
    """Run the actions at the same moment in threads; their results in order."""
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(n, action):
        barrier.wait()
        results[n] = action()

    threads = [threading.Thread(target=run, args=(n, a)) for n, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _tally(statuses) -> dict:
    return dict(Counter(statuses))


def register(portal, token: str, machine: str) -> dict:
    status, body = call(
        portal.url,
        "/api/v1/agents/register",
        {"token": token, "hostname": machine, "os": "Linux", "machine_id": machine},
    )
    assert status == 201, (status, body)
    return body


def test_plan_apply_racing_unregister_never_fails_and_204_removes_the_device(live_portal):
    portal = live_portal
    token = new_token(portal, user="globex-alice", plan="Daily backup")
    statuses: list[tuple[int, int]] = []
    for n in range(ROUNDS):
        machine = f"race-unreg-{uuid.uuid4().hex[:8]}-{n}"
        secret = register(portal, token, machine)["agent_secret"]
        (applied, _), (unregistered, _) = together(
            partial(call, portal.url, APPLY, {"token": token}, secret),
            partial(call, portal.url, "/api/v1/agents/me/unregister", None, secret),
        )
        statuses.append((applied, unregistered))
        if unregistered == 204:
            assert _leftovers(portal, machine) == (0, 0, 0, 0), machine
    server_errors = sum(1 for pair in statuses for s in pair if s >= 500)
    print(
        f"apply vs unregister: {ROUNDS} rounds, {server_errors} responses >= 500,", _tally(statuses)
    )
    assert server_errors == 0, statuses
    assert {a for a, _ in statuses} <= {200, 401}
    assert {u for _, u in statuses} == {204}


def _leftovers(portal, machine: str) -> tuple[int, int, int, int]:
    """Devices, credentials, directory entries and plan links left of a machine."""
    [row] = portal.sql(
        "SELECT (SELECT count(*) FROM t_globex.agents_device WHERE machine_id = %s),"
        " (SELECT count(*) FROM tokens_agentcredential c WHERE c.device_id IN"
        "   (SELECT id FROM t_globex.agents_device WHERE machine_id = %s)),"
        " (SELECT count(*) FROM agents_directory_deviceentry WHERE hostname = %s),"
        " (SELECT count(*) FROM t_globex.agents_device_plans dp"
        "   WHERE dp.device_id NOT IN (SELECT id FROM t_globex.agents_device))",
        (machine, machine, machine),
    )
    return tuple(row)


def test_plan_apply_racing_plan_delete_never_fails_and_stays_consistent(live_portal):
    portal = live_portal
    admin = Session(portal.url).login("globex-admin", PASSWORD)
    _, users = admin.get("/api/v1/tenants/globex/users")
    alice = next(u["id"] for u in json.loads(users)["items"] if u["username"] == "globex-alice")
    plain = new_token(portal, user="globex-alice")
    device = register(portal, plain, f"race-plan-{uuid.uuid4().hex[:8]}")
    secret = device["agent_secret"]
    statuses: list[tuple[int, int]] = []
    for n in range(ROUNDS):
        name = f"Race {uuid.uuid4().hex[:8]} {n}"
        status, _ = admin.post_form(
            "/console/globex/plans/new/",
            {
                "name": name,
                "what_to_back_up": "files",
                "schedule": "daily",
                "start_time": "21:30",
                "retention_days": "7",
                "encryption": "on",
            },
        )
        assert status == 200, status
        [(plan_id,)] = portal.sql(
            "SELECT id FROM t_globex.agents_protectionplan WHERE name = %s", (name,)
        )
        status, created = admin.post_json(
            "/api/v1/tenants/globex/registration_tokens", {"user_id": alice, "plan_id": plan_id}
        )
        assert status == 201, created
        (applied, _), (deleted, _) = together(
            partial(call, portal.url, APPLY, {"token": created["token"]}, secret),
            partial(admin.post_form, f"/console/globex/plans/{plan_id}/delete/", {}),
        )
        statuses.append((applied, deleted))
    server_errors = sum(1 for pair in statuses for s in pair if s >= 500)
    print(
        f"apply vs plan delete: {ROUNDS} rounds, {server_errors} responses >= 500,",
        _tally(statuses),
    )
    assert server_errors == 0, statuses
    assert {a for a, _ in statuses} <= {200, 409}
    assert {d for _, d in statuses} == {200}  # the delete's redirect to the plan list
    # Every race plan is gone, and the device's links and directory entry agree with it.
    [(plans, links, names)] = portal.sql(
        "SELECT (SELECT count(*) FROM t_globex.agents_protectionplan WHERE name LIKE 'Race %%'),"
        " (SELECT count(*) FROM t_globex.agents_device_plans dp"
        "   JOIN t_globex.agents_device d ON d.id = dp.device_id WHERE d.agent_id = %s),"
        " (SELECT cardinality(plan_names) FROM agents_directory_deviceentry WHERE agent_id = %s)",
        (device["agent_id"], device["agent_id"]),
    )
    assert (plans, links, names) == (0, 0, 0)


def test_a_machine_registered_by_another_user_meanwhile_is_409_and_counts_nothing(live_portal):
    """Bob's registration of the machine commits after Alice's statement took its snapshot
    (it waits on Bob's row): Alice gets 409, her token's use is not counted."""
    portal = live_portal
    token = new_token(portal, user="globex-alice")
    [(bob,)] = portal.sql("SELECT id FROM tenants_user WHERE username = 'globex-bob'")
    machine = f"race-claim-{uuid.uuid4().hex[:8]}"
    body = {"token": token, "hostname": "alices", "os": "Linux", "machine_id": machine}
    with psycopg.connect(portal.dsn) as bobs, ThreadPoolExecutor(max_workers=1) as pool:
        bobs.execute(
            "INSERT INTO t_globex.agents_device (agent_id, hostname, os, machine_id,"
            " agent_version, owner_id, registered_at, registered_token_prefix)"
            " VALUES (gen_random_uuid(), 'bobs', 'Linux', %s, '', %s, now(), '')",
            (machine, bob),
        )
        pending = pool.submit(call, portal.url, "/api/v1/agents/register", body)
        _until_a_statement_waits_for_a_lock(portal)
        bobs.commit()
        status, answer = pending.result(timeout=30)
    assert (status, answer) == (409, {"detail": MSG_MACHINE_TAKEN})
    [(registrations, owner, credentials, entries, refusals)] = portal.sql(
        "SELECT (SELECT registrations FROM tokens_registrationtoken WHERE digest = %s),"
        " (SELECT owner_id FROM t_globex.agents_device WHERE machine_id = %s),"
        " (SELECT count(*) FROM tokens_agentcredential c JOIN t_globex.agents_device d"
        "   ON d.id = c.device_id WHERE d.machine_id = %s),"
        " (SELECT count(*) FROM agents_directory_deviceentry WHERE hostname = 'alices'),"
        " (SELECT count(*) FROM tenants_auditevent WHERE action = 'device.register_refused'"
        "   AND details->>'machine_id' = %s)",
        (values.digest(values.normalize(token)), machine, machine, machine),
    )
    assert (registrations, owner, credentials, entries, refusals) == (0, bob, 0, 0, 1)


def _until_a_statement_waits_for_a_lock(portal) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        [(waiting,)] = portal.sql(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        if waiting:
            return
        time.sleep(0.05)
    raise AssertionError("the registration never waited for the other transaction")
