"""Reads of cases, always starting from ``Model.objects.visible_to(user)`` (habit 2)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    CharField,
    DateField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.shortcuts import get_object_or_404
from django.utils import timezone

from kangfu.access.models import User
from kangfu.access.scoping import scoped_get
from kangfu.cases.choices import H1_FINDINGS, LIVE_STATES, FindingState, LeaveState, TransferState
from kangfu.cases.models import (
    Case,
    CaseEvent,
    Finding,
    LeaveRequest,
    Measure,
    Transfer,
    UnauthorisedAbsence,
)
from kangfu.core.events import Slot
from kangfu.policy import engine
from kangfu.policy.packs import get_pack
from kangfu.policy.schema import Pack

# Filled by the schedule app, which holds tests and appointments (kangfu.web.reactions).
# The tests planned under a measure with their outcome (戒毒条例 art. 20): a list of
# (due day, "done" | "excused" | "evaded" | "refused", id of who recorded it or None):
TEST_FACTS: Slot = Slot("cases.test_facts", default=lambda measure: [])
# The tests and visits actually booked from ``first`` to ``last`` (what the plan says now):
BOOKED_BETWEEN: Slot = Slot("cases.booked_between", default=lambda case, first, last: ())
# The caseload's columns held above cases, annotated in SQL so they filter and sort:
# ``category`` (risk), ``next_due_on`` (the next planned appointment), ``overdue_since``
# (the oldest planned one past its day). Filled by the schedule app.
CASELOAD_COLUMNS: Slot = Slot(
    "cases.caseload_columns",
    default=lambda qs, on: qs.annotate(
        category=Value(None, output_field=CharField()),
        next_due_on=Value(None, output_field=DateField()),
        overdue_since=Value(None, output_field=DateField()),
    ),
)
# How the caseload filters by a column held above cases (``category``): a semi-join the
# database runs once, not a lookup per row. Filled by the schedule app.
CASELOAD_COLUMN_FILTER: Slot = Slot(
    "cases.caseload_column_filter",
    default=lambda qs, name, value: qs.filter(**{name: value}),
)

# Columns the caseload sorts by ("-" in front: descending). The name is encrypted at rest,
# so the database cannot order by it; the page says so where the column heading is.
CASELOAD_SORTS = {
    "opened": "opened_on",
    "township": "township__name",
    "caseworker": "caseworker__username",
    "measure": "measure_kind",
    "state": "measure_state",
    "category": "category",
    "next_due": "next_due_on",
    "overdue": "overdue_since",
}


@dataclass(frozen=True)
class CaseloadQuery:
    """What the caseload is filtered and sorted by (all optional)."""

    mine: bool = False
    state: str = "open"  # the case's state ("open" keeps closed ones awaiting reassessment)
    measure: str = ""  # a MeasureKind
    measure_state: str = ""  # a MeasureState
    category: str = ""  # a risk category
    caseworker: int | None = None
    township: int | None = None
    overdue: bool = False
    sort: str = ""  # a key of CASELOAD_SORTS, "-" in front for descending


def pack_of(case_or_measure) -> Pack:
    return get_pack(case_or_measure.pack_id)


def _pk(obj) -> int:
    return obj.pk


def live_measure(case: Case) -> Measure | None:
    return case.measures.filter(state__in=LIVE_STATES).order_by("-id").first()


def last_measure_day(case: Case) -> dt.date | None:
    """The last day any measure of the case was in force (or was found refused)."""
    days = [m.finished_on for m in case.measures.all() if m.finished_on]
    return max(days) if days else None


def sealing_from(case: Case) -> dt.date | None:
    """The day the clean years towards sealing count from: the later of the last measure's
    last day and the release from compulsory isolation or prison (an external period)."""
    days = [d for d in [last_measure_day(case)] if d]
    days += [p.ends_on for p in case.external_periods.all() if p.ends_on]
    return max(days) if days else None


def sealing_due(case: Case) -> dt.date | None:
    """The first day the case may be sealed (戒断三年未复吸); None while an external period
    (isolation, prison) is still open or before any measure ended."""
    if case.external_periods.filter(ends_on=None).exists():
        return None
    last = sealing_from(case)
    return engine.sealing_due_on(pack_of(case), last) if last else None


# What a leave report's state means for the reporting duty (policy.breach.LeaveStatus).
_LEAVE_STATUS = {
    LeaveState.PENDING: engine.LeaveStatus.REPORTED,
    LeaveState.APPROVED: engine.LeaveStatus.APPROVED,
    LeaveState.REFUSED: engine.LeaveStatus.REFUSED,
}


@dataclass(frozen=True)
class BreachFactsOnRecord:
    facts: engine.BreachFacts
    # Who entered each absence and each test fact (same order as in ``facts``).
    absence_by: tuple[int, ...]
    test_by: tuple[int | None, ...]


def breach_facts(
    measure: Measure,
    *,
    as_of: dt.date | None = None,
    case_leaves: Sequence[LeaveRequest] | None = None,
    case_absences: Sequence[UnauthorisedAbsence] | None = None,
) -> BreachFactsOnRecord:
    """The measure's record as the art. 20 rules read it (policy.breach): its leave reports
    made before the trip, its absences and its test outcomes, withdrawn entries left out.

    ``case_leaves`` and ``case_absences``: all of the case's leave reports and absences in
    their default order, when the caller has read them already (the case page); the
    measure's own are picked from them instead of being read again."""
    as_of = as_of or timezone.localdate()
    if case_leaves is None:
        measure_leaves: Iterable[LeaveRequest] = measure.leave_requests.all()
    else:
        measure_leaves = [leave for leave in case_leaves if leave.measure_id == measure.pk]
    if case_absences is None:
        measure_absences: Iterable[UnauthorisedAbsence] = measure.absences.filter(withdrawn_on=None)
    else:
        measure_absences = [
            a for a in case_absences if a.measure_id == measure.pk and a.withdrawn_on is None
        ]
    leaves = tuple(
        engine.LeaveSpan(leave.leaves_on, leave.returns_on, _LEAVE_STATUS[leave.state])
        for leave in measure_leaves
        # A report written after the person had left does not meet the duty for that trip.
        if leave.submitted_on <= leave.leaves_on
    )
    absences = [a for a in measure_absences if a.last_day <= as_of]
    tests = [t for t in TEST_FACTS(measure) if t[0] <= as_of]
    facts = engine.BreachFacts(
        as_of=as_of,
        measure=engine.MeasureSpan(
            engine.MeasureKind(measure.kind), measure.starts_on, measure.ends_on
        ),
        leaves=leaves,
        absences=tuple(engine.Absence(a.first_day, a.last_day) for a in absences),
        tests=tuple(
            engine.DrugTestFact(due, engine.DrugTestOutcome(outcome)) for due, outcome, _ in tests
        ),
    )
    return BreachFactsOnRecord(
        facts, tuple(a.recorded_by_id for a in absences), tuple(by for _, _, by in tests)
    )


