"""Planning: from the pack, category and measure; around leave and detention; re-planned
forward when the category changes; nothing without a measure or consent."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from kangfu.cases import services as cases
from kangfu.cases.tests.conftest import day, open_case
from kangfu.schedule import services
from kangfu.schedule.choices import AppointmentState, MoveReason
from kangfu.schedule.models import Appointment
from kangfu.schedule.tests.conftest import active_case, planned

pytestmark = pytest.mark.django_db


def test_it_plans_the_medium_schedule_from_the_reporting_day(case_a):
    case, measure = case_a
    urine = planned(case, "urine_test")
    # cn-2016 medium: urine every 2 months from the anchor, up to the measure's last day.
    assert [a.on for a in urine[:3]] == [day("2024-05-01"), day("2024-07-01"), day("2024-09-01")]
    assert urine[-1].on <= measure.ends_on == day("2027-02-28")
    assert {a.kind for a in planned(case)} == {"urine_test", "hair_test", "visit"}
    assert all(a.basis == "measure" and a.measure_id == measure.pk for a in planned(case))


def test_it_plans_nothing_without_a_measure_or_consent(personas, people):
    with time_machine.travel("2024-03-01 09:00 +0800", tick=False):
        case = open_case(personas.worker_a, people.in_a)
        services.plan_rebuild(person=people.in_a, from_date=day("2024-03-01"))
    assert not case.appointments.exists()


def test_it_plans_only_calls_on_consent_after_the_measure(personas, people):
    case, measure = active_case(personas.worker_a, people.in_a, reported="2021-01-04")
    with time_machine.travel("2024-01-10 09:00 +0800", tick=False):
        cases.measure_end(actor=personas.worker_a, measure=measure)
        assert not case.appointments.filter(on__gt=measure.ends_on).exists()
        services.consent_record(
            actor=personas.worker_a,
            case=case,
            given_on=day("2024-01-10"),
            ends_on=day("2025-01-09"),
        )
    after = list(case.appointments.filter(on__gt=measure.ends_on))
    assert {a.kind for a in after} == {"call"}
    assert [a.on for a in after][:2] == [day("2024-04-10"), day("2024-07-10")]
    assert all(a.basis == "consent" for a in after)


def test_it_moves_appointments_out_of_approved_leave_with_the_reason(personas, case_a):
    case, _ = case_a
    with time_machine.travel("2024-04-20 09:00 +0800", tick=False):
        leave = cases.leave_request_record(
            actor=personas.worker_a,
            case=case,
            submitted_on=day("2024-04-20"),
            leaves_on=day("2024-04-28"),
            returns_on=day("2024-05-06"),
            destination_county="某某县",
            reason="探亲",
        )
        cases.leave_decide(actor=personas.worker_a, leave=leave, approve=True)
    moved = case.appointments.get(kind="urine_test", due_on=day("2024-05-01"))
    assert moved.on == day("2024-05-07")
    assert moved.moved_reason == MoveReason.LEAVE
    visit = case.appointments.get(kind="visit", due_on=day("2024-05-01"))
    assert visit.on == day("2024-05-07")


def test_it_plans_nothing_during_detention_and_moves_to_the_day_of_release(personas, case_a):
    case, measure = case_a
    with time_machine.travel("2024-04-15 09:00 +0800", tick=False):
        cases.measure_suspend(
            actor=personas.worker_a, measure=measure, detained_on=day("2024-04-15")
        )
    assert not case.appointments.filter(state="planned", on__gte=day("2024-04-15")).exists()
    with time_machine.travel("2024-07-20 09:00 +0800", tick=False):
        measure.refresh_from_db()
        cases.measure_resume(
            actor=personas.worker_a, measure=measure, released_on=day("2024-07-20")
        )
    measure.refresh_from_db()
    # The May and July urine tests fell in detention: both move to the day of release,
    # where they become one.
    urine = planned(case, "urine_test")
    assert urine[0].on == day("2024-07-20") and urine[0].moved_reason == MoveReason.DETENTION
    assert urine[1].on == day("2024-09-01") and urine[1].moved_reason == ""
    # The term moved by the 96 days away, and the plan runs to its new end.
    assert measure.ends_on == day("2027-06-04")
    assert case.appointments.filter(on__gt=day("2027-02-28")).exists()


def test_it_replans_forward_when_the_category_changes_and_keeps_past_results(personas, case_a):
    case, _ = case_a
    first = planned(case, "urine_test")[0]
    with time_machine.travel("2024-05-02 09:00 +0800", tick=False):
        services.test_record(
            actor=personas.worker_a,
            case=case,
            appointment=first,
            taken_on=day("2024-05-01"),
            sample="urine",
            screen_result="negative",
        )
        from kangfu.risk.models import PersonRisk

        PersonRisk.objects.update_or_create(
            person=case.person,
            defaults={
                "category": "high",
                "since": day("2024-05-02"),
                "assessed_on": day("2024-05-02"),
                "next_review_on": day("2024-08-02"),
            },
        )
        cases.case_category_record(person=case.person, category="high")
        services.plan_rebuild(person=case.person, from_date=day("2024-05-02"))
    first.refresh_from_db()
    assert first.state == AppointmentState.DONE and first.test.screen_result == "negative"
    urine = [a.on for a in planned(case, "urine_test")]
    # High: monthly from the anchor, from the change on.
    assert urine[:3] == [day("2024-06-01"), day("2024-07-01"), day("2024-08-01")]
    assert (
        Appointment.objects.filter(case=case, due_on=day("2024-05-01"), kind="urine_test").count()
        == 1
    )


def test_it_stops_planning_when_the_measure_terminates(personas, case_a):
    case, measure = case_a
    with time_machine.travel("2024-06-10 09:00 +0800", tick=False):
        cases.measure_terminate(
            actor=personas.worker_a,
            measure=measure,
            kind="compulsory_isolation",
            starts_on=day("2024-06-10"),
        )
    assert not case.appointments.filter(state="planned", on__gte=day("2024-06-10")).exists()
    assert case.appointments.filter(state="planned", on__lt=day("2024-06-10")).exists()


def test_it_rebuilds_idempotently(case_a):
    case, _ = case_a
    before = list(case.appointments.values_list("pk", "kind", "on"))
    assert services.plan_rebuild(person=case.person, from_date=day("2024-03-01")) == 0
    assert list(case.appointments.values_list("pk", "kind", "on")) == before
    assert dt.date(2024, 3, 1) not in [on for _, _, on in before]
