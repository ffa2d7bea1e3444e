"""The stored due summaries behind the caseload and the person list (schedule.summary) agree
with the appointments after every kind of change: a recorded result, an approved assessment,
an approved leave (the plan moves), a transfer, the end of the measure and the closure, a
sealing, and days passing with and without the sweep. "Agree" twice over: what the lists
show equals the figures read straight from the appointments, and a full rebuild changes no
stored row (so the incremental upkeep missed nothing)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import CommandError, call_command

from kangfu.cases import services as cases
from kangfu.cases.tests.conftest import day
from kangfu.risk.tests.conftest import H3, H3_EVIDENCE, approved
from kangfu.schedule import services as schedule
from kangfu.schedule import summary, sweep
from kangfu.schedule.models import CaseDueSummary, PersonDueSummary
from tests.flows.test_caseload_columns import _active

pytestmark = pytest.mark.django_db


def stored(on: dt.date) -> dict:
    """Every stored row as the lists may use it on ``on``: the oldest planned day, and the
    next due day while it is still valid (computed on or before ``on``, not yet past)."""
    rows = {}
    for kind, model in (("case", CaseDueSummary), ("person", PersonDueSummary)):
        for pk, first, nxt, as_of in model.objects.values_list(
            "pk", "first_planned_on", "next_due_on", "as_of"
        ):
            valid = as_of <= on and (nxt is None or nxt >= on)
            rows[kind, pk] = (first, nxt if valid else "stale")
    return rows


def assert_agree(on: str) -> None:
    on_day = day(on)
    with time_machine.travel(f"{on} 12:00 +0800", tick=False):
        assert summary.disagreements(on=on_day) == []
        before = stored(on_day)
        summary.refresh(on=on_day)
        after = stored(on_day)
    for key, row in after.items():
        # A row the upkeep never wrote must be one with nothing planned.
        kept = before.get(key, (None, None))
        assert kept[1] == "stale" or kept == row, f"{key}: kept {kept}, rebuilt {row}"
        assert kept[0] == row[0], f"{key}: kept {kept}, rebuilt {row}"


def oldest_planned_test(case):
    return case.appointments.filter(state="planned", kind__endswith="_test").order_by("on").first()


def test_the_summaries_follow_every_kind_of_change(personas, people, tree):
    worker = personas.worker_a
    case = _active(worker, people.in_a, reported="2024-03-01")
    assert CaseDueSummary.objects.filter(case=case).exists()
    assert PersonDueSummary.objects.filter(person=people.in_a).exists()
    assert_agree("2024-03-01")

    # A result recorded for the oldest planned test: the oldest planned day moves on.
    first = oldest_planned_test(case)
    with time_machine.travel(dt.datetime.combine(first.on, dt.time(10)), tick=False):
        schedule.test_record(
            actor=worker,
            case=case,
            taken_on=first.on,
            sample=schedule.sample_for(first),
            screen_result="negative",
            appointment=first,
        )
        assert_agree(first.on.isoformat())
    first.refresh_from_db()
    assert first.state == "done"
    oldest = case.appointments.filter(state="planned").order_by("on").first()
    assert case.due_summary.first_planned_on == oldest.on

    # An approved assessment with a new category: the plan follows the new rhythm.
    with time_machine.travel("2024-04-10 10:00 +0800", tick=False):
        approved(worker, personas.officer_a, people.in_a, answers=H3, evidence=H3_EVIDENCE)
    assert_agree("2024-04-10")

    # An approved leave: what fell inside it moves out.
    with time_machine.travel("2024-04-12 10:00 +0800", tick=False):
        leave = cases.leave_request_record(
            actor=worker,
            case=case,
            submitted_on=day("2024-04-12"),
            leaves_on=day("2024-04-15"),
            returns_on=day("2024-05-20"),
            destination_county="东川市西山区",
            reason="探亲",
            long_reason="照顾住院的母亲",
        )
        cases.leave_decide(actor=personas.officer_a, leave=leave, approve=True)
    assert_agree("2024-04-12")

    # A transfer to township B: the case (and its plan) moves.
    with time_machine.travel("2024-05-25 10:00 +0800", tick=False):
        transfer = cases.transfer_propose(
            actor=worker, case=case, to_township=tree.b, reason="residence"
        )
        cases.transfer_accept(actor=personas.worker_b, transfer=transfer)
    assert_agree("2024-05-25")

    # Days pass without a write: still exact (the next due day is looked up again) …
    assert_agree("2024-07-20")
    # … and the sweep moves the stored next due day on.
    with time_machine.travel("2024-07-20 03:00 +0800", tick=False):
        sweep.run(on=day("2024-07-20"))
    case.due_summary.refresh_from_db()
    assert case.due_summary.as_of == day("2024-07-20")
    assert case.due_summary.next_due_on >= day("2024-07-20")
    assert_agree("2024-07-20")


def test_the_summaries_follow_the_end_the_closure_and_the_sealing(personas, people):
    worker = personas.worker_a
    case = _active(worker, people.in_a, reported="2024-03-05")
    measure = case.measures.get()
    with time_machine.travel("2027-03-04 10:00 +0800", tick=False):
        cases.measure_end(actor=worker, measure=measure)
    case.refresh_from_db()
    assert case.state == "closed"
    assert_agree("2027-03-04")
    with time_machine.travel("2030-03-05 10:00 +0800", tick=False):
        cases.case_seal(actor=worker, case=case)
    assert_agree("2030-03-05")
    person = PersonDueSummary.objects.get(person=people.in_a)
    assert person.first_planned_on is None and person.next_due_on is None


def test_the_command_rebuilds_and_checks_them(personas, people, capsys):
    case = _active(personas.worker_a, people.in_a, reported="2024-03-01")
    with time_machine.travel("2024-06-30 10:00 +0800", tick=False):
        call_command("schedule_summaries", "--check")
        # Rows written behind the upkeep's back: the check fails, a rebuild mends them.
        CaseDueSummary.objects.filter(case=case).update(first_planned_on=day("2024-06-01"))
        with pytest.raises(CommandError):
            call_command("schedule_summaries", "--check")
        call_command("schedule_summaries")
        call_command("schedule_summaries", "--check")
    assert "rebuilt" in capsys.readouterr().out
