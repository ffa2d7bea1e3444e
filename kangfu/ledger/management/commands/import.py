"""``python manage.py import FILE --township CODE --user NAME [--commit]``: the ledger import
of the /imports/ page, for large files and for offices that script it.

Without ``--commit`` it only checks (nothing is written). Prints a progress line on stderr,
then every problem as ``row<TAB>column<TAB>message`` and a summary. Exit status: 0 when every
row passed (and, with ``--commit``, was imported), 1 when some row has a problem (nothing is
written), 2 when the file cannot be read at all.
"""

from __future__ import annotations

import sys

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from kangfu.access.models import Jurisdiction, User
from kangfu.ledger import reader
from kangfu.ledger.services import ledger_import


class Command(BaseCommand):
    help = "Check, or with --commit import, an Excel ledger (台账) for one township."
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--township", required=True, help="the township's division code")
        parser.add_argument("--user", required=True, help="the township officer importing it")
        parser.add_argument("--commit", action="store_true", help="import (default: check only)")

    def handle(self, *args, **options):
        translation.activate("zh-hans")
        township = Jurisdiction.objects.filter(code=options["township"]).first()
        if township is None:
            raise CommandError(f"--township: no jurisdiction has the code {options['township']}")
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"--user: no active account is called {options['user']}")

        def progress(done: int, total: int | None) -> None:
            of = f"/{total}" if total else ""
            sys.stderr.write(f"\r{done}{of} rows checked")
            sys.stderr.flush()

        try:
            with open(options["file"], "rb") as handle:
                outcome = ledger_import(
                    actor=user,
                    township=township,
                    handle=handle,
                    commit=options["commit"],
                    progress=progress,
                )
        except OSError as exc:
            raise CommandError(f"{options['file']}: {exc.strerror}") from exc
        except reader.LedgerFileError as exc:
            self.stderr.write(exc.message)
            sys.exit(2)
        except PermissionDenied as exc:
            raise CommandError(f"--user: {user} is not a township officer there") from exc
        sys.stderr.write("\n")
        for p in outcome.problems:
            self.stdout.write(f"{p.row}\t{p.column}\t{p.message}")
        created = ", ".join(f"{k} {v}" for k, v in sorted(outcome.created.items())) or "-"
        matched = ", ".join(f"{k} {v}" for k, v in sorted(outcome.matched.items())) or "-"
        state = "imported" if outcome.committed else "checked, nothing written"
        self.stdout.write(
            f"{outcome.rows} rows {state}; problems {outcome.problem_count}; "
            f"created: {created}; matched: {matched}"
        )
        if not outcome.ok:
            sys.exit(1)
