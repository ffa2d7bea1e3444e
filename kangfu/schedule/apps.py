from django.apps import AppConfig


class ScheduleConfig(AppConfig):
    name = "kangfu.schedule"
    label = "schedule"
