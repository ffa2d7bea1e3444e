from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "kangfu.cases"
    label = "cases"
