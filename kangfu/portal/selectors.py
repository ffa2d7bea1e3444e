"""What the person sees of their own record. Every query starts from the person of the
portal session: nothing here takes an id from the request without filtering by that person,
so another person's document or request is a 404 like a missing one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from kangfu.access.models import AuditEvent, Disclosure
from kangfu.cases import selectors as case_selectors
from kangfu.cases.choices import CaseState
from kangfu.cases.models import Agreement, Case, Finding, LeaveRequest, Measure
from kangfu.referrals.models import ServiceProvider, ancestor_paths
from kangfu.risk.choices import RiskCategory
from kangfu.risk.selectors import person_risk
from kangfu.schedule.selectors import upcoming_for

UPCOMING_DAYS = 90


def open_case(person) -> Case | None:
    return (
        Case.objects.filter(person=person, state=CaseState.OPEN).select_related("township").first()
    )


def findings_for(person) -> list[Finding]:
    """The findings the person has been told of: proposed ones they may answer, and the
    decisions on them. Never one they were not told of, never staff notes."""
    return list(
        Finding.objects.filter(case__person=person, notified_on__isnull=False)
        .exclude(case__state=CaseState.SEALED)
        .select_related("measure")
        .order_by("-found_on", "-id")
    )


def finding_for(person, pk: int) -> Finding:
    finding = next((f for f in findings_for(person) if f.pk == pk), None)
    if finding is None:
        raise Http404
    return finding


def live_measure(case: Case | None) -> Measure | None:
    return None if case is None else case_selectors.live_measure(case)


@dataclass(frozen=True)
class RiskView:
    category: str | None
    since: dt.date | None
    next_review_on: dt.date | None
    reasons: list[dict]
    assessment: Any

    @property
    def label(self) -> str:
        return str(RiskCategory(self.category).label) if self.category else ""


def risk_view(person) -> RiskView:
    """The current category, the reasons of the assessment behind it (in the words the
    engine gave them) and the next review date. No assessor's or approver's notes."""
    risk = person_risk(person)
    if risk is None or risk.category is None:
        return RiskView(None, None, None, [], None)
    assessment = risk.last_assessment
    # The one category the schedule and the agreement use too (never low under a measure).
    category = case_selectors.category_of(open_case(person))
    return RiskView(
        category.value if category else risk.category,
        risk.since,
        risk.next_review_on,
        list(assessment.reasons) if assessment else [],
        assessment,
    )


@dataclass(frozen=True)
class Upcoming:
    on: dt.date
    label: str


def upcoming(person, *, today: dt.date | None = None, days: int = UPCOMING_DAYS) -> list[Upcoming]:
    """Tests and visits planned in the next ``days`` days (moved ones on their new day)."""
    today = today or timezone.localdate()
    planned = upcoming_for(person, start=today, until=today + dt.timedelta(days=days))
    return [Upcoming(a.on, a.get_kind_display()) for a in planned]


def agreements(person) -> QuerySet[Agreement]:
    return (
        Agreement.objects.filter(case__person=person)
        .exclude(case__state=CaseState.SEALED)
        .select_related("measure", "case", "case__township")
        .order_by("-id")
    )


def agreement_get(person, pk: int) -> Agreement:
    agreement = agreements(person).filter(pk=pk).first()
    if agreement is None:
        raise Http404
    return agreement


def notices(person):
    from kangfu.risk.models import Notice

    return (
        Notice.objects.filter(assessment__person=person, assessment__status="approved")
        .select_related("assessment")
        .order_by("-assessment__approved_at", "-id")
    )


def notice_get(person, public_id):
    notice = notices(person).filter(assessment__public_id=public_id).first()
    if notice is None:
        raise Http404
    return notice


def leaves(person) -> QuerySet[LeaveRequest]:
    return (
        LeaveRequest.objects.filter(case__person=person)
        .exclude(case__state=CaseState.SEALED)
        .order_by("-leaves_on", "-id")
    )


def review_state(person) -> dict:
    """The person's asks through the portal and the review requests they became."""
    from kangfu.risk.selectors import review_requests

    return {
        "asks": list(person.portal_review_asks.select_related("review_request")),
        "requests": review_requests(person),
    }


def providers_for(person) -> QuerySet[ServiceProvider]:
    """The directory of the person's township and of the jurisdictions above it."""
    return ServiceProvider.objects.filter(
        active=True, jurisdiction__path__in=ancestor_paths(person.township.path)
    ).order_by("kind", "name")


def record_events(person) -> QuerySet[AuditEvent]:
    from kangfu.access.selectors import record_history

    return record_history(object_type="people.person", object_id=str(person.public_id))


def disclosures(person) -> QuerySet[Disclosure]:
    return person.disclosures.all()
