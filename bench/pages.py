"""CPU cost of the caseworker pages: median ms per request in one process, no concurrency.

    python bench/pages.py [--requests 50] [--profile person] [--database-url URL]

Runs against the data bench/load.py builds (run it once first; ``--skip-build`` there reuses
it), through Django's test client with the server's settings (DEBUG off), as
``load_worker_1``: today, the person list, a person, the case page and the form to record a
result (GET; the POST changes data and is timed by bench/load.py). ``--profile PAGE`` prints
the top of a cProfile of that page instead, sorted by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import load  # noqa: E402


def record(queries, execute, sql, params, many, context):
    """Each statement with its time, composed here: a statement bound on the server
    (kangfu.core.db.prepared) leaves no merged text behind for Django's own capture."""
    from django.db import connection

    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        elapsed = time.perf_counter() - started
        text = sql
        if params and not many and hasattr(connection.ops, "compose_sql"):  # PostgreSQL
            text = connection.ops.compose_sql(sql, params)
        elif many:
            text = f"{sql}  -- {len(params)} rows"
        queries.append({"time": f"{elapsed:.3f}", "sql": text})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", load.DEFAULT_URL))
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--profile", help="a page name: today, person-list, person, case, form")
    parser.add_argument("--filter", help="with --profile: only functions matching this")
    parser.add_argument("--queries", action="store_true", help="print each page's SQL count")
    args = parser.parse_args()
    os.environ.update(load.server_env(args.database_url))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import logging

    # The request log line would print here; in the server it goes to stderr.
    logging.getLogger("kangfu.request").disabled = True
    from django.db import connection
    from django.test import Client

    plan = load.prepare_users(1)[0]
    person, case, test = plan.next_person()
    client = Client(HTTP_HOST="127.0.0.1")
    for part in plan.cookie.split("; "):
        key, _, value = part.partition("=")
        client.cookies[key] = value
    pages = {
        "today": "/schedule/today/",
        "person-list": "/people/",
        "person": f"/people/{person}/",
        "case": f"/cases/{case}/",
        "form": f"/schedule/appointment/{test}/result/",
    }

    def get(url: str) -> None:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    for url in pages.values():
        for _ in range(3):
            get(url)
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            get(pages[args.profile])
        profiler.disable()
        if os.environ.get("PROFILE_OUT"):
            profiler.dump_stats(os.environ["PROFILE_OUT"])
        stats = pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "cumulative"))
        stats.print_stats(args.filter or "", 60) if args.filter else stats.print_stats(60)
        return
    print(
        f"median of {args.requests} requests per page, one process, load average "
        f"{os.getloadavg()[0]:.2f}"
    )
    total = total_cpu = 0.0
    for name, url in pages.items():
        times, cpu = [], []
        for _ in range(args.requests):
            started, cpu_started = time.perf_counter(), time.process_time()
            get(url)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
        queries: list[dict] = []
        with connection.execute_wrapper(functools.partial(record, queries)):
            get(url)
        median, median_cpu = statistics.median(times) * 1000, statistics.median(cpu) * 1000
        total += median
        total_cpu += median_cpu
        print(
            f"  {name:<12}{median:8.1f} ms wall {median_cpu:8.1f} ms CPU  {len(queries):3d} queries"
        )
        if args.queries:
            for q in queries:
                print(f"      {q['time']}  {q['sql'][:300]}")
    print(f"RESULT pages wall={total:.1f}ms cpu={total_cpu:.1f}ms (Django process only)")


if __name__ == "__main__":
    main()
