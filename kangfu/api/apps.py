from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kangfu.api"
    label = "api"
