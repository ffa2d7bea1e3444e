"""``python manage.py restore FILE``: restore an archive made by ``backup`` into an empty
database, check that the configured keys read it, then verify the audit chain. Any failure
stops with a message (exit 1) before the server should be started."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kangfu.access.audit import verify_chain
from kangfu.ledger.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup archive into an empty database, then run `audit verify`."
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, **options):
        try:
            result = restore(path=Path(options["file"]))
        except BackupError as exc:
            raise CommandError(f"restore stopped: {exc}") from exc
        verified = verify_chain()
        if not verified.ok:
            raise CommandError(f"restore stopped: audit verify failed: {verified.problem}")
        self.stdout.write(
            f"restored {sum(result.counts.values())} rows in {len(result.counts)} tables; "
            f"{result.sampled} persons read with the configured keys; audit chain OK "
            f"({verified.count} events, head {verified.head_seq}:{verified.head_hash})"
        )
