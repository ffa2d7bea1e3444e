"""The pure policy engine: the one import the rest of Kangfu needs.

Frozen facts in, a result with reasons out; no ORM, no settings, so rules can be called from a
service, a command, the API or a hypothesis test alike. The pieces live in small modules:
``facts`` (input and its JSON form), ``classify`` (criteria and adjustment), ``rules`` (pack
dates and thresholds), ``scheduling`` (due dates), ``deadlines`` (periods in days with the
holiday rule) and ``breach`` (art. 20 counts and relapse, proposed only).
"""

from kangfu.policy.breach import (
    Absence,
    BreachFacts,
    BreachResult,
    DrugTestFact,
    DrugTestOutcome,
    LeaveSpan,
    LeaveStatus,
    MeasureSpan,
    Positive,
    RelapseFinding,
    RelapseResult,
    Sample,
    assess,
    breach_facts_from_dict,
    breach_facts_from_json,
    relapse,
)
from kangfu.policy.choices import CannotBeHeld, Category, DueKind, MeasureKind, PeriodKind
from kangfu.policy.classify import Reason, Result, adjust, classify
from kangfu.policy.deadlines import Deadline, DeadlineKind, deadline, period_days
from kangfu.policy.facts import Facts, FactsError, facts_from_dict, facts_from_json
from kangfu.policy.rules import (
    BreachAssessment,
    leave_needs_written_report,
    measure_end,
    next_review_on,
    review_request_answer_by,
    sealing_due_on,
    serious_breach,
)
from kangfu.policy.scheduling import Due, schedule

__all__ = [
    "Absence",
    "BreachAssessment",
    "BreachFacts",
    "BreachResult",
    "CannotBeHeld",
    "Category",
    "Deadline",
    "DeadlineKind",
    "DrugTestFact",
    "DrugTestOutcome",
    "Due",
    "DueKind",
    "Facts",
    "FactsError",
    "LeaveSpan",
    "LeaveStatus",
    "MeasureKind",
    "MeasureSpan",
    "PeriodKind",
    "Positive",
    "Reason",
    "RelapseFinding",
    "RelapseResult",
    "Result",
    "Sample",
    "adjust",
    "assess",
    "breach_facts_from_dict",
    "breach_facts_from_json",
    "classify",
    "deadline",
    "facts_from_dict",
    "facts_from_json",
    "leave_needs_written_report",
    "measure_end",
    "next_review_on",
    "period_days",
    "relapse",
    "review_request_answer_by",
    "schedule",
    "sealing_due_on",
    "serious_breach",
]