def breach_assess(
    measure: Measure,
    *,
    as_of: dt.date | None = None,
    case_leaves: Sequence[LeaveRequest] | None = None,
    case_absences: Sequence[UnauthorisedAbsence] | None = None,
) -> engine.BreachResult:
    """戒毒条例 art. 20 on the measure's record (policy.breach.assess, the one implementation
    behind `policy breach` too): departures of 3 days or more without the written report,
    the days away they add up to, and tests evaded or refused. It only ever proposes.
    ``case_leaves``/``case_absences``: as for ``breach_facts``."""
    record = breach_facts(
        measure, as_of=as_of, case_leaves=case_leaves, case_absences=case_absences
    )
    return engine.assess(pack_of(measure), record.facts)


def case_get(*, user, public_id: Any) -> Case:
    """One visible case, or 404 — the same 404 as for one that does not exist."""
    # The person's township too: the audit event of every read names the person's node.
    related = ("person__township", "township", "responsible", "co_managing", "caseworker")
    return scoped_get(user, Case.objects.select_related(*related), public_id=public_id)


def sealed_case_get(*, user, public_id: Any) -> Case:
    return get_object_or_404(
        Case.objects.sealed_for(user).select_related("person", "township"), public_id=public_id
    )


def caseload(
    *,
    user,
    mine: bool = False,
    state: str = "open",
    query: CaseloadQuery | None = None,
    on: dt.date | None = None,
) -> QuerySet[Case]:
    """Cases under the user's grants, with what the list shows in a fixed number of queries:
    the live measure's kind and state, the risk category, the next due item and since when
    anything is overdue, each a column the database filters and sorts by."""
    query = query or CaseloadQuery(mine=mine, state=state)
    on = on or today()
    live = Measure.objects.filter(state__in=LIVE_STATES).order_by("-id")
    # At most one live measure per person (a constraint says so), so no ORDER BY: a plain
    # index lookup per case.
    live_of_case = Measure.objects.filter(case=OuterRef("pk"), state__in=LIVE_STATES).order_by()
    findings = Finding.objects.filter(case=OuterRef("pk"))
    qs = (
        Case.objects.visible_to(user)
        .select_related("person", "township", "caseworker")
        .prefetch_related(Prefetch("measures", queryset=live, to_attr="live_measures"))
        .annotate(
            # One index lookup per case, and only where used: the count and the sort of
            # the keys (core.paging) leave out every column they do not filter or sort by.
            measure_kind=Subquery(live_of_case.values("kind")[:1]),
            measure_state=Subquery(live_of_case.values("state")[:1]),
            # Flags of the "to do" column: subqueries, not joins with a GROUP BY, so the
            # page's query sorts narrow rows and only the page's rows compute them.
            unreported_findings=Exists(
                findings.filter(reported_on=None, state=FindingState.CONFIRMED)
            ),
            proposed_findings=Exists(findings.filter(state=FindingState.PROPOSED)),
            pending_leave=Exists(
                LeaveRequest.objects.filter(case=OuterRef("pk"), state=LeaveState.PENDING)
            ),
            open_transfer=Exists(
                Transfer.objects.filter(case=OuterRef("pk"), state=TransferState.PROPOSED)
            ),
        )
    )
    qs = CASELOAD_COLUMNS(qs, on)
    if query.state == "open":
        # A closed case stays on the list until its reassessment (the downgrade) is decided.
        qs = qs.filter(Q(state="open") | Q(state="closed", awaiting_reassessment=True))
    elif query.state:
        qs = qs.filter(state=query.state)
    if query.mine:
        qs = qs.filter(caseworker=user)
    # Filters by the live measure as semi-joins (one pass over the measures, not a lookup
    # per case): at 50,000 cases the difference between 30 ms and 300 ms on PostgreSQL.
    live_measures = Measure.objects.filter(state__in=LIVE_STATES).order_by()
    if query.measure:
        qs = qs.filter(pk__in=live_measures.filter(kind=query.measure).values("case_id"))
    if query.measure_state:
        qs = qs.filter(pk__in=live_measures.filter(state=query.measure_state).values("case_id"))
    if query.category:
        qs = CASELOAD_COLUMN_FILTER(qs, "category", query.category)
    if query.caseworker:
        qs = qs.filter(caseworker_id=query.caseworker)
    if query.township:
        qs = qs.filter(township_id=query.township)
    if query.overdue:
        qs = qs.filter(overdue_since__isnull=False)
    key = query.sort.lstrip("-")
    if key in CASELOAD_SORTS:
        column = F(CASELOAD_SORTS[key])
        # Empty values last either way, so "most overdue first" starts with someone overdue.
        order = (
            column.desc(nulls_last=True)
            if query.sort.startswith("-")
            else column.asc(nulls_last=True)
        )
        return qs.order_by(order, "-id")
    return qs.order_by("-opened_on", "-id")


