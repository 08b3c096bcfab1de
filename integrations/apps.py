from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Sales-site integrations"

    def ready(self) -> None:
        from integrations import registry

        registry.load_from_settings()
