from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    """The public-schema directory of every customer's devices (see models)."""

    name = "agents.directory"
    label = "agents_directory"
    verbose_name = "Device directory"

    def ready(self):
        from tenants.signals import tenant_renamed  # noqa: PLC0415 - apps are ready only now

        from .services import entries_customer_renamed  # noqa: PLC0415

        tenant_renamed.connect(
            lambda sender, tenant, **kwargs: entries_customer_renamed(tenant),
            weak=False,
            dispatch_uid="device-directory-customer-name",
        )