def timeline(case: Case) -> QuerySet[CaseEvent]:
    # A line names its actor, nothing more of the account.
    return (
        case.events.select_related("actor")
        .defer(*User.unnamed_fields("actor"))
        .order_by("on", "id")
    )


def category_of(
    case: Case | None,
    *,
    measures: Sequence[Measure] | None = None,
    findings: Sequence[Finding] | None = None,
) -> engine.Category | None:
    """THE risk category of a case's person, for the schedule, the agreement, the case page
    and the portal alike: the approved category (risk app), else the record's fallback —
    high when a refusal or serious breach of the live measure stands (H1), medium under a
    measure (M1) — and never low while a measure is live (M1 holds). None when there is
    neither an approved category nor a live measure.

    ``measures`` and ``findings``: all of the case's measures and findings, when the caller
    has read them already (the case page); the same answer without reading them again."""
    if case is None:
        return None
    if measures is None:
        measure = live_measure(case)
    else:
        # live_measure's choice: the newest live one (a constraint allows one at most).
        measure = max((m for m in measures if m.state in LIVE_STATES), key=_pk, default=None)
    if case.approved_category:
        category = engine.Category(case.approved_category)
    elif measure is None:
        return None
    elif (
        measure.findings.filter(kind__in=H1_FINDINGS, state=FindingState.CONFIRMED).exists()
        if findings is None
        else any(
            f.measure_id == measure.pk
            and f.kind in H1_FINDINGS
            and f.state == FindingState.CONFIRMED
            for f in findings
        )
    ):
        category = engine.Category.HIGH
    else:
        category = engine.Category.MEDIUM
    if measure is not None and category is engine.Category.LOW:
        return engine.Category.MEDIUM
    return category


@dataclass(frozen=True)
class LeaveView:
    leave: LeaveRequest
    needs_report: bool
    overlapping: tuple[Any, ...]


def leave_overview(case: Case, leave: LeaveRequest) -> LeaveView:
    """A leave report with the tests and visits booked inside it, as the schedule holds them
    now: for an approved leave the schedule has already moved them out, so none show."""
    booked = tuple(BOOKED_BETWEEN(case, leave.leaves_on, leave.returns_on))
    return LeaveView(leave, engine.leave_needs_written_report(pack_of(case), leave.days), booked)


def transfers_for(*, user) -> QuerySet[Transfer]:
    """Transfers sent from or to the user's townships; the list shows no person data."""
    return Transfer.objects.visible_to(user).select_related("from_township", "to_township", "case")


def transfer_get(*, user, public_id: Any) -> Transfer:
    return get_object_or_404(
        transfers_for(user=user).select_related("case__person"), public_id=public_id
    )


def sealed_persons() -> Q:
    """For Person.objects.visible_to: persons every case of whom is sealed."""
    sealed = Case.objects.filter(person=OuterRef("pk"), state="sealed")
    unsealed = Case.objects.filter(person=OuterRef("pk")).exclude(state="sealed")
    return Q(Exists(sealed)) & ~Q(Exists(unsealed))


def open_findings(*, user) -> QuerySet[Finding]:
    """Refusals and serious breaches not yet reported to public security (art. 21)."""
    return (
        Finding.objects.visible_to(user)
        .filter(state=FindingState.CONFIRMED, reported_on=None)
        .select_related("case")
    )


def is_h1(case: Case) -> bool:
    return case.findings.filter(kind__in=H1_FINDINGS, state=FindingState.CONFIRMED).exists()


def today() -> dt.date:
    return timezone.localdate()
