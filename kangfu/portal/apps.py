from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "kangfu.portal"
    label = "portal"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from kangfu.portal.auth import drop_portal_on_staff_login

        user_logged_in.connect(drop_portal_on_staff_login, dispatch_uid="portal-staff-login")
