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
        request_id = error.headers["X-Request-ID"]
    try:
        answer = json.loads(raw) if raw else {}
    except ValueError:
        return status, {}
    if status >= 400 and isinstance(answer, dict) and "detail" in answer:
        # Every error body quotes its answer's request id; compared without it.
        assert answer.pop("request_id") == request_id, answer
    return status, answer


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


def registered_machines(portal, token: str, kind: str) -> list[tuple[str, dict]]:
    """ROUNDS machines registered beforehand (in parallel): (machine id, registration)."""
    machines = [f"race-{kind}-{uuid.uuid4().hex[:8]}-{n}" for n in range(ROUNDS)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(
            zip(machines, pool.map(partial(register, portal, token), machines), strict=True)
        )


def test_plan_apply_racing_unregister_never_fails_and_204_removes_the_device(live_portal):
    portal = live_portal
    token = new_token(portal, user="globex-alice", plan="Daily backup")
    statuses: list[tuple[int, int]] = []
    for machine, registration in registered_machines(portal, token, "unreg"):
        secret = registration["agent_secret"]
        (applied, _), (unregistered, _) = together(
            partial(call, portal.url, APPLY, {"token": token}, secret),
            partial(call, portal.url, "/api/v1/agents/me/unregister", None, secret),
        )
        statuses.append((applied, unregistered))
        if unregistered == 204:
            assert _leftovers(portal, machine, registration["agent_id"]) == (0, 0, 0, 0)
    server_errors = sum(1 for pair in statuses for s in pair if s >= 500)
    print(
        f"apply vs unregister: {ROUNDS} rounds, {server_errors} responses >= 500,", _tally(statuses)
    )
    assert server_errors == 0, statuses
    assert {a for a, _ in statuses} <= {200, 401}
    assert {u for _, u in statuses} == {204}


def _leftovers(portal, machine: str, agent_id: str) -> tuple[int, int, int, int]:
    """Devices, credentials, directory entries of a machine, and plan links to no device."""
    [row] = portal.sql(
        "SELECT (SELECT count(*) FROM t_globex.agents_device WHERE machine_id = %s),"
        " (SELECT count(*) FROM tokens_agentcredential WHERE agent_id = %s),"
        " (SELECT count(*) FROM agents_directory_deviceentry WHERE hostname = %s),"
        " (SELECT count(*) FROM t_globex.agents_device_plans dp"
        "   WHERE dp.device_id NOT IN (SELECT id FROM t_globex.agents_device))",
        (machine, agent_id, machine),
    )
    return tuple(row)


def test_reregistration_racing_unregister_never_fails_and_leaves_whole_devices(live_portal):
    portal = live_portal
    token = new_token(portal, user="globex-alice")
    statuses: list[tuple[int, int]] = []
    for machine, registration in registered_machines(portal, token, "rereg"):
        secret = registration["agent_secret"]
        body = {"token": token, "hostname": machine, "os": "Linux", "machine_id": machine}
        (registered, _), (unregistered, _) = together(
            partial(call, portal.url, "/api/v1/agents/register", body, secret),
            partial(call, portal.url, "/api/v1/agents/me/unregister", None, secret),
        )
        statuses.append((registered, unregistered))
        [(devices, credentials, entries)] = portal.sql(
            "SELECT (SELECT count(*) FROM t_globex.agents_device WHERE machine_id = %s),"
            " (SELECT count(*) FROM tokens_agentcredential c JOIN t_globex.agents_device d"
            "   ON d.id = c.device_id WHERE d.machine_id = %s),"
            " (SELECT count(*) FROM agents_directory_deviceentry WHERE hostname = %s)",
            (machine, machine, machine),
        )
        # A whole device (with its credential and entry) or none; a new one after a 201.
        assert devices == credentials == entries, (machine, registered, unregistered)
        assert devices == (0 if (registered, unregistered) == (200, 204) else 1), machine
    server_errors = sum(1 for pair in statuses for s in pair if s >= 500)
    print(
        f"re-registration vs unregister: {ROUNDS} rounds, {server_errors} responses >= 500,",
        _tally(statuses),
    )
    assert server_errors == 0, statuses
    assert set(statuses) <= {(200, 204), (201, 204), (200, 401)}


def plans_with_tokens(portal, *, user: str) -> list[tuple[int, str]]:
    """ROUNDS plans of Globex (with their directory entries), each with a token of `user`
    bound to it, written straight into the live database: (plan id, token value)."""
    created = []
    with psycopg.connect(portal.dsn) as conn:
        (globex, partner), (owner,) = (
            conn.execute(
                "SELECT id, parent_id FROM tenants_tenant WHERE slug = 'globex'"
            ).fetchone(),
            conn.execute("SELECT id FROM tenants_user WHERE username = %s", (user,)).fetchone(),
        )
        for n in range(ROUNDS):
            name = f"Race {uuid.uuid4().hex[:8]} {n}"
            [(plan_id,)] = conn.execute(
                "INSERT INTO t_globex.agents_protectionplan (name, what_to_back_up, schedule,"
                " start_time, retention_days, encryption, created_at, updated_at)"
                " VALUES (%s, 'files', 'daily', '21:30', 7, true, now(), now()) RETURNING id",
                (name,),
            ).fetchall()
            conn.execute(
                "INSERT INTO agents_directory_planentry (tenant_id, partner_id, plan_id, name,"
                " schedule, what_to_back_up, start_time, retention_days, encryption,"
                " updated_at, customer_name, customer_slug) VALUES (%s, %s, %s, %s, 'daily',"
                " 'files', '21:30', 7, true, now(), 'Globex', 'globex')",
                (globex, partner, plan_id, name),
            )
            value = values.generate()
            canonical = values.normalize(value)
            conn.execute(
                "INSERT INTO tokens_registrationtoken (public_id, tenant_id, family, user_id,"
                " created_at, expires_at, plan_id, plan_name, digest, prefix, registrations)"
                " VALUES (gen_random_uuid(), %s, %s, %s, now(), now() + interval '1 hour',"
                " %s, %s, %s, %s, 0)",
                (globex, partner, owner, plan_id, name, values.digest(canonical), canonical[:2]),
            )
            created.append((plan_id, value))
    return created


def test_plan_apply_racing_plan_delete_never_fails_and_stays_consistent(live_portal):
    portal = live_portal
    admin = Session(portal.url).login("globex-admin", PASSWORD)
    plain = new_token(portal, user="globex-alice")
    device = register(portal, plain, f"race-plan-{uuid.uuid4().hex[:8]}")
    secret = device["agent_secret"]
    statuses: list[tuple[int, int]] = []
    for plan_id, token in plans_with_tokens(portal, user="globex-alice"):
        (applied, _), (deleted, _) = together(
            partial(call, portal.url, APPLY, {"token": token}, secret),
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
