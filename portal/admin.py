"""The admin site holds only scoped pages.

Roles (`tenants.permissions`) say who may do what; Django's groups are not used, and their
page, registered by django.contrib.auth, would be the one admin page outside the tenant
scope and the declared-lookup rule of `tenants.admin_base.ScopedModelAdmin`. The same holds
for procrastinate's job pages (the reminder queue, platform-wide) and django-oauth-toolkit's
(every API client's credentials and tokens): they are removed too, and so are the second
factors' (TOTP keys and passkeys: each user's own, reset from the users list).
"""

from django.contrib import admin
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnAttestation, WebAuthnCredential
from oauth2_provider import models as oauth_models
from procrastinate.contrib.django import models as procrastinate_models

admin.site.unregister(Group)
for _model in (
    procrastinate_models.ProcrastinateJob,
    procrastinate_models.ProcrastinateEvent,
    procrastinate_models.ProcrastinatePeriodicDefer,
    procrastinate_models.ProcrastinateWorker,
    # django-oauth-toolkit's pages (every API client's credentials and tokens, platform
    # wide): API clients are managed on the Management portal's API clients page.
    oauth_models.get_application_model(),
    oauth_models.get_access_token_model(),
    oauth_models.get_refresh_token_model(),
    oauth_models.get_grant_model(),
    oauth_models.get_id_token_model(),
    # Second factors (TOTP keys, passkeys) are the user's own, on their Sign-in security page;
    # an administrator resets them from the users list (audited).
    TOTPDevice,
    WebAuthnCredential,
    WebAuthnAttestation,
):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
