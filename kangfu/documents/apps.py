from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "kangfu.documents"
    label = "documents"
