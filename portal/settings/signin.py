"""Signing in: password rules, django-axes' limits on failed sign-ins, two-factor sign-in
(django-otp, django-otp-webauthn) and session records. Imported by base.py."""

import datetime

import environ
from django.conf import global_settings

env = environ.Env()

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes' backend first: it refuses a locked-out sign-in before any password is checked.
# The user's tenant is loaded with the user: tenant pages of one's own tenant need no query.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "tenants.backends.TenantUserBackend",
]
# Django's password hashers, then the one for API client secrets only (never first, so no
# password is stored with it): a keyed digest, see tenants/api_clients/hashers.py.
CLIENT_SECRET_HASHER = "tenants.api_clients.hashers.ClientSecretHasher"  # noqa: S105 - a class path
PASSWORD_HASHERS = [*global_settings.PASSWORD_HASHERS, CLIENT_SECRET_HASHER]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Failed sign-ins (django-axes, database handler): AXES_FAILURE_LIMIT failures for one
# username, or from one client address, refuse further sign-ins for that username or from
# that address with 429 for AXES_COOLOFF_TIME, known username or not, right password or not.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A success must not wipe the address's failures (one valid account would reset them all).
AXES_RESET_ON_SUCCESS = False
# The lock lasts the cool-off from the failure that set it; attempts during it do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "common.net.client_address"
AXES_LOCKOUT_CALLABLE = "tenants.sign_in.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
# Its admin pages would sit outside the tenant scope; `manage.py axes_reset_username` unlocks.
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
# Keep failures only (dropped after the cool-off), not a row for every successful sign-in.
AXES_DISABLE_ACCESS_LOG = True

# Two-factor sign-in (docs/security.md). TOTP: the issuer an authenticator app shows.
OTP_TOTP_ISSUER = "Management portal"
# Passkeys: the relying party is the host the browser is on (tenants.passkeys), and a passkey
# is a second factor after the password, never a sign-in by itself.
OTP_WEBAUTHN_RP_ID_CALLABLE = "tenants.passkeys.relying_party_id"
OTP_WEBAUTHN_RP_NAME = "Management portal"
OTP_WEBAUTHN_HELPER_CLASS = "tenants.passkeys.PortalWebAuthnHelper"
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
# The allowed origin is the page's own (tenants.passkeys), behind ALLOWED_HOSTS: no list.
SILENCED_SYSTEM_CHECKS = ["otp_webauthn.E030"]
# A session record's "last seen" is written at most this often (seconds).
SESSION_RECORD_INTERVAL = 60
