"""The pure policy engine: the one import the rest of Kangfu needs.

Frozen facts in, a result with reasons out; no ORM, no settings, so rules can be called from a
service, a command, the API or a hypothesis test alike. The pieces live in small modules:
``facts`` (input and its JSON form), ``classify`` (criteria and adjustment), ``rules`` (pack
dates and thresholds) and ``scheduling`` (due dates).
"""

from kangfu.policy.choices import CannotBeHeld, Category, DueKind, MeasureKind, PeriodKind
from kangfu.policy.classify import Reason, Result, adjust, classify
from kangfu.policy.facts import Facts, FactsError, facts_from_dict, facts_from_json
from kangfu.policy.rules import (
    BreachAssessment,
    days_absent,
    leave_needs_written_report,
    measure_end,
    next_review_on,
    report_deadline,
    review_request_answer_by,
    sealing_due_on,
    serious_breach,
)
from kangfu.policy.scheduling import Due, schedule

__all__ = [
    "BreachAssessment",
    "CannotBeHeld",
    "Category",
    "Due",
    "DueKind",
    "Facts",
    "FactsError",
    "MeasureKind",
    "PeriodKind",
    "Reason",
    "Result",
    "adjust",
    "classify",
    "days_absent",
    "facts_from_dict",
    "facts_from_json",
    "leave_needs_written_report",
    "measure_end",
    "next_review_on",
    "report_deadline",
    "review_request_answer_by",
    "schedule",
    "sealing_due_on",
    "serious_breach",
]
