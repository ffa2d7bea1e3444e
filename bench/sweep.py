"""The daily sweep at national scale, on PostgreSQL: its cold first run and a warm second.

    python bench/sweep.py [--cases 300000] [--date 2026-11-25] [--database-url URL]
                          [--skip-build]

Builds N open cases under 社区戒毒 directly with set-based SQL (``INSERT … SELECT
generate_series``): persons, cases, measures, their signed agreements (1 % unsigned), a year
of planned appointments around the sweep day (the past ones done, 2 % left open so they are
overdue), a few positive screens awaiting the lab, current categories (15 % high, with
approved assessments whose facts the engine re-reads; 1 % of those could now come down) and
reviews falling due, then ``ANALYZE``s, as a restore or an import followed by
``vacuumdb --analyze`` (or autovacuum) leaves a database. Then it times, each as
``manage.py sweep`` in a child process (so peak RSS is the sweep's own):

* the **cold first run** on that freshly loaded data: no sweep ever ran, the reminder table
  and the snapshot tables are empty and their statistics say so (``--skip-build`` empties
  and analyses them again to get back to this state). This is the run that used to take
  23–71 s for 52,623 reminders: its final insert was planned as a nested-loop anti-join
  over the (empty, then growing) reminder table;
* the **warm second run** for the same day (idempotent: +0 -0);
* the floor: one hand-written ``INSERT … SELECT`` producing the same SQL-derived reminders
  into a copy of the reminder table (no engine pass: the downgrade check has no SQL form),
  run last so that it warms nothing for the sweep.

It prints both runs' times and reminder counts, and the cold/warm ratio.

Identity fields are encrypted once and the same ciphertext is reused for every person
(only the sweep is measured, and it never decrypts), so the build takes minutes, not
hours. The database is the one in DATABASE_URL (default: kangfu_sched on localhost); its
Kangfu tables are emptied first.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kangfu_sched"
# What a sweep writes: empty on a database no sweep has run on.
SWEEP_TABLES = [
    "schedule_reminder",
    "reports_townshipday",
    "reports_nodeday",
    "reports_snapshotday",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300_000)
    parser.add_argument("--date", default="2026-11-25", help="the day swept")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
    parser.add_argument(
        "--skip-build",
        action="store_true",
        help="reuse the data already built (the sweep's own tables are emptied and analysed)",
    )
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("bench/sweep.py needs PostgreSQL (DATABASE_URL=postgres://…)")
    call_command("migrate", verbosity=0)
    if not args.skip_build:
        started = time.perf_counter()
        build(args.cases, args.date)
        print(f"built {args.cases} cases in {time.perf_counter() - started:.1f} s", flush=True)
    fresh()
    print(f"load before the runs: {load()}", flush=True)
    runs = []
    for label in ("cold first run", "warm second run"):
        seconds, rss_mb, summary = sweep_child(args.date)
        inner, parts, counts = parse(summary)
        runs.append((seconds, inner, parts, counts))
        print(f"sweep {label}: {seconds:.2f} s wall, peak RSS {rss_mb:.0f} MB — {summary}")
    floor = floor_seconds(args.date)
    print(f"floor (one INSERT … SELECT): {floor:.2f} s", flush=True)
    print(f"load after the runs: {load()}", flush=True)
    (cold_wall, cold, parts, cold_counts), (warm_wall, warm, _, warm_counts) = runs
    # The reminder work proper (what the floor does, plus the engine's downgrade pass).
    work = sum(parts.get(k, 0.0) for k in ("reminders", "downgrades", "stale", "new"))
    print(
        f"RESULT cases={args.cases} "
        f"cold={cold:.2f}s cold_wall={cold_wall:.2f}s cold_reminders={cold_counts} "
        f"warm={warm:.2f}s warm_wall={warm_wall:.2f}s warm_reminders={warm_counts} "
        f"ratio_cold_warm={cold / warm:.2f} cold_insert={parts.get('new', 0.0):.2f}s "
        f"reminder_work={work:.2f}s floor={floor:.2f}s ratio_reminders={work / floor:.2f} "
        f"peak_rss={rss_mb:.0f}MB",
        flush=True,
    )


def fresh() -> None:
    """The state of a freshly loaded database no sweep has run on: nothing in the sweep's
    own tables, and statistics that say so (what ANALYZE after a load records)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(SWEEP_TABLES)}")
        for table in SWEEP_TABLES:
            cursor.execute(f"ANALYZE {table}")


