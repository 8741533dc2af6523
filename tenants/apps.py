from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Tenants and users"

    def ready(self):
        # Session records at sign-in, and every session ended when a password is set anew.
        from . import two_factor_middleware, user_sessions  # noqa: F401
