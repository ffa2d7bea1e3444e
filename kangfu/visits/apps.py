from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "kangfu.visits"
    label = "visits"
