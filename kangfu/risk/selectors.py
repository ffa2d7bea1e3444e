"""Reads of the risk app.

PUBLIC, for the schedule app and others: ``current_category(person=...)``,
``current_categories(person_ids)`` and ``anniversaries_due(on=...)``. These take no user:
they are for services and the daily sweep, which scope and audit on their own. Everything a
page shows starts from ``Model.objects.visible_to(user)`` (habit 2).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q, QuerySet

from kangfu.access.scoping import scoped_get
from kangfu.cases.choices import ExternalKind, MeasureState
from kangfu.cases.models import Case, ExternalPeriod, Measure
from kangfu.core.dates import add_years
from kangfu.people.models import Person
from kangfu.policy.packs import get_pack
from kangfu.risk.choices import AssessmentStatus, RiskCategory
from kangfu.risk.models import Assessment, PersonRisk, ReviewRequest

# "Due" on the supervisor's page: the review falls within this many days.
DUE_WITHIN_DAYS = 30


# --- public interface -------------------------------------------------------------------


def current_category(*, person) -> str | None:
    """The person's approved category ("high", "medium", "low"), or None before a first
    approved assessment."""
    return (
        PersonRisk.objects.filter(person=person, category__isnull=False)
        .values_list("category", flat=True)
        .first()
    )


def current_categories(person_ids: Iterable[int]) -> dict[int, str]:
    """{person id: category} for those of ``person_ids`` that have one, in one query."""
    rows = PersonRisk.objects.filter(person_id__in=list(person_ids), category__isnull=False)
    return dict(rows.values_list("person_id", "category"))


def release_days_for_anniversary(
    *, on: dt.date, since: dt.date | None = None, years: int = 3
) -> list[dt.date]:
    """Release days whose ``years``-year anniversary (DOMAIN.md conventions: 29 Feb rolls to
    1 Mar) falls in (``since``, ``on``], or on ``on`` alone without ``since``."""
    first = (since + dt.timedelta(days=1)) if since else on
    days: list[dt.date] = []
    day = first
    while day <= on:
        candidates = []
        try:
            candidates.append(day.replace(year=day.year - years))
        except ValueError:  # 29 Feb in a year that has none: no release day maps here
            pass
        if day.month == 3 and day.day == 1:
            try:
                candidates.append(dt.date(day.year - years, 2, 29))
            except ValueError:
                pass
        days += [c for c in candidates if add_years(c, years) == day]
        day += dt.timedelta(days=1)
    return days


def _windows() -> set[int]:
    pack = get_pack(settings.KANGFU_DEFAULT_POLICY_PACK)
    return {pack.criterion(c).window_years or 3 for c in ("M4", "M5")}


def anniversaries_due(
    *, on: dt.date, since: dt.date | None = None, years: Iterable[int] | None = None
) -> QuerySet[Person]:
    """PUBLIC, for the daily sweep: persons with a release from prison or compulsory
    isolation whose 3-year anniversary (the M4/M5 window of the default pack) falls on
    ``on`` (or in (``since``, ``on``]) — so M4 or M5 stops holding and the category may
    come down. One set-based query, no per-person loop. A release is found in the case
    record (periods away) or in the facts of the person's last approved assessment (a
    release before the person was registered). Sealed records are left alone."""
    days: list[dt.date] = []
    for n in sorted(set(years) if years is not None else _windows()):
        days += release_days_for_anniversary(on=on, since=since, years=n)
    if not days:
        return Person.objects.none()
    texts = [d.isoformat() for d in days]
    in_record = ExternalPeriod.objects.filter(
        case__person=OuterRef("pk"),
        kind__in=[ExternalKind.PRISON, ExternalKind.COMPULSORY_ISOLATION],
        ends_on__in=days,
    )
    in_facts = PersonRisk.objects.filter(person=OuterRef("pk")).filter(
        Q(last_assessment__facts__released_from_prison_on__in=texts)
        | Q(last_assessment__facts__released_from_isolation_on__in=texts)
    )
    sealed = Case.objects.filter(person=OuterRef("pk"), state="sealed")
    unsealed = Case.objects.filter(person=OuterRef("pk")).exclude(state="sealed")
    return (
        Person.objects.filter(Exists(in_record) | Exists(in_facts))
        .exclude(Exists(sealed) & ~Exists(unsealed))
        .order_by("pk")
    )


# --- pages --------------------------------------------------------------------------------


def assessment_get(*, user, public_id: Any) -> Assessment:
    """One visible assessment, or 404 (the same 404 as for one that does not exist)."""
    related = ("person__township", "person__caseworker", "assessor", "approver", "returned_by")
    return scoped_get(
        user, Assessment.objects.select_related(*related, "case"), public_id=public_id
    )


def review_request_get(*, user, public_id: Any) -> ReviewRequest:
    related = ("person__township", "assessment", "answered_by", "received_by")
    return scoped_get(user, ReviewRequest.objects.select_related(*related), public_id=public_id)


def person_risk(person) -> PersonRisk | None:
    return PersonRisk.objects.filter(person=person).select_related("last_assessment").first()


def history(person) -> list[Assessment]:
    """Every assessment of the person, newest first, with who did what and the notice."""
    return list(
        Assessment.objects.filter(person=person)
        .select_related("assessor", "approver", "returned_by", "notice", "notice__handed_over_by")
        .order_by("-created_at", "-id")
    )


def review_requests(person) -> list[ReviewRequest]:
    return list(
        ReviewRequest.objects.filter(person=person).select_related(
            "received_by", "answered_by", "notified_by", "assessment", "reassessment"
        )
    )


def open_assessment(person) -> Assessment | None:
    return (
        Assessment.objects.filter(
            person=person,
            status__in=[
                AssessmentStatus.DRAFT,
                AssessmentStatus.SUBMITTED,
                AssessmentStatus.RETURNED,
            ],
        )
        .select_related("assessor")
        .first()
    )


# --- the supervisor's overview --------------------------------------------------------------


def _overview_base(user) -> QuerySet[PersonRisk]:
    return PersonRisk.objects.visible_to(user).select_related(
        "person", "person__township", "person__caseworker", "last_assessment"
    )


def review_due_cases(*, on: dt.date) -> QuerySet[Case]:
    """PUBLIC, THE definition of "due for a risk review on ``on``", for every page and the
    reminders alike (the today page's 需重新评估 reminders, the supervisor's risk list):
    the cases under the township's care — open, or closed and still awaiting the
    reassessment that follows the end of the measure — whose person has no approved category
    yet (a first assessment), is marked for reassessment after an event, or whose next
    periodic review falls on or before ``on``.

    Not while the case's measure awaits the person's report (decision received, not yet
    reported): what is due then is the report, or a proposed refusal (DOMAIN.md: not
    reporting counts as refusing, H1); the first assessment follows the report
    (docs/risk.md "Who is due for review"). Takes no user: scope it with ``visible_to``.
    """
    # One LEFT JOIN on the person's current category (the sweep runs this over every case).
    due = (
        Q(person__risk__isnull=True)
        | Q(person__risk__category__isnull=True)
        | Q(person__risk__needs_reassessment=True)
        | Q(person__risk__next_review_on__lte=on)
    )
    awaiting = Measure.objects.filter(case=OuterRef("pk"), state=MeasureState.AWAITING_REPORT)
    return (
        Case.objects.filter(Q(state="open") | Q(state="closed", awaiting_reassessment=True))
        .filter(due)
        .exclude(Exists(awaiting))
    )


def due_for_review(*, user, on: dt.date):
    """Persons due for review on ``on`` (``review_due_cases``), with their current
    category, most urgent first: the supervisor's list, the same persons as the today
    page's reassessment reminders."""
    cases = review_due_cases(on=on).visible_to(user).filter(person=OuterRef("pk"))
    return (
        Person.objects.visible_to(user)
        .filter(Exists(cases))
        .select_related("township", "caseworker", "risk")
        .order_by(
            F("risk__next_review_on").asc(nulls_first=True),
            "risk__reassessment_since",
            "pk",
        )
    )


