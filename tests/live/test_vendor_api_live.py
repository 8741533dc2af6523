"""The original vendor's API v2 against the live portal (gunicorn, real PostgreSQL), called
exactly as its public sample scripts call it: `requests` with HTTP Basic, form bodies for
the token endpoint and JSON elsewhere (the Python samples), curl for the bash sample. Then
the machine is registered with the token the script made, by the real agent program, and
the plan is applied and revoked through the knowledge-base script's flow."""

import json
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import requests

from tests.live.server import PASSWORD

CLIENT = Path(__file__).resolve().parents[2] / "agents" / "client"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
NO_PLAN = "No protection plan can be assigned using this registration token"


def _error(response: requests.Response, status: int) -> dict:
    """The vendor's error shape with this status."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "domain", "message", "details"}
    return body["error"]


def _sample_script(base: str, login: str) -> dict:
    """The Python samples: users/me and a client with the login, a token with the client."""
    auth = (login, PASSWORD)
    me = requests.get(f"{base}users/me", auth=auth, timeout=30)
    assert me.status_code == 200, me.text
    client_data = {
        "type": "api_client",
        "tenant_id": me.json()["tenant_id"],
        "token_endpoint_auth_method": "client_secret_basic",
        "data": {"client_name": f"Python.Client {uuid.uuid4().hex[:6]}"},
    }
    created = requests.post(f"{base}clients", json=client_data, auth=auth, timeout=30)
    assert created.status_code == 201, created.text
    client = created.json()
    issued = requests.post(
        f"{base}idp/token",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=(client["client_id"], client["client_secret"]),
        data={"grant_type": "client_credentials"},
        timeout=30,
    )
    assert issued.status_code == 200, issued.text
    token = issued.json()
    assert set(token) == {"access_token", "token_type", "expires_on"}
    return {"me": me.json(), "client": client, "token": token}


def test_the_vendors_samples_then_the_agent_and_the_plan_script(live_portal, tmp_path):
    base = f"{live_portal.url}/api/2/"
    script = _sample_script(base, "globex-admin")
    bearer = {"Authorization": "Bearer " + script["token"]["access_token"]}
    me = requests.get(f"{base}users/me", headers=bearer, timeout=30).json()
    assert me["login"] == "globex-admin" and me["personal_tenant_id"]

    # The bash sample: curl for the access token, with the client's id and secret.
    client = script["client"]
    curl_program = shutil.which("curl")
    assert curl_program, "the bash sample needs curl"
    curl = subprocess.run(
        [
            curl_program, "-s", "-X", "POST", f"{base}idp/token",
            "-u", f"{client['client_id']}:{client['client_secret']}",
            "-H", "Content-Type: application/x-www-form-urlencoded",
            "--data-urlencode", "grant_type=client_credentials",
        ],
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    assert json.loads(curl.stdout)["token_type"] == "bearer"

    # The /api/v1 side with the same token: Bob's ids and a plan's id.
    users = requests.get(
        f"{live_portal.url}/api/v1/tenants/globex/users", headers=bearer, timeout=30
    )
    bob = next(u for u in users.json()["items"] if u["username"] == "globex-bob")
    plans = requests.get(
        f"{live_portal.url}/api/v1/tenants/globex/protection_plans", headers=bearer, timeout=30
    )
    plan = next(p for p in plans.json()["items"] if p["name"] == "Weekly full image")
    tenant = bob["tenant"]["uuid"]
    scopes = [
        f"urn:acronis.com:tenant-id:{bob['personal_tenant_id']}:backup_agent_admin",
        f"urn:acronis.com::policy_management:{tenant}|{plan['id']}:apply_revoke",
    ]
    made = requests.post(
        f"{base}tenants/{tenant}/registration_tokens",
        headers={"Content-Type": "application/json", **bearer},
        json={"expires_in": 3600, "scopes": scopes},
        timeout=30,
    )
    assert made.status_code == 201, made.text
    token = made.json()
    assert token["scopes"] == scopes and token["tenant_id"] == tenant
    listed = requests.get(f"{base}tenants/{tenant}/registration_tokens", headers=bearer, timeout=30)
    assert token["id"] in {t["id"] for t in listed.json()["items"]}
    assert token["token"] not in listed.text

    # The agent program registers the machine with that token.
    config = tmp_path / "agent.json"
    registered = subprocess.run(
        [
            sys.executable, str(CLIENT / "register_agent.py"), "-o", "register", "-t", "cloud",
            "-a", live_portal.url, "--token", token["token"], "--machine-id", "vendor-live-1",
            "--hostname", "vendor-live-pc", "--config", str(config),
        ],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert registered.returncode == 0, registered.stdout + registered.stderr
    assert "globex-bob" in registered.stdout
    agent_id = json.loads(config.read_text())["agent_id"]

    # The knowledge-base script: the registration token for an access token, then apply.
    dc = live_portal.url
    issued = requests.post(
        f"{dc}/bc/idp/token",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        data={"grant_type": JWT_BEARER, "assertion": token["token"]},
        timeout=30,
    )
    assert issued.status_code == 200, issued.text
    plan_auth = {"Authorization": "Bearer " + issued.json()["access_token"]}
    applications = f"{dc}/api/policy_management/v4/applications"
    body = {"context": {"items": [agent_id]}}
    for _ in range(2):  # already applied counts as success
        applied = requests.post(applications, headers=plan_auth, json=body, timeout=30)
        assert applied.status_code == 200, applied.text
    me_agent = requests.get(
        f"{dc}/api/v1/agents/me",
        headers={"Authorization": "Bearer " + json.loads(config.read_text())["agent_secret"]},
        timeout=30,
    ).json()
    assert [p["name"] for p in me_agent["plans"]] == ["Weekly full image"]
    revoked = requests.delete(
        applications, headers=plan_auth, params={"context_id": agent_id}, timeout=30
    )
    assert revoked.status_code == 204, revoked.text

    # Deleting the token: 204, then 404, and its access token stops at once.
    assert (
        requests.delete(
            f"{base}registration_tokens/{token['id']}", headers=bearer, timeout=30
        ).status_code
        == 204
    )
    _error(
        requests.delete(f"{base}registration_tokens/{token['id']}", headers=bearer, timeout=30), 404
    )
    _error(requests.post(applications, headers=plan_auth, json=body, timeout=30), 401)


def test_a_token_without_a_plan_and_the_error_shape_live(live_portal):
    base = f"{live_portal.url}/api/2/"
    script = _sample_script(base, "globex-admin")
    bearer = {"Authorization": "Bearer " + script["token"]["access_token"]}
    personal = script["me"]["personal_tenant_id"]
    made = requests.post(
        f"{base}tenants/{personal}/registration_tokens",
        headers=bearer,
        json={"expires_in": 3600, "scopes": ["urn:acronis.com:tenant-id::backup_agent_admin"]},
        timeout=30,
    )
    assert made.status_code == 201, made.text
    value = made.json()["token"]
    register = {
        "token": value,
        "hostname": "vendor-live-2",
        "os": "linux",
        "machine_id": "vendor-live-2",
    }
    agent = requests.post(
        f"{live_portal.url}/api/v1/agents/register", json=register, timeout=30
    ).json()
    issued = requests.post(
        f"{live_portal.url}/bc/idp/token",
        data={"grant_type": JWT_BEARER, "assertion": value},
        timeout=30,
    ).json()
    refused = requests.post(
        f"{live_portal.url}/api/policy_management/v4/applications",
        headers={"Authorization": "Bearer " + issued["access_token"]},
        json={"context": {"items": [agent["agent_id"]]}},
        timeout=30,
    )
    assert _error(refused, 409)["message"] == NO_PLAN
    # Each kind of refusal, in the vendor's shape.
    tokens = f"{base}tenants/{personal}/registration_tokens"
    _error(requests.get(tokens, timeout=30), 401)
    _error(requests.post(tokens, headers=bearer, json={"expires_in": 31536001}, timeout=30), 400)
    _error(requests.post(tokens, headers=bearer, json={"scopes": ["urn:x"]}, timeout=30), 400)
    _error(requests.post(tokens, headers=bearer, data="x=1", timeout=30), 415)
    _error(requests.post(tokens, headers=bearer, json={"scopes": ["a" * 70000]}, timeout=30), 413)
    _error(
        requests.get(
            f"{base}tenants/{uuid.uuid4()}/registration_tokens", headers=bearer, timeout=30
        ),
        404,
    )
    _error(
        requests.get(f"{base}registration_tokens/{uuid.uuid4()}", headers=bearer, timeout=30), 404
    )
    alice = ("globex-alice", PASSWORD)
    client = {
        "type": "api_client",
        "tenant_id": script["me"]["tenant_id"],
        "data": {"client_name": "x"},
    }
    _error(requests.post(f"{base}clients", json=client, auth=alice, timeout=30), 403)
