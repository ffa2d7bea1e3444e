from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "kangfu.risk"
    label = "risk"
