from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "kangfu.policy"
    label = "policy"
    verbose_name = "Policy"
