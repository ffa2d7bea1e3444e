"""Writes of the reports app: the daily snapshot (``snapshot_build``) and its backfill.

``snapshot_build(on=D)`` works out every figure of ``figures.FIGURES`` for every township
with one grouped query per figure (``GROUP BY township``), whatever the number of persons,
and replaces the day's rows in one transaction: running it twice for a day gives the same
rows. Every figure is defined by the *dates* in the record (see docs/reports.md), so the
same code rebuilds a past month-end from history (``snapshot_backfill``). Two figures read
state that only exists now (the reminders; a measure's recorded state) and are marked so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Case as DbCase
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from kangfu.access.choices import Level
from kangfu.access.models import Jurisdiction
from kangfu.cases.choices import ExternalKind, FindingKind, FindingState, MeasureKind
from kangfu.cases.models import Agreement, Case, ExternalPeriod, Finding, Measure, Transfer
from kangfu.core.dates import add_months
from kangfu.referrals.models import Referral
from kangfu.reports import selectors
from kangfu.reports.figures import FIGURES
from kangfu.reports.models import NodeDay, SnapshotDay, TownshipDay
from kangfu.risk.models import Assessment
from kangfu.schedule.choices import TEST_KINDS, ReminderKind
from kangfu.schedule.models import Appointment, DrugTest, Reminder
from kangfu.schedule.reminders import seal_cutoff

REVIEW_SOON_DAYS = 30
TREATMENT_KINDS = ("treatment", "methadone")
REFERRAL_GROUPS = {
    "ref_treatment": ("treatment", "methadone"),
    "ref_counselling": ("counselling",),
    "ref_training_jobs": ("training", "employment"),
    "ref_assistance": ("assistance", "schooling"),
}


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    return add_months(month_start(day), 1) - dt.timedelta(days=1)


def _end_of_day(day: dt.date) -> dt.datetime:
    """The first instant after ``day`` in Asia/Shanghai: "approved by the end of the day"."""
    tz = timezone.get_default_timezone()
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz)


def _by_township(qs: QuerySet, township: str, person: str | None) -> dict[int, int]:
    """{township id: count} in one grouped query; distinct persons when ``person`` is set."""
    counted = Count(person, distinct=True) if person else Count("pk")
    rows = qs.order_by().values(township).annotate(n=counted).values_list(township, "n")
    return {tid: n for tid, n in rows if tid is not None}


def _open_cases(on: dt.date) -> QuerySet:
    return Case.objects.filter(opened_on__lte=on).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gt=on)
    )


def _detained(on: dt.date) -> QuerySet:
    return ExternalPeriod.objects.filter(
        measure=OuterRef("pk"), kind=ExternalKind.DETENTION, starts_on__lte=on
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gt=on))


def _in_force(on: dt.date) -> QuerySet:
    """Measures in force at the end of ``on``: started, last day not passed, not
    terminated by then (a terminated measure's ``finished_on`` is the day it ended)."""
    return Measure.objects.filter(starts_on__lte=on, ends_on__gte=on).filter(
        Q(finished_on__isnull=True) | Q(finished_on__gt=on) | Q(state="ended")
    )


def _stocks(on: dt.date) -> dict[str, dict[int, int]]:
    t, p = "case__township_id", "person_id"
    out: dict[str, dict[int, int]] = {}
    out["registered"] = _by_township(_open_cases(on), "township_id", "person_id")
    in_force = _in_force(on).annotate(detained=Exists(_detained(on))).filter(detained=False)
    out["treatment"] = _by_township(in_force.filter(kind=MeasureKind.COMMUNITY_TREATMENT), t, p)
    out["recovery"] = _by_township(in_force.filter(kind=MeasureKind.COMMUNITY_RECOVERY), t, p)
    out["awaiting_report"] = _by_township(
        Measure.objects.filter(received_on__lte=on)
        .filter(Q(reported_on__isnull=True) | Q(reported_on__gt=on))
        .filter(Q(finished_on__isnull=True) | Q(finished_on__gt=on)),
        t,
        p,
    )
    out["suspended"] = _by_township(
        Measure.objects.filter(starts_on__lte=on)
        .filter(Q(finished_on__isnull=True) | Q(finished_on__gt=on))
        .annotate(detained=Exists(_detained(on)))
        .filter(detained=True),
        t,
        p,
    )
    out["external"] = _by_township(
        ExternalPeriod.objects.filter(starts_on__lte=on).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gt=on)
        ),
        t,
        "case__person_id",
    )
    # The last assessment approved by the end of the day, for each registered person.
    last = Assessment.objects.filter(
        person=OuterRef("person_id"), status="approved", approved_at__lt=_end_of_day(on)
    ).order_by("-approved_at", "-id")
    registered = _open_cases(on).annotate(
        category=Subquery(last.values("category")[:1]),
        review_on=Subquery(last.values("next_review_on")[:1]),
    )
    # One pass for the six risk figures: the correlated look-up of the last assessment is
    # the costly part, so it runs once, grouped by category and review state.
    soon = on + dt.timedelta(days=REVIEW_SOON_DAYS)
    review = DbCase(
        When(review_on__lt=on, then=Value("overdue")),
        When(review_on__lte=soon, then=Value("due")),
        default=Value(""),
    )
    rows = (
        registered.order_by()
        .annotate(review=review)
        .values("township_id", "category", "review")
        .annotate(n=Count("person_id", distinct=True))
        .values_list("township_id", "category", "review", "n")
    )
    for key in ("risk_high", "risk_medium", "risk_low", "risk_none", "reviews_due"):
        out[key] = {}
    out["reviews_overdue"] = {}
    for township_id, category, state, n in rows:
        key = f"risk_{category}" if category else "risk_none"
        out[key][township_id] = out[key].get(township_id, 0) + n
        if state:
            key = "reviews_overdue" if state == "overdue" else "reviews_due"
            out[key][township_id] = out[key].get(township_id, 0) + n
    out["past_legal_end"] = _by_township(
        Measure.objects.filter(state="active", ends_on__lt=on), t, p
    )
    return out


