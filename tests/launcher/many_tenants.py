"""Many customers, cheaply, for scale tests and benchmarks: tenant rows inserted in one
statement, and per schema only what a customer schema holds (the template's four tables with
their indexes, copied by SQL, and its migration records) with three devices and two plans.
About 10 ms a customer instead of a customer creation each."""

import psycopg

TEMPLATE = "tenant_template"
BATCH = 100  # schemas per transaction while building: creating them takes locks too
PARTNER = "t_scale_partner"

BUILD_SCHEMA = """
CREATE SCHEMA {s};
CREATE TABLE {s}.agents_protectionplan (LIKE {t}.agents_protectionplan INCLUDING INDEXES);
CREATE TABLE {s}.agents_device (LIKE {t}.agents_device INCLUDING INDEXES);
CREATE TABLE {s}.agents_device_plans (LIKE {t}.agents_device_plans INCLUDING INDEXES);
CREATE TABLE {s}.django_migrations (LIKE {t}.django_migrations INCLUDING INDEXES);
INSERT INTO {s}.django_migrations SELECT * FROM {t}.django_migrations;
INSERT INTO {s}.agents_protectionplan
    (id, name, what_to_back_up, schedule, start_time, retention_days, encryption,
     created_at, updated_at)
VALUES (1, 'Daily', 'files', 'daily', '02:00', 30, true, now(), now()),
       (2, 'Weekly', 'files', 'weekly', '03:00', 90, false, now(), now());
INSERT INTO {s}.agents_device
    (id, agent_id, hostname, os, machine_id, agent_version, registered_at,
     registered_token_prefix, owner_id)
SELECT i, gen_random_uuid(), 'host-' || i, 'Linux', 'm' || i, '1.0', now(), 'ab', {owner}
FROM generate_series(1, 3) i;
INSERT INTO {s}.agents_device_plans (id, device_id, protectionplan_id)
VALUES (1, 1, 1), (2, 1, 2), (3, 2, 2);
"""


def make_customers(url: str, last: int, first: int = 1) -> None:
    """Customers `first` to `last` (t_scale_<n>) under one partner, made on first use."""
    with psycopg.connect(url, autocommit=True) as conn:
        owner = _partner_owner(conn)
        partner = conn.execute(
            "SELECT id FROM tenants_tenant WHERE schema_name = %s", [PARTNER]
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO tenants_tenant"
            " (schema_name, name, slug, kind, created_at, parent_id, family)"
            " SELECT 't_scale_' || i, 'Scale ' || i, 'scale-' || i, 'customer', now(), %s, %s"
            " FROM generate_series(%s::int, %s::int) i",
            [partner, partner, first, last],
        )
        for start in range(first, last + 1, BATCH):
            with conn.transaction():
                for i in range(start, min(start + BATCH, last + 1)):
                    conn.execute(BUILD_SCHEMA.format(s=f"t_scale_{i}", t=TEMPLATE, owner=owner))


def _partner_owner(conn: psycopg.Connection) -> int:
    """The scale partner's account (the devices' owner), the partner made if needed."""
    row = conn.execute("SELECT id FROM tenants_user WHERE username = 'scale-owner'").fetchone()
    if row:
        return row[0]
    partner = conn.execute(
        "INSERT INTO tenants_tenant (schema_name, name, slug, kind, created_at)"
        " VALUES (%s, 'Scale partner', 'scale-partner', 'partner', now()) RETURNING id",
        [PARTNER],
    ).fetchone()[0]
    conn.execute("UPDATE tenants_tenant SET family = id WHERE id = %s", [partner])
    owner = conn.execute(
        "INSERT INTO tenants_user (password, is_superuser, username, first_name, last_name,"
        " email, is_staff, is_active, date_joined, role, tenant_id, family)"
        " VALUES ('!', false, 'scale-owner', '', '', '', false, true, now(),"
        " 'partner_admin', %s, %s) RETURNING id",
        [partner, partner],
    ).fetchone()[0]
    conn.execute(BUILD_SCHEMA.format(s=PARTNER, t=TEMPLATE, owner=owner))
    return owner
