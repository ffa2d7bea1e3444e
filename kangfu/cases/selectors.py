"""Reads of cases, always starting from ``Model.objects.visible_to(user)`` (habit 2)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from kangfu.cases.choices import H1_FINDINGS, LIVE_STATES, LeaveState, TransferState
from kangfu.cases.models import (
    Case,
    CaseEvent,
    Finding,
    LeaveRequest,
    Measure,
    Transfer,
)
from kangfu.cases.services import pack_of
from kangfu.policy import engine


def case_get(*, user, public_id: Any) -> Case:
    """One visible case, or 404 — the same 404 as for one that does not exist."""
    return get_object_or_404(
        Case.objects.visible_to(user).select_related(
            "person", "township", "responsible", "co_managing", "caseworker"
        ),
        public_id=public_id,
    )


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


def case_category(case: Case) -> engine.Category:
    """The category the schedule is drawn from until the risk app assigns one: high when a
    refusal or serious breach of the current measure is on record (H1), else medium (M1:
    someone under a measure is never low)."""
    measure = case.measures.filter(state__in=LIVE_STATES).first()
    if measure is not None and measure.findings.filter(kind__in=H1_FINDINGS).exists():
        return engine.Category.HIGH
    return engine.Category.MEDIUM


@dataclass(frozen=True)
class LeaveView:
    leave: LeaveRequest
    needs_report: bool
    overlapping: tuple[engine.Due, ...]


def leave_overview(case: Case, leave: LeaveRequest) -> LeaveView:
    """A leave report with the planned tests and visits that fall in it (schedule() of the
    pack; the schedule app will replace this with the appointments actually booked)."""
    measure = leave.measure
    pack = pack_of(case)
    dues: tuple[engine.Due, ...] = ()
    if measure.starts_on is not None:
        dues = engine.schedule(
            pack,
            category=case_category(case),
            measure=engine.MeasureKind(measure.kind),
            anchor=measure.starts_on,
            start=leave.leaves_on,
            until=leave.returns_on,
            measure_end=measure.ends_on,
        )
    return LeaveView(leave, engine.leave_needs_written_report(pack, leave.days), dues)


def breach_counts(measure: Measure) -> engine.BreachAssessment:
    from kangfu.cases.services import breach_assess

    return breach_assess(measure)


def transfers_for(*, user) -> QuerySet[Transfer]:
    """Transfers sent from or to the user's townships; the list shows no person data."""
    return Transfer.objects.visible_to(user).select_related("from_township", "to_township", "case")


def transfer_get(*, user, public_id: Any) -> Transfer:
    return get_object_or_404(
        transfers_for(user=user).select_related("case__person"), public_id=public_id
    )


def open_findings(*, user) -> QuerySet[Finding]:
    """Refusals and serious breaches not yet reported to public security (art. 21)."""
    return Finding.objects.visible_to(user).filter(reported_on=None).select_related("case")


def is_h1(case: Case) -> bool:
    return case.findings.filter(kind__in=H1_FINDINGS).exists()


def today() -> dt.date:
    return timezone.localdate()
