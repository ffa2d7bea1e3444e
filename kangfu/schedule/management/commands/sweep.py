"""``python manage.py sweep [--date YYYY-MM-DD]``: the daily sweep (kangfu/schedule/sweep.py).

Prints a progress bar on a terminal and one summary line at the end. Idempotent: a second
run for the same day changes nothing. Schedule it by cron (docs/schedule.md).
"""

from __future__ import annotations

import datetime as dt
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kangfu.schedule import sweep


class Command(BaseCommand):
    help = "Plan, mark and remind: the daily sweep over every case."
    # A cron job: the checks belong to deployment, not to every nightly run.
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day to sweep for (default: today, Asia/Shanghai)")

    def handle(self, *args, **options):
        try:
            on = dt.date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError as exc:
            raise CommandError(f"--date: not a YYYY-MM-DD date: {options['date']}") from exc
        on = on or timezone.localdate()
        tty = sys.stderr.isatty()
        done = 0

        def progress(name: str) -> None:
            nonlocal done
            done += 1
            if tty:
                filled = round(30 * done / sweep.STEPS)
                bar = "#" * filled + "-" * (30 - filled)
                sys.stderr.write(f"\r[{bar}] {done}/{sweep.STEPS} {name:<28}")
                sys.stderr.flush()

        result = sweep.run(on=on, progress=progress)
        if tty:
            sys.stderr.write("\n")
        self.stdout.write(result.summary())
