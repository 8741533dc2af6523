from django.apps import AppConfig


def _customer_renamed(sender, tenant, **kwargs) -> None:
    """Tokens keep a copy of their customer's name (for the customer sort): follow it."""
    from .models import RegistrationToken  # noqa: PLC0415 - apps are ready only now

    RegistrationToken.objects.filter(tenant=tenant).update(customer_name=tenant.name)


class TokensConfig(AppConfig):
    name = "tokens"
    verbose_name = "Registration tokens"

    def ready(self):
        from tenants.signals import tenant_renamed  # noqa: PLC0415 - apps are ready only now

        tenant_renamed.connect(_customer_renamed, weak=False, dispatch_uid="tokens-customer-name")
