from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "agents"
    verbose_name = "Devices and protection plans"

    def ready(self):
        # Tokens refer to plans by id and name; this app is where plans live.
        from tokens import plans  # noqa: PLC0415 - apps are ready only now

        from .selectors import PlanCatalog  # noqa: PLC0415

        plans.install(PlanCatalog())
        # "Delete and unregister its machines": devices live here too.
        from tokens import machines  # noqa: PLC0415

        from .services.devices import TokenDevices  # noqa: PLC0415

        machines.install(TokenDevices())
