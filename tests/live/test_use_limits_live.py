"""A token's use limit under real concurrency: gunicorn, three worker processes."""

import http.client
import json
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from tests.live.http import Session
from tests.live.server import PASSWORD
from tokens import values
from tokens.throttling import MSG_INVALID_TOKEN, MSG_USED_UP_TOKEN


def _register_from(portal, address: str, token: str, machine: str) -> tuple[int, dict]:
    """POST a registration from its own loopback address (127.0.0.N), so the failures of
    one address cannot throttle the test."""
    url = urllib.parse.urlsplit(portal.url)
    conn = http.client.HTTPConnection(
        url.hostname, url.port, timeout=30, source_address=(address, 0)
    )
    body = json.dumps({"token": token, "hostname": machine, "os": "Linux", "machine_id": machine})
    try:
        conn.request("POST", "/api/v1/agents/register", body, {"Content-Type": "application/json"})
        response = conn.getresponse()
        answer = json.loads(response.read() or b"{}")
        if response.status >= 400:  # its request id, checked and left out for comparisons
            assert answer.pop("request_id") == response.getheader("X-Request-ID"), answer
        return response.status, answer
    finally:
        conn.close()


def test_twenty_parallel_registrations_against_a_limit_of_five_give_exactly_five(live_portal):
    session = Session(live_portal.url).login("globex-admin", PASSWORD)
    _, users = session.get("/api/v1/tenants/globex/users")
    bob = next(u["id"] for u in json.loads(users)["items"] if u["username"] == "globex-bob")
    status, created = session.post_json(
        "/api/v1/tenants/globex/registration_tokens", {"user_id": bob, "max_machines": 5}
    )
    assert status == 201, created
    token = created["token"]
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(
            pool.map(
                lambda n: _register_from(live_portal, f"127.0.0.{n + 2}", token, f"lim-{n:02d}"),
                range(20),
            )
        )
    unknown = _register_from(live_portal, "127.0.0.40", values.format_value(
        values.normalize(values.generate())), "lim-unknown")  # fmt: skip
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] * 5 + [401] * 15
    # The fifteen refused are told the token is used up (issue 20), unlike an unknown token.
    refused = [body for status, body in results if status == 401]
    assert all(body == {"detail": MSG_USED_UP_TOKEN} for body in refused), refused
    assert unknown[1] == {"detail": MSG_INVALID_TOKEN}
    [(devices,)] = live_portal.sql(
        "SELECT count(*) FROM t_globex.agents_device WHERE machine_id LIKE 'lim-%%'"
    )
    [(machines, registrations, pairs)] = live_portal.sql(
        "SELECT machines, registrations, (SELECT count(*) FROM tokens_tokenmachine m"
        " WHERE m.token_id = t.id) FROM tokens_registrationtoken t WHERE digest = %s",
        (values.digest(values.normalize(token)),),
    )
    assert (devices, machines, registrations, pairs) == (5, 5, 5, 5)
    # Each of the five registers again: no machine is used up by that.
    again = [
        _register_from(live_portal, "127.0.0.41", token, f"lim-{n:02d}")[0]
        for n, (status, _) in enumerate(results)
        if status == 201
    ]
    assert again == [200] * 5
