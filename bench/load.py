"""Load: 50 simulated caseworkers against gunicorn on PostgreSQL, and audited reads/s.

    python bench/load.py                       # build if needed, start gunicorn, run everything
    python bench/load.py --mode think          # one mode: think | closed | audit | all
    python bench/load.py --url http://127.0.0.1:8000 --skip-build   # a server you started

What it does (docs/operations.md "Load"):

1. **Data** (skipped when the database already holds a build of the same size): the national
   tree down to ``--townships`` townships and ``--cases`` open cases under 社区戒毒 (default
   300,000, the sweep benchmark's national scale), written with set-based SQL: persons with
   encrypted identity (one ciphertext per field, reused: decrypting costs the same), cases,
   measures, categories (15 % high), a year of planned tests and visits around today (the past
   ones done, 2 % left open so they are overdue) and a few positive screens awaiting the lab.
   ``--users`` caseworkers ``load_worker_<i>`` (one per township, the first N townships) each
   hold a caseload of ``--caseload`` persons; the rest of each township belongs to a colleague.
2. **Sessions**: each simulated caseworker gets a signed-in session (second factor passed)
   written with Django's session engine, as ``conftest.sign_in`` does for tests. Bench only:
   the product has no way to skip the password or the TOTP code.
3. **Server**: gunicorn as ``make serve`` runs it (config/gunicorn.py, DEBUG off, collected
   static files), with ``--workers`` workers (default 4) and ``DB_CONN_MAX_AGE=60`` as
   deploy/compose.yaml sets it; its log goes to a temporary file.
4. **Modes**, each printing requests/s, p50/p95/p99 and errors, overall and per page:
   * ``think``: every user goes round today → person list → a person → their case → records
     a test result, waiting 1–3 s (uniform) before each request, for ``--duration`` seconds;
   * ``closed``: the same round with no waiting: the throughput ceiling;
   * ``audit``: audited reads/s (the person page, one audit event each) with 1, 2 and 16
     concurrent clients, ``--audit-duration`` seconds each.

The machine's load average is printed with every figure: other work on the machine shows.
Targets (issue 14, 2 cores): think — 0 errors and p95 < 300 ms; closed — ≥ 54 requests/s;
audit — 16 clients ≥ 1.8 × 1 client and not below 2 clients.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kangfu_load"
PAGES = ("today", "person-list", "person", "case", "record-result")


def create_database(settings: dict) -> None:
    """Create the benchmark's database when it does not exist yet (through the server's
    ``postgres`` database, with the same credentials)."""
    import psycopg
    from psycopg import sql

    name = settings["NAME"]
    params = {
        "host": settings.get("HOST") or "127.0.0.1",
        "port": settings.get("PORT") or 5432,
        "user": settings.get("USER") or "postgres",
        "password": settings.get("PASSWORD") or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as db:
        if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--cases", type=int, default=300_000, help="open cases in the build")
    parser.add_argument("--townships", type=int, default=200)
    parser.add_argument("--users", type=int, default=50, help="simulated caseworkers")
    parser.add_argument("--caseload", type=int, default=120, help="persons per caseworker")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per load mode")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds not counted")
    parser.add_argument("--audit-duration", type=float, default=15.0)
    parser.add_argument("--mode", choices=("all", "think", "closed", "audit"), default="all")
    parser.add_argument("--url", help="an already running server (else gunicorn is started)")
    parser.add_argument("--skip-build", action="store_true", help="reuse the data as it is")
    parser.add_argument("--rebuild", action="store_true", help="build even if present")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    if args.caseload * args.townships > args.cases:
        sys.exit("--caseload × --townships must not exceed --cases")
    if args.users > args.townships:
        sys.exit("--users must not exceed --townships (one bench caseworker per township)")

    env = server_env(args.database_url)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("bench/load.py needs PostgreSQL (DATABASE_URL=postgres://…)")
    create_database(connection.settings_dict)
    call_command("migrate", verbosity=0)
    if not args.skip_build and (args.rebuild or not built(args)):
        started = time.perf_counter()
        build(args)
        print(f"built {args.cases} cases in {time.perf_counter() - started:.1f} s", flush=True)
    plans = prepare_users(args.users)
    connection.close()

    server = None
    base = args.url
    if base is None:
        server, base = start_server(args, env)
    try:
        print(f"server {base}: {args.workers} gunicorn workers" if server else f"server {base}")
        print(
            f"data: {args.cases} cases, {args.townships} townships, {args.users} users × "
            f"{args.caseload} persons; {os.cpu_count()} cores"
        )
        if args.mode in ("all", "think"):
            report("think time 1–3 s", asyncio.run(run_round(base, plans, args, think=True)))
        if args.mode in ("all", "closed"):
            report("closed loop", asyncio.run(run_round(base, plans, args, think=False)))
        if args.mode in ("all", "audit"):
            audit_reads(base, plans, args)
    finally:
        if server is not None:
            stop_server(server)


# --- environment and server ---------------------------------------------------------------


def server_env(database_url: str) -> dict[str, str]:
    """What the bench process and gunicorn both read: the same keys (var/dev.env), DEBUG
    off as ``make serve`` sets it, plain HTTP on loopback as .ci/serve-smoke does."""
    return {
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECURE": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DB_CONN_MAX_AGE": os.environ.get("DB_CONN_MAX_AGE", "60"),
        "GUNICORN_LOG_LEVEL": "warning",
    }


def start_server(args, env) -> tuple[subprocess.Popen, str]:
    python = sys.executable
    if not (ROOT / "staticfiles" / "staticfiles.json").exists():
        print("collecting static files (once) …", flush=True)
        subprocess.run(
            [python, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=ROOT,
            check=True,
            env={**os.environ, **env},
        )
    port = args.port or free_port()
    log = Path(tempfile.mkdtemp(prefix="kangfu-load-")) / "server.log"
    gunicorn = str(Path(python).with_name("gunicorn"))
    proc = subprocess.Popen(
        [gunicorn, "-c", "config/gunicorn.py"],
        cwd=ROOT,
        env={
            **os.environ,
            **env,
            "KANGFU_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": str(args.workers),
        },
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(240):
        if proc.poll() is not None:
            sys.exit(f"gunicorn stopped during start-up; see {log}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        stop_server(proc)
        sys.exit(f"gunicorn did not answer /healthz; see {log}")
    print(f"gunicorn log: {log}")
    return proc, base


def stop_server(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- data --------------------------------------------------------------------------------


def today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()


def built(args) -> bool:
    from kangfu.access.models import User
    from kangfu.people.models import Person

    return (
        User.objects.filter(username=f"load_worker_{args.users}").exists()
        and not User.objects.filter(username=f"load_worker_{args.users + 1}").exists()
        and Person.objects.count() == args.cases
        and Person.objects.filter(caseworker__username="load_worker_1").count() == args.caseload
    )


TABLES = [
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


def build(args) -> None:
    from django.db import connection

    from kangfu.access.choices import Level, Role
    from kangfu.access.models import Jurisdiction, User
    from kangfu.access.services import grant_create, jurisdiction_create
    from kangfu.people.models import Person

    on = today()
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
        cursor.execute("DELETE FROM django_session")
    county = Jurisdiction.objects.filter(code="520102").first()
    if county is None:
        node = None
        for code, name, level in [
            ("100000", "全国", Level.NATIONAL),
            ("520000", "示范省", Level.PROVINCE),
            ("520100", "东川市", Level.CITY),
            ("520102", "城关区", Level.COUNTY),
        ]:
            node = jurisdiction_create(code=code, name=name, level=level, parent=node)
        county = node
    towns = []
    for i in range(1, args.townships + 1):
        town = Jurisdiction.objects.filter(code=f"520102{i:03d}").first()
        if town is None:
            town = jurisdiction_create(
                code=f"520102{i:03d}", name=f"街道{i}", level=Level.TOWNSHIP, parent=county
            )
        towns.append(town)

    def caseworker(username: str, town, name: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            # No usable password: the bench signs in through sessions (prepare_users).
            user = User.objects.create_user(username=username, password=None, display_name=name)
            grant_create(user=user, role=Role.CASEWORKER, jurisdiction=town)
        return user

    workers = [
        caseworker(f"load_worker_{i + 1}", towns[i], f"社工{i + 1}").pk for i in range(args.users)
    ]
    colleagues = [
        caseworker(f"load_colleague_{i + 1}", town, f"同事{i + 1}").pk
        for i, town in enumerate(towns)
    ]
    name, idn, phone, addr = (
        Person._meta.get_field(f).get_prep_value(value)
        for f, value in (
            ("name", "张伟"),
            ("id_number", "520102199003070011"),
            ("phone", "13800138000"),
            ("address", "城东路 12 号"),
        )
    )
    steps = [
        # Person g lives in township (g-1) % T; the first `caseload` of each of the first
        # `users` townships are that township's bench caseworker's, the rest a colleague's.
        (
            "persons",
            """
            INSERT INTO people_person (public_id, township_id, caseworker_id, name, former_names,
              sex, birth_date, id_number, id_number_index, phone, hukou_place, residence_place,
              address, created_at, updated_at, created_by_id)
            SELECT gen_random_uuid(), (%(towns)s::bigint[])[1 + (g - 1) %% %(t)s],
              CASE WHEN (g - 1) %% %(t)s < %(users)s AND (g - 1) / %(t)s < %(caseload)s
                THEN (%(workers)s::bigint[])[1 + (g - 1) %% %(t)s]
                ELSE (%(colleagues)s::bigint[])[1 + (g - 1) %% %(t)s] END,
              %(name)s, '', 'M', DATE '1980-01-01' + (g %% 7000), %(idn)s, 'load-' || g,
              %(phone)s, '示范省', '', %(addr)s, now(), now(), NULL
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
            SELECT c.id, c.person_id, 'community_treatment', 'load-' || c.id, '公安局',
              c.opened_on, c.opened_on, c.opened_on + 15, c.opened_on + 3, '', c.opened_on + 3,
              (c.opened_on + 3 + interval '3 years')::date - 1,
              (c.opened_on + 3 + interval '3 years')::date - 1, 0, 'active', 'cn-2016',
              '2016.1', now(), 0, false
            FROM cases_case c
            """,
        ),
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
        # A year of the pack's schedule around today (as bench/sweep.py builds it).
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
        "n": args.cases,
        "t": args.townships,
        "users": args.users,
        "caseload": args.caseload,
        "on": on,
        "towns": [t.pk for t in towns],
        "workers": workers,
        "colleagues": colleagues,
        "name": name,
        "idn": idn,
        "phone": phone,
        "addr": addr,
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
    # The bench caseloads' reminders as the nightly sweep leaves them (the today page then
    # refreshes its own). Only theirs: nobody else's today page is opened, and a first full
    # refresh into an empty table is the sweep's own benchmark (bench/sweep.py).
    from kangfu.cases.models import Case
    from kangfu.schedule import reminders

    started = time.perf_counter()
    reminders.refresh(on=on, scope=Case.objects.filter(caseworker_id__in=workers))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE schedule_reminder")  # as autovacuum would, soon after a sweep
    print(f"  reminders: {time.perf_counter() - started:.1f} s", flush=True)


@dataclass
class Plan:
    """One simulated caseworker: their session and the round of persons they work through."""

    username: str
    cookie: str
    persons: list[tuple[str, str, list[int]]]  # (person id, case id, planned test ids)
    turn: int = 0
    csrf: str = ""

    def next_person(self) -> tuple[str, str, int | None]:
        person, case, tests = self.persons[self.turn % len(self.persons)]
        self.turn += 1
        return person, case, (tests.pop(0) if tests else None)


def prepare_users(count: int) -> list[Plan]:
    """Signed-in sessions (second factor passed) and each user's caseload with the planned
    tests still open, read from the database."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from kangfu.access.models import User

    csrf = secrets.token_hex(16)  # 32 characters: Django accepts the unmasked secret
    plans = []
    for i in range(1, count + 1):
        user = User.objects.get(username=f"load_worker_{i}")
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="load", confirmed=True)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.create()
        cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}; csrftoken={csrf}"
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT p.public_id::text, c.public_id::text,
                  COALESCE(array_agg(a.id ORDER BY a."on", a.id)
                    FILTER (WHERE a.id IS NOT NULL), '{}')
                FROM people_person p JOIN cases_case c ON c.person_id = p.id
                LEFT JOIN schedule_appointment a ON a.case_id = c.id AND a.state = 'planned'
                  AND a.kind = 'urine_test'
                WHERE p.caseworker_id = %s GROUP BY p.id, c.id ORDER BY p.id
                """,
                [user.pk],
            )
            persons = [(p, c, list(tests)) for p, c, tests in cursor.fetchall()]
        turn = random.randrange(len(persons))
        plans.append(Plan(user.username, cookie, persons, turn=turn, csrf=csrf))
    return plans


# --- load ----------------------------------------------------------------------------------


@dataclass
class Sample:
    page: str
    started: float
    seconds: float
    ok: bool


@dataclass
class Run:
    samples: list[Sample] = field(default_factory=list)
    window: tuple[float, float] = (0.0, 0.0)
    load: tuple[float, float] = (0.0, 0.0)
    problems: dict[str, int] = field(default_factory=dict)


async def run_round(base: str, plans: list[Plan], args, *, think: bool) -> Run:
    import httpx

    run = Run()
    load_before = os.getloadavg()[0]
    begin = time.perf_counter()
    start, stop = begin + args.warmup, begin + args.warmup + args.duration
    on = today().isoformat()
    limits = httpx.Limits(max_connections=4, max_keepalive_connections=4)

    async def request(client, plan, page, method, url, **kw):
        t0 = time.perf_counter()
        try:
            response = await client.request(method, url, **kw)
            expected = 302 if method == "POST" else 200
            ok = response.status_code == expected
            if not ok:
                key = f"{page}: {response.status_code}"
                run.problems[key] = run.problems.get(key, 0) + 1
        except httpx.HTTPError as exc:
            ok = False
            key = f"{page}: {type(exc).__name__}"
            run.problems[key] = run.problems.get(key, 0) + 1
        t1 = time.perf_counter()
        if start <= t0 and t1 <= stop:
            run.samples.append(Sample(page, t0, t1 - t0, ok))
        return t1

    async def user(plan: Plan, delay: float):
        headers = {"Cookie": plan.cookie, "X-CSRFToken": plan.csrf}
        async with httpx.AsyncClient(
            base_url=base, headers=headers, limits=limits, timeout=60
        ) as client:
            await asyncio.sleep(delay)
            while time.perf_counter() < stop:
                person, case, test = plan.next_person()
                steps = [
                    ("today", "GET", "/schedule/today/", {}),
                    ("person-list", "GET", "/people/", {}),
                    ("person", "GET", f"/people/{person}/", {}),
                    ("case", "GET", f"/cases/{case}/", {}),
                ]
                if test is not None:
                    data = {"taken_on": on, "sample": "urine", "screen_result": "negative"}
                    steps.append(
                        (
                            "record-result",
                            "POST",
                            f"/schedule/appointment/{test}/result/",
                            {"data": data},
                        )
                    )
                for page, method, url, kw in steps:
                    if think:
                        await asyncio.sleep(random.uniform(1.0, 3.0))
                    if time.perf_counter() >= stop:
                        return
                    await request(client, plan, page, method, url, **kw)

    # Users start spread over the first second (or over a think time when thinking).
    await asyncio.gather(*(user(p, random.uniform(0, 1.0)) for p in plans))
    run.window = (start, stop)
    run.load = (load_before, os.getloadavg()[0])
    return run


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k] * 1000


def report(title: str, run: Run) -> None:
    seconds = run.window[1] - run.window[0]
    print(
        f"\n== {title}: {seconds:.0f} s measured, load average {run.load[0]:.2f} → "
        f"{run.load[1]:.2f} =="
    )
    print(
        f"  {'page':<14}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'errors':>8}"
    )
    rows = [(page, [s for s in run.samples if s.page == page]) for page in PAGES]
    rows.append(("ALL", run.samples))
    for page, samples in rows:
        times = [s.seconds for s in samples]
        errors = sum(not s.ok for s in samples)
        print(
            f"  {page:<14}{len(samples):>9}{len(samples) / seconds:>8.1f}{pct(times, 50):>9.0f}"
            f"{pct(times, 95):>9.0f}{pct(times, 99):>9.0f}{errors:>8}"
        )
    if run.problems:
        print("  problems:", ", ".join(f"{k} ×{v}" for k, v in sorted(run.problems.items())))
    times = [s.seconds for s in run.samples]
    errors = sum(not s.ok for s in run.samples)
    print(
        f"RESULT {title.split()[0]} rps={len(times) / seconds:.1f} p50={pct(times, 50):.0f}ms "
        f"p95={pct(times, 95):.0f}ms p99={pct(times, 99):.0f}ms errors={errors} "
        f"load={run.load[1]:.2f}"
    )


# --- audited reads -------------------------------------------------------------------------


def audit_reads(base: str, plans: list[Plan], args) -> None:
    """Audited reads/s: the person page (one audit event each) with 1, 2 and 16 clients in
    a closed loop, each client a different caseworker reading their own caseload."""
    print(f"\n== audited reads (person page), {args.audit_duration:.0f} s each ==")
    figures = {}
    for clients in (1, 2, 16):
        load_before = os.getloadavg()[0]
        done, errors, times = asyncio.run(
            read_loop(base, plans[:clients], args.audit_duration, args.warmup)
        )
        rate = done / args.audit_duration
        figures[clients] = rate
        print(
            f"  {clients:>2} clients: {rate:7.1f} reads/s  p50 {pct(times, 50):5.0f} ms  "
            f"p95 {pct(times, 95):5.0f} ms  errors {errors}  load average "
            f"{load_before:.2f} → {os.getloadavg()[0]:.2f}"
        )
    one = figures[1] or float("nan")
    print("  the append alone (audit_record in a loop, one process per client, no HTTP):")
    appends = {}
    for clients in (1, 2, 16):
        appends[clients] = append_rate(clients, args.audit_duration / 2)
        print(
            f"  {clients:>2} clients: {appends[clients]:7.1f} appends/s  load average "
            f"{os.getloadavg()[0]:.2f}"
        )
    print(
        f"RESULT appends a1={appends[1]:.0f} a2={appends[2]:.0f} a16={appends[16]:.0f} "
        f"ratio16={appends[16] / (appends[1] or float('nan')):.2f}"
    )
    print(
        f"RESULT audit reads1={figures[1]:.1f} reads2={figures[2]:.1f} reads16={figures[16]:.1f}"
        f" ratio16={figures[16] / one:.2f} ratio2={figures[2] / one:.2f}"
    )


def _append_worker(username: str, seconds: float, ready, out) -> None:
    import django

    django.setup()
    from kangfu.access.audit import AccessContext, audit_record
    from kangfu.access.choices import AuditAction
    from kangfu.access.models import User
    from kangfu.people.models import Person

    user = User.objects.get(username=username)
    person = Person.objects.filter(caseworker=user).first()
    ctx = AccessContext(actor=user, client_address="127.0.0.1")
    ready.wait()  # every process set up: all start together
    done, stop = 0, time.time() + seconds
    while time.time() < stop:
        audit_record(ctx=ctx, action=AuditAction.READ, obj=person, fields=("name",))
        done += 1
    out.put(done)


def append_rate(clients: int, seconds: float) -> float:
    """Appends/s of ``clients`` processes calling audit_record as fast as they can: the chain
    lock's own ceiling, without HTTP and page rendering."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    ready = ctx.Barrier(clients)
    procs = [
        ctx.Process(target=_append_worker, args=(f"load_worker_{i % 50 + 1}", seconds, ready, out))
        for i in range(clients)
    ]
    for proc in procs:
        proc.start()
    total = sum(out.get() for _ in procs)
    for proc in procs:
        proc.join()
    return total / seconds


async def read_loop(base, plans, duration, warmup):
    import httpx

    begin = time.perf_counter()
    start, stop = begin + min(warmup, 2.0), begin + min(warmup, 2.0) + duration
    done = errors = 0
    times: list[float] = []

    async def client_loop(plan: Plan):
        nonlocal done, errors
        async with httpx.AsyncClient(
            base_url=base, headers={"Cookie": plan.cookie}, timeout=60
        ) as client:
            while time.perf_counter() < stop:
                person, _case, _test = plan.next_person()
                t0 = time.perf_counter()
                try:
                    ok = (await client.get(f"/people/{person}/")).status_code == 200
                except httpx.HTTPError:
                    ok = False
                t1 = time.perf_counter()
                if start <= t0 and t1 <= stop:
                    done += 1
                    errors += not ok
                    times.append(t1 - t0)

    await asyncio.gather(*(client_loop(p) for p in plans))
    return done, errors, times


if __name__ == "__main__":
    main()