def load() -> str:
    return os.popen("uptime").read().strip().split("load average:")[-1].strip()


def parse(summary: str) -> tuple[float, dict[str, float], str]:
    """The in-process seconds, per-step seconds and reminder counts ("52623 (+52623 -0)")
    from the sweep's summary line."""
    total = float(re.search(r", ([0-9.]+) s \(", summary).group(1))
    parts = {k: float(v) for k, v in re.findall(r"(\w+)=([0-9.]+)s", summary)}
    desired, plus, minus = re.search(r"(\d+) reminders \(\+(\d+) -(\d+)\)", summary).groups()
    return total, parts, f"{desired}(+{plus}-{minus})"


def sweep_child(on: str) -> tuple[float, float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "sweep", "--date", on],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    seconds = time.perf_counter() - started
    # ru_maxrss of children is the largest child so far (KiB on Linux).
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return seconds, peak / 1024, out.stdout.strip()


def floor_seconds(on: str) -> float:
    import datetime as dt

    from django.db import connection, transaction

    from kangfu.schedule.reminders import desired_sql

    sql, params = desired_sql(on=dt.date.fromisoformat(on))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_floor")
        cursor.execute("CREATE TABLE bench_floor (LIKE schedule_reminder INCLUDING ALL)")
        started = time.perf_counter()
        with transaction.atomic():
            cursor.execute(
                "INSERT INTO bench_floor (case_id, kind, ref, due_on, urgency, detail) " + sql,
                params,
            )
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_floor")
    return seconds


