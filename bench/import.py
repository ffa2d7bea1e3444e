"""Ledger import: time and peak memory for a 50,000-row file.

    python bench/import.py [--rows 50000] [--service-rows 1000]

Runs against a fresh temporary SQLite database with config.settings_test. Three figures:

1. the file: writing a 50,000-row ledger (write-only openpyxl) and its size;
2. the check's streaming read: every row of the 50,000 read (read_only=True) and
   validated with the person form's validators and the column parsers, with the process's
   peak RSS before and after — the part whose memory would grow with the file;
3. the services: a full check and commit of ``--service-rows`` rows through the same services
   a hand entry uses (register, open case, decision, report, category, two past tests), and
   the set-based planning of the imported cases, extrapolated to 50,000 rows.

Peak RSS of the whole process is printed at the end (resource.getrusage).
"""

from __future__ import annotations

import argparse
import io
import resource
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _setup import fresh_sqlite, one_township  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--service-rows", type=int, default=1000)
    args = parser.parse_args()

    tmp = fresh_sqlite()
    import datetime as dt

    import time_machine

    from conftest import make_user
    from kangfu.access.choices import Role
    from kangfu.ledger import reader, services
    from kangfu.ledger.template import workbook_bytes
    from kangfu.ledger.tests.factories import rows
    from kangfu.schedule.models import Appointment

    town = one_township()
    officer = make_user("bench_officer", Role.TOWNSHIP_OFFICER, town)
    travel = time_machine.travel(dt.datetime(2026, 11, 20, 2, tzinfo=dt.UTC), tick=False)
    travel.start()
    try:
        t0 = time.perf_counter()
        content = workbook_bytes(rows(args.rows))
        t_write = time.perf_counter() - t0
        print(f"file: {args.rows} rows, {len(content) / 1e6:.1f} MB, written in {t_write:.1f} s")

        rss_before = _rss()
        t0 = time.perf_counter()
        sheet = reader.open_sheet(io.BytesIO(content))
        out = services.Outcome()
        caseworkers: dict = {}
        n = 0
        for raw in sheet.rows:
            services._parse(
                raw, township=town, caseworkers=caseworkers, out=out, today=dt.date(2026, 11, 20)
            )
            n += 1
        t_read = time.perf_counter() - t0
        print(
            f"streaming read and validation: {n} rows in {t_read:.1f} s "
            f"({n / t_read:,.0f} rows/s), problems {out.problem_count}, "
            f"peak RSS {rss_before:.0f} MB before, {_rss():.0f} MB after "
            f"(the file itself is held in memory: {len(content) / 1e6:.1f} MB)"
        )

        sample = workbook_bytes(rows(args.service_rows))
        t0 = time.perf_counter()
        checked = services.ledger_import(
            actor=officer, township=town, handle=io.BytesIO(sample), commit=False
        )
        t_check = time.perf_counter() - t0
        t0 = time.perf_counter()
        done = services.ledger_import(
            actor=officer, township=town, handle=io.BytesIO(sample), commit=True
        )
        t_commit = time.perf_counter() - t0
        assert checked.ok and done.committed, (checked.problems[:3], done.problems[:3])
        per_row = t_commit / args.service_rows
        print(
            f"services: check {args.service_rows} rows in {t_check:.1f} s, commit in "
            f"{t_commit:.1f} s ({per_row * 1000:.0f} ms/row; {Appointment.objects.count()} "
            f"appointments planned set-based) -> 50,000 rows ≈ {per_row * 50_000 / 60:.0f} min "
            f"per pass"
        )
        t0 = time.perf_counter()
        again = services.ledger_import(
            actor=officer, township=town, handle=io.BytesIO(sample), commit=True
        )
        t_again = time.perf_counter() - t0
        print(
            f"re-import of the same {args.service_rows} rows: {t_again:.1f} s, "
            f"created {dict(again.created) or 'nothing'}"
        )
    finally:
        travel.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"peak RSS of the process: {_rss():.0f} MB")


def _rss() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
