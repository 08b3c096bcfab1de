from django.apps import AppConfig


class WaybillsConfig(AppConfig):
    name = "waybills"