def build(n: int, on: str) -> None:
    import json

    from django.db import connection

    from conftest import make_user
    from kangfu.access.choices import Level, Role
    from kangfu.access.models import Jurisdiction
    from kangfu.access.services import jurisdiction_create
    from kangfu.people.models import Person

    tables = [
        "schedule_reminder",
        "schedule_violation",
        "schedule_drugtest",
        "schedule_delegatedtestrequest",
        "schedule_appointment",
        "schedule_consent",
        "risk_personrisk",
        "risk_notice",
        "risk_reviewrequest",
        "risk_assessment",
        "cases_caseevent",
        "cases_finding",
        "cases_leaverequest",
        "cases_unauthorisedabsence",
        "cases_externalperiod",
        "cases_agreement",
        "cases_transfer",
        "cases_legalhold",
        "cases_measure",
        "cases_case",
        "people_personnametoken",
        "people_person",
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    if not Jurisdiction.objects.filter(code="100000").exists():
        node = None
        for code, name, level in [
            ("100000", "全国", Level.NATIONAL),
            ("520000", "示范省", Level.PROVINCE),
            ("520100", "东川市", Level.CITY),
            ("520102", "城关区", Level.COUNTY),
        ]:
            node = jurisdiction_create(code=code, name=name, level=level, parent=node)
        for i in range(1, 201):
            town = jurisdiction_create(
                code=f"520102{i:03d}", name=f"街道{i}", level=Level.TOWNSHIP, parent=node
            )
            make_user(f"bench_worker_{i}", Role.CASEWORKER, town)
        make_user("bench_supervisor", Role.SUPERVISOR, node)
    towns = list(
        Jurisdiction.objects.filter(level=Level.TOWNSHIP, code__startswith="520102")
        .order_by("code")
        .values_list("pk", flat=True)
    )
    from kangfu.access.models import User

    workers = [User.objects.get(username=f"bench_worker_{i}").pk for i in range(1, 201)]
    approver = User.objects.get(username="bench_supervisor").pk
    # One ciphertext per field, reused for every person (see the module docstring).
    name, idn, phone, addr = (
        Person._meta.get_field(field).get_prep_value(value)
        for field, value in (
            ("name", "张伟"),
            ("id_number", "520102199003070011"),
            ("phone", "13800138000"),
            ("address", "城东路 12 号"),
        )
    )
    high_facts = json.dumps(
        {
            "as_of": "2026-06-01",
            "current_category": "medium",
            "active_measure": "community_treatment",
            "mental_disorder": True,
        }
    )
    gone_facts = json.dumps(
        {
            "as_of": "2026-06-01",
            "current_category": "medium",
            "active_measure": "community_treatment",
            "refuses_or_serious_breach": True,
        }
    )
    steps = [
        # Persons: one per case, spread over 200 townships, each with its township's worker.
        (
            "persons",
            """
            INSERT INTO people_person (public_id, township_id, caseworker_id, name, former_names,
              sex, birth_date, id_number, id_number_index, phone, hukou_place, residence_place,
              address, created_at, updated_at, created_by_id)
            SELECT gen_random_uuid(), (%(towns)s::bigint[])[1 + g %% 200],
              (%(workers)s::bigint[])[1 + g %% 200], %(name)s, '', 'M',
              DATE '1980-01-01' + (g %% 7000), %(idn)s, 'bench-' || g, %(phone)s, '示范省', '',
              %(addr)s, now(), now(), NULL
            FROM generate_series(1, %(n)s) g
            """,
        ),
        (
            "cases",
            """
            INSERT INTO cases_case (public_id, person_id, township_id, responsible_id,
              caseworker_id, state, pack_id, opened_on, created_by_id, created_at,
              approved_category, awaiting_reassessment)
            SELECT gen_random_uuid(), p.id, p.township_id, p.township_id, p.caseworker_id,
              'open', 'cn-2016', %(on)s::date - 30 - (p.id %% 1000)::int, p.caseworker_id, now(),
              -- What the risk app writes on the case when it approves the category below.
              CASE WHEN p.id %% 100 < 15 THEN 'high' ELSE 'medium' END, false
            FROM people_person p
            """,
        ),
        (
            "measures",
            """
            INSERT INTO cases_measure (case_id, person_id, kind, decision_number,
              deciding_authority, decided_on, received_on, report_due_on, reported_on,
              late_reason, starts_on, statutory_end_on, ends_on, suspended_days, state,
              pack_id, pack_version, created_at, credited_days, report_due_calendar_covered)
            SELECT c.id, c.person_id, 'community_treatment', 'bench-' || c.id, '公安局',
              c.opened_on, c.opened_on, c.opened_on + 15, c.opened_on + 3, '', c.opened_on + 3,
              (c.opened_on + 3 + interval '3 years')::date - 1,
              (c.opened_on + 3 + interval '3 years')::date - 1, 0, 'active', 'cn-2016',
              '2016.1', now(), 0, true
            FROM cases_case c
            """,
        ),
        # The agreement signed at reporting (art. 16); 1 % not signed yet.
        (
            "agreements",
            """
            INSERT INTO cases_agreement (case_id, measure_id, version, content, signed_on,
              created_by_id, created_at)
            SELECT m.case_id, m.id, 1, '{}'::jsonb,
              CASE WHEN m.id %% 100 = 7 THEN NULL ELSE m.reported_on END, c.caseworker_id, now()
            FROM cases_measure m JOIN cases_case c ON c.id = m.case_id
            """,
        ),
        # Current categories: 15 % high; reviews spread so some fall due on the day.
        (
            "categories",
            """
            INSERT INTO risk_personrisk (person_id, category, since, assessed_on,
              next_review_on, needs_reassessment, reassessment_reason)
            SELECT m.person_id, CASE WHEN m.person_id %% 100 < 15 THEN 'high' ELSE 'medium' END,
              m.starts_on, %(on)s::date - (m.person_id %% 170)::int,
              %(on)s::date - (m.person_id %% 170)::int + CASE WHEN m.person_id %% 100 < 15
                THEN 91 ELSE 182 END, false, ''
            FROM cases_measure m
            """,
        ),
        (
            "assessments",
            """
            INSERT INTO risk_assessment (public_id, person_id, case_id, as_of, facts,
              from_record, evidence, pack_id, pack_version, assessed, criteria, category,
              current_before, changed, reasons, status, assessor_id, created_at, submitted_at,
              approver_id, approval_comment, approved_at, next_review_on, return_comment)
            SELECT gen_random_uuid(), r.person_id, c.id, r.assessed_on,
              CASE WHEN r.person_id %% 100 = 0 THEN %(gone)s::jsonb ELSE %(high)s::jsonb END,
              CASE WHEN r.person_id %% 100 = 0
                THEN '["active_measure", "refuses_or_serious_breach"]'::jsonb
                ELSE '["active_measure"]'::jsonb END,
              '{}'::jsonb, 'cn-2016', '2016.1', 'high', '[]'::jsonb, 'high', 'medium', true,
              '[]'::jsonb, 'approved', c.caseworker_id, now(), now(), %(approver)s, '', now(),
              r.next_review_on, ''
            FROM risk_personrisk r JOIN cases_case c ON c.person_id = r.person_id
            WHERE r.category = 'high'
            """,
        ),
        (
            "link assessments",
            """
            UPDATE risk_personrisk r SET last_assessment_id = a.id
            FROM risk_assessment a WHERE a.person_id = r.person_id
            """,
        ),
        # A year of the pack's schedule around the day (medium: urine and visit every 2
        # months, hair every 6; high: urine and visit monthly, hair every 3), anchored on the
        # start as the engine does (PostgreSQL's month arithmetic clamps the same way).
        (
            "appointments",
            """
            INSERT INTO schedule_appointment (case_id, measure_id, kind, basis, due_on, "on",
              moved_reason, state, done_on, note, excuse)
            SELECT m.case_id, m.id, e.kind, 'measure', d.due, d.due, '',
              CASE WHEN d.due >= %(on)s::date OR (m.id + k) %% 50 = 0 THEN 'planned'
                ELSE 'done' END,
              CASE WHEN d.due >= %(on)s::date OR (m.id + k) %% 50 = 0 THEN NULL ELSE d.due END,
              '', ''
            FROM cases_measure m
            JOIN risk_personrisk r ON r.person_id = m.person_id
            JOIN (VALUES ('high', 'urine_test', 1), ('high', 'visit', 1),
                         ('high', 'hair_test', 3), ('medium', 'urine_test', 2),
                         ('medium', 'visit', 2), ('medium', 'hair_test', 6))
              AS e(category, kind, every) ON e.category = r.category
            CROSS JOIN LATERAL generate_series(1, 36 / e.every) k
            CROSS JOIN LATERAL (SELECT (m.starts_on + (k * e.every) * interval '1 month')::date
              AS due) d
            WHERE d.due BETWEEN %(on)s::date - 60 AND %(on)s::date + 365
              AND d.due <= m.ends_on
            """,
        ),
        # 0.5 % of persons have a positive screen awaiting the lab.
        (
            "tests",
            """
            INSERT INTO schedule_drugtest (case_id, measure_id, taken_on, sample, screen_result,
              lab_result, retest_result, taken_by_id, taken_at_id, note, recorded_at)
            SELECT m.case_id, m.id, %(on)s::date - 3, 'urine', 'positive', '', '',
              c.caseworker_id, c.township_id, '', now()
            FROM cases_measure m JOIN cases_case c ON c.id = m.case_id
            WHERE m.id %% 200 = 0
            """,
        ),
    ]
    values = {
        "n": n,
        "on": on,
        "towns": towns,
        "workers": workers,
        "name": name,
        "idn": idn,
        "phone": phone,
        "addr": addr,
        "high": high_facts,
        "gone": gone_facts,
        "approver": approver,
    }
    with connection.cursor() as cursor:
        for label, sql in steps:
            started = time.perf_counter()
            cursor.execute(sql, values)
            print(
                f"  {label}: {cursor.rowcount} rows, {time.perf_counter() - started:.1f} s",
                flush=True,
            )
        cursor.execute("ANALYZE")


if __name__ == "__main__":
    main()
