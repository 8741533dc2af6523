from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tenants.models import AuditEvent
from tests.factories import make_token
from tests.patterns import TOKEN_RE
from tokens import values
from tokens.models import RegistrationToken
from tokens.services import MSG_ALL_CUSTOMERS

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("tokens", *args, stdout=out)
    return out.getvalue()


def test_create_prints_the_value_once_and_stores_only_its_digest(users):
    out = run(
        "create",
        "--tenant",
        "globex",
        "--user",
        "globex-bob",
        "--lifetime",
        "12h",
        "--plan",
        "Daily backup",
    )
    value = TOKEN_RE.search(out).group(0)
    token = RegistrationToken.objects.get(digest=values.digest(values.normalize(value)))
    assert token.user == users["globex-bob"] and token.plan_name == "Daily backup"
    assert (token.expires_at - token.created_at).total_seconds() == 12 * 3600
    assert AuditEvent.objects.get(action="token.create").source == "cli"


def test_list_shows_prefixes_only(tenants, users):
    token, value = make_token(tenants["globex"], users["globex-alice"])
    out = run("list", "--tenant", "globex")
    assert token.masked in out and str(token.public_id) in out
    assert value not in out and values.normalize(value)[2:8] not in out


def test_delete(tenants, users):
    token, _ = make_token(tenants["globex"], users["globex-alice"])
    assert "Deleted" in run("delete", str(token.public_id))
    assert not RegistrationToken.objects.active().exists()


def test_all_customers_is_refused_with_the_manuals_sentence():
    with pytest.raises(CommandError, match=MSG_ALL_CUSTOMERS):
        run("create", "--tenant", "demo-msp", "--user", "globex-bob")


def test_acting_user_rules_apply(users):
    with pytest.raises(CommandError):
        run("--as", "globex-alice", "create", "--tenant", "globex", "--user", "globex-bob")
    with pytest.raises(CommandError, match="Not found"):
        run("--as", "globex-admin", "create", "--tenant", "initech", "--user", "initech-carol")
    with pytest.raises(CommandError):
        run("create", "--tenant", "globex", "--user", "globex-bob", "--lifetime", "2y")
