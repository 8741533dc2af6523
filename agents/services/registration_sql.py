"""The one statement that does every write of a registration (`registration.register_with`).

The token's use is counted only while it is still active, by the database function
`tokens_take_use` (tokens migration 0014), called once from the statement (`taken`): it locks
the token row, takes a `tokens_tokenmachine` row for a machine new to the token only while
`machines < max_machines`, and counts the registration (and the machine, for a new pair).
Its statements each read after the lock is held, so parallel registrations of different
machines stop exactly at the limit, a re-registration of a machine the token already
registered does not use one up, and a token row changed by a parallel registration is
never re-checked against this whole statement (the cost of one token registering a fleet).
A deleted or expired token (`live` false: a delete that won the race) and a used-up one
(`live` but not `used`: 401) write nothing. The device is
upserted on its machine id (parallel registrations of one machine give one device); its
directory entry and its credential are upserted; the audit event is written. One
statement is one transaction: all of it commits, or none.

A machine id already registered in the customer is taken over only by its owner (a retry
after a lost response) or with proof of its current identity (`proof`: the digest of the
agent secret sent as a Bearer credential; how a machine moves to another user). Otherwise
(`existing` is not `allowed`) the token's use is not counted, nothing is written but the
`refusal` audit event, and the caller answers 409. The ON CONFLICT ... WHERE repeats the
condition on the row as it is when locked, for a device registered by someone else a
moment after this statement's snapshot (see `registration.register_with`).

The token's own values (its id, its user, its customer's names) come from one row, `tk`:
given as parameters by a caller that looked the token up (`register_sql`), or looked up by
the statement itself by the value's digest (`known_token_sql`, for a token the process has
registered with before: `registration_known`), which then also returns what the answer
says of the token, its user and its customer.

Table names come from the models (`_meta.db_table`), each qualified by its schema: the
customer's for its devices and plans, public for the rest. The column names are written
out, for a statement a reader can follow; tests/agents/test_registration_sql.py checks each
one it writes against the models' columns, so a renamed field fails there rather than at
the first registration.
"""

import functools

from django.db import connection, models
from django_tenants.utils import get_public_schema_name

from tenants.models import AuditEvent, Tenant, User
from tokens.models import AgentCredential, RegistrationToken, UsageDay

from ..directory.models import DeviceEntry
from ..models import Device, ProtectionPlan

# The tables the statement reads and writes, by where they live; each model's name is its
# table's placeholder in the statement ({Device}, {Device_plans}: the plans' join table).
PUBLIC_MODELS: tuple[type[models.Model], ...] = (
    RegistrationToken,
    AgentCredential,
    UsageDay,
    AuditEvent,
    DeviceEntry,
)
CUSTOMER_MODELS: tuple[type[models.Model], ...] = (
    Device,
    ProtectionPlan,
    Device.plans.through,
)

# Read by the statement that looks the token up itself (`known_token_sql`), in public.
LOOKUP: tuple[type[models.Model], ...] = (Tenant, User)
CUSTOMER_KINDS = (Tenant.Kind.CUSTOMER.value, Tenant.Kind.UNIT.value)  # Tenant.is_customer

_MAY_TAKE_OVER = """(
    {device}.owner_id = (SELECT user_id FROM tk) OR EXISTS (
        SELECT 1 FROM {AgentCredential} c
        WHERE c.tenant_id = %(tenant)s AND c.device_id = {device}.id
          AND c.secret_digest = %(proof)s))"""

# The token's part of the statement (`tk`), one row: given by the caller, who looked the
# token up, or looked up here by the value's digest (a token this process has registered
# with before, `registration_known`).
_GIVEN = """
WITH tk AS (
    SELECT %(token)s::bigint AS id, %(token_id)s::uuid AS public_id,
           %(prefix)s::varchar AS prefix, %(owner)s::bigint AS user_id,
           %(username)s::varchar AS username, %(family)s::bigint AS family,
           %(customer_name)s::varchar AS customer_name,
           %(customer_slug)s::varchar AS customer_slug, %(details)s::jsonb AS details
)"""

