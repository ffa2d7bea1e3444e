"""How the schedule reacts to facts of lower apps (listed in kangfu.web.reactions): the plan
of tests and visits is redrawn from the first day the fact affects."""

from __future__ import annotations

from kangfu.cases.events import LeaveApproved, MeasureChanged, MeasuresChanged
from kangfu.risk.events import CategoryApproved
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
