"""Usage and audit rolled up the tree (issue 23, item 6): a unit's registrations and failed
token uses count at the unit, and at every level above it, and nowhere else."""

import pytest
from rest_framework.test import APIClient

from tenants.audit import CLI
from tenants.audit.selectors import AuditFilter, audit_events
from tenants.models import AuditEvent
from tests.agents.helpers import register
from tests.factories import make_token
from tokens import services, usage

pytestmark = pytest.mark.django_db

ABOVE = ("contoso-sales", "contoso", "northwind", "demo-distributor")
BESIDE = ("contoso-labs", "fabrikam", "southridge", "direct-customers", "demo-msp")


def today(tenant) -> tuple[int, int]:
    day = usage.usage_by_day(tenant, days=1)[0]
    return day.registrations, day.failures


def test_a_units_registrations_and_failures_count_at_every_level_above_it(tenants, users):
    before = {slug: today(tenants[slug]) for slug in ABOVE + BESIDE}
    _token, value = make_token(tenants["contoso-sales"], users["contoso-sales-grace"])
    assert register(value, machine="sales-1").status_code == 201
    assert register(value, machine="sales-2").status_code == 201
    dead, dead_value = make_token(tenants["contoso-sales"], users["contoso-sales-grace"])
    services.token_delete(actor=users["contoso-sales-admin"], token=dead, origin=CLI)
    assert register(dead_value, machine="sales-3").status_code == 401
    for slug in ABOVE:
        registrations, failures = before[slug]
        assert today(tenants[slug]) == (registrations + 2, failures + 1), slug
    for slug in BESIDE:
        assert today(tenants[slug]) == before[slug], slug


def test_a_units_failed_uses_roll_up_into_one_event_seen_from_every_level_above(tenants, users):
    token, value = make_token(tenants["contoso-sales"], users["contoso-sales-grace"])
    services.token_delete(actor=users["contoso-sales-admin"], token=token, origin=CLI)
    for _ in range(3):
        assert register(value, machine="sales-x").status_code == 401
    event = AuditEvent.objects.get(
        action=AuditEvent.Action.TOKEN_USE_FAILED, object_id=str(token.pk)
    )
    assert event.count == 3
    assert event.tenant == tenants["contoso-sales"]
    assert event.family == tenants["demo-distributor"].pk
    for slug, admin in (
        ("contoso-sales", "contoso-sales-admin"),
        ("contoso", "contoso-admin"),
        ("northwind", "northwind-admin"),
        ("demo-distributor", "distributor-admin"),
    ):
        found = audit_events(actor=users[admin], tenant=tenants[slug], filters=AuditFilter())
        assert found.filter(pk=event.pk).exists(), slug
        api = APIClient()
        api.force_authenticate(users[admin])
        answer = api.get(f"/api/v1/tenants/{slug}/audit_events?action=token.use_failed")
        assert answer.status_code == 200, answer.content
        assert str(event.pk) in {item["id"] for item in answer.json()["items"]}, slug
    for slug, admin in (("contoso-labs", "contoso-admin"), ("southridge", "southridge-admin")):
        found = audit_events(actor=users[admin], tenant=tenants[slug], filters=AuditFilter())
        assert not found.filter(pk=event.pk).exists(), slug
