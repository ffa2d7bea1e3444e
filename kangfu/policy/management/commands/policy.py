"""``manage.py policy``: classify, explain, validate, schedule, deadline and breach.

Works without a database. Every user error — bad facts, an unknown pack, a bad argument — ends
with a one-line message on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kangfu.policy.breach import BreachFacts, assess, breach_facts_from_json
from kangfu.policy.choices import Category, MeasureKind
from kangfu.policy.classify import classify
from kangfu.policy.deadlines import CONTRACT_KINDS, deadline
from kangfu.policy.explain import explain
from kangfu.policy.facts import Facts, FactsError, facts_from_json
from kangfu.policy.packs import PackError, PackNotFound, get_pack, load_pack
from kangfu.policy.scheduling import schedule
from kangfu.policy.schema import Pack

NO_MEASURE = "none"


def _iso_date(value: str) -> date:
    try:
        if len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date YYYY-MM-DD") from None


class Command(BaseCommand):
    help = (
        "Classify facts, explain a result, validate a pack, list due dates, compute a deadline "
        "or assess a serious breach (no database)."
    )
    # Nothing here touches the database or needs the project's checks; keep it standalone.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        p = actions.add_parser("classify", help="Print the classification of facts as JSON.")
        self._facts_args(p)

        p = actions.add_parser("explain", help="Explain the classification in readable text.")
        self._facts_args(p)
        p.add_argument("--lang", choices=["zh", "en"], default="zh")

        p = actions.add_parser("validate", help="Check a pack file (or a folder with pack.yaml).")
        p.add_argument("path")

        p = actions.add_parser("schedule", help="Print the due dates, one per line with kind.")
        p.add_argument("--pack", required=True)
        p.add_argument("--category", required=True, choices=[c.value for c in Category])
        p.add_argument(
            "--measure", required=True, choices=[m.value for m in MeasureKind] + [NO_MEASURE]
        )
        p.add_argument("--start", required=True, type=_iso_date, help="anchor: measure start")
        p.add_argument("--until", required=True, type=_iso_date, help="last day of the range")
        p.add_argument("--from", dest="range_from", type=_iso_date, help="default: --start")
        p.add_argument("--end", type=_iso_date, help="the measure's last day, if not default")
        p.add_argument(
            "--consent",
            action="store_true",
            help="aftercare consent is recorded (only matters with --measure none)",
        )

        p = actions.add_parser(
            "deadline", help="Print the last day of a deadline as JSON (holidays extend it)."
        )
        p.add_argument("--pack", required=True)
        p.add_argument("--kind", required=True, choices=[k.value for k in CONTRACT_KINDS])
        p.add_argument(
            "--from",
            dest="start",
            required=True,
            type=_iso_date,
            metavar="YYYY-MM-DD",
            help="the day the period runs from (not itself counted)",
        )

        p = actions.add_parser(
            "breach", help="Print the art. 20 counts and relapse results of facts as JSON."
        )
        self._facts_args(p)

    def _facts_args(self, parser: CommandParser) -> None:
        parser.add_argument("--pack", required=True)
        parser.add_argument("--input", default="-", help="facts JSON file (default: stdin)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "validate":
            self._validate(options["path"])
            return
        pack = self._pack(options["pack"])
        if action == "schedule":
            self._schedule(pack, options)
            return
        if action == "deadline":
            try:
                result = deadline(pack, options["kind"], options["start"])
            except ValueError as exc:
                raise CommandError(f"--from: {exc}", returncode=2) from None
            self.stdout.write(json.dumps(result.as_contract()))
            return
        if action == "breach":
            breach = assess(pack, self._breach_facts(options["input"]))
            self.stdout.write(json.dumps(breach.as_contract(), ensure_ascii=False))
            return
        result = classify(pack, self._facts(options["input"]))
        if action == "classify":
            self.stdout.write(json.dumps(result.as_contract(), ensure_ascii=False))
        else:
            self.stdout.write(explain(result, options["lang"]), ending="")

    def _pack(self, pack_id: str) -> Pack:
        try:
            return get_pack(pack_id)
        except PackNotFound as exc:
            raise CommandError(str(exc), returncode=2) from None
        except PackError as exc:
            self._issues(exc)
            raise CommandError(f"policy pack {pack_id!r} is invalid", returncode=2) from None

    def _facts(self, source: str) -> Facts:
        return self._parse(source, facts_from_json)

    def _breach_facts(self, source: str) -> BreachFacts:
        return self._parse(source, breach_facts_from_json)

    def _parse(self, source: str, parse: Any) -> Any:
        try:
            text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read facts: {exc}", returncode=2) from None
        try:
            return parse(text)
        except FactsError as exc:
            where = f"field {exc.field!r}: " if exc.field else ""
            raise CommandError(f"invalid facts: {where}{exc.message}", returncode=2) from None

    def _validate(self, path: str) -> None:
        target = Path(path)
        if not target.exists():
            raise CommandError(f"{path}: no such file or folder", returncode=2)
        try:
            pack = load_pack(target)
        except PackError as exc:
            self._issues(exc)
            count = len(exc.issues)
            raise CommandError(
                f"{path}: {count} problem{'s' if count != 1 else ''}", returncode=2
            ) from None
        self.stdout.write(f"ok: {pack.id} version {pack.version} ({path})")

    def _issues(self, exc: PackError) -> None:
        for issue in exc.issues:
            self.stderr.write(str(issue))

    def _schedule(self, pack: Pack, options: dict[str, Any]) -> None:
        start, until = options["start"], options["until"]
        range_from = options["range_from"] or start
        if until < range_from:
            raise CommandError("--until is before the start of the range", returncode=2)
        measure = None if options["measure"] == NO_MEASURE else MeasureKind(options["measure"])
        try:
            dues = schedule(
                pack,
                category=Category(options["category"]),
                measure=measure,
                anchor=start,
                start=range_from,
                until=until,
                consent=options["consent"],
                measure_end=options["end"],
            )
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from None
        for due in dues:
            self.stdout.write(f"{due.on.isoformat()} {due.kind.value}")
