"""``python manage.py backup [--output PATH]``: an encrypted, compressed, checksummed archive
of the whole database (kangfu/ledger/backup.py; scheduling and keys: docs/data.md)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kangfu.ledger.backup import BackupError, backup


class Command(BaseCommand):
    help = "Write an encrypted backup archive of the database (pg_dump or SQLite backup API)."
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("--output", help="the archive's path (default var/backups/…)")

    def handle(self, *args, **options):
        try:
            result = backup(output=Path(options["output"]) if options["output"] else None)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        m = result.manifest
        rows = sum(m["tables"].values())
        head = m["audit_head"] or {"seq": 0, "hash": "-"}
        self.stdout.write(
            f"{result.path}: {m['vendor']}, {len(m['tables'])} tables, {rows} rows, "
            f"audit head {head['seq']}:{head['hash']}, sha256 {result.archive_sha256}"
        )
