"""Results, relapse, re-test, delegated tests and the art. 20 thresholds."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import ValidationError

from kangfu.cases import services as cases
from kangfu.cases.models import Finding
from kangfu.cases.tests.conftest import day
from kangfu.schedule import services
from kangfu.schedule.models import Violation
from kangfu.schedule.tests.conftest import planned

pytestmark = pytest.mark.django_db


def _positive(worker, case, on="2024-05-01"):
    with time_machine.travel(f"{on} 10:00 +0800", tick=False):
        appointment = planned(case, "urine_test")[0]
        return services.test_record(
            actor=worker,
            case=case,
            appointment=appointment,
            taken_on=day(on),
            sample="urine",
            screen_result="positive",
        )


def test_it_makes_a_confirmed_positive_a_relapse_with_the_art21_duty(personas, case_a):
    case, measure = case_a
    from kangfu.risk.models import PersonRisk

    # The start of the measure marked the person; as after an approved assessment, clear it.
    PersonRisk.objects.filter(person=case.person).update(needs_reassessment=False)
    test = _positive(personas.worker_a, case)
    assert test.outcome == "pending"
    assert case.reminders.filter(kind="lab_outstanding", ref=test.pk).exists()
    with time_machine.travel("2024-05-04 10:00 +0800", tick=False):
        services.test_lab_result(
            actor=personas.worker_a, test=test, result="positive", result_on=day("2024-05-04")
        )
    finding = Finding.objects.get(case=case, kind="relapse")
    assert test.finding == finding and finding.measure == measure
    assert not case.reminders.filter(kind="lab_outstanding").exists()
    assert case.reminders.filter(kind="police_report", ref=finding.pk).exists()
    risk = PersonRisk.objects.get(person=case.person)
    assert risk.needs_reassessment and risk.reassessment_since == day("2024-05-04")
    # A relapse is not H1 evidence: the fallback category stays medium.
    from kangfu.cases.selectors import category_of

    assert category_of(case).value == "medium"


def test_it_lets_the_person_ask_for_a_retest_within_three_days(personas, case_a):
    case, _ = case_a
    test = _positive(personas.worker_a, case)
    with time_machine.travel("2024-05-10 10:00 +0800", tick=False):
        services.test_lab_result(
            actor=personas.worker_a, test=test, result="positive", result_on=day("2024-05-04")
        )
        with pytest.raises(ValidationError):
            services.retest_request(
                actor=personas.worker_a, test=test, requested_on=day("2024-05-08")
            )
        services.retest_request(actor=personas.worker_a, test=test, requested_on=day("2024-05-07"))
        services.retest_result(
            actor=personas.worker_a, test=test, result="negative", result_on=day("2024-05-10")
        )
    test.refresh_from_db()
    assert test.outcome == "negative"
    # The unreported relapse finding is withdrawn with the re-test.
    assert not Finding.objects.filter(case=case, kind="relapse").exists()
    assert not case.reminders.filter(kind="police_report").exists()


def test_it_takes_a_delegated_test_in_another_township(personas, case_a, tree):
    case, _ = case_a
    appointment = planned(case, "urine_test")[0]
    with time_machine.travel("2024-04-28 10:00 +0800", tick=False):
        request = services.delegation_request(
            actor=personas.worker_a,
            case=case,
            to_township=tree.b,
            sample="urine",
            due_by=day("2024-05-03"),
            appointment=appointment,
        )
    with time_machine.travel("2024-05-02 10:00 +0800", tick=False):
        with pytest.raises(Exception):  # noqa: B017 - A cannot record for B
            services.delegation_record_test(
                actor=personas.worker_a,
                request=request,
                taken_on=day("2024-05-02"),
                screen_result="negative",
            )
        test = services.delegation_record_test(
            actor=personas.worker_b,
            request=request,
            taken_on=day("2024-05-02"),
            screen_result="negative",
        )
    appointment.refresh_from_db()
    request.refresh_from_db()
    assert test.case == case and test.taken_at == tree.b and test.taken_by == personas.worker_b
    assert appointment.state == "done" and request.state == "done"
    assert case.person.disclosures.filter(recipient__contains="城西").exists()


def _miss(worker, case, outcome="missed"):
    appointment = planned(case, "urine_test")[0]
    services.appointment_outcome(
        actor=worker, appointment=appointment, outcome=outcome, on=appointment.on
    )


def test_it_records_a_serious_breach_at_the_third_missed_or_refused_test(personas, case_a):
    case, measure = case_a
    with time_machine.travel("2024-12-01 10:00 +0800", tick=False):
        _miss(personas.worker_a, case)
        _miss(personas.worker_a, case, "refused")
        assert not measure.findings.filter(kind="serious_breach").exists()
        _miss(personas.worker_a, case)
    assert Violation.objects.filter(measure=measure).count() == 3
    finding = measure.findings.get(kind="serious_breach")
    assert "3" in finding.grounds
    assert case.reminders.filter(kind="police_report", ref=finding.pk).exists()


def test_it_counts_a_missed_visit_as_no_violation(personas, case_a):
    case, _measure = case_a
    visit = planned(case, "visit")[0]
    with time_machine.travel("2024-12-01 10:00 +0800", tick=False):
        services.appointment_outcome(
            actor=personas.worker_a, appointment=visit, outcome="missed", on=visit.on
        )
    assert not Violation.objects.exists()


def test_it_counts_missed_tests_together_with_absences(personas, case_a):
    case, measure = case_a
    with time_machine.travel("2024-12-01 10:00 +0800", tick=False):
        _miss(personas.worker_a, case)
        _miss(personas.worker_a, case)
        assert cases.breach_assess(measure).serious is False
        _miss(personas.worker_a, case, "refused")
    assert cases.breach_assess(measure).grounds == ("test_refusals",)


@pytest.mark.parametrize(
    ("spans", "serious"),
    [
        # The 3rd unauthorised absence.
        ([("2024-04-01", "2024-04-01"), ("2024-05-01", "2024-05-01")], False),
        (
            [
                ("2024-04-01", "2024-04-01"),
                ("2024-05-01", "2024-05-01"),
                ("2024-06-01", "2024-06-01"),
            ],
            True,
        ),
        # 30 days in total is not more than 30; the 31st day is.
        ([("2024-04-01", "2024-04-20"), ("2024-06-01", "2024-06-10")], False),
        ([("2024-04-01", "2024-04-20"), ("2024-06-01", "2024-06-11")], True),
    ],
)
def test_it_applies_the_absence_thresholds(personas, case_a, spans, serious):
    case, measure = case_a
    with time_machine.travel("2024-12-01 10:00 +0800", tick=False):
        for first, last in spans:
            cases.absence_record(
                actor=personas.worker_a, case=case, first_day=day(first), last_day=day(last)
            )
    assert measure.findings.filter(kind="serious_breach").exists() is serious


def test_it_refuses_an_outcome_twice_and_an_excuse_without_reason(personas, case_a):
    case, _ = case_a
    appointment = planned(case, "urine_test")[0]
    with time_machine.travel("2024-12-01 10:00 +0800", tick=False):
        with pytest.raises(ValidationError):
            services.appointment_outcome(
                actor=personas.worker_a,
                appointment=appointment,
                outcome="excused",
                on=appointment.on,
            )
        services.appointment_outcome(
            actor=personas.worker_a,
            appointment=appointment,
            outcome="excused",
            on=appointment.on,
            note="住院",
        )
        with pytest.raises(ValidationError):
            services.appointment_outcome(
                actor=personas.worker_a,
                appointment=appointment,
                outcome="missed",
                on=appointment.on,
            )
    assert not Violation.objects.exists()
