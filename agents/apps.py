from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "agents"
    verbose_name = "Devices and protection plans"

    def ready(self):
        # Tokens refer to plans by id and name; this app is where plans live.
        from tokens import plans  # noqa: PLC0415 - apps are ready only now

        from .selectors import PlanCatalog  # noqa: PLC0415

        plans.install(PlanCatalog())
