from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "kangfu.portal"
    label = "portal"
