from django.apps import AppConfig


class InboxConfig(AppConfig):
    """What waits on the signed-in user's decision, gathered from the apps below."""

    name = "kangfu.inbox"
    label = "inbox"
