"""The province dashboard at national scale: 1,000,000 persons, on PostgreSQL.

    python bench/reports.py [--persons 1000000] [--cities 10] [--counties 10] [--townships 20]
                            [--months 24] [--date 2026-11-20] [--runs 20] [--database-url URL]

Builds the statistics a province instance holds after two years of daily sweeps: a tree of
one province › cities › counties › townships (10 × 10 × 20 = 2,000 townships by default) and
one ``TownshipDay`` row per township for each month-end of the last ``--months`` months plus
the day itself, whose ``registered`` figures add up to ``--persons`` (the other figures in
proportion, with small counts scattered so suppression has work to do). Only snapshot rows
matter for the dashboard: it never reads a person. Then it times, with the test client
signed in as a province supervisor (so middleware, session, audit and template are in):

* the province dashboard (``/reports/<province>/?month=…``): median and p95 over ``--runs``;
* a city, a county and a township dashboard the same way;
* the queries each page makes (constant: the same number at every level);
* the province's monthly Excel report (one sheet per level below, 2,000 townships).

The database is the one in DATABASE_URL (default: kangfu_reports on localhost); its Kangfu
tables are emptied first.

    python bench/reports.py --snapshot-cases 300000 --database-url postgres://…/kangfu_reports_snap

instead builds person-level records with bench/sweep.py's set-based builder (open cases under
社区戒毒 with a year of appointments, tests, categories) in a *separate* database and times
``snapshot_build`` for the day (twice: the second run replaces the day's rows).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kangfu_reports"
PROVINCE = "530000"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--cities", type=int, default=10)
    parser.add_argument("--counties", type=int, default=10)
    parser.add_argument("--townships", type=int, default=20)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--date", default="2026-11-20")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--skip-build", action="store_true", help="reuse the data already built")
    parser.add_argument(
        "--snapshot-cases",
        type=int,
        default=0,
        help="time snapshot_build over this many cases instead (use a separate database)",
    )
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    print(f"database: {connection.vendor}", flush=True)
    call_command("migrate", verbosity=0)
    on = dt.date.fromisoformat(args.date)
    if args.snapshot_cases:
        time_snapshot(args, on)
        return
    if not args.skip_build:
        started = time.perf_counter()
        rows = build(args, on)
        print(
            f"built {rows:,} snapshot rows ({args.cities * args.counties * args.townships:,} "
            f"townships × {args.months + 1} days, {args.persons:,} persons) "
            f"in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
    measure(args, on)


def time_snapshot(args, on: dt.date) -> None:
    from bench import sweep
    from kangfu.reports.services import snapshot_build

    if not args.skip_build:
        started = time.perf_counter()
        sweep.build(args.snapshot_cases, on.isoformat())
        print(
            f"built {args.snapshot_cases:,} cases in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
    for run in ("first", "second"):
        started = time.perf_counter()
        rows = snapshot_build(on=on)
        print(
            f"snapshot_build ({run} run): {time.perf_counter() - started:.2f} s, "
            f"{rows} township rows",
            flush=True,
        )


def build(args, on: dt.date) -> int:
    from django.db import connection, transaction

    from kangfu.access.choices import Level
    from kangfu.access.models import Jurisdiction
    from kangfu.core.dates import add_months
    from kangfu.reports.figures import FIGURES
    from kangfu.reports.models import SnapshotDay, TownshipDay
    from kangfu.reports.services import month_end

    # The audit log refuses TRUNCATE (append-only), so the tree is kept and reused when it
    # is already there; only the snapshot tables are emptied.
    TownshipDay.objects.all().delete()
    SnapshotDay.objects.all().delete()

    def node(code, name, level, parent):
        path = f"{parent.path if parent else '/'}{code}/"
        return Jurisdiction(code=code, name=name, level=level, parent=parent, path=path)

    if not Jurisdiction.objects.filter(code=PROVINCE).exists():
        with transaction.atomic():
            nation = Jurisdiction.objects.filter(code="100000").first()
            if nation is None:
                nation = node("100000", "全国", Level.NATIONAL, None)
                nation.save()
            province = node(PROVINCE, "测试省", Level.PROVINCE, nation)
            province.save()
            cities = [
                node(f"53{c:02d}00", f"第{c}市", Level.CITY, province)
                for c in range(1, args.cities + 1)
            ]
            Jurisdiction.objects.bulk_create(cities)
            counties = [
                node(f"{city.code[:4]}{k:02d}", f"{city.name}第{k}县", Level.COUNTY, city)
                for city in cities
                for k in range(1, args.counties + 1)
            ]
            Jurisdiction.objects.bulk_create(counties)
            towns = [
                node(f"{county.code}{t:03d}", f"{county.name}第{t}镇", Level.TOWNSHIP, county)
                for county in counties
                for t in range(1, args.townships + 1)
            ]
            Jurisdiction.objects.bulk_create(towns, batch_size=5000)
    towns = list(
        Jurisdiction.objects.filter(level=Level.TOWNSHIP, path__startswith=f"/100000/{PROVINCE}/")
        .select_related("parent")
        .order_by("code")
    )
    by_code = {j.code: j for j in Jurisdiction.objects.exclude(level=Level.TOWNSHIP)}
    rng = random.Random(15)
    # Uneven townships (0.2× to 1.8× the mean), scaled so they add up to --persons exactly.
    weights = [rng.uniform(0.2, 1.8) for _ in towns]
    scale = args.persons / sum(weights)
    sizes = [int(w * scale) for w in weights]
    sizes[0] += args.persons - sum(sizes)
    first = on.replace(day=1)
    days = [month_end(add_months(first, -k)) for k in range(args.months, 0, -1)] + [on]
    share = {
        "treatment": 0.55,
        "recovery": 0.2,
        "awaiting_report": 0.01,
        "suspended": 0.004,
        "external": 0.02,
        "risk_high": 0.12,
        "risk_medium": 0.7,
        "risk_none": 0.02,
        "reviews_due": 0.15,
        "reviews_overdue": 0.003,
        "downgrades_overdue": 0.002,
        "report_due": 0.012,
        "agreements_signed": 0.011,
        "tests_planned": 0.6,
        "positives": 0.004,
        "relapses": 0.002,
        "serious_breaches": 0.001,
        "refusals": 0.0005,
        "transfers_in": 0.002,
        "transfers_out": 0.002,
        "ref_treatment": 0.004,
        "ref_counselling": 0.006,
        "ref_training_jobs": 0.008,
        "ref_assistance": 0.005,
        "jobs_found": 0.003,
        "assistance_granted": 0.003,
        "treatment_started": 0.003,
        "three_year_due": 0.003,
    }
    rows = []
    for age, day in enumerate(days):
        trend = 0.9 + 0.1 * age / max(len(days) - 1, 1)
        for town, size in zip(towns, sizes, strict=True):
            county = town.parent
            city = by_code[county.path.strip("/").split("/")[2]]
            n = int(size * trend)
            values = {f.key: 0 for f in FIGURES}
            values["registered"] = n
            for key, fraction in share.items():
                values[key] = int(rng.random() * 2 * fraction * n)
            values["risk_low"] = max(
                0, n - values["risk_high"] - values["risk_medium"] - values["risk_none"]
            )
            values["reported_on_time"] = int(values["report_due"] * rng.uniform(0.85, 1))
            values["tests_done"] = int(values["tests_planned"] * rng.uniform(0.9, 1))
            values["three_year_clean"] = int(values["three_year_due"] * rng.uniform(0.6, 0.9))
            if rng.random() < 0.003:
                values["past_legal_end"] = 1
            rows.append(
                TownshipDay(
                    on=day,
                    township_id=town.pk,
                    county_id=county.pk,
                    city_id=city.pk,
                    province_id=by_code[PROVINCE].pk,
                    **values,
                )
            )
    with transaction.atomic():
        TownshipDay.objects.bulk_create(rows, batch_size=5000)
        now = dt.datetime.now(dt.UTC)
        SnapshotDay.objects.bulk_create(
            SnapshotDay(on=d, built_at=now, townships=len(towns), from_history=d != on)
            for d in days
        )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE reports_townshipday")
    # What snapshot_build does after writing the rows: suppress each day's figures for the
    # whole tree at once and store the shown strings the pages read.
    from kangfu.reports.models import NodeDay
    from kangfu.reports.services import _store_marks

    NodeDay.objects.all().delete()
    started = time.perf_counter()
    for day in days:
        _store_marks(day)
    print(
        f"stored whole-tree marks for {len(days)} days in {time.perf_counter() - started:.1f} s "
        f"({(time.perf_counter() - started) / len(days):.2f} s a day)",
        flush=True,
    )
    return len(rows)


def measure(args, on: dt.date) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from conftest import make_user, sign_in
    from kangfu.access.choices import Level, Role
    from kangfu.access.models import Jurisdiction, User

    province = Jurisdiction.objects.get(code=PROVINCE)
    user = User.objects.filter(username="bench-province").first() or make_user(
        "bench-province", Role.SUPERVISOR, province, display_name="省督导"
    )
    client = sign_in(Client(), user)
    month = on.strftime("%Y-%m")
    city = Jurisdiction.objects.filter(level=Level.CITY).order_by("code").first()
    county = Jurisdiction.objects.filter(level=Level.COUNTY).order_by("code").first()
    town = Jurisdiction.objects.filter(level=Level.TOWNSHIP).order_by("code").first()
    for label, node in (
        ("province", province),
        ("city", city),
        ("county", county),
        ("township", town),
    ):
        url = f"/reports/{node.code}/?month={month}"
        response = client.get(url)  # warm-up: templates, pack, caches
        assert response.status_code == 200, response.status_code
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        print(
            f"{label:9} dashboard: median {statistics.median(times):6.1f} ms, "
            f"p95 {p95:6.1f} ms, {len(queries)} queries, {len(response.content) // 1024} KiB",
            flush=True,
        )
    started = time.perf_counter()
    response = client.get(f"/reports/{PROVINCE}/report.xlsx?month={month}")
    assert response.status_code == 200
    print(
        f"province monthly Excel: {time.perf_counter() - started:.1f} s, "
        f"{len(response.content) // 1024} KiB",
        flush=True,
    )


if __name__ == "__main__":
    main()