# Only a token the statement may use without the checks made in Python after a lookup: no
# address limit (`token_network_check`), not a replaced token's old value (its audit
# details say so, `grace_use`), in the expected customer and schema. Any other token, or
# none, is no row: nothing is written and the caller looks it up as usual.
_LOOKED_UP = """
WITH tk AS (
    SELECT t.id, t.public_id, t.prefix, t.user_id, o.username, n.family,
           n.name AS customer_name, n.slug AS customer_slug,
           jsonb_build_object(
               'token_id', t.public_id::text, 'prefix', t.prefix,
               'machine_id', %(machine_id)s::varchar,
               'hostname', left(%(hostname)s::varchar, 200),
               'with_agent_credential', %(proof)s::varchar IS NOT NULL) AS details,
           t.plan_id, t.plan_name, o.uuid AS user_uuid, n.uuid AS tenant_uuid
    FROM {RegistrationToken} t
    JOIN {Tenant} n ON n.id = t.tenant_id
    JOIN {User} o ON o.id = t.user_id
    WHERE t.digest = %(lookup)s AND t.tenant_id = %(tenant)s
      AND n.schema_name = %(schema)s AND n.kind IN ({customer_kinds})
      AND t.deleted_at IS NULL AND t.expires_at > %(now)s AND o.is_active
      AND t.replaced_by_id IS NULL AND t.allowed_networks = '{{}}'
)"""

_REGISTER = """, active AS (
    SELECT id FROM {RegistrationToken}
    WHERE id = (SELECT id FROM tk) AND deleted_at IS NULL AND expires_at > %(now)s
), existing AS (
    SELECT d.id, d.hostname, {may_take_over_d} AS allowed
    FROM {Device} d WHERE d.machine_id = %(machine_id)s
), taken AS (
    -- The token's use (tokens migration 0014): its row locked, the machine counted against
    -- the use limit, the registration counted, each after the lock, in its own snapshot.
    -- Not taken for a machine that is another account's (`existing` not `allowed`).
    SELECT took.live, took.used, took.fresh
    FROM (SELECT id FROM tk
          WHERE NOT EXISTS (SELECT 1 FROM existing WHERE NOT existing.allowed)) g,
         LATERAL {take_use}(g.id, %(machine_id)s, %(now)s) took
), device AS (
    INSERT INTO {Device} AS d
        (agent_id, hostname, os, machine_id, agent_version, owner_id, registered_at,
         last_seen_at, registered_token_id, registered_token_prefix)
    SELECT %(agent_id)s, %(hostname)s, %(os)s, %(machine_id)s, %(agent_version)s, tk.user_id,
           %(now)s, %(now)s, tk.public_id, tk.prefix
    FROM taken, tk WHERE taken.used
    ON CONFLICT (machine_id) DO UPDATE SET
        hostname = EXCLUDED.hostname, os = EXCLUDED.os,
        agent_version = EXCLUDED.agent_version, owner_id = EXCLUDED.owner_id,
        last_seen_at = EXCLUDED.last_seen_at,
        registered_token_id = EXCLUDED.registered_token_id,
        registered_token_prefix = EXCLUDED.registered_token_prefix
    WHERE {may_take_over_d}
    RETURNING id, agent_id, registered_at, (xmax = 0) AS inserted
), entry AS (
    INSERT INTO {DeviceEntry}
        (tenant_id, partner_id, device_id, agent_id, hostname, os, agent_version, owner_id,
         owner_username, customer_name, customer_slug, plan_names, registered_at,
         registered_token_id, registered_token_prefix, last_seen_at)
    SELECT %(tenant)s, tk.family, device.id, device.agent_id, %(hostname)s, %(os)s,
           %(agent_version)s, tk.user_id, tk.username, tk.customer_name, tk.customer_slug,
           ARRAY(SELECT p.name FROM {ProtectionPlan} p
                 JOIN {Device_plans} dp ON dp.protectionplan_id = p.id
                 WHERE dp.device_id = device.id ORDER BY p.name)::varchar(100)[],
           device.registered_at, tk.public_id, tk.prefix, %(now)s
    FROM device, tk
    ON CONFLICT (tenant_id, device_id) DO UPDATE SET
        hostname = EXCLUDED.hostname, os = EXCLUDED.os,
        agent_version = EXCLUDED.agent_version, owner_id = EXCLUDED.owner_id,
        owner_username = EXCLUDED.owner_username, plan_names = EXCLUDED.plan_names,
        registered_token_id = EXCLUDED.registered_token_id,
        registered_token_prefix = EXCLUDED.registered_token_prefix,
        last_seen_at = EXCLUDED.last_seen_at
), credential AS (
    INSERT INTO {AgentCredential}
        (tenant_id, device_id, agent_id, secret_digest, issued_at)
    SELECT %(tenant)s, device.id, device.agent_id, %(digest)s, %(now)s FROM device
    ON CONFLICT (tenant_id, device_id) DO UPDATE SET
        secret_digest = EXCLUDED.secret_digest, issued_at = EXCLUDED.issued_at
), event AS (
    INSERT INTO {AuditEvent}
        (at, actor_id, actor_name, on_behalf_of_id, tenant_id, family, action, object_type,
         object_id, object_repr, details, source, ip_address)
    SELECT %(now)s, tk.user_id, tk.username, tk.user_id, %(tenant)s, tk.family,
           CASE WHEN device.inserted THEN %(registered)s ELSE %(reregistered)s END,
           'device', device.id::text, %(repr)s, tk.details, %(source)s, %(ip)s
    FROM device, tk
), refusal AS (
    INSERT INTO {AuditEvent}
        (at, actor_id, actor_name, on_behalf_of_id, tenant_id, family, action, object_type,
         object_id, object_repr, details, source, ip_address)
    SELECT %(now)s, tk.user_id, tk.username, tk.user_id, %(tenant)s, tk.family,
           %(refused)s, 'device', existing.id::text, existing.hostname, tk.details,
           %(source)s, %(ip)s
    FROM existing, active, tk WHERE NOT existing.allowed
    RETURNING id
), usage AS (
    -- Monitoring > Usage (tokens/usage.py): one more machine registered today, counted in
    -- this statement's transaction, for a new device only (not a re-registration).
    INSERT INTO {UsageDay} AS u (tenant_id, family, day, registrations, failures)
    SELECT %(tenant)s, tk.family, %(day)s, 1, 0 FROM device, tk WHERE device.inserted
    ON CONFLICT (tenant_id, day) DO UPDATE SET registrations = u.registrations + 1
)
SELECT device.id, device.agent_id, device.registered_at, device.inserted,
       EXISTS (SELECT 1 FROM taken WHERE taken.used) AS used,
       EXISTS (SELECT 1 FROM refusal) AS refused,
       EXISTS (SELECT 1 FROM taken WHERE taken.live) AS live,
       EXISTS (SELECT 1 FROM taken WHERE taken.fresh) AS fresh
       {answer}
FROM (VALUES (1)) AS one LEFT JOIN device ON true{joined}
"""

