from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "kangfu.reports"
    label = "reports"
