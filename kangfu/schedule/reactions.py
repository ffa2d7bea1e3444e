"""How the schedule reacts to facts of lower apps (listed in kangfu.web.reactions): the plan
of tests and visits is redrawn from the first day the fact affects; the due summaries the
lists sort by follow a sealing and the daily sweep (schedule.summary)."""

from __future__ import annotations

from kangfu.cases.events import CaseSealed, LeaveApproved, MeasureChanged, MeasuresChanged
from kangfu.risk.events import CategoryApproved
from kangfu.schedule import summary
from kangfu.schedule.events import SweepCompleted
from kangfu.schedule.services import plan_rebuild


def replan_after_measure(event: MeasureChanged) -> None:
    if event.plan_from is not None:
        plan_rebuild(person=event.case.person, from_date=event.plan_from)


def replan_after_measures(event: MeasuresChanged) -> None:
    """Many measures changed at once: each case is re-planned as one change would be."""
    for change in event.changes:
        replan_after_measure(change)


def replan_after_leave(event: LeaveApproved) -> None:
    plan_rebuild(person=event.case.person, from_date=event.leave.leaves_on)


def replan_after_category(event: CategoryApproved) -> None:
    plan_rebuild(person=event.person, from_date=event.on)


def summary_after_sealing(event: CaseSealed) -> None:
    # The person list leaves a sealed case's appointments out of the person's figures.
    summary.refresh(case_ids=[event.case.pk])


def summary_after_sweep(event: SweepCompleted) -> None:
    # A new day: the next due day moves on past the days gone by (one set-based statement
    # per table; the lists stay exact without it, only slower).
    summary.refresh(on=event.on)
