"""The caseload and person list at N cases: queries per page and median time per request.

    python bench/lists.py [--rows 50000] [--requests 5]

A fresh temporary SQLite database (config.settings_test). One person is registered and put
under a measure through the services; the rest are bulk copies of those rows (persons,
cases, measures, planned appointments), so the figures measure the list queries, not the
set-up. Every page is requested with a filter and a sort on a computed column (overdue
first), the most expensive form of the query. Prints the query count and the median time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _setup import fresh_sqlite, one_township  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=5)
    args = parser.parse_args()

    fresh_sqlite()
    import time_machine
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from conftest import make_user, register, sign_in
    from kangfu.access.choices import Role
    from kangfu.cases.models import Case, Measure
    from kangfu.people.models import Person
    from kangfu.schedule.models import Appointment
    from kangfu.schedule.tests.conftest import active_case

    node = one_township()
    county = node.parent
    worker = make_user("bench_worker", Role.CASEWORKER, node, display_name="王社工")
    supervisor = make_user("bench_supervisor", Role.SUPERVISOR, county)
    person = register(worker, node, name="张伟")
    case, measure = active_case(worker, person, reported="2024-03-01")
    appointments = list(Appointment.objects.filter(case=case))

    def clone(obj, **changes):
        fields = {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}
        fields.update(pk=None, id=None, **changes)
        return type(obj)(**fields)

    started = time.perf_counter()
    batch = 2_000
    for first in range(1, args.rows, batch):
        count = min(batch, args.rows - first)
        persons = Person.objects.bulk_create(
            clone(
                person,
                public_id=uuid.uuid4(),
                id_number_index=uuid.uuid4().hex + uuid.uuid4().hex,
            )
            for _ in range(count)
        )
        cases = Case.objects.bulk_create(
            clone(case, public_id=uuid.uuid4(), person_id=p.pk) for p in persons
        )
        measures = Measure.objects.bulk_create(
            clone(measure, case_id=c.pk, person_id=c.person_id) for c in cases
        )
        Appointment.objects.bulk_create(
            clone(a, case_id=c.pk, measure_id=m.pk)
            for c, m in zip(cases, measures, strict=True)
            for a in appointments
        )
    print(f"set-up: {args.rows} cases in {time.perf_counter() - started:.0f} s")

    client = sign_in(Client(), supervisor)
    pages = {
        "caseload": ("/cases/", {"mine": "0", "overdue": "on", "sort": "-overdue"}),
        "person list": ("/people/", {"overdue": "on", "sort": "-overdue"}),
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
                f" at {args.rows} cases"
            )


if __name__ == "__main__":
    main()
