"""Make one of the first two system administrators: ``manage.py bootstrap_admin USER CODE``.

Four eyes on the admin site needs two administrators before anything can be approved, so
the server's operator grants the first two here (after ``createsuperuser``). From the third
on, this refuses: administrators are then granted on the admin site by two others.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kangfu.access.models import Jurisdiction, User
from kangfu.access.services import administrator_bootstrap


class Command(BaseCommand):
    help = "Grant the administrator role to one of the first two administrators."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("code", help="division code of the node it administers")

    def handle(self, *args, username: str, code: str, **options):
        try:
            account = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(
                f"username: no account {username!r} (createsuperuser first)"
            ) from None
        try:
            node = Jurisdiction.objects.get(code=code)
        except Jurisdiction.DoesNotExist:
            raise CommandError(f"code: no jurisdiction with division code {code!r}") from None
        try:
            administrator_bootstrap(account=account, jurisdiction=node)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(f"{username} is now an administrator over {node.name} ({node.code})")
