import datetime as dt

import pytest
import time_machine

from kangfu.access.models import AuditEvent
from kangfu.cases.models import Case, Measure
from kangfu.ledger.services import ledger_import
from kangfu.ledger.tests.factories import ledger, row, rows
from kangfu.people.models import Person
from kangfu.risk.models import PersonRisk
from kangfu.schedule.models import Appointment, DrugTest

pytestmark = pytest.mark.django_db
TODAY = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


def run(personas, tree, file, commit=True):
    return ledger_import(actor=personas.officer_a, township=tree.a, handle=file, commit=commit)


def test_it_imports_200_valid_rows_exactly(personas, tree):
    outcome = run(personas, tree, ledger(rows(200)))
    assert outcome.ok, outcome.problems[:3]
    assert outcome.committed
    assert Person.objects.filter(township=tree.a).count() == 200
    assert Case.objects.count() == 200
    assert Measure.objects.filter(state="active").count() == 200
    assert PersonRisk.objects.filter(category="medium").count() == 200
    assert DrugTest.objects.count() == 400
    person = Person.objects.first()
    assert person.created_by == personas.officer_a
    # Each record writes its audit events like a hand entry.
    created = AuditEvent.objects.filter(action="create", object_type="people.person")
    assert created.values("object_id").distinct().count() == 200
    # The plan starts on the import day: the ledger's past is not overdue work.
    assert Appointment.objects.exists()
    assert not Appointment.objects.filter(on__lt=dt.date(2026, 11, 20)).exists()


def test_it_plans_the_same_appointments_as_the_per_case_replan(personas, tree):
    from kangfu.schedule.services import plan_rebuild

    run(personas, tree, ledger(rows(3)))
    person = Person.objects.first()
    before = sorted(Appointment.objects.filter(case__person=person).values_list("kind", "on"))
    assert plan_rebuild(person=person, from_date=dt.date(2026, 11, 20)) == 0
    after = sorted(Appointment.objects.filter(case__person=person).values_list("kind", "on"))
    assert before == after


def test_it_commits_nothing_when_one_row_in_200_is_bad(personas, tree):
    good = rows(200)
    bad_id = good[136][1][:-1] + ("0" if good[136][1][-1] != "0" else "1")
    good[136][1] = bad_id
    outcome = run(personas, tree, ledger(good))
    assert not outcome.committed
    assert not Person.objects.exists() and not Case.objects.exists()
    assert not AuditEvent.objects.filter(object_type="people.person").exists()
    [problem] = outcome.problems
    assert problem.row == 138  # row 1 is the header
    assert problem.column == "公民身份号码"
    assert "校验码" in problem.message or "不符" in problem.message or "身份" in problem.message


def test_it_changes_nothing_when_the_same_file_is_imported_again(personas, tree):
    data = ledger(rows(20)).getvalue()
    import io

    first = run(personas, tree, io.BytesIO(data))
    assert first.committed
    counts = (
        Person.objects.count(),
        Measure.objects.count(),
        DrugTest.objects.count(),
        Appointment.objects.count(),
        AuditEvent.objects.count(),
    )
    again = run(personas, tree, io.BytesIO(data))
    assert again.ok and again.committed
    assert again.matched["persons"] == 20 and again.matched["measures"] == 20
    assert not again.created
    assert counts[:4] == (
        Person.objects.count(),
        Measure.objects.count(),
        DrugTest.objects.count(),
        Appointment.objects.count(),
    )


def test_it_matches_a_person_registered_by_hand_instead_of_duplicating(personas, tree):
    from conftest import register

    person = register(personas.worker_a, tree.a, name="陈晓东")
    outcome = run(personas, tree, ledger([row(1, id_number=person.id_number)]))
    assert outcome.ok
    assert outcome.matched["persons"] == 1
    assert Person.objects.count() == 1
    assert Measure.objects.get().person == person


def test_it_refuses_a_person_of_another_jurisdiction_without_saying_where(personas, tree):
    from conftest import register

    other = register(personas.worker_b, tree.b, name="李娜")
    outcome = run(personas, tree, ledger([row(1, id_number=other.id_number)]))
    [problem] = outcome.problems
    assert problem.column == "公民身份号码"
    assert "城西" not in problem.message
    assert Measure.objects.count() == 0


def test_it_lists_every_problem_by_row_and_column_in_chinese(personas, tree):
    bad = [
        row(1, reported_on="2026-13-01"),
        row(2, risk_category="低"),
        row(3, caseworker="nobody_here"),
        row(4, tests="2026-07-10 血液 阴性"),
        row(2, decision_number="公(禁)决字〔2026〕99号"),
        row(5, decided_on="2027-01-01", received_on="2027-01-02", reported_on=""),
    ]
    outcome = run(personas, tree, ledger(bad), commit=False)
    got = {(p.row, p.column) for p in outcome.problems}
    assert (2, "报到日期") in got
    assert (3, "风险等级") in got
    assert (4, "社工账号") in got
    assert (5, "既往检测") in got
    assert (6, "公民身份号码") in got  # the same ID number as row 3
    assert any(p.row == 7 and p.column in ("决定日期", "收到决定日期") for p in outcome.problems)
    messages = " ".join(p.message for p in outcome.problems)
    assert "第 3 行" in messages or "3" in messages
    assert not Person.objects.exists()


def test_a_preview_writes_nothing(personas, tree):
    outcome = run(personas, tree, ledger(rows(5)), commit=False)
    assert outcome.ok and not outcome.committed
    assert outcome.rows == 5
    assert not Person.objects.exists() and not AuditEvent.objects.exists()


def test_it_refuses_a_caseworker_who_is_not_a_township_officer(personas, tree):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        ledger_import(actor=personas.worker_a, township=tree.a, handle=ledger(rows(1)), commit=True)
