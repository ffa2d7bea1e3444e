"""``manage.py audit verify``: walk the hash chain and report the first broken row."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from kangfu.access.audit import verify_chain


def _anchor(text: str) -> tuple[int, str]:
    seq, _, digest = text.partition(":")
    if not seq.isdigit() or len(digest) != 64:
        raise CommandError("--anchor takes SEQ:HASH as printed by an earlier `audit verify`")
    return int(seq), digest.lower()


class Command(BaseCommand):
    help = "Audit-log tools. `verify` checks the hash chain; exits 1 at the first broken row."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify", help="verify the hash chain of the audit log")
        verify.add_argument(
            "--anchor",
            help="SEQ:HASH recorded from an earlier run; detects rows removed from the end",
        )

    def handle(self, *args, **options):
        if options["subcommand"] == "verify":
            anchor = _anchor(options["anchor"]) if options.get("anchor") else None
            result = verify_chain(anchor=anchor)
            if not result.ok:
                raise CommandError(
                    f"audit log BROKEN: {result.problem}. "
                    f"{result.count} event(s) before it verified."
                )
            self.stdout.write(
                f"audit log intact: {result.count} event(s); "
                f"head {result.head_seq}:{result.head_hash}"
            )
