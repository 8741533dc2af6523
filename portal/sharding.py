"""How every public-schema table would be distributed by Citus schema-based sharding.

Each customer's schema (`t_<identifier>`, TENANT_APPS' tables) becomes a *distributed
schema*: all its tables on one node, as one colocation group. A public table is one of:

- REPLICATED ("small, replicated"): a Citus reference table, a copy on every node, so a
  tenant-schema table may join it and keep a foreign key to it (the only foreign keys out
  of a distributed schema Citus allows);
- PARTITIONED ("partitioned by tenant"): a distributed table, its rows spread over the
  nodes by the tree they belong to (`family`, the id of the tree's top partner, so a
  distributor's resellers, folders, customers and units, and every "All customers" of it,
  stay on one node, and a move inside the tree changes no row's node); a tenant-schema
  table may neither join it in one statement nor reference it;
- COORDINATOR ("coordinator only"): operational state never joined with customer data
  (sessions, failed sign-ins, the task queue, the admin's log): a plain table on the
  coordinator node, as procrastinate's functions and LISTEN/NOTIFY need.

docs/architecture.md ("Sharding readiness") shows the same table; tests/portal/
test_sharding.py keeps the map, that table, the real public schema and the real foreign
keys in agreement.
"""

REPLICATED = "small, replicated"
PARTITIONED = "partitioned by tenant"
COORDINATOR = "coordinator only"

# table -> (class, how it would be distributed)
PUBLIC_TABLES: dict[str, tuple[str, str]] = {
    "tenants_tenant": (REPLICATED, "reference table (one row per tenant)"),
    "tenants_user": (REPLICATED, "reference table (devices reference their owner)"),
    "tenants_user_groups": (REPLICATED, "reference table (empty: no groups are used)"),
    "tenants_user_user_permissions": (REPLICATED, "reference table (empty)"),
    "auth_group": (REPLICATED, "reference table (empty)"),
    "auth_group_permissions": (REPLICATED, "reference table (empty)"),
    "auth_permission": (REPLICATED, "reference table (fixed by the code)"),
    "django_content_type": (REPLICATED, "reference table (fixed by the code)"),
    "django_migrations": (REPLICATED, "reference table (fixed by the code)"),
    "tenants_pathrewrite": (
        REPLICATED,
        "reference table (moves whose rows' paths are still to rewrite: empty but for a"
        " minute after a move; read in the same statement as the lists)",
    ),
    "tokens_registrationtoken": (PARTITIONED, "distributed by `family`"),
    "tokens_tokenmachine": (PARTITIONED, "with its token (needs a `family` column)"),
    "tokens_reminder": (PARTITIONED, "with its token (needs a `family` column)"),
    "tokens_agentcredential": (PARTITIONED, "distributed by `family` (needs the column)"),
    "tokens_usageday": (PARTITIONED, "distributed by `family`"),
    "tokens_usagerollup": (PARTITIONED, "distributed by `family`"),
    "tenants_auditevent": (PARTITIONED, "distributed by `family`"),
    "agents_directory_deviceentry": (
        PARTITIONED,
        "distributed by `partner_id` (the tree's top, as `family`)",
    ),
    "agents_directory_planentry": (
        PARTITIONED,
        "distributed by `partner_id` (the tree's top, as `family`)",
    ),
    "django_session": (COORDINATOR, "local table"),
    "django_admin_log": (COORDINATOR, "local table"),
    "axes_accessattempt": (COORDINATOR, "local table"),
    "axes_accessattemptexpiration": (COORDINATOR, "local table"),
    "axes_accessfailurelog": (COORDINATOR, "local table"),
    "axes_accesslog": (COORDINATOR, "local table"),
    "procrastinate_jobs": (COORDINATOR, "local table"),
    "procrastinate_events": (COORDINATOR, "local table"),
    "procrastinate_periodic_defers": (COORDINATOR, "local table"),
    "procrastinate_workers": (COORDINATOR, "local table"),
    "tenants_apiclient": (
        COORDINATOR,
        "local table (API clients: checked where requests arrive, never joined with customer data)",
    ),
    "oauth2_provider_application": (COORDINATOR, "local table (django-oauth-toolkit)"),
    "oauth2_provider_accesstoken": (COORDINATOR, "local table (django-oauth-toolkit)"),
    "oauth2_provider_refreshtoken": (COORDINATOR, "local table (django-oauth-toolkit)"),
    "oauth2_provider_grant": (COORDINATOR, "local table (django-oauth-toolkit)"),
    "oauth2_provider_idtoken": (COORDINATOR, "local table (django-oauth-toolkit)"),
    "oauth2_provider_devicegrant": (COORDINATOR, "local table (django-oauth-toolkit)"),
    "otp_totp_totpdevice": (COORDINATOR, "local table (second factors: TOTP, django-otp)"),
    "django_otp_webauthn_webauthncredential": (COORDINATOR, "local table (passkeys)"),
    "django_otp_webauthn_webauthnattestation": (COORDINATOR, "local table (passkeys)"),
    "django_otp_webauthn_webauthnuserhandle": (COORDINATOR, "local table (passkeys)"),
    "tenants_recoverycodes": (COORDINATOR, "local table (second factors: recovery code digests)"),
    "tenants_usersession": (COORDINATOR, "local table (session records, beside django_session)"),
}


def kind_of(table: str) -> str | None:
    """The class of a public table, None when it is not classified."""
    entry = PUBLIC_TABLES.get(table)
    return entry[0] if entry else None
