"""/accounts/: the second step of signing in, enrolment, and the user's own security page
(before django.contrib.auth's sign-in, sign-out and password pages)."""

from django.urls import path

from . import account_views, two_factor_views

urlpatterns = [
    path("two-factor/verify/", two_factor_views.verify, name="two-factor-verify"),
    path("two-factor/enrol/", two_factor_views.enrol, name="two-factor-enrol"),
    path("security/", account_views.security, name="account-security"),
    path(
        "security/<slug:kind>/<int:device_id>/rename/",
        account_views.factor_rename_view,
        name="factor-rename",
    ),
    path(
        "security/<slug:kind>/<int:device_id>/remove/",
        account_views.factor_remove_view,
        name="factor-remove",
    ),
    path("security/recovery-codes/", account_views.recovery_codes_view, name="recovery-codes"),
    path(
        "security/sessions/<int:session_id>/sign-out/",
        account_views.session_end_view,
        name="session-end",
    ),
    path(
        "security/sessions/sign-out-others/",
        account_views.sessions_end_others_view,
        name="sessions-end-others",
    ),
]
