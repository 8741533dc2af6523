"""Reminders and renewal of a unit's tokens (issue 23, item 6): the mails reach the unit's
user and the administrator who made the token, at whatever level that administrator is, and
any administrator above the unit may renew it; another reseller's may not."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.http import Http404

from tenants.audit import CLI
from tests.agents.helpers import register
from tests.factories import make_token
from tokens import reminders, renewal

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.mark.parametrize(
    "creator", ["distributor-admin", "northwind-admin", "contoso-admin", "contoso-sales-admin"]
)
def test_a_units_token_reminds_its_user_and_its_creator_at_any_level(tenants, users, creator):
    grace = users["contoso-sales-grace"]
    token, value = make_token(
        tenants["contoso-sales"], grace, actor=users[creator], lifetime=3 * DAY
    )
    assert token.tenant == tenants["contoso-sales"]
    assert reminders.send_due_reminders(now=token.expires_at - datetime.timedelta(hours=23)) == 1
    [message] = mail.outbox
    assert message.to == ["contoso-sales-grace@example.com", f"{creator}@example.com"]
    assert "Unit: Contoso Sales (in Contoso)" in message.body
    assert value not in message.body
    mail.outbox.clear()
    assert register(value, machine="sales-1").status_code == 201
    assert reminders.send_due_reminders(now=token.expires_at - datetime.timedelta(hours=22)) == 1
    [first_machine] = mail.outbox
    assert "registered its first machine" in first_machine.subject


def test_a_token_made_at_the_customer_for_a_unit_user_lives_in_the_unit(tenants, users):
    token, _value = make_token(
        tenants["contoso"], users["contoso-sales-grace"], actor=users["contoso-admin"]
    )
    assert token.tenant == tenants["contoso-sales"]


def test_admins_above_a_unit_renew_its_tokens_and_another_reseller_cannot(tenants, users):
    grace = users["contoso-sales-grace"]
    token, _value = make_token(
        tenants["contoso-sales"], grace, actor=users["contoso-sales-admin"], lifetime=3 * DAY
    )
    extended = renewal.token_extend(
        actor=users["northwind-admin"], token=token, lifetime=10 * 86400, origin=CLI
    )
    assert extended.expires_at - token.created_at > 9 * DAY
    issued = renewal.token_reissue(actor=users["distributor-admin"], token=token, origin=CLI)
    assert issued.token.tenant == tenants["contoso-sales"]
    assert issued.token.family == tenants["demo-distributor"].pk
    for outsider in ("southridge-admin", "fabrikam-admin", "contoso-labs-heidi"):
        with pytest.raises((PermissionDenied, Http404)):
            renewal.token_extend(
                actor=users[outsider], token=issued.token, lifetime=20 * 86400, origin=CLI
            )
