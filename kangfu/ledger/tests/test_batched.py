"""The batched import writes exactly what the row-by-row services write.

The same file is imported once with ``batched=False`` (every row through the single services
a hand entry uses) and once batched; the rows of every table the import writes, and the
audit events, are compared field by field (ids and timestamps aside)."""

import datetime as dt
import io
import json
from collections import Counter

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction

from kangfu.access.audit import verify_chain
from kangfu.access.models import AuditEvent
from kangfu.cases.models import Case, CaseEvent, Measure
from kangfu.ledger.services import ledger_import
from kangfu.ledger.tests.factories import ledger, row, rows
from kangfu.people.models import Person, PersonNameToken
from kangfu.risk.models import PersonRisk
from kangfu.schedule.models import Appointment, DrugTest, Reminder

pytestmark = pytest.mark.django_db
TODAY = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
SKIP = {"id", "public_id", "created_at", "updated_at", "recorded_at"}


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


def _varied(personas) -> list[list]:
    """Rows that take every branch: recovery with a term, a late report with its reason, a
    decision not yet reported, no measure at all, a positive screen, a caseworker, a
    test given twice, high and low categories."""
    return [
        row(1),
        row(2, caseworker=personas.worker_a.username, risk_category="高"),
        row(3, measure_kind="社区康复", term_months="24"),
        row(4, reported_on="2026-07-01", late_reason="住院治疗"),
        row(5, reported_on="", tests="2026-06-20 尿检 阳性"),
        row(
            6,
            measure_kind="",
            decision_number="",
            deciding_authority="",
            decided_on="",
            received_on="",
            reported_on="",
            tests="",
            risk_category="低",
        ),
        row(7, tests="2026-07-10 尿检 阴性；2026-07-10 尿检 阴性；2026-08-01 毛发 阳性"),
        row(8, risk_category="", assessed_on=""),
    ]


def _key(values: dict, refs: dict) -> tuple:
    def plain(k, v):
        if isinstance(v, dict | list):
            return json.dumps(v, sort_keys=True, ensure_ascii=False)
        return refs.get((k, v), v)

    return tuple(sorted((k, plain(k, v)) for k, v in values.items() if k not in SKIP))


def snapshot() -> dict[str, Counter]:
    """Every row the import writes, with ids replaced by what they stand for."""
    persons = {p.pk: p.id_number for p in Person.objects.all()}
    public = {str(p.public_id): p.id_number for p in Person.objects.all()}
    cases = {c.pk: persons[c.person_id] for c in Case.objects.all()}
    measures = dict(Measure.objects.values_list("pk", "decision_number"))
    refs = {}
    for name, table in (("person", persons), ("case", cases), ("measure", measures)):
        refs.update({((f"{name}_id"), pk): value for pk, value in table.items()})

    def rows_of(queryset) -> Counter:
        return Counter(_key(v, refs) for v in queryset.values())

    people = Counter()
    for p in Person.objects.all():
        fields = {f.attname: getattr(p, f.attname) for f in Person._meta.concrete_fields}
        people[_key(fields, refs)] += 1
    events = Counter()
    for e in AuditEvent.objects.all():
        events[
            (
                e.action,
                e.object_type,
                public.get(e.object_id, e.object_id),
                tuple(e.fields),
                e.actor_id,
                e.roles,
                e.jurisdiction,
                e.scope_path,
                e.purpose,
                e.outside_caseload,
                e.detail,
            )
        ] += 1
    reminders = Counter(
        (cases[r.case_id], r.kind, r.ref != 0, r.due_on, r.urgency, r.detail)
        for r in Reminder.objects.all()
    )
    return {
        "persons": people,
        "name tokens": rows_of(PersonNameToken.objects.all()),
        "cases": rows_of(Case.objects.all()),
        "measures": rows_of(Measure.objects.all()),
        "timeline": rows_of(CaseEvent.objects.all()),
        "risk": rows_of(PersonRisk.objects.all()),
        "tests": rows_of(DrugTest.objects.all()),
        "appointments": rows_of(Appointment.objects.all()),
        "reminders": reminders,
        "audit": events,
    }


