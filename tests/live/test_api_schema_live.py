"""Schemathesis against the live portal: the OpenAPI schema at /api/v1/schema tells the truth.

Every operation is fuzzed with data that fits the schema and with data that does not, signed
in as Initech's company administrator (session cookie and CSRF header) or as a registered
Initech agent (Bearer secret). Every answer must be a documented status with a body of the
documented shape, and none may be a server error. Initech only: the other live tests use
Globex, so nothing they rely on changes. Bounded: a few examples per operation, seeded.
"""

import json
from collections import Counter

import schemathesis
from django.core.cache import cache
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.live.http import Session, post_json
from tests.live.server import PASSWORD

CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = {schemathesis.GenerationMode.POSITIVE: 15, schemathesis.GenerationMode.NEGATIVE: 10}
ADMIN, USER, TENANT = "initech-admin", "initech-carol", "initech"


class Run:
    """The live portal as schemathesis sees it: credentials, real values, and the tally."""

    def __init__(self, portal):
        self.portal = portal
        self.admin = Session(portal.url).login(ADMIN, PASSWORD)
        self.cases: Counter = Counter()
        self.statuses: Counter = Counter()
        self.server_errors: list[str] = []
        self.mismatches: list[str] = []
        self.token = self._new_token()
        self.secret = self.new_agent()

    def _new_token(self) -> str:
        _, users = self.admin.get(f"/api/v1/tenants/{TENANT}/users")
        user_id = next(u["id"] for u in json.loads(users)["items"] if u["username"] == USER)
        _, plans = self.admin.get(f"/api/v1/tenants/{TENANT}/protection_plans")
        plan_id = json.loads(plans)["items"][0]["id"]
        body = {"user_id": user_id, "plan_id": plan_id}
        status, created = self.admin.post_json(
            f"/api/v1/tenants/{TENANT}/registration_tokens", body
        )
        assert status == 201, created
        return created["token"]

    def new_agent(self) -> str:
        self.cases["(setup) register"] += 1
        machine = f"schemathesis-{self.cases['(setup) register']}"
        body = {"token": self.token, "hostname": machine, "os": "linux", "machine_id": machine}
        status, registered = post_json(self.portal.url, "/api/v1/agents/register", body)
        assert status == 201, registered
        return registered["agent_secret"]

    def credentials(self, path: str) -> tuple[dict, dict]:
        """Headers and cookies for an operation: agent, none (registration), or admin."""
        if path == "/api/v1/agents/me/unregister":
            return {"Authorization": f"Bearer {self.new_agent()}"}, {}
        if path.startswith("/api/v1/agents/me"):
            return {"Authorization": f"Bearer {self.secret}"}, {}
        if path in {"/api/v1/agents/register", "/api/v1/ping"}:
            return {}, {}
        cookies = {c.name: c.value for c in self.admin.jar}
        return {"X-CSRFToken": self.admin.csrf(), "Referer": self.portal.url + path}, cookies

    def check(self, case) -> None:
        # The failure throttle is tested elsewhere; here every case reaches the endpoint.
        cache.clear()
        headers, cookies = self.credentials(case.operation.path)
        response = case.call(headers=headers, cookies=cookies, timeout=30)
        self.cases[case.operation.label] += 1
        self.statuses[response.status_code] += 1
        where = f"{case.method} {case.formatted_path} -> {response.status_code}"
        if response.status_code >= 500:
            self.server_errors.append(f"{where}: {response.text[:300]}")
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Failure, FailureGroup) as failure:
            self.mismatches.append(f"{where}: {failure}"[:1500])

    def strategy(self, operation, mode):
        """Generated cases, and as many again with real values where random ones are 404
        or 400 every time: Initech in the path, a live token in the body. Invalid input
        goes into queries and bodies only: a path the URLs cannot match never reaches the
        API (Django's own 404 page answers it)."""

        def cases(**path):
            return operation.as_strategy(generation_mode=mode, path_parameters=path or None)

        generated = cases()
        real = generated
        if "{tenant_id}" in operation.path:
            real = operation.as_strategy(
                generation_mode=mode, path_parameters={"tenant_id": TENANT}
            )
        if operation.path.startswith("/api/v1/agents/") and operation.method.upper() == "POST":
            real = generated.map(self._with_live_token)
        if "{token_id}" in operation.path:
            ids = st.sampled_from(self._token_ids())
            real = ids.flatmap(
                lambda i: operation.as_strategy(
                    generation_mode=mode, path_parameters={"token_id": i}
                )
            )
        return st.one_of(generated, real)

    def _with_live_token(self, case):
        if isinstance(case.body, dict) and "token" in case.body:
            case.body = {**case.body, "token": self.token}
        return case

    def _token_ids(self) -> list[str]:
        created = [self._new_token() for _ in range(3)]
        _, page = self.admin.get(f"/api/v1/tenants/{TENANT}/registration_tokens")
        ids = [t["id"] for t in json.loads(page)["items"]]
        assert len(ids) >= len(created)
        return ids


def fuzz(run: Run, operation, mode) -> None:
    @settings(
        max_examples=EXAMPLES[mode],
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=run.strategy(operation, mode))
    def each(case):
        run.check(case)

    try:
        each()
    except Unsatisfiable:
        # An operation without parameters or body has no invalid input to send.
        assert mode == schemathesis.GenerationMode.NEGATIVE, operation.label


def test_schemathesis_finds_no_server_errors_and_no_schema_mismatches(live_portal):
    run = Run(live_portal)
    schema = schemathesis.openapi.from_url(f"{live_portal.url}/api/v1/schema")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:
        for mode in EXAMPLES:
            fuzz(run, operation, mode)
    total = sum(n for label, n in run.cases.items() if not label.startswith("(setup)"))
    print(
        f"\nschemathesis: {total} cases over {len(operations)} operations, "
        f"{len(run.server_errors)} server errors, {len(run.mismatches)} schema mismatches; "
        f"statuses {dict(sorted(run.statuses.items()))}"
    )
    assert run.server_errors == [], "\n\n".join(run.server_errors)
    assert run.mismatches == [], "\n\n".join(run.mismatches)
    assert total >= 10 * len(operations)
