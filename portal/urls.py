from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from tenants.api_clients import oauth

from . import metrics, password_reset, views

urlpatterns = [
    # The REST API first (Django tries the patterns in order; no other pattern starts with
    # "api/v1/"): the agents' endpoints are the most called.
    # OAuth 2.0 (RFC 6749), not a REST framework view: its errors are OAuth's own
    # `{"error", "error_description"}`, which OAuth clients read.
    path("api/v1/oauth/token", oauth.TokenView.as_view(), name="api-oauth-token"),
    path("api/v1/", include("portal.api_urls")),
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    # Two-factor sign-in and the user's own security page, then Django's sign-in pages.
    path("accounts/", include("tenants.account_urls")),
    # Django's reset request, throttled per email address and per client (portal.password_reset).
    path(
        "accounts/password_reset/",
        password_reset.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    # Passkeys (django-otp-webauthn's JSON endpoints for its script).
    path("webauthn/", include("django_otp_webauthn.urls")),
    # The footer's language selector posts here (Django's view: sets the language cookie).
    path("language/", set_language, name="set_language"),
    path("console/<slug:tenant_id>/", include("agents.urls")),
    # Management portal pages that span apps live here; the rest are the tenants app's.
    path("manage/<slug:tenant_id>/usage/", views.UsageView.as_view(), name="usage"),
    path(
        "manage/<slug:tenant_id>/users/<int:user_id>/delete/",
        views.UserDeleteView.as_view(),
        name="user-delete",
    ),
    path(
        "manage/<slug:tenant_id>/users/<int:user_id>/deactivate/",
        views.UserDeactivateView.as_view(),
        name="user-deactivate",
    ),
    path("manage/<slug:tenant_id>/", include("tenants.urls")),
    # The original vendor's API v2 and the older paths its scripts call (vendorapi).
    path("", include("vendorapi.urls")),
    path("admin/", admin.site.urls),
]

# JSON under /api/, HTML elsewhere (portal.errors).
handler400 = "portal.errors.bad_request"
handler403 = "portal.errors.permission_denied"
handler404 = "portal.errors.page_not_found"
handler500 = "portal.errors.server_error"
