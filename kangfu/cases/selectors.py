"""Reads of cases, always starting from ``Model.objects.visible_to(user)`` (habit 2)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from kangfu.access.scoping import scoped_get
from kangfu.cases.choices import H1_FINDINGS, LIVE_STATES, LeaveState, TransferState
from kangfu.cases.models import (
    Case,
    CaseEvent,
    Finding,
    LeaveRequest,
    Measure,
    Transfer,
)
from kangfu.core.events import Slot
from kangfu.policy import engine
from kangfu.policy.packs import get_pack
from kangfu.policy.schema import Pack

# Filled by the schedule app, which holds tests and appointments (kangfu.web.reactions).
# The tests evaded or refused under a measure (戒毒条例 art. 20):
TEST_REFUSALS: Slot = Slot("cases.test_refusals", default=lambda measure: 0)
# The tests and visits actually booked from ``first`` to ``last`` (what the plan says now):
BOOKED_BETWEEN: Slot = Slot("cases.booked_between", default=lambda case, first, last: ())


def pack_of(case_or_measure) -> Pack:
    return get_pack(case_or_measure.pack_id)


def live_measure(case: Case) -> Measure | None:
    return case.measures.filter(state__in=LIVE_STATES).order_by("-id").first()


def last_measure_day(case: Case) -> dt.date | None:
    """The last day any measure of the case was in force (or was found refused)."""
    days = [m.finished_on for m in case.measures.all() if m.finished_on]
    return max(days) if days else None


def sealing_due(case: Case) -> dt.date | None:
    last = last_measure_day(case)
    return engine.sealing_due_on(pack_of(case), last) if last else None


def breach_assess(measure: Measure) -> engine.BreachAssessment:
    """戒毒条例 art. 20 on the measure's record: refused or missed tests, unauthorised
    departures and the distinct days away."""
    periods = [(a.first_day, a.last_day) for a in measure.absences.all()]
    return engine.serious_breach(
        pack_of(measure),
        test_refusals=TEST_REFUSALS(measure),
        unauthorised_departures=len(periods),
        days_absent=engine.days_absent(periods),
    )


def case_get(*, user, public_id: Any) -> Case:
    """One visible case, or 404 — the same 404 as for one that does not exist."""
    related = ("person", "township", "responsible", "co_managing", "caseworker")
    return scoped_get(user, Case.objects.select_related(*related), public_id=public_id)


def sealed_case_get(*, user, public_id: Any) -> Case:
    return get_object_or_404(
        Case.objects.sealed_for(user).select_related("person", "township"), public_id=public_id
    )


def caseload(*, user, mine: bool = False, state: str = "open") -> QuerySet[Case]:
    """Cases under the user's grants, with what the list shows in a fixed number of queries."""
    live = Measure.objects.filter(state__in=LIVE_STATES).order_by("-id")
    qs = (
        Case.objects.visible_to(user)
        .select_related("person", "township", "caseworker")
        .prefetch_related(Prefetch("measures", queryset=live, to_attr="live_measures"))
        .annotate(
            unreported_findings=Count(
                "findings", filter=Q(findings__reported_on=None), distinct=True
            ),
            pending_leave=Count(
                "leave_requests",
                filter=Q(leave_requests__state=LeaveState.PENDING),
                distinct=True,
            ),
            open_transfer=Exists(
                Transfer.objects.filter(case=OuterRef("pk"), state=TransferState.PROPOSED)
            ),
        )
        .order_by("-opened_on", "-id")
    )
    if state:
        qs = qs.filter(state=state)
    if mine:
        qs = qs.filter(caseworker=user)
    return qs


def timeline(case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor").order_by("on", "id")


def category_of(case: Case | None) -> engine.Category | None:
    """THE risk category of a case's person, for the schedule, the agreement, the case page
    and the portal alike: the approved category (risk app), else the record's fallback —
    high when a refusal or serious breach of the live measure stands (H1), medium under a
    measure (M1) — and never low while a measure is live (M1 holds). None when there is
    neither an approved category nor a live measure."""
    if case is None:
        return None
    measure = live_measure(case)
    if case.approved_category:
        category = engine.Category(case.approved_category)
    elif measure is None:
        return None
    elif measure.findings.filter(kind__in=H1_FINDINGS).exists():
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
    return Finding.objects.visible_to(user).filter(reported_on=None).select_related("case")


def is_h1(case: Case) -> bool:
    return case.findings.filter(kind__in=H1_FINDINGS).exists()


def today() -> dt.date:
    return timezone.localdate()