def review_soon(*, user, on: dt.date, within_days: int = DUE_WITHIN_DAYS):
    """Persons whose periodic review falls in the next ``within_days`` days (not yet due):
    the supervisor's look ahead."""
    horizon = on + dt.timedelta(days=within_days)
    return (
        _overview_base(user)
        .filter(next_review_on__gt=on, next_review_on__lte=horizon, needs_reassessment=False)
        .order_by("next_review_on", "person_id")
    )


def high_without_fresh_assessment(*, user, on: dt.date):
    """Persons who are high and whose last approved assessment is older than the high review
    interval: their next review date (approval day + interval) has passed. The longest
    waiting first; ``since`` says how long they have been high."""
    return (
        _overview_base(user)
        .filter(category=RiskCategory.HIGH, next_review_on__lt=on)
        .order_by("since", "person_id")
    )


def awaiting_approval(*, user):
    """Submitted assessments in the user's subtree (the approver's queue)."""
    return (
        Assessment.objects.visible_to(user)
        .filter(status=AssessmentStatus.SUBMITTED)
        .select_related("person", "person__township", "assessor")
        .order_by("submitted_at", "id")
    )


def open_review_requests(*, user):
    return (
        ReviewRequest.objects.visible_to(user)
        .filter(state="open")
        .select_related("person", "person__township", "assessment")
        .order_by("answer_by", "id")
    )
