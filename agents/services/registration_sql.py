"""The one statement that does every write of a registration (`registration.register_with`).

The token's use is counted only while it is still active (`used`; a delete that won the
race leaves no row, so nothing below happens and the caller answers 401). Its use limit
is enforced here too: `live` locks the token row (FOR UPDATE reads its latest committed
count), a machine new to the token takes a `tokens_tokenmachine` row only while
`machines < max_machines`, and `machines` grows only for a new pair, so parallel
registrations of different machines stop exactly at the limit, and a re-registration of
a machine the token already registered (`known`, or the pair's ON CONFLICT) does not use
one up. A used-up token writes nothing (`live` but not `used`: 401). The device is
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

Table names come from the models (`_meta.db_table`), each qualified by its schema: the
customer's for its devices and plans, public for the rest. The column names are written
out, for a statement a reader can follow; tests/agents/test_registration_sql.py checks each
one it writes against the models' columns, so a renamed field fails there rather than at
the first registration.
"""

import functools

from django.db import connection, models
from django_tenants.utils import get_public_schema_name

from tenants.models import AuditEvent, Tenant
from tokens.models import AgentCredential, RegistrationToken, TokenMachine, UsageDay

from ..directory.models import DeviceEntry
from ..models import Device, ProtectionPlan

# The tables the statement reads and writes, by where they live; each model's name is its
# table's placeholder in the statement ({Device}, {Device_plans}: the plans' join table).
PUBLIC_MODELS: tuple[type[models.Model], ...] = (
    RegistrationToken,
    TokenMachine,
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

_MAY_TAKE_OVER = """(
    {device}.owner_id = %(owner)s OR EXISTS (
        SELECT 1 FROM {AgentCredential} c
        WHERE c.tenant_id = %(tenant)s AND c.device_id = {device}.id
          AND c.secret_digest = %(proof)s))"""

_REGISTER = """
WITH active AS (
    SELECT id FROM {RegistrationToken}
    WHERE id = %(token)s AND deleted_at IS NULL AND expires_at > %(now)s
), existing AS (
    SELECT d.id, d.hostname, {may_take_over_d} AS allowed
    FROM {Device} d WHERE d.machine_id = %(machine_id)s
), live AS (
    SELECT id, machines, max_machines FROM {RegistrationToken}
    WHERE id = %(token)s AND deleted_at IS NULL AND expires_at > %(now)s
      AND NOT EXISTS (SELECT 1 FROM existing WHERE NOT existing.allowed)
    FOR UPDATE
), known AS (
    SELECT 1 FROM {TokenMachine}
    WHERE token_id = %(token)s AND machine_id = %(machine_id)s
), pair AS (
    INSERT INTO {TokenMachine} AS m (token_id, machine_id, registered_at)
    SELECT live.id, %(machine_id)s, %(now)s FROM live
    WHERE live.max_machines IS NULL OR live.machines < live.max_machines
    ON CONFLICT (token_id, machine_id) DO UPDATE SET token_id = EXCLUDED.token_id
    RETURNING (m.xmax = 0) AS fresh
), used AS (
    UPDATE {RegistrationToken}
    SET registrations = registrations + 1, last_used_at = %(now)s,
        machines = machines + (SELECT count(*) FROM pair WHERE pair.fresh)
    WHERE id = %(token)s AND EXISTS (SELECT 1 FROM live)
      AND (EXISTS (SELECT 1 FROM pair) OR EXISTS (SELECT 1 FROM known))
    RETURNING id
), device AS (
    INSERT INTO {Device} AS d
        (agent_id, hostname, os, machine_id, agent_version, owner_id, registered_at,
         last_seen_at, registered_token_id, registered_token_prefix)
    SELECT %(agent_id)s, %(hostname)s, %(os)s, %(machine_id)s, %(agent_version)s, %(owner)s,
           %(now)s, %(now)s, %(token_id)s, %(prefix)s
    FROM used
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
    SELECT %(tenant)s, %(partner)s, device.id, device.agent_id, %(hostname)s, %(os)s,
           %(agent_version)s, %(owner)s, %(username)s, %(customer_name)s, %(customer_slug)s,
           ARRAY(SELECT p.name FROM {ProtectionPlan} p
                 JOIN {Device_plans} dp ON dp.protectionplan_id = p.id
                 WHERE dp.device_id = device.id ORDER BY p.name)::varchar(100)[],
           device.registered_at, %(token_id)s, %(prefix)s, %(now)s
    FROM device
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
    SELECT %(now)s, %(owner)s, %(username)s, %(owner)s, %(tenant)s, %(family)s,
           CASE WHEN device.inserted THEN %(registered)s ELSE %(reregistered)s END,
           'device', device.id::text, %(repr)s, %(details)s::jsonb, %(source)s, %(ip)s
    FROM device
), refusal AS (
    INSERT INTO {AuditEvent}
        (at, actor_id, actor_name, on_behalf_of_id, tenant_id, family, action, object_type,
         object_id, object_repr, details, source, ip_address)
    SELECT %(now)s, %(owner)s, %(username)s, %(owner)s, %(tenant)s, %(family)s,
           %(refused)s, 'device', existing.id::text, existing.hostname, %(details)s::jsonb,
           %(source)s, %(ip)s
    FROM existing, active WHERE NOT existing.allowed
    RETURNING id
), usage AS (
    -- Monitoring > Usage (tokens/usage.py): one more machine registered today, counted in
    -- this statement's transaction, for a new device only (not a re-registration).
    INSERT INTO {UsageDay} AS u (tenant_id, family, day, registrations, failures)
    SELECT %(tenant)s, %(family)s, %(day)s, 1, 0 FROM device WHERE device.inserted
    ON CONFLICT (tenant_id, day) DO UPDATE SET registrations = u.registrations + 1
)
SELECT device.id, device.agent_id, device.registered_at, device.inserted,
       EXISTS (SELECT 1 FROM used) AS used, EXISTS (SELECT 1 FROM refusal) AS refused,
       EXISTS (SELECT 1 FROM live) AS live, EXISTS (SELECT 1 FROM pair WHERE fresh) AS fresh
FROM (VALUES (1)) AS one LEFT JOIN device ON true
"""


def register_sql(tenant: Tenant) -> str:
    """The statement for a registration in `tenant`'s schema."""
    return _register_sql(tenant.schema_name)


@functools.lru_cache(maxsize=1024)
def _register_sql(schema_name: str) -> str:
    """Built once per schema (a hundredth of a registration's CPU when built each time)."""
    # The schema name comes from a validated Tenant row (django-tenants checks it), quoted.
    quote = connection.ops.quote_name
    schema, public = quote(schema_name), quote(get_public_schema_name())
    tables = {m.__name__: f"{public}.{quote(m._meta.db_table)}" for m in PUBLIC_MODELS}
    tables |= {m.__name__: f"{schema}.{quote(m._meta.db_table)}" for m in CUSTOMER_MODELS}
    may_take_over_d = _MAY_TAKE_OVER.format(device="d", **tables)
    return _REGISTER.format(may_take_over_d=may_take_over_d, **tables)
