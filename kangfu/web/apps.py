from django.apps import AppConfig


class WebConfig(AppConfig):
    """Page chrome and the home page; installs the reactions table (kangfu.web.reactions)."""

    name = "kangfu.web"
    label = "web"

    def ready(self) -> None:
        from kangfu.web import reactions

        reactions.install()