def test_it_writes_the_same_rows_and_audit_events_as_the_row_by_row_services(personas, tree):
    data = ledger(_varied(personas)).getvalue()
    with transaction.atomic():
        single = ledger_import(
            actor=personas.officer_a,
            township=tree.a,
            handle=io.BytesIO(data),
            commit=True,
            batched=False,
        )
        assert single.committed, single.problems
        expected = snapshot()
        transaction.set_rollback(True)
    assert not Person.objects.exists()
    batched = ledger_import(
        actor=personas.officer_a, township=tree.a, handle=io.BytesIO(data), commit=True
    )
    assert batched.committed, batched.problems
    got = snapshot()
    assert dict(batched.created) == dict(single.created)
    assert dict(batched.matched) == dict(single.matched)
    for table in expected:
        assert got[table] == expected[table], table
    assert sum(got["audit"].values()) > 8 * 6  # an event for each record, like a hand entry
    assert got["reminders"], "the positive screens wait for the lab"


def test_it_reports_the_same_problems_batched_as_row_by_row(personas, tree):
    from conftest import register

    other = register(personas.worker_b, tree.b, name="李娜")
    bad = [
        *rows(3),
        row(4, reported_on="2026-07-01"),  # late, without a reason
        row(5, measure_kind="社区康复"),  # no term
        row(6, risk_category="低"),  # low under a measure (M1)
        row(7, id_number=other.id_number),  # another township's person
        row(8, tests="2020-01-01 尿检 阴性"),  # before the decision
        row(9, measure_kind="社区康复", term_months="99"),  # longer than the law allows
        *rows(2, start=10),
    ]
    data = ledger(bad).getvalue()

    def problems(**kwargs):
        out = ledger_import(
            actor=personas.officer_a,
            township=tree.a,
            handle=io.BytesIO(data),
            commit=False,
            **kwargs,
        )
        return sorted((p.row, p.column, p.message) for p in out.problems)

    expected = problems(batched=False)
    assert {r for r, _c, _m in expected} == {5, 6, 7, 8, 9, 10}
    assert problems() == expected
    assert not Person.objects.filter(township=tree.a).exists()


def test_a_batched_import_leaves_a_valid_audit_chain_and_a_second_run_adds_nothing(
    personas, tree, capsys
):
    data = ledger(rows(30)).getvalue()
    first = ledger_import(
        actor=personas.officer_a, township=tree.a, handle=io.BytesIO(data), commit=True
    )
    assert first.committed and first.created["persons"] == 30
    assert verify_chain().ok
    events = AuditEvent.objects.count()
    again = ledger_import(
        actor=personas.officer_a, township=tree.a, handle=io.BytesIO(data), commit=True
    )
    assert again.committed and not again.created
    assert again.matched["persons"] == 30
    assert AuditEvent.objects.count() == events
    by_row = ledger_import(
        actor=personas.officer_a,
        township=tree.a,
        handle=io.BytesIO(data),
        commit=True,
        batched=False,
    )
    assert dict(by_row.matched) == dict(again.matched) and not by_row.created
    assert AuditEvent.objects.count() == events
    call_command("audit", "verify")
    assert "audit log intact" in capsys.readouterr().out


@pytest.mark.postgres
def test_a_batched_import_leaves_a_valid_audit_chain_on_postgresql(personas, tree):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    # Hand entries (one round trip each, server-side hashes) before and after the batch.
    from conftest import register

    register(personas.worker_a, tree.a, name="张伟")
    outcome = ledger_import(
        actor=personas.officer_a, township=tree.a, handle=ledger(rows(25)), commit=True
    )
    assert outcome.committed
    register(personas.worker_a, tree.a, name="王芳")
    result = verify_chain()
    assert result.ok, result.problem
    assert result.count == AuditEvent.objects.count()
