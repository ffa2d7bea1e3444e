"""A caseload of N cases, fast: one person registered and put under a measure through the
services, then ``rows - 1`` bulk copies of those rows (persons, cases, measures, planned
appointments). The copies bypass the services, so a caller rebuilds the lists' due
summaries afterwards (``kangfu.schedule.summary.refresh``), as ``manage.py
schedule_summaries`` would. Used by bench/lists.py and tests/flows/test_lists_at_scale.py.
"""

from __future__ import annotations

import uuid


def bulk_caseload(rows: int, node, *, appointments: int | None = None):
    """Build the caseload in the township ``node``; returns ``(supervisor, worker)``, the
    supervisor one level up. ``appointments`` keeps only the first so many planned
    appointments of each copy (all of them when None)."""
    from conftest import make_user, register
    from kangfu.access.choices import Role
    from kangfu.cases.models import Case, Measure
    from kangfu.people.models import Person
    from kangfu.schedule.models import Appointment
    from kangfu.schedule.tests.conftest import active_case

    worker = make_user("bench_worker", Role.CASEWORKER, node, display_name="王社工")
    supervisor = make_user("bench_supervisor", Role.SUPERVISOR, node.parent)
    person = register(worker, node, name="张伟")
    case, measure = active_case(worker, person, reported="2024-03-01")
    planned = list(Appointment.objects.filter(case=case).order_by("due_on", "pk"))
    if appointments is not None:
        planned = planned[:appointments]

    def clone(obj, **changes):
        fields = {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}
        fields.update(pk=None, id=None, **changes)
        return type(obj)(**fields)

    batch = 2_000
    for first in range(1, rows, batch):
        count = min(batch, rows - first)
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
            for a in planned
        )
    return supervisor, worker