def _flows(start: dt.date, on: dt.date) -> dict[str, dict[int, int]]:
    t, p = "case__township_id", "case__person_id"
    period = {"gte": start, "lte": on}

    def within(field: str) -> dict:
        return {f"{field}__{k}": v for k, v in period.items()}

    out: dict[str, dict[int, int]] = {}
    due = Measure.objects.filter(**within("report_due_on"))
    out["report_due"] = _by_township(due, t, "person_id")
    out["reported_on_time"] = _by_township(
        due.filter(reported_on__isnull=False, reported_on__lte=F("report_due_on")),
        t,
        "person_id",
    )
    out["agreements_signed"] = _by_township(Agreement.objects.filter(**within("signed_on")), t, p)
    planned = Appointment.objects.filter(
        kind__in=[k.value for k in TEST_KINDS], basis="measure", **within("on")
    ).exclude(state="excused")
    out["tests_planned"] = _by_township(planned, t, None)
    out["tests_done"] = _by_township(planned.filter(state="done"), t, None)
    out["positives"] = _by_township(
        DrugTest.objects.filter(**within("taken_on")).filter(
            Q(retest_result="positive") | Q(retest_result="", lab_result="positive")
        ),
        t,
        p,
    )
    # Only what an officer confirmed counts (a proposal is not a finding yet).
    findings = Finding.objects.filter(state=FindingState.CONFIRMED, **within("found_on"))
    out["relapses"] = _by_township(findings.filter(kind=FindingKind.RELAPSE), t, p)
    out["serious_breaches"] = _by_township(findings.filter(kind=FindingKind.SERIOUS_BREACH), t, p)
    out["refusals"] = _by_township(findings.filter(kind=FindingKind.REFUSAL), t, p)
    accepted = Transfer.objects.filter(state="accepted", **within("decided_on"))
    out["transfers_in"] = _by_township(accepted, "to_township_id", "case_id")
    out["transfers_out"] = _by_township(accepted, "from_township_id", "case_id")
    sent = Referral.objects.filter(**within("sent_on"))
    for key, kinds in REFERRAL_GROUPS.items():
        out[key] = _by_township(sent.filter(kind__in=kinds), t, None)
    outcomes = Referral.objects.filter(**within("outcome_on"))
    out["jobs_found"] = _by_township(outcomes.filter(outcome="employed"), t, None)
    out["assistance_granted"] = _by_township(outcomes.filter(outcome="assistance_granted"), t, None)
    out["treatment_started"] = _by_township(
        Referral.objects.filter(kind__in=TREATMENT_KINDS, **within("started_on")), t, None
    )
    out.update(_three_years(start, on))
    return out


