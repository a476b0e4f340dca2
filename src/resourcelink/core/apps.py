from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "resourcelink.core"
    label = "core"
