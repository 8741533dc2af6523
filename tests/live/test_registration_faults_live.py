"""A registration whose audit write fails leaves nothing behind: no device, directory entry,
credential or counted use, and a re-registration keeps the old secret. The fault is real:
a CHECK constraint on the live database's audit table rejects this test's events."""

import contextlib
import uuid

import psycopg

from tests.live.http import post_json
from tests.live.test_agents_live import new_token
from tokens import values

REJECTED = "audit-rejects-this-host"


@contextlib.contextmanager
def audit_rejecting(portal, hostname: str):
    """Audit events about `hostname` fail to insert while this is open."""
    with psycopg.connect(portal.dsn, autocommit=True) as conn:
        conn.execute(
            "ALTER TABLE tenants_auditevent ADD CONSTRAINT test_audit_rejects"
            f" CHECK (object_repr <> '{hostname}') NOT VALID"
        )
        try:
            yield
        finally:
            conn.execute("ALTER TABLE tenants_auditevent DROP CONSTRAINT test_audit_rejects")


def _register(portal, token: str, machine: str, hostname: str):
    body = {"token": token, "hostname": hostname, "os": "Linux", "machine_id": machine}
    try:
        return post_json(portal.url, "/api/v1/agents/register", body)
    except ValueError:  # a server error page that is not JSON
        return 500, {}


def _left(portal, token: str, machine: str) -> tuple:
    [row] = portal.sql(
        "SELECT (SELECT registrations FROM tokens_registrationtoken WHERE digest = %s),"
        " (SELECT count(*) FROM tokens_registrationtoken WHERE digest = %s"
        "   AND last_used_at IS NOT NULL),"
        " (SELECT array_agg(hostname) FROM t_globex.agents_device WHERE machine_id = %s),"
        " (SELECT array_agg(e.hostname) FROM agents_directory_deviceentry e"
        "   JOIN t_globex.agents_device d ON d.id = e.device_id WHERE d.machine_id = %s),"
        " (SELECT array_agg(c.secret_digest) FROM tokens_agentcredential c"
        "   JOIN t_globex.agents_device d ON d.id = c.device_id WHERE d.machine_id = %s),"
        " (SELECT count(*) FROM agents_directory_deviceentry WHERE hostname = %s)",
        (values.digest(values.normalize(token)),) * 2 + (machine,) * 3 + (REJECTED,),
    )
    return tuple(row)


def test_a_registration_whose_audit_write_fails_leaves_no_device_credential_or_count(
    live_portal,
):
    portal = live_portal
    token = new_token(portal, user="globex-alice")
    machine = f"audit-fault-{uuid.uuid4().hex[:8]}"
    with audit_rejecting(portal, REJECTED):
        status, _ = _register(portal, token, machine, REJECTED)
    assert status == 500
    assert _left(portal, token, machine) == (0, 0, None, None, None, 0)


def test_a_reregistration_whose_audit_write_fails_changes_nothing(live_portal):
    portal = live_portal
    token = new_token(portal, user="globex-alice")
    machine = f"audit-fault-{uuid.uuid4().hex[:8]}"
    status, first = _register(portal, token, machine, "before-the-fault")
    assert status == 201
    before = _left(portal, token, machine)
    with audit_rejecting(portal, REJECTED):
        status, _ = _register(portal, token, machine, REJECTED)
    assert status == 500
    assert _left(portal, token, machine) == before
    assert before[:3] == (1, 1, ["before-the-fault"])
    # The secret issued before the failure still works.
    me = post_json(
        portal.url, "/api/v1/agents/me/plan/revoke", {"token": token}, first["agent_secret"]
    )
    assert me[0] == 409  # authenticated; that token carries no plan
