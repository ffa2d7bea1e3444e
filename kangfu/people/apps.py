from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "kangfu.people"
    label = "people"
