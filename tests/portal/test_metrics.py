"""GET /metrics: Prometheus' text format for the configured scrapers only; request counts
and latencies by view, registrations by result and reason, active tokens in one statement."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from tenants.audit import CLI
from tests.agents.helpers import register, unknown_but_well_formed
from tests.factories import make_token
from tokens import services
from tokens.models import RegistrationToken

pytestmark = pytest.mark.django_db

SCRAPER = "10.20.30.40"
TOKEN = "metrics-token-for-tests-0123456789abcdef"


@pytest.fixture(autouse=True)
def _scrapers(settings):
    settings.METRICS_ALLOWED_ADDRESSES = ["10.20.30.0/24", "2001:db8:5::/48"]
    settings.METRICS_TOKEN = TOKEN


def scrape(**headers) -> dict[tuple[str, tuple], float]:
    response = Client().get("/metrics", REMOTE_ADDR=SCRAPER, **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return samples(response.content.decode())


def samples(text: str) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


@pytest.mark.parametrize(
    "remote,headers,status",
    [
        ("10.20.30.40", {}, 200),
        ("2001:db8:5::9", {}, 200),
        ("10.20.31.1", {}, 403),
        ("127.0.0.1", {}, 403),  # loopback is not allowed by default (a proxy on the host)
        ("192.0.2.1", {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}, 200),
        ("192.0.2.1", {"HTTP_AUTHORIZATION": f"bearer {TOKEN}"}, 200),
        ("192.0.2.1", {"HTTP_AUTHORIZATION": f"Bearer {TOKEN[:-1]}x"}, 403),
        ("192.0.2.1", {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}x"}, 403),
        ("192.0.2.1", {"HTTP_AUTHORIZATION": f"Basic {TOKEN}"}, 403),
        ("192.0.2.1", {"HTTP_AUTHORIZATION": "Bearer "}, 403),
        # X-Forwarded-For from anyone but a trusted proxy is the client's own word.
        ("192.0.2.1", {"HTTP_X_FORWARDED_FOR": SCRAPER}, 403),
    ],
)
def test_only_configured_addresses_or_the_bearer_token_may_scrape(remote, headers, status):
    response = Client().get("/metrics", REMOTE_ADDR=remote, **headers)
    assert response.status_code == status
    if status == 403:
        assert b"portal_" not in response.content and b"django_" not in response.content


def test_without_a_configured_token_no_bearer_value_is_accepted(settings):
    settings.METRICS_TOKEN = ""
    response = Client().get("/metrics", REMOTE_ADDR="192.0.2.1", HTTP_AUTHORIZATION="Bearer ")
    assert response.status_code == 403


def test_behind_a_trusted_proxy_the_forwarded_client_address_counts(settings):
    settings.TRUSTED_PROXIES = ["10.9.0.1"]
    settings.TRUSTED_PROXY_COUNT = 1
    via_proxy = {"REMOTE_ADDR": "10.9.0.1"}
    assert Client().get("/metrics", HTTP_X_FORWARDED_FOR=SCRAPER, **via_proxy).status_code == 200
    # The proxy's own address is not a scraper: a client it forwards is refused.
    outsider = "198.51.100.7"
    assert Client().get("/metrics", HTTP_X_FORWARDED_FOR=outsider, **via_proxy).status_code == 403


def test_requests_are_counted_and_timed_by_view():
    before = scrape()
    for _ in range(3):
        assert Client().get("/healthz").status_code == 200
    after = scrape()
    key = (
        "django_http_requests_total_by_view_transport_method_total",
        (("method", "GET"), ("transport", "http"), ("view", "healthz")),
    )
    assert after[key] - before.get(key, 0) == 3
    latency = ("django_http_requests_latency_seconds_by_view_method_count",)
    labels = (("method", "GET"), ("view", "healthz"))
    assert after[latency + (labels,)] - before.get(latency + (labels,), 0) == 3


def _registrations(found) -> dict[tuple[str, str], float]:
    return {
        (dict(labels)["result"], dict(labels)["reason"]): value
        for (name, labels), value in found.items()
        if name == "portal_agent_registrations_total"
    }


def test_registrations_are_counted_by_result_and_reason(tenants, users):
    globex, alice, bob = tenants["globex"], users["globex-alice"], users["globex-bob"]
    _, value = make_token(globex, alice)
    _, bobs = make_token(globex, bob)
    one_machine = services.token_create(
        actor=alice, tenant=globex, max_machines=1, origin=CLI
    ).value
    limited = services.token_create(
        actor=alice, tenant=globex, allowed_networks=["10.77.0.0/16"], origin=CLI
    ).value
    expiring, expiring_value = make_token(globex, alice, lifetime=datetime.timedelta(hours=1))
    before = _registrations(scrape())

    statuses = [
        register(value, machine="m-1").status_code,  # created
        register(value, machine="m-1").status_code,  # re-registered
        register(bobs, machine="m-1").status_code,  # another account's machine
        register("not-a-token").status_code,  # mistyped
        register(unknown_but_well_formed(), address="10.0.0.9").status_code,  # unknown
        register(value, hostname="").status_code,  # invalid input
        register(one_machine, machine="a").status_code,
        register(one_machine, machine="b").status_code,  # used up
        register(limited, address="192.0.2.50").status_code,  # outside its networks
    ]
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=2)):
        statuses.append(register(expiring_value, address="10.0.0.8").status_code)  # expired
    for _ in range(settings.AGENT_TOKEN_FAILURE_LIMIT):
        register(unknown_but_well_formed(), address="10.0.0.66")
    statuses.append(register(value, address="10.0.0.66").status_code)  # throttled
    assert statuses == [201, 200, 409, 400, 401, 400, 201, 401, 403, 401, 429]

    after = _registrations(scrape())
    counted = {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}
    assert counted == {
        ("created", ""): 2,
        ("re_registered", ""): 1,
        ("refused", "takeover"): 1,
        ("refused", "mistyped"): 1,
        ("refused", "unknown"): 1 + settings.AGENT_TOKEN_FAILURE_LIMIT,
        ("refused", "invalid"): 1,
        ("refused", "used_up"): 1,
        ("refused", "network_refused"): 1,
        ("refused", "expired"): 1,
        ("refused", "throttled"): 1,
    }


def test_active_tokens_are_counted_at_scrape_time_in_one_statement(
    tenants, users, django_assert_num_queries
):
    with django_assert_num_queries(2):  # and one for the worker heartbeat's age
        first = scrape()[("portal_registration_tokens_active", ())]
    assert first == RegistrationToken.objects.usable().count()
    token, _ = make_token(tenants["globex"], users["globex-alice"])
    assert scrape()[("portal_registration_tokens_active", ())] == first + 1
    services.token_delete(actor=users["globex-alice"], token=token, origin=CLI)
    assert scrape()[("portal_registration_tokens_active", ())] == first


def test_a_malformed_scraper_address_or_a_short_token_fails_the_system_check(settings):
    from portal.checks import metrics_access_check

    settings.METRICS_ALLOWED_ADDRESSES = ["10.0.0.0/8", "not-an-address"]
    settings.METRICS_TOKEN = "short"
    assert [e.id for e in metrics_access_check(None)] == ["portal.E005", "portal.E006"]
    settings.METRICS_ALLOWED_ADDRESSES = ["10.0.0.0/8"]
    settings.METRICS_TOKEN = TOKEN
    assert metrics_access_check(None) == []
