"""Reminders appear when their condition holds and clear when acted on; the sweep is
idempotent."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command

from kangfu.cases import services as cases
from kangfu.cases.tests.conftest import day
from kangfu.schedule import reminders, services
from kangfu.schedule.models import Reminder
from kangfu.schedule.tests.conftest import active_case, planned

pytestmark = pytest.mark.django_db


def sweep(on: str) -> str:
    out = io.StringIO()
    with time_machine.travel(f"{on} 01:30 +0800", tick=False):
        call_command("sweep", "--date", on, stdout=out)
    return out.getvalue()


def kinds(case) -> set[str]:
    return set(case.reminders.values_list("kind", flat=True))


def test_it_shows_a_test_due_today_then_overdue_then_clears_it_when_recorded(personas, case_a):
    case, _ = case_a
    first = planned(case, "urine_test")[0]
    sweep("2024-04-30")
    assert not case.reminders.filter(ref=first.pk, kind__in=("due_today", "overdue")).exists()
    sweep("2024-05-01")
    assert case.reminders.get(ref=first.pk, kind="due_today").detail == "urine_test"
    sweep("2024-05-02")
    assert case.reminders.filter(ref=first.pk, kind="overdue").exists()
    assert not case.reminders.filter(ref=first.pk, kind="due_today").exists()
    with time_machine.travel("2024-05-02 10:00 +0800", tick=False):
        services.test_record(
            actor=personas.worker_a,
            case=case,
            appointment=first,
            taken_on=day("2024-05-02"),
            sample="urine",
            screen_result="negative",
        )
    assert not case.reminders.filter(ref=first.pk, kind__in=("due_today", "overdue")).exists()


def test_it_sweeps_idempotently(personas, people, case_a):
    _case, _ = case_a
    active_case(personas.worker_b, people.in_b, reported="2024-01-31")
    first = sweep("2024-05-02")
    assert "+0 -0" not in first
    rows = list(Reminder.objects.order_by("id").values())
    second = sweep("2024-05-02")
    assert "+0 -0" in second and second.startswith("sweep 2024-05-02: 2 open cases")
    assert list(Reminder.objects.order_by("id").values()) == rows


def test_it_reminds_of_a_first_assessment_and_the_measure_ending(personas, people):
    case, measure = active_case(personas.worker_a, people.in_a, reported="2021-03-01")
    sweep("2024-01-29")
    assert "reassessment_due" in kinds(case)
    assert "measure_ending" not in kinds(case)
    # The last day is 2024-02-29: within 30 days from 2024-01-30.
    sweep("2024-01-30")
    assert case.reminders.get(kind="measure_ending").due_on == measure.ends_on


def test_it_reminds_when_a_case_can_be_sealed(personas, people):
    case, measure = active_case(personas.worker_a, people.in_a, reported="2021-01-04")
    with time_machine.travel("2024-01-04 10:00 +0800", tick=False):
        cases.measure_end(actor=personas.worker_a, measure=measure)
    # Last day 2024-01-03: sealing is allowed from 2027-01-04 (three full years after).
    sweep("2027-01-03")
    assert "can_seal" not in kinds(case)
    sweep("2027-01-04")
    assert "can_seal" in kinds(case)
    with time_machine.travel("2027-01-04 10:00 +0800", tick=False):
        case.refresh_from_db()
        cases.case_seal(actor=personas.worker_a, case=case)
    sweep("2027-01-05")
    assert not kinds(case)
    # Five years later the identity data is past retention: the records officer's reminder.
    sweep("2032-01-04")
    assert kinds(case) == {"past_retention"}


def test_it_reminds_that_a_downgrade_is_possible_once_the_measure_is_gone(personas, people, tree):
    from kangfu.risk.tests.conftest import approved

    case, measure = active_case(personas.worker_a, people.in_a, reported="2024-03-01")
    with time_machine.travel("2024-03-05 10:00 +0800", tick=False):
        approved(personas.worker_a, personas.officer_a, people.in_a)
    sweep("2024-03-06")
    assert "downgrade_possible" not in kinds(case)
    assert "reassessment_due" not in kinds(case)
    with time_machine.travel("2024-06-10 10:00 +0800", tick=False):
        cases.measure_terminate(
            actor=personas.worker_a,
            measure=measure,
            kind="compulsory_isolation",
            starts_on=day("2024-06-10"),
        )
    sweep("2024-06-11")
    reminder = case.reminders.get(kind="downgrade_possible")
    assert reminder.detail == "low"


def test_it_refreshes_one_case_without_touching_others(personas, people, case_a):
    case, _ = case_a
    other, _ = active_case(personas.worker_b, people.in_b, reported="2024-03-01")
    reminders.refresh(on=dt.date(2024, 5, 2))
    before = other.reminders.count()
    Reminder.objects.filter(case=case).delete()
    reminders.refresh_cases([case.pk], on=dt.date(2024, 5, 2))
    assert case.reminders.exists() and other.reminders.count() == before
