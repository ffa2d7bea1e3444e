from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The synthetic demo province. Top of the layer graph: nothing imports it."""

    name = "kangfu.demo"
    label = "demo"
