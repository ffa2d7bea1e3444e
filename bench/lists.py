"""The caseload and person list at N cases: queries per page and median time per request.

    python bench/lists.py [--rows 50000] [--requests 5] [--postgres NAME]

A fresh temporary SQLite database (config.settings_test), or with ``--postgres`` a fresh
PostgreSQL database of that name on 127.0.0.1:5432 (dropped first if it exists). One person
is registered and put under a measure through the services; the rest are bulk copies of
those rows (persons, cases, measures, planned appointments), so the figures measure the list
queries, not the set-up. The copies bypass the services, so the lists' due summaries are
then rebuilt once as ``manage.py schedule_summaries`` would (its time is printed too).
Each list is requested three ways: its first page, with a filter (live measure in force),
and "overdue only" sorted by days overdue (the most expensive form). Prints the query count
and the median time of each.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _setup import fresh_sqlite, one_township  # noqa: E402


def sqlite_file(path: Path, *, keep: bool = False) -> None:
    """Point Django at the SQLite file ``path`` (removed first unless ``keep``), migrated."""
    if path.exists() and not keep:
        path.unlink()
    os.environ["DATABASE_URL"] = f"sqlite:///{path.resolve()}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fresh_postgres(name: str, *, keep: bool = False) -> None:
    """Point Django at a new PostgreSQL database ``name`` (dropped first unless ``keep``)
    and migrate."""
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        exists = db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not (keep and exists):
            db.execute(f'DROP DATABASE IF EXISTS "{name}"')
            db.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=5)
    parser.add_argument("--postgres", metavar="NAME", help="a PostgreSQL database to (re)create")
    parser.add_argument(
        "--sqlite", metavar="FILE", help="a SQLite file to use (default: a new one)"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --postgres or --sqlite: keep a database an earlier run built (migrated "
        "forward), skip the set-up and measure",
    )
    args = parser.parse_args()

    if args.postgres:
        fresh_postgres(args.postgres, keep=args.reuse)
    elif args.sqlite:
        sqlite_file(Path(args.sqlite), keep=args.reuse)
    else:
        fresh_sqlite()
    import time_machine
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from conftest import sign_in
    from kangfu.access.models import User
    from kangfu.schedule import summary

    supervisor = User.objects.filter(username="bench_supervisor").first()
    if supervisor is None:
        supervisor = build(args.rows)
    started = time.perf_counter()
    with time_machine.travel("2024-06-30 10:00 +0800", tick=True):
        summary.refresh()
    print(f"due summaries rebuilt in {time.perf_counter() - started:.1f} s")
    if connection.vendor == "postgresql":
        # What autovacuum does in a live database: statistics and the visibility map.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")

    client = sign_in(Client(), supervisor)
    pages = {
        "caseload, first page": ("/cases/", {"mine": "0"}),
        "caseload, filtered": ("/cases/", {"mine": "0", "measure_state": "active"}),
        "caseload, overdue first": ("/cases/", {"mine": "0", "overdue": "on", "sort": "-overdue"}),
        "person list, first page": ("/people/", {}),
        "person list, filtered": ("/people/", {"measure_state": "active"}),
        "person list, overdue first": ("/people/", {"overdue": "on", "sort": "-overdue"}),
    }
    with time_machine.travel("2024-06-30 10:00 +0800", tick=True):
        for label, (url, params) in pages.items():
            client.get(url, params)  # warm
            times = []
            for _ in range(args.requests):
                with CaptureQueriesContext(connection) as queries:
                    t = time.perf_counter()
                    response = client.get(url, params)
                    times.append(time.perf_counter() - t)
                assert response.status_code == 200
            print(
                f"{label}: {len(queries)} queries, median {statistics.median(times) * 1000:.0f} ms"
                f" at {args.rows} cases ({connection.vendor}, load average "
                f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
            )


def build(rows: int):
    """One case through the services, then ``rows - 1`` bulk copies; returns the supervisor."""
    from tests.scale import bulk_caseload

    started = time.perf_counter()
    supervisor, _worker = bulk_caseload(rows, one_township())
    print(f"set-up: {rows} cases in {time.perf_counter() - started:.0f} s")
    return supervisor


if __name__ == "__main__":
    main()
