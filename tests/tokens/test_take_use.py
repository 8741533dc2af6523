"""`tokens_take_use` (tokens migration 0014): a registration's use of its token, the database
function the registration statement calls (agents/services/registration_sql.py).

Called here directly, one case a test: what it answers (live, used, fresh) and what it
writes on the token's row and its machine pairs. Its columns are checked against the
models, as the statement's are (tests/agents/test_registration_sql.py). The API's tests of
use limits (test_use_limits.py, and the parallel ones in tests/live) go through it too.
"""

import datetime
import re

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from tenants.audit import CLI
from tokens import services
from tokens.models import RegistrationToken, TokenMachine

pytestmark = pytest.mark.django_db


def take_use(token: RegistrationToken, machine: str, at=None) -> tuple[bool, bool, bool]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT live, used, fresh FROM tokens_take_use(%s, %s, %s)",
            [token.pk, machine, at or timezone.now()],
        )
        rows = cursor.fetchall()
    assert len(rows) == 1
    return rows[0]


def token_of(tenants, users, limit=None) -> RegistrationToken:
    return services.token_create(
        actor=users["globex-admin"],
        tenant=tenants["globex"],
        user_id=users["globex-bob"].pk,
        max_machines=limit,
        origin=CLI,
    ).token


def counts(token: RegistrationToken) -> tuple[int, int, list[str]]:
    token.refresh_from_db()
    pairs = TokenMachine.objects.filter(token=token).order_by("machine_id")
    return token.registrations, token.machines, [p.machine_id for p in pairs]


def test_a_new_machine_is_counted_with_its_registration(tenants, users):
    token = token_of(tenants, users)
    at = timezone.now()
    assert take_use(token, "m-1", at) == (True, True, True)
    assert counts(token) == (1, 1, ["m-1"])
    assert token.last_used_at == at


def test_a_machine_seen_before_counts_a_registration_only(tenants, users):
    token = token_of(tenants, users)
    take_use(token, "m-1")
    assert take_use(token, "m-1") == (True, True, False)
    assert counts(token) == (2, 1, ["m-1"])


def test_at_the_limit_a_new_machine_writes_nothing_and_a_known_one_still_counts(tenants, users):
    token = token_of(tenants, users, limit=2)
    take_use(token, "m-1")
    take_use(token, "m-2")
    last_used = counts(token) and token.last_used_at
    assert take_use(token, "m-3", last_used + datetime.timedelta(minutes=1)) == (
        True,
        False,
        False,
    )
    assert counts(token) == (2, 2, ["m-1", "m-2"])
    assert token.last_used_at == last_used
    assert take_use(token, "m-2") == (True, True, False)
    assert counts(token) == (3, 2, ["m-1", "m-2"])


@pytest.mark.parametrize("how", ["deleted", "expired"])
def test_an_inactive_token_is_not_live_and_writes_nothing(tenants, users, how):
    token = token_of(tenants, users)
    now = timezone.now()
    if how == "deleted":
        RegistrationToken.objects.filter(pk=token.pk).update(deleted_at=now)
    else:
        RegistrationToken.objects.filter(pk=token.pk).update(expires_at=now)
    assert take_use(token, "m-1", now) == (False, False, False)
    assert counts(token) == (0, 0, [])
    assert token.last_used_at is None


def test_a_token_that_does_not_exist_is_not_live(tenants, users):
    token = token_of(tenants, users)
    missing = RegistrationToken(pk=token.pk + 10_000)
    assert take_use(missing, "m-1") == (False, False, False)
    assert not TokenMachine.objects.filter(machine_id="m-1").exists()


# -- its columns, against the models ---------------------------------------------------


def function_source() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_functiondef('tokens_take_use'::regproc)")
        return cursor.fetchone()[0]


def named_columns(source: str) -> set[tuple[str, str]]:
    """Every (table, column) the function names: through a table's alias (`r.machines`),
    in an insert's column list or ON CONFLICT target, or assigned in an UPDATE's SET."""
    aliases = {alias: table for table, alias in re.findall(r"public\.(\w+) (?:AS )?(\w+)", source)}
    named = {
        (aliases[alias], column)
        for alias, column in re.findall(r"\b(\w+)\.(\w+)\b", source)
        if alias in aliases
    }
    for table, listed in re.findall(r"INSERT INTO public\.(\w+) \(([^)]*)\)", source):
        named |= {(table, name.strip()) for name in listed.split(",")}
        for target in re.findall(r"ON CONFLICT \(([^)]*)\)", source):
            named |= {(table, name.strip()) for name in target.split(",")}
    updates = re.findall(r"UPDATE public\.(\w+) \w+\s+SET (.*?)\s+WHERE", source, re.S)
    for table, assigned in updates:
        named |= {(table, part.split("=")[0].strip()) for part in assigned.split(",")}
    return named


def unknown(source: str, columns_of: dict[str, set[str]]) -> list[str]:
    return sorted(f"{t}.{c}" for t, c in named_columns(source) if c not in columns_of.get(t, ()))


def model_columns() -> dict[str, set[str]]:
    return {
        model._meta.db_table: {f.column for f in model._meta.concrete_fields}
        for model in apps.get_models()
    }


def test_every_column_the_function_names_is_a_column_of_its_model():
    source = function_source()
    token, pair = RegistrationToken._meta.db_table, TokenMachine._meta.db_table
    named = named_columns(source)
    # The parse found them: the token's counters and limit, the pair's columns.
    assert {(token, "registrations"), (token, "last_used_at"), (token, "machines")} <= named
    assert {(token, "max_machines"), (token, "deleted_at"), (token, "expires_at")} <= named
    assert {(pair, "token_id"), (pair, "machine_id"), (pair, "registered_at")} <= named
    assert unknown(source, model_columns()) == []
    # A renamed field is caught.
    columns = model_columns()
    columns[token] = columns[token] - {"max_machines"}
    assert unknown(source, columns) == [f"{token}.max_machines"]