def _three_years(start: dt.date, on: dt.date) -> dict[str, dict[int, int]]:
    """Cases whose N years after the last measure were completed in [start, on]: the last
    day of their last measure lies after ``seal_cutoff(start - 1)`` and up to
    ``seal_cutoff(on)`` (per pack, N from the pack), with no measure still live. Written as
    "a measure finished in that window, and none live or finished after it", which the
    database answers with two semi-joins instead of a look-up per case."""
    due_counts: dict[int, int] = {}
    clean_counts: dict[int, int] = {}
    packs = list(Case.objects.order_by().values_list("pack_id", flat=True).distinct())
    for pack_id in packs:
        low = seal_cutoff(pack_id, start - dt.timedelta(days=1))
        high = seal_cutoff(pack_id, on)
        ended_in_window = Measure.objects.filter(
            case=OuterRef("pk"), finished_on__gt=low, finished_on__lte=high
        )
        later_or_live = Measure.objects.filter(case=OuterRef("pk")).filter(
            Q(finished_on__isnull=True) | Q(finished_on__gt=high)
        )
        due = Case.objects.filter(pack_id=pack_id).filter(
            Exists(ended_in_window), ~Exists(later_or_live)
        )
        relapse = Finding.objects.filter(
            case=OuterRef("pk"), kind=FindingKind.RELAPSE, state=FindingState.CONFIRMED
        )
        later = Case.objects.filter(
            person=OuterRef("person_id"), opened_on__gt=OuterRef("opened_on")
        )
        clean = due.filter(~Exists(relapse), ~Exists(later))
        for target, qs in ((due_counts, due), (clean_counts, clean)):
            for township_id, n in _by_township(qs, "township_id", "person_id").items():
                target[township_id] = target.get(township_id, 0) + n
    return {"three_year_due": due_counts, "three_year_clean": clean_counts}


def _downgrades(on: dt.date) -> dict[int, int]:
    return _by_township(
        Reminder.objects.filter(kind=ReminderKind.DOWNGRADE_POSSIBLE, due_on__lt=on),
        "case__township_id",
        "case__person_id",
    )


def _ancestors(townships: Iterable[Jurisdiction]) -> dict[int, dict[str, int | None]]:
    """For each township, the ids of its county, city and province, from the stored paths
    (one query for all the nodes above)."""
    townships = list(townships)
    codes = {code for t in townships for code in t.path.strip("/").split("/")}
    nodes = {
        j.code: j for j in Jurisdiction.objects.filter(code__in=codes).only("id", "code", "level")
    }
    result = {}
    for township in townships:
        above: dict[str, int | None] = {"county_id": None, "city_id": None, "province_id": None}
        for code in township.path.strip("/").split("/"):
            node = nodes.get(code)
            if node is not None and f"{node.level}_id" in above:
                above[f"{node.level}_id"] = node.pk
        result[township.pk] = above
    return result


def snapshot_build(*, on: dt.date, from_history: bool = False) -> int:
    """Write the figures of every township for the day ``on`` (replacing that day's rows)
    and return the number of rows written. Idempotent per day."""
    start = month_start(on)
    values = _stocks(on)
    values.update(_flows(start, on))
    today = timezone.localdate()
    if on == today and not from_history:
        values["downgrades_overdue"] = _downgrades(on)
    townships = list(Jurisdiction.objects.filter(level=Level.TOWNSHIP).only("id", "path"))
    above = _ancestors(townships)
    rows = []
    for township in townships:
        row = TownshipDay(on=on, township_id=township.pk, **above[township.pk])
        for figure in FIGURES:
            counts = values.get(figure.key)
            if counts is None:
                setattr(row, figure.key, None if figure.nullable else 0)
            else:
                setattr(row, figure.key, counts.get(township.pk, 0))
        rows.append(row)
    with transaction.atomic():
        TownshipDay.objects.filter(on=on).delete()
        TownshipDay.objects.bulk_create(rows, batch_size=2000)
        _store_marks(on)
        SnapshotDay.objects.update_or_create(
            on=on,
            defaults={
                "built_at": timezone.now(),
                "townships": len(rows),
                "from_history": from_history,
            },
        )
    return len(rows)


def _store_marks(on: dt.date) -> None:
    """Suppress the day's figures (its month so far) for the whole tree at once and keep
    the shown strings of every node (``NodeDay``): pages, exports and packages of that month
    then show the same marks, so none can be read against another."""
    period = selectors.Period("month", on.replace(day=1), (on,))
    roots = list(Jurisdiction.objects.filter(parent__isnull=True))
    NodeDay.objects.filter(on=on).delete()
    rows = []
    for root in roots:
        tree = selectors.figures_tree(root, period, use_stored=False)
        rows += [
            NodeDay(on=on, node_id=pk, shown=selectors.stored_shown(row))
            for pk, row in tree.rows.items()
        ]
    NodeDay.objects.bulk_create(rows, batch_size=2000)


def snapshot_backfill(*, months: int, on: dt.date) -> list[dt.date]:
    """Rebuild the last day of each of the ``months`` months before ``on``'s month from the
    record's dates, plus ``on`` itself; days already snapshotted on the day are kept."""
    days = []
    first = month_start(on)
    for back in range(months, 0, -1):
        day = month_end(add_months(first, -back))
        existing = SnapshotDay.objects.filter(on=day, from_history=False).exists()
        if not existing:
            snapshot_build(on=day, from_history=True)
        days.append(day)
    snapshot_build(on=on)
    days.append(on)
    return days
