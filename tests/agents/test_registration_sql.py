"""The registration statement against the models it writes (agents/services/registration_sql.py).

Its table names come from the models, its column names are written out: these tests read
the rendered statement and check that every column it writes (insert lists, ON CONFLICT
targets, SET assignments) or reads through a table alias (`d.owner_id`) is a column of that
table's model, so renaming a field fails here, without a database, instead of at the first
registration. The statement's behaviour is tested through the API (test_api_register.py).
"""

import re

from django.apps import apps
from django.db import models

from agents.directory.models import DeviceEntry
from agents.models import Device, ProtectionPlan
from agents.services.registration_sql import (
    CUSTOMER_MODELS,
    PUBLIC_MODELS,
    known_token_sql,
    register_sql,
)
from tenants.models import AuditEvent, Tenant, User
from tokens.models import AgentCredential, RegistrationToken, TokenMachine, UsageDay

SCHEMA = "t_example"
# The seven tables of three apps a registration writes: five by the statement, the token's
# two by the function it calls (`tokens_take_use`, tokens migration 0014).
WRITTEN = {Device, DeviceEntry, AgentCredential, AuditEvent, UsageDay}
TAKE_USE_WRITES = {RegistrationToken, TokenMachine}

TABLE = r'"(\w+)"\."(\w+)"'
CTE = re.compile(r"(?:^WITH|^\),) (\w+) AS \($", re.MULTILINE)
# PostgreSQL's columns of every row (`xmax = 0`: the upsert inserted).
SYSTEM_COLUMNS = {"xmin", "xmax", "ctid"}


def statement() -> str:
    """The statement without its comments. An unsaved tenant: rendering the statement needs
    its schema name only."""
    return re.sub(r"--.*$", "", register_sql(Tenant(schema_name=SCHEMA)), flags=re.MULTILINE)


def model_columns() -> dict[str, set[str]]:
    """Each table's columns as the models declare them, by table name."""
    return {
        model._meta.db_table: {f.column for f in model._meta.concrete_fields}
        for model in apps.get_models(include_auto_created=True)
    }


def _top_level_parts(text: str) -> list[str]:
    """`text` split at its commas outside parentheses."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return parts + [text[start:]]


def _names(listed: str) -> set[str]:
    return {name.strip() for name in listed.split(",")}


def written_columns(sql: str) -> dict[tuple[str, str], set[str]]:
    """Every column each part of the statement writes, by (schema, table)."""
    written: dict[tuple[str, str], set[str]] = {}
    for body in CTE.split(sql)[2::2]:
        target = re.search(rf"^\s*(?:INSERT INTO|UPDATE) {TABLE}", body)
        if target is None:
            continue  # a read
        columns = written.setdefault((target.group(1), target.group(2)), set())
        inserted = re.search(rf"INSERT INTO {TABLE}(?: AS \w+)?\s*\(([^)]*)\)", body)
        if inserted:
            columns |= _names(inserted.group(3))
        if conflict := re.search(r"ON CONFLICT \(([^)]*)\)", body):
            columns |= _names(conflict.group(1))
        if assigned := re.search(r"\bSET\b(.*?)(?=\n\s*(?:WHERE|RETURNING)\b|\Z)", body, re.S):
            for part in _top_level_parts(assigned.group(1)):
                columns.add(part.split("=")[0].strip())
    return written


def aliased_columns(sql: str) -> set[tuple[str, str]]:
    """Every (table, column) the statement names through a table's alias (`d.owner_id`)."""
    aliases: dict[str, str] = {}
    for match in re.finditer(rf"(?:FROM|JOIN|INTO) {TABLE}(?: AS)? (\w+)", sql):
        aliases[match.group(3)] = match.group(2)
    found = re.findall(r"\b(\w+)\.(\w+)\b", sql)
    return {(aliases[alias], column) for alias, column in found if alias in aliases}


def unknown_columns(sql: str, columns_of: dict[str, set[str]]) -> list[str]:
    """The columns the statement names that its table's model does not have."""
    named = {(table, c) for (_, table), cs in written_columns(sql).items() for c in cs}
    named |= aliased_columns(sql)
    known = {table: columns | SYSTEM_COLUMNS for table, columns in columns_of.items()}
    return sorted(f"{table}.{c}" for table, c in named if c not in known.get(table, ()))


def test_every_column_the_statement_writes_or_reads_is_a_column_of_its_model():
    written = written_columns(statement())
    # The parse found them: the insert lists and ON CONFLICT targets (49 columns in all).
    assert sum(len(columns) for columns in written.values()) >= 49
    # The token's row is only read here: its use is counted by `tokens_take_use`.
    assert ("public", RegistrationToken._meta.db_table) not in written
    assert unknown_columns(statement(), model_columns()) == []


def test_a_renamed_field_is_caught():
    """The model as it would be with `hostname` renamed: the statement's column is reported,
    once for the writes and once for the read through `d.hostname`."""
    columns = model_columns()
    columns["agents_device"] = columns["agents_device"] - {"hostname"} | {"host_name"}
    assert unknown_columns(statement(), columns) == ["agents_device.hostname"]
    columns = model_columns()
    columns["tokens_agentcredential"] -= {"secret_digest"}
    assert unknown_columns(statement(), columns) == ["tokens_agentcredential.secret_digest"]


def test_it_writes_seven_tables_of_three_apps_each_in_its_models_schema():
    written = set(written_columns(statement()))
    expected = {
        (SCHEMA if model in CUSTOMER_MODELS else "public", model._meta.db_table)
        for model in WRITTEN
    }
    assert written == expected
    assert "public.tokens_take_use(" in statement().replace('"', "")
    apps_written = {model.__module__.split(".")[0] for model in WRITTEN | TAKE_USE_WRITES}
    assert apps_written == {"agents", "tokens", "tenants"}
    # The plans of a device are read in the customer's schema, next to the device.
    read: set[type[models.Model]] = {ProtectionPlan, Device.plans.through}
    for model in read:
        assert f'"{SCHEMA}"."{model._meta.db_table}"' in statement()
    assert set(PUBLIC_MODELS) | set(CUSTOMER_MODELS) == WRITTEN | read | {RegistrationToken}


def test_the_statement_that_looks_the_token_up_writes_the_same_and_reads_known_columns():
    """`known_token_sql` (a token the process has seen): the same writes, and its lookup
    reads columns of the token's, the customer's and the user's models."""
    sql = re.sub(r"--.*$", "", known_token_sql(SCHEMA), flags=re.MULTILINE)
    assert written_columns(sql) == written_columns(statement())
    assert unknown_columns(sql, model_columns()) == []
    read = aliased_columns(sql)
    token, tenant, user = (m._meta.db_table for m in (RegistrationToken, Tenant, User))
    expected = {(token, "digest"), (token, "allowed_networks"), (token, "replaced_by_id")}
    expected |= {(tenant, "schema_name"), (tenant, "kind"), (user, "is_active")}
    assert expected <= read
    columns = model_columns()
    columns[token] = columns[token] - {"replaced_by_id"}
    assert unknown_columns(sql, columns) == [f"{token}.replaced_by_id"]
