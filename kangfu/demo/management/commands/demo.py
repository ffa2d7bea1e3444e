"""Build the synthetic demo province and print the logins."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from kangfu.demo import builder as demo


class Command(BaseCommand):
    help = "Load a synthetic demo province (refuses a database with real data)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2016)
        parser.add_argument("--persons", type=int, default=320)
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Exit quietly when demo data is already loaded (used by `make demo`).",
        )
        parser.add_argument(
            "--code",
            metavar="USERNAME",
            help="Print the current two-step sign-in code of a demo account and exit.",
        )

    def handle(self, *args, seed: int, persons: int, if_empty: bool, code: str | None, **options):
        if code:
            try:
                self.stdout.write(demo.current_code(code))
            except demo.DemoRefused as exc:
                raise CommandError(str(exc)) from exc
            return
        try:
            demo.build(seed=seed, persons=persons)
        except demo.DemoRefused as exc:
            if not (if_empty and demo.DemoMarker.objects.exists()):
                raise CommandError(f"Refusing to load demo data: {exc}.") from exc
            self.stdout.write("Demo data already loaded.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Demo province loaded ({persons} persons)."))
        self.stdout.write(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
        for login in demo.logins():
            self.stdout.write(f"  {login.username:<14} {login.role} · {login.where}")
        self.stdout.write(
            "Supervisors and the administrator sign in with a second step: get the code with\n"
            "  .venv/bin/python manage.py demo --code demo_county"
        )
