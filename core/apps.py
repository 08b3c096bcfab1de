from django.apps import AppConfig


class CoreConfig(AppConfig):
    verbose_name = "SmartShip core"
    name = "core"

    def ready(self) -> None:
        from django.conf import settings

        from core.collector import collector_tune

        collector_tune(young=settings.SMARTSHIP_GC_YOUNG_THRESHOLD)
