"""Ledger import: time and peak memory of checking and committing a 50,000-row file.

    python bench/import.py [--rows 50000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kangfu_imp_bench python bench/import.py

Runs against a fresh database with config.settings_test: a temporary SQLite file, or the
PostgreSQL database ``DATABASE_URL`` names (dropped and created again; its name must
contain "bench"). The figures, for ``--rows`` new persons (each with a case, a reported
measure, a category and two past tests, as ``kangfu.ledger.tests.factories.rows``):

1. the file: writing it (write-only openpyxl) and its size;
2. the check: ``ledger_import(commit=False)``, the real run rolled back;
3. the commit: ``ledger_import(commit=True)``, with the appointments planned and the
   reminders reconciled, then the audit chain verified;
4. the re-import of the same file (every row matched, nothing written).

Each step prints the process's peak RSS so far (resource.getrusage) and the CPU seconds
spent by this process and by its PostgreSQL backend (from /proc: the server runs here),
which vary much less than wall time on a machine shared with others.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _setup import fresh_database, one_township  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()

    tmp = fresh_database()
    import datetime as dt

    import time_machine
    from django.db import connection

    from conftest import make_user
    from kangfu.access.audit import verify_chain
    from kangfu.access.choices import Role
    from kangfu.access.models import AuditEvent
    from kangfu.ledger import services
    from kangfu.ledger.template import workbook_bytes
    from kangfu.ledger.tests.factories import rows
    from kangfu.schedule.models import Appointment

    print(f"database: {connection.vendor}, {args.rows} rows")
    town = one_township()
    officer = make_user("bench_officer", Role.TOWNSHIP_OFFICER, town)
    travel = time_machine.travel(dt.datetime(2026, 11, 20, 2, tzinfo=dt.UTC), tick=False)
    travel.start()
    try:
        t0 = time.perf_counter()
        content = workbook_bytes(rows(args.rows))
        t_write = time.perf_counter() - t0
        print(f"file: {len(content) / 1e6:.1f} MB, written in {t_write:.1f} s; RSS {_rss():.0f} MB")

        phases = _time_phases()

        cpu: dict[str, float] = {}

        def run(commit: bool):
            phases.clear()
            t0, own, server = time.perf_counter(), time.process_time(), _server_cpu()
            out = services.ledger_import(
                actor=officer, township=town, handle=io.BytesIO(content), commit=commit
            )
            cpu["own"] = time.process_time() - own
            cpu["server"] = _server_cpu() - server
            return out, time.perf_counter() - t0

        def spent() -> str:
            text = f"CPU: this process {cpu['own']:.1f} s"
            if connection.vendor == "postgresql":
                text += f", its PostgreSQL backend {cpu['server']:.1f} s"
            return text

        checked, t_check = run(False)
        assert checked.ok, checked.problems[:3]
        print(
            f"check: {t_check:.1f} s ({t_check / args.rows * 1000:.2f} ms/row; {spent()}); "
            f"RSS {_rss():.0f} MB"
        )
        done, t_commit = run(True)
        assert done.committed, done.problems[:3]
        print(
            f"commit: {t_commit:.1f} s ({t_commit / args.rows * 1000:.2f} ms/row), created "
            f"{dict(done.created)}, {Appointment.objects.count()} appointments, "
            f"{AuditEvent.objects.count()} audit events; RSS {_rss():.0f} MB"
        )
        print(f"  {spent()}")
        print("  of which: " + ", ".join(f"{name} {sec:.1f} s" for name, sec in phases.items()))
        t0 = time.perf_counter()
        verified = verify_chain()
        assert verified.ok, verified.problem
        print(f"audit verify: OK, {verified.count} events in {time.perf_counter() - t0:.1f} s")
        again, t_again = run(True)
        assert again.committed and not again.created, dict(again.created)
        print(
            f"re-import: {t_again:.1f} s ({spent()}), matched {dict(again.matched)}, "
            "created nothing; "
            f"RSS {_rss():.0f} MB"
        )
    finally:
        travel.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"peak RSS of the process: {_rss():.0f} MB")


def _time_phases() -> dict[str, float]:
    """Seconds spent in the commit's set-based steps, by name (wrapping the functions the
    import calls; the rest is reading, checking and the batched services). The audit append
    is the time the chain lock is held before the commit."""
    from kangfu.access import audit
    from kangfu.ledger import services

    spent: dict[str, float] = {}

    def timed(name, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - started

        return wrapper

    services.plan_imported = timed("planning", services.plan_imported)
    services.analyse = timed("statistics", services.analyse)
    services.schedule.reminders_reconcile = timed(
        "reminders", services.schedule.reminders_reconcile
    )
    audit._append_staged = timed("audit append under the chain lock", audit._append_staged)
    return spent


def _server_cpu() -> float:
    """CPU seconds (user + system) of this connection's PostgreSQL backend so far, read
    from /proc (the server runs on this machine); 0 on SQLite or where it cannot be read.
    On a shared machine wall time swings with the neighbours; CPU time much less."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
