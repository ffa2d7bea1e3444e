from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "kangfu.access"
    label = "access"
