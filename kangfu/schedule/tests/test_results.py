"""Results, relapse, re-test, delegated tests and the art. 20 thresholds."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import ValidationError

from kangfu.cases import services as cases
from kangfu.cases.models import Finding
from kangfu.cases.tests.conftest import confirm, day
from kangfu.schedule import reminders, services
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


def test_it_proposes_a_relapse_on_a_confirmed_urine_positive_and_reports_it_once_confirmed(
    personas, case_a
):
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
    assert finding.state == "proposed" and not finding.needs_time_decision
    assert not case.reminders.filter(kind="lab_outstanding").exists()
    # Proposed: the person is to be told; nothing goes to public security yet.
    assert case.reminders.filter(kind="finding_notice", ref=finding.pk).exists()
    assert not case.reminders.filter(kind="police_report").exists()
    assert not PersonRisk.objects.get(person=case.person).needs_reassessment
    confirm(
        finding,
        worker=personas.worker_a,
        officer=personas.officer_a,
        notified="2024-05-06",
        decided="2024-05-10",
    )
    reminders.refresh_cases([case.pk], on=day("2024-05-10"))
    assert case.reminders.filter(kind="police_report", ref=finding.pk).exists()
    risk = PersonRisk.objects.get(person=case.person)
    assert risk.needs_reassessment and risk.reassessment_since == day("2024-05-10")
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
        with pytest.raises(ValidationError) as exc:  # the day the person was told comes first
            services.retest_request(
                actor=personas.worker_a, test=test, requested_on=day("2024-05-06")
            )
        assert "requested_on" in exc.value.error_dict
        # Told on Monday 6 May: 3 days, start day not counted → Thursday 9 May.
        services.test_result_told(actor=personas.worker_a, test=test, told_on=day("2024-05-06"))
        with pytest.raises(ValidationError):
            services.retest_request(
                actor=personas.worker_a, test=test, requested_on=day("2024-05-10")
            )
        services.retest_request(actor=personas.worker_a, test=test, requested_on=day("2024-05-09"))
        services.retest_result(
            actor=personas.worker_a, test=test, result="negative", result_on=day("2024-05-10")
        )
    test.refresh_from_db()
    assert test.outcome == "negative"
    # The relapse is withdrawn with the re-test; nothing is deleted.
    finding = Finding.objects.get(case=case, kind="relapse")
    assert finding.state == "withdrawn" and "复检" in finding.withdrawal_reason
    assert not case.reminders.filter(kind__in=["police_report", "finding_notice"]).exists()


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


def test_it_proposes_a_serious_breach_at_the_third_evaded_or_refused_test(personas, case_a):
    case, measure = case_a
    with time_machine.travel("2024-12-01 10:00 +0800", tick=False):
        _miss(personas.worker_a, case)
        _miss(personas.worker_a, case, "refused")
        assert not measure.findings.filter(kind="serious_breach").exists()
        _miss(personas.worker_a, case)
    assert Violation.objects.filter(measure=measure).count() == 3
    finding = measure.findings.get(kind="serious_breach")
    assert "3" in finding.grounds and finding.state == "proposed"
    assert personas.worker_a.pk in finding.facts_by
    assert case.reminders.filter(kind="finding_notice", ref=finding.pk).exists()
    assert not case.reminders.filter(kind="police_report").exists()


def test_it_never_counts_an_excused_miss(personas, case_a):
    case, measure = case_a
    with time_machine.travel("2024-12-01 10:00 +0800", tick=False):
        for _ in range(4):
            appointment = planned(case, "urine_test")[0]
            services.appointment_outcome(
                actor=personas.worker_a,
                appointment=appointment,
                outcome="excused",
                excuse="illness",
                note="住院，有医院证明",
                on=appointment.on,
            )
    assert not Violation.objects.exists()
    assert cases.breach_assess(measure).tests_counted == 0
    assert not measure.findings.exists()


def test_a_withdrawn_evaded_test_brings_the_count_back_under_the_threshold(personas, case_a):
    case, measure = case_a
    with time_machine.travel("2024-12-01 10:00 +0800", tick=False):
        for _ in range(3):
            _miss(personas.worker_a, case)
        finding = measure.findings.get(kind="serious_breach")
        wrong = Violation.objects.filter(measure=measure).first()
        services.violation_withdraw(
            actor=personas.worker_a, violation=wrong, reason="录入错误：当天已检测"
        )
    assert cases.breach_assess(measure).tests_counted == 2
    finding.refresh_from_db()
    assert finding.state == "withdrawn"
    wrong.refresh_from_db()
    assert wrong.withdrawn_by == personas.worker_a and wrong.withdrawal_reason
    assert Violation.objects.filter(measure=measure).count() == 3  # nothing deleted


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
    assert cases.breach_assess(measure).grounds == ("tests",)


@pytest.mark.parametrize(
    ("spans", "serious"),
    [
        # Three trips under 3 days need no written report: no departure at all.
        (
            [
                ("2024-04-01", "2024-04-02"),
                ("2024-05-01", "2024-05-02"),
                ("2024-06-01", "2024-06-02"),
            ],
            False,
        ),
        # The 3rd unreported trip of 3 days or more.
        ([("2024-04-01", "2024-04-04"), ("2024-05-01", "2024-05-04")], False),
        (
            [
                ("2024-04-01", "2024-04-04"),
                ("2024-05-01", "2024-05-04"),
                ("2024-06-01", "2024-06-04"),
            ],
            True,
        ),
        # 30 days in total is not more than 30; the 31st day is (day of leaving not counted).
        ([("2024-04-01", "2024-04-21"), ("2024-06-01", "2024-06-11")], False),
        ([("2024-04-01", "2024-04-21"), ("2024-06-01", "2024-06-12")], True),
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
        with pytest.raises(ValidationError) as exc:  # the kind of good reason is needed too
            services.appointment_outcome(
                actor=personas.worker_a,
                appointment=appointment,
                outcome="excused",
                on=appointment.on,
                note="住院",
            )
        assert "excuse" in exc.value.error_dict
        services.appointment_outcome(
            actor=personas.worker_a,
            appointment=appointment,
            outcome="excused",
            excuse="illness",
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


def test_a_hair_positive_three_months_in_asks_the_officer_when_the_use_was(personas, case_a):
    """Hair shows use in the 6 months before sampling: at month 3 of the measure that window
    reaches back before it began, so no relapse is proposed as shown — the officer decides."""
    case, measure = case_a
    assert measure.starts_on == day("2024-03-01")
    with time_machine.travel("2024-06-01 10:00 +0800", tick=False):
        test = services.test_record(
            actor=personas.worker_a,
            case=case,
            taken_on=day("2024-06-01"),
            sample="hair",
            screen_result="positive",
        )
    with time_machine.travel("2024-06-05 10:00 +0800", tick=False):
        services.test_lab_result(
            actor=personas.worker_a, test=test, result="positive", result_on=day("2024-06-05")
        )
    finding = Finding.objects.get(case=case, kind="relapse")
    assert finding.state == "proposed" and finding.needs_time_decision
    assert finding.window_from == day("2023-12-01")
    assert "2023-12-01" in finding.grounds
    assert not case.reminders.filter(kind="police_report").exists()


def test_a_hair_positive_whose_window_lies_inside_the_measure_proposes_a_relapse(personas, case_a):
    case, _measure = case_a
    with time_machine.travel("2024-10-01 10:00 +0800", tick=False):
        test = services.test_record(
            actor=personas.worker_a,
            case=case,
            taken_on=day("2024-10-01"),
            sample="hair",
            screen_result="positive",
        )
        services.test_lab_result(
            actor=personas.worker_a, test=test, result="positive", result_on=day("2024-10-01")
        )
    finding = Finding.objects.get(case=case, kind="relapse")
    assert finding.state == "proposed" and not finding.needs_time_decision


def test_it_tells_a_second_submit_of_one_appointment_that_it_is_recorded(personas, case_a):
    case, _ = case_a
    with time_machine.travel("2024-05-01 10:00 +0800", tick=False):
        appointment = planned(case, "urine_test")[0]
        stale = type(appointment).objects.get(pk=appointment.pk)  # the second tab's copy
        record = dict(
            actor=personas.worker_a,
            case=case,
            taken_on=day("2024-05-01"),
            sample="urine",
            screen_result="negative",
        )
        services.test_record(appointment=appointment, **record)
        with pytest.raises(ValidationError, match="该安排已有结果"):
            services.test_record(appointment=stale, **record)
    assert case.drug_tests.count() == 1


def test_a_result_whose_reminder_refresh_fails_is_not_recorded(personas, case_a, monkeypatch):
    """The refresh after a write runs in the write's transaction without a savepoint of its
    own: if it fails, the write fails with it — no result, the appointment still planned."""
    from django.db import DatabaseError

    from kangfu.schedule.models import Appointment, DrugTest

    case, _ = case_a
    with time_machine.travel("2024-05-01 10:00 +0800", tick=False):
        appointment = planned(case, "urine_test")[0]

        def broken(**kwargs):
            raise DatabaseError("the reminder table is unreachable")

        monkeypatch.setattr(reminders, "downgrade_rows", broken)
        with pytest.raises(DatabaseError):
            services.test_record(
                actor=personas.worker_a,
                case=case,
                appointment=appointment,
                taken_on=day("2024-05-01"),
                sample="urine",
                screen_result="negative",
            )
    assert not DrugTest.objects.filter(appointment=appointment).exists()
    assert Appointment.objects.get(pk=appointment.pk).state == "planned"