# What a looked-up token adds to the result: the answer's fields (None: no such token).
_ANSWER = """, tk.public_id, tk.user_id, tk.user_uuid, tk.username, tk.plan_id, tk.plan_name,
       tk.customer_slug, tk.customer_name, tk.tenant_uuid"""


def register_sql(tenant: Tenant) -> str:
    """The statement for a registration in `tenant`'s schema, with a token looked up."""
    return _register_sql(tenant.schema_name, looked_up=False)


def known_token_sql(schema_name: str) -> str:
    """The statement that looks the token up by its digest itself, for a customer whose
    schema is `schema_name` (checked by the statement), and answers with its fields."""
    return _register_sql(schema_name, looked_up=True)


@functools.lru_cache(maxsize=1024)
def _register_sql(schema_name: str, *, looked_up: bool) -> str:
    """Built once per schema and kind (a hundredth of a registration's CPU when built each
    time)."""
    # The schema name comes from a validated Tenant row (django-tenants checks it), quoted.
    quote = connection.ops.quote_name
    schema, public = quote(schema_name), quote(get_public_schema_name())
    tables = {m.__name__: f"{public}.{quote(m._meta.db_table)}" for m in PUBLIC_MODELS}
    tables |= {m.__name__: f"{schema}.{quote(m._meta.db_table)}" for m in CUSTOMER_MODELS}
    may_take_over_d = _MAY_TAKE_OVER.format(device="d", **tables)
    take_use = f"{public}.tokens_take_use"
    if looked_up:
        looked_up_tables = {m.__name__: f"{public}.{quote(m._meta.db_table)}" for m in LOOKUP}
        kinds = ", ".join(f"'{kind}'" for kind in CUSTOMER_KINDS)
        head = _LOOKED_UP.format(customer_kinds=kinds, **tables, **looked_up_tables)
        tail = {"answer": _ANSWER, "joined": " LEFT JOIN tk ON true"}
    else:
        head, tail = _GIVEN, {"answer": "", "joined": ""}
    body = _REGISTER.format(may_take_over_d=may_take_over_d, take_use=take_use, **tables, **tail)
    return head + body
