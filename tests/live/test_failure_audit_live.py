"""Failure audit over HTTP against gunicorn (three workers): a burst of failed uses of one
token from one address is one audit row whose count is exactly the number of failures
answered, however the workers interleave."""

import datetime
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from tests.live.http import post_json
from tests.live.test_agents_live import new_token
from tokens import values

BURST = 40


def _register(portal, value, n):
    body = {"token": value, "hostname": f"h{n}", "os": "Linux", "machine_id": f"burst-{n}"}
    return post_json(portal.url, "/api/v1/agents/register", body)[0]


def test_a_burst_of_failures_from_one_address_is_one_row_counting_each_one(live_portal):
    portal = live_portal
    value = new_token(portal, user="globex-bob")
    digest = values.digest(values.normalize(value))
    [(public_id,)] = portal.sql(
        "UPDATE tokens_registrationtoken SET expires_at = now() - interval '1 second'"
        " WHERE digest = %s RETURNING public_id::text",
        [digest],
    )
    while datetime.datetime.now(datetime.UTC).second > 45:  # one minute's row, not two
        time.sleep(1)
    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = Counter(pool.map(lambda n: _register(portal, value, n), range(BURST)))
    assert set(answers) <= {401, 429} and answers[401] >= 1, answers
    rows = portal.sql(
        "SELECT e.count, e.details->>'reason', t.slug, host(e.ip_address)"
        " FROM tenants_auditevent e JOIN tenants_tenant t ON t.id = e.tenant_id"
        " WHERE e.action = 'token.use_failed' AND e.details->>'token_id' = %s",
        [public_id],
    )
    assert rows == [(answers[401], "expired", "globex", "127.0.0.1")], (rows, answers)
