"""``python manage.py reports …``: statistics snapshots and the upward package.

    reports snapshot [--date YYYY-MM-DD] [--backfill MONTHS]
    reports export --month YYYY-MM [--output FILE]
    reports verify FILE
    reports import FILE [--as USERNAME]
    reports trust --code CODE --name NAME --public-key BASE64
    reports keygen

``verify`` and ``import`` exit with status 1 and one clear line on stderr for any altered,
unknown or malformed package; nothing is loaded then.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kangfu.access.models import User
from kangfu.reports import services, upward


def _month(text: str) -> dt.date:
    try:
        year, month = text.split("-")
        return dt.date(int(year), int(month), 1)
    except ValueError as exc:
        raise CommandError(f"--month: not a YYYY-MM month: {text}") from exc


class Command(BaseCommand):
    help = "Statistics: daily snapshots, and the signed aggregate package sent upward."
    requires_system_checks: list = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        snap = sub.add_parser("snapshot", help="build the statistics of a day (idempotent)")
        snap.add_argument("--date", help="the day (default: today, Asia/Shanghai)")
        snap.add_argument(
            "--backfill",
            type=int,
            default=0,
            metavar="MONTHS",
            help="also rebuild the last day of each of the MONTHS months before, from history",
        )
        export = sub.add_parser("export", help="write the signed upward package of a month")
        export.add_argument("--month", required=True, help="YYYY-MM")
        export.add_argument("--output", help="file to write (default: stdout)")
        verify = sub.add_parser("verify", help="check a package's signature and contents")
        verify.add_argument("file")
        load = sub.add_parser("import", help="verify a package and load it (national instance)")
        load.add_argument("file")
        load.add_argument("--as", dest="username", help="staff account recorded as importer")
        trust = sub.add_parser("trust", help="accept packages signed by a sender's key")
        trust.add_argument("--code", required=True)
        trust.add_argument("--name", required=True)
        trust.add_argument("--public-key", required=True)
        sub.add_parser("keygen", help="print a fresh signing key pair")

    def handle(self, *args, **options):
        getattr(self, f"_{options['action']}")(options)

    def _snapshot(self, options):
        try:
            on = dt.date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError as exc:
            raise CommandError(f"--date: not a YYYY-MM-DD date: {options['date']}") from exc
        on = on or timezone.localdate()
        if options["backfill"] < 0:
            raise CommandError("--backfill: must be 0 or more months")
        if options["backfill"]:
            days = services.snapshot_backfill(months=options["backfill"], on=on)
            self.stdout.write(f"snapshots built for {len(days)} days, {days[0]} to {days[-1]}")
        else:
            rows = services.snapshot_build(on=on)
            self.stdout.write(f"snapshot {on}: {rows} townships")

    def _export(self, options):
        try:
            package = upward.package_build(month=_month(options["month"]))
        except upward.PackageError as exc:
            raise CommandError(str(exc)) from exc
        text = json.dumps(package, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            nodes = len(package["body"]["nodes"])
            self.stdout.write(f"wrote {options['output']}: {nodes} nodes, signed")
        else:
            sys.stdout.write(text)

    def _read(self, name: str) -> bytes:
        try:
            return Path(name).read_bytes()
        except OSError as exc:
            raise CommandError(f"{name}: {exc.strerror}") from exc

    def _verify(self, options):
        try:
            verified = upward.package_verify(self._read(options["file"]))
        except upward.PackageError as exc:
            raise CommandError(f"{options['file']}: REFUSED: {exc}") from exc
        body = verified.body
        self.stdout.write(
            f"{options['file']}: OK, signed by {body['sender']['name']} "
            f"({body['sender']['code']}), month {body['month']}, {len(body['nodes'])} nodes"
        )

    def _import(self, options):
        actor = None
        if options["username"]:
            actor = User.objects.filter(username=options["username"]).first()
            if actor is None:
                raise CommandError(f"--as: no staff account {options['username']}")
        try:
            count = upward.package_import(raw=self._read(options["file"]), actor=actor)
        except upward.PackageError as exc:
            raise CommandError(f"{options['file']}: REFUSED: {exc}") from exc
        self.stdout.write(f"{options['file']}: imported {count} nodes")

    def _trust(self, options):
        try:
            sender = upward.trust_add(
                code=options["code"], name=options["name"], public_key=options["public_key"]
            )
        except upward.PackageError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"trusted {sender}")

    def _keygen(self, options):
        private, public = upward.keygen()
        self.stdout.write(f"KANGFU_REPORTS_SIGNING_KEY={private}\npublic key: {public}")
