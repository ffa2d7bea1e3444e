"""``python manage.py schedule_summaries [--check]``: (re)build the due summaries the
caseload and the person list sort by (kangfu/schedule/summary.py), or only check them.

An operator's maintenance job, like ``people_reindex_names``: it reads no person's record
for anyone (only dates of planned appointments), so it writes no audit event, and it prints
only counts. Idempotent; safe while the site runs (one transaction).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from kangfu.schedule import summary
from kangfu.schedule.models import CaseDueSummary, PersonDueSummary


class Command(BaseCommand):
    help = "Rebuild (or --check) the due summaries behind the caseload and the person list."
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="change nothing; exit 1 when a summary disagrees with the appointments",
        )

    def handle(self, *args, **options):
        if options["check"]:
            wrong = summary.disagreements()
            if wrong:
                raise CommandError(f"{len(wrong)} due summaries disagree; run without --check")
            self.stdout.write("due summaries agree with the appointments")
            return
        started = time.perf_counter()
        summary.refresh()
        self.stdout.write(
            f"due summaries rebuilt: {CaseDueSummary.objects.count()} cases, "
            f"{PersonDueSummary.objects.count()} persons, "
            f"{time.perf_counter() - started:.1f} s"
        )
