from django.apps import AppConfig


class CoreConfig(AppConfig):
    verbose_name = "SmartShip core"
    name = "core"
