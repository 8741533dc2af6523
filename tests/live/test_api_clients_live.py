"""API clients against the live portal (gunicorn, real PostgreSQL), driven by a client
written with the Python standard library only: the whole token lifecycle with an access
token, the role's and level's refusals, revocation at once, and no secret in any log line,
list or audit entry. Then the example script (examples/generate_tokens.py) as a partner
would run it."""

import base64
import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from tests.live.http import Session
from tests.live.server import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
ALL_CUSTOMERS = "You cannot generate a token on the All customers level."


class StdlibClient:
    """What a partner's script does: client credentials for a token, then Bearer calls."""

    def __init__(self, base: str, client_id: str, client_secret: str, *, form: bool = False):
        self.base = base
        data = {"grant_type": "client_credentials"}
        headers = {}
        if form:
            data |= {"client_id": client_id, "client_secret": client_secret}
        else:
            pair = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
            headers["Authorization"] = f"Basic {pair}"
        status, body = self._send(
            "POST", "/api/v1/oauth/token", urllib.parse.urlencode(data).encode(), headers
        )
        assert status == 200, body
        assert set(body) == {"access_token", "token_type", "expires_in"}, body
        assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
        self.access_token = body["access_token"]

    def _send(self, method, path, data, headers):
        request = urllib.request.Request(
            self.base + path, data=data, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
                raw = response.read()
                return response.status, json.loads(raw) if raw else {}
        except urllib.error.HTTPError as error:
            raw = error.read()
            return error.code, json.loads(raw) if raw else {}

    def call(self, method: str, path: str, data: dict | None = None) -> tuple[int, dict]:
        body = None if data is None else json.dumps(data).encode()
        headers = {
            "Authorization": f"Bearer {self.access_token}",
            "Content-Type": "application/json",
        }
        return self._send(method, path, body, headers)


def _create(session: Session, slug: str, name: str, role: str = "administrator") -> dict:
    status, body = session.post_json(
        f"/api/v1/tenants/{slug}/api_clients", {"name": name, "role": role}
    )
    assert status == 201, body
    return body


def test_the_token_lifecycle_with_an_api_client(live_portal):
    partner = Session(live_portal.url).login("msp-admin", PASSWORD)
    created = _create(partner, "demo-msp", "Live RMM")
    secrets = {created["client_secret"]}
    api = StdlibClient(live_portal.url, created["client_id"], created["client_secret"])
    secrets.add(api.access_token)
    assert StdlibClient(live_portal.url, created["client_id"], created["client_secret"], form=True)
    status, tenants = api.call("GET", "/api/v1/tenants")
    assert status == 200
    customers = [t["id"] for t in tenants["items"] if t["kind"] == "customer"]
    assert customers == ["globex", "initech"]
    status, users = api.call("GET", "/api/v1/tenants/globex/users")
    bob = next(u["id"] for u in users["items"] if u["username"] == "globex-bob")
    status, token = api.call("POST", "/api/v1/tenants/globex/registration_tokens", {"user_id": bob})
    assert status == 201, token
    assert token["user"]["username"] == "globex-bob"
    secrets.add(token["token"])
    status, listing = api.call("GET", "/api/v1/tenants/globex/registration_tokens")
    [item] = [t for t in listing["items"] if t["id"] == token["id"]]
    assert item["token_prefix"] == token["token_prefix"]
    status, patched = api.call(
        "PATCH", f"/api/v1/registration_tokens/{token['id']}", {"description": "lobby PCs"}
    )
    assert status == 200 and patched["description"] == "lobby PCs"
    status, extended = api.call(
        "POST", f"/api/v1/registration_tokens/{token['id']}/extend", {"expires_in": 7 * 86400}
    )
    assert status == 200 and extended["expires_at"] > token["expires_at"]
    status, _ = api.call("DELETE", f"/api/v1/registration_tokens/{token['id']}")
    assert status == 204
    status, listing = api.call("GET", "/api/v1/tenants/globex/registration_tokens")
    assert token["id"] not in {t["id"] for t in listing["items"]}
    # The audit log names the client for each step, on behalf of Bob.
    status, events = api.call("GET", "/api/v1/tenants/globex/audit_events")
    mine = [
        e for e in events["items"] if e["actor"] and e["actor"]["username"] == "API client Live RMM"
    ]
    assert {e["action"]["code"] for e in mine} == {
        "token.create",
        "token.update",
        "token.extend",
        "token.delete",
    }
    assert all(
        e["actor"]["id"] is None and e["actor"]["api_client"]["id"] == created["id"] for e in mine
    )
    assert all(
        e["on_behalf_of"] is None or e["on_behalf_of"]["username"] == "globex-bob" for e in mine
    )
    # Last used shows on the list; no secret in any list, audit entry, page or the database.
    status, clients = partner.get_json("/api/v1/tenants/demo-msp/api_clients")[:2]
    [mine_listed] = [c for c in clients["items"] if c["id"] == created["id"]]
    assert mine_listed["last_used_at"] is not None
    texts = [json.dumps(clients), json.dumps(events)]
    texts.append(partner.get("/manage/demo-msp/api-clients/")[1])
    texts.append(partner.get("/manage/globex/audit/")[1])
    rows = live_portal.sql(
        "SELECT string_agg(concat_ws(' ', actor_name, object_repr, details::text), ' ')"
        " FROM tenants_auditevent"
    )
    texts.append(rows[0][0])
    tokens = live_portal.sql("SELECT token, token_checksum FROM oauth2_provider_accesstoken")
    assert tokens and all(stored == "" for stored, _ in tokens)
    texts.append(" ".join(c for _, c in tokens))
    texts.append(
        " ".join(
            r[0] for r in live_portal.sql("SELECT client_secret FROM oauth2_provider_application")
        )
    )
    texts.append(Path(live_portal.log).read_text())
    for text in texts:
        for secret in secrets:
            assert secret not in text


def test_refusals_follow_the_role_and_the_level(live_portal):
    partner = Session(live_portal.url).login("msp-admin", PASSWORD)
    globex = Session(live_portal.url).login("globex-admin", PASSWORD)
    _, users = globex.get_json("/api/v1/tenants/globex/users")[:2]
    bob = next(u["id"] for u in users["items"] if u["username"] == "globex-bob")
    # A partner client at All customers: the manual's sentence, as for a partner administrator.
    admin = _create(partner, "demo-msp", "Live partner")
    api = StdlibClient(live_portal.url, admin["client_id"], admin["client_secret"])
    status, body = api.call(
        "POST", "/api/v1/tenants/demo-msp/registration_tokens", {"user_id": bob}
    )
    person = partner.post_json("/api/v1/tenants/demo-msp/registration_tokens", {"user_id": bob})
    assert (status, body["detail"]) == (person[0], person[1]["detail"]) == (400, ALL_CUSTOMERS)
    # A read-only client: reads, and gets a read-only administrator's 403 on writes.
    read_only = _create(globex, "globex", "Live reader", "read_only_administrator")
    reader = StdlibClient(live_portal.url, read_only["client_id"], read_only["client_secret"])
    assert reader.call("GET", "/api/v1/tenants/globex/registration_tokens")[0] == 200
    auditor = Session(live_portal.url).login("globex-auditor", PASSWORD)
    person = auditor.post_json("/api/v1/tenants/globex/registration_tokens", {"user_id": bob})
    refused = reader.call("POST", "/api/v1/tenants/globex/registration_tokens", {"user_id": bob})
    assert refused[0] == person[0] == 403
    # A client of another partner: 404 on this partner's customers.
    other = _create(
        Session(live_portal.url).login("other-admin", PASSWORD), "other-msp", "Live other"
    )
    stranger = StdlibClient(live_portal.url, other["client_id"], other["client_secret"])
    assert stranger.call("GET", "/api/v1/tenants/globex/users")[0] == 404
    assert stranger.call("GET", "/api/v1/tenants/umbrella/users")[0] == 200
    # Agent endpoints do not take access tokens.
    assert api.call("GET", "/api/v1/agents/me")[0] == 401
    # Deleting a client refuses it at once, its unexpired access token too.
    assert api.call("GET", "/api/v1/tenants/globex/users")[0] == 200
    assert partner.delete(f"/api/v1/api_clients/{admin['id']}") == 204
    status, body = api.call("GET", "/api/v1/tenants/globex/users")
    assert status == 401 and body["detail"] == "The access token is invalid or has expired."


def test_the_example_script_generates_a_token_for_each_customer(live_portal):
    partner = Session(live_portal.url).login("msp-admin", PASSWORD)
    created = _create(partner, "demo-msp", "Live example")
    env = {
        **os.environ,
        "PORTAL_CLIENT_ID": created["client_id"],
        "PORTAL_CLIENT_SECRET": created["client_secret"],
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "generate_tokens.py"), "--url", live_portal.url,
         "--user", "{customer}-admin", "--lifetime", "3600"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert [(c, u) for c, u, _, _ in lines] == [
        ("globex", "globex-admin"),
        ("initech", "initech-admin"),
    ]
    values = [v for _, _, v, _ in lines]
    status, listing = partner.get_json("/api/v1/tenants/demo-msp/registration_tokens")[:2]
    prefixes = {
        t["token_prefix"]
        for t in listing["items"]
        if t["description"] == "Generated by generate_tokens.py"
    }
    assert {v[:2] for v in values} <= prefixes and len(set(values)) == 2
    # A customer without the named user is reported and skipped (exit status 1).
    missing = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "generate_tokens.py"), "--url", live_portal.url,
         "--user", "globex-bob"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert missing.returncode == 1 and "no user 'globex-bob' in Initech" in missing.stderr
    assert len(missing.stdout.splitlines()) == 1
