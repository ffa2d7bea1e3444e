"""The stored due summaries the lists filter and sort by (``CaseDueSummary``,
``PersonDueSummary``), computed set-based from the planned appointments.

The caseload and the person list show, per row, the next planned item and since when the
oldest planned one is overdue. Read live, that is a subquery over the appointments per case,
which at 50,000 cases costs seconds for every filtered or sorted page. So the two figures
are stored per case and per person, and kept here:

- ``refresh(case_ids=…)`` after every write that changes a case's plan (every schedule
  service ends with ``reminders.refresh_cases``, which calls it) and after a case is sealed
  (the person list leaves sealed cases out; kangfu/web/reactions.py);
- ``refresh()`` for everything from the daily sweep (a reaction to ``SweepCompleted``), so
  ``next_due_on`` moves on as the days pass;
- ``manage.py schedule_summaries`` (re)builds them for existing data, and ``--check`` says
  whether they agree with the appointments.

Reading them is still exact when they lag a day: the lists use ``next_due_on`` only while it
is on or after today and look it up again otherwise, and ``first_planned_on`` does not depend
on the day (schedule.selectors.caseload_columns).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from kangfu.cases.models import Case
from kangfu.people.models import Person
from kangfu.schedule.models import Appointment, CaseDueSummary, PersonDueSummary

CHUNK = 500


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _upsert(table: str, key: str, select: str) -> str:
    # INSERT … ON CONFLICT works alike on SQLite (3.24+) and PostgreSQL; the SELECT always
    # has a WHERE clause, as SQLite's parser needs before ON CONFLICT.
    return (
        f"INSERT INTO {table} ({key}, first_planned_on, next_due_on, as_of) {select} "
        f"ON CONFLICT ({key}) DO UPDATE SET first_planned_on = excluded.first_planned_on, "
        "next_due_on = excluded.next_due_on, as_of = excluded.as_of"
    )


def refresh(*, case_ids: Iterable[int] | None = None, on: dt.date | None = None) -> None:
    """Recompute the due summaries of the given cases and of their persons (everything when
    ``case_ids`` is None), as of ``on`` (today by default). No savepoint of its own inside a
    caller's transaction, as ``reminders.refresh``: a failure fails the caller's write."""
    on = on or timezone.localdate()
    if case_ids is None:
        with transaction.atomic(savepoint=False), connection.cursor() as cursor:
            _refresh(cursor, "1 = 1", [], on)
        return
    ids = sorted(set(case_ids))
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # In chunks, so a large import stays under the database's limit of parameters.
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            _refresh(cursor, f"c.id IN ({', '.join(['%s'] * len(chunk))})", chunk, on)


def _refresh(cursor, where: str, params: list, on: dt.date) -> None:
    case, person, appt = _t(Case), _t(Person), _t(Appointment)
    day = f"a.{connection.ops.quote_name('on')}"
    figures = f"MIN({day}), MIN(CASE WHEN {day} >= %s THEN {day} END), %s"
    cursor.execute(
        _upsert(
            _t(CaseDueSummary),
            "case_id",
            f"SELECT c.id, {figures} FROM {case} c LEFT JOIN {appt} a "
            f"ON a.case_id = c.id AND a.state = 'planned' WHERE {where} GROUP BY c.id",
        ),
        [on, on, *params],
    )
    persons = f"p.id IN (SELECT c.person_id FROM {case} c WHERE {where})" if params else "1 = 1"
    cursor.execute(
        _upsert(
            _t(PersonDueSummary),
            "person_id",
            f"SELECT p.id, {figures} FROM {person} p "
            f"LEFT JOIN {case} c ON c.person_id = p.id AND c.state <> 'sealed' "
            f"LEFT JOIN {appt} a ON a.case_id = c.id AND a.state = 'planned' "
            f"WHERE {persons} GROUP BY p.id",
        ),
        [on, on, *params],
    )


def disagreements(*, on: dt.date | None = None) -> list[tuple[str, int]]:
    """("case" | "person", id) of every row whose next due day or overdue day, as the lists
    read them from the summaries, differs from what the appointments say on ``on``; empty
    when all agree (``manage.py schedule_summaries --check``, and the tests)."""
    from kangfu.schedule.selectors import due_columns

    on = on or timezone.localdate()
    wrong: list[tuple[str, int]] = []
    for kind, model in (("case", Case), ("person", Person)):
        fields = ("pk", "overdue_since", "next_due_on")
        shown = model.objects.annotate(**due_columns(model, on)).values_list(*fields)
        truth = model.objects.annotate(**due_columns(model, on, stored=False)).values_list(*fields)
        wanted = {pk: rest for pk, *rest in truth}
        wrong += [(kind, pk) for pk, *rest in shown if wanted.get(pk) != rest]
    return sorted(wrong)
