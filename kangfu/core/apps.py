from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kangfu.core"
    label = "core"
