"""Reads of the schedule app, always starting from ``visible_to(user)`` (habit 2)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case as DbCase
from django.db.models import (
    Count,
    DateField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.urls import reverse

from kangfu.access.permissions import Action, may
from kangfu.access.scoping import scoped_get
from kangfu.cases.choices import LIVE_STATES, MeasureKind
from kangfu.cases.models import Case, Measure
from kangfu.core.events import Slot
from kangfu.people.models import Person
from kangfu.risk.choices import RiskCategory
from kangfu.risk.models import PersonRisk
from kangfu.schedule.choices import TEST_KINDS, AppointmentState, ReminderKind
from kangfu.schedule.models import (
    Appointment,
    DelegatedTestRequest,
    DrugTest,
    Reminder,
)

K = ReminderKind


@dataclass(frozen=True)
class TodayItem:
    """One line a higher app adds to the today page (a visit's follow-up task)."""

    case: Case
    due_on: dt.date
    text: str
    url: str  # the page the line is about
    done_url: str = ""  # a POST here marks it done ("" when it cannot be from this page)


@dataclass(frozen=True)
class TodaySection:
    """A section of the today page filled by a higher app: a page of its items, the total
    and where the whole list is."""

    key: str
    title: str
    items: tuple[TodayItem, ...]
    total: int
    more_url: str = ""


# Sections higher apps add to the today page (the visits app: follow-up tasks). Called with
# the acting AccessContext (the higher app audits what it shows), the drilled-down township
# id or None, and the day; the closed default adds nothing.
TODAY_SECTIONS: Slot = Slot("schedule.today_sections", default=lambda *, ctx, township_id, on: ())


def caseload_scope(user) -> QuerySet[Case]:
    """The cases whose reminders a caseworker's today page shows: their own."""
    return Case.objects.visible_to(user).filter(caseworker=user)


def reminders_for(*, user, township_id: int | None = None) -> QuerySet[Reminder]:
    """Reminders of the user's caseload (caseworker) or of one township (drill-down),
    most urgent first, with what a line shows in one query."""
    qs = Reminder.objects.visible_to(user).select_related("case", "case__person", "case__township")
    if township_id is not None:
        qs = qs.filter(case__township_id=township_id)
    else:
        qs = qs.filter(case__caseworker=user)
    return qs.order_by("urgency", "due_on", "id")


def sealed_reminders(*, user) -> QuerySet[Reminder]:
    """Records past retention, for the records officer (sealed cases only they reach)."""
    if not may(user, Action.CASE_KEEP_SEALED):
        return Reminder.objects.none()
    return (
        Reminder.objects.filter(case__in=Case.objects.sealed_for(user).values("pk"))
        .select_related("case", "case__township")
        .order_by("due_on", "id")
    )


def counts_by_township(*, user) -> list[dict[str, Any]]:
    """{township, kind counts, total} for every township under the user with reminders."""
    rows = (
        Reminder.objects.visible_to(user)
        .values("case__township_id", "case__township__name", "kind")
        .annotate(n=Count("id"))
        .order_by("case__township__name")
    )
    out: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry = out.setdefault(
            row["case__township_id"],
            {
                "id": row["case__township_id"],
                "name": row["case__township__name"],
                "total": 0,
                "kinds": {k.value: 0 for k in K},
            },
        )
        entry["kinds"][row["kind"]] = row["n"]
        entry["total"] += row["n"]
    for entry in out.values():
        entry["cells"] = [entry["kinds"][k.value] for k in K]
    return list(out.values())


def action(reminder: Reminder, user=None) -> tuple[str, str]:
    """(url, label) of the one thing to do about ``reminder``; with ``user``, only a thing
    the user may do (the permission the target page requires, asked of the policy), else
    the case page to look at it, else ("", "") for no button at all. A supervisor's
    drill-down so never offers a form that answers 404 for them."""
    url, label, needed = _action(reminder)
    if user is None or may(user, needed, reminder.case):
        return url, label
    from django.utils.translation import gettext as _

    if may(user, Action.CASE_VIEW, reminder.case):
        return reverse("cases:case-detail", args=[reminder.case.public_id]), _("Open the case")
    return "", ""


def _action(reminder: Reminder) -> tuple[str, str, str]:
    """(url, label, the action its page requires) of the thing to do about ``reminder``."""
    from django.utils.translation import gettext as _

    case = reminder.case
    work = Action.CASE_WORK
    if reminder.kind in (K.DUE_TODAY, K.OVERDUE):
        if reminder.detail.endswith("_test"):
            return (
                reverse("schedule:appointment-result", args=[reminder.ref]),
                _("Record the result"),
                work,
            )
        return (
            reverse("schedule:appointment-outcome", args=[reminder.ref]),
            _("Record the outcome"),
            work,
        )
    if reminder.kind == K.LAB_OUTSTANDING:
        return reverse("schedule:test-lab", args=[reminder.ref]), _("Record the lab result"), work
    if reminder.kind == K.POLICE_REPORT:
        return (
            reverse("cases:finding-report", args=[case.public_id, reminder.ref]),
            _("Record the report to public security"),
            work,
        )
    if reminder.kind == K.POLICE_CORRECTION:
        return (
            reverse("cases:finding-correction", args=[case.public_id, reminder.ref]),
            _("Record that public security was told"),
            work,
        )
    if reminder.kind == K.FINDING_NOTICE:
        return (
            reverse("cases:finding-notice", args=[case.public_id, reminder.ref]),
            _("Give the person the notice"),
            work,
        )
    if reminder.kind == K.FINDING_DECISION:
        return (
            reverse("cases:case-detail", args=[case.public_id]) + f"#finding-{reminder.ref}",
            _("Decide the finding"),
            Action.FINDING_DECIDE,
        )
    if reminder.kind in (K.REPORT_DUE_SOON, K.REPORT_OVERDUE):
        if reminder.detail == "transfer":
            return (
                reverse("cases:transfer-report", args=[case.public_id, -reminder.ref]),
                _("Record the report at the new township"),
                work,
            )
        if reminder.kind == K.REPORT_OVERDUE:
            return (
                reverse("cases:case-detail", args=[case.public_id]),
                _("Record a good reason or propose a refusal"),
                work,
            )
        return reverse("cases:measure-report", args=[case.public_id]), _("Record the report"), work
    if reminder.kind == K.AGREEMENT_UNSIGNED:
        return (
            reverse("cases:case-detail", args=[case.public_id]) + "#agreements",
            _("Draw up or sign the agreement"),
            work,
        )
    if reminder.kind in (K.REASSESSMENT_DUE, K.DOWNGRADE_POSSIBLE):
        return reverse("risk:person", args=[case.person.public_id]), _("Assess"), Action.RISK_ASSESS
    if reminder.kind == K.MEASURE_ENDING:
        return (
            reverse("cases:case-detail", args=[case.public_id]),
            _("Open the case"),
            Action.CASE_VIEW,
        )
    if reminder.kind == K.CAN_SEAL:
        return reverse("cases:case-seal", args=[case.public_id]), _("Seal the case"), work
    return (
        reverse("cases:sealed-detail", args=[case.public_id]),
        _("Review the record"),
        Action.CASE_KEEP_SEALED,
    )


def appointment_get(*, user, pk: int) -> Appointment:
    return scoped_get(user, Appointment.objects.select_related("case__person", "measure"), pk=pk)


def test_get(*, user, pk: int) -> DrugTest:
    return scoped_get(user, DrugTest.objects.select_related("case__person", "finding"), pk=pk)


def delegation_get(*, user, public_id) -> DelegatedTestRequest:
    related = ("case__person", "from_township", "to_township")
    return scoped_get(
        user, DelegatedTestRequest.objects.select_related(*related), public_id=public_id
    )


def upcoming_for(person, *, start: dt.date, until: dt.date) -> QuerySet[Appointment]:
    """The person's planned tests, visits and calls from ``start`` to ``until`` (for the
    person's own portal: the appointments actually planned, moves included)."""
    return (
        Appointment.objects.filter(
            case__person=person, state=AppointmentState.PLANNED, on__gte=start, on__lte=until
        )
        .exclude(case__state="sealed")
        .order_by("on", "kind")
    )


# --- answers for the cases app's slots (installed by kangfu.web.reactions) ----------------


# Appointment outcome → the art. 20 reading (policy.breach.DrugTestOutcome).
_OUTCOME = {
    AppointmentState.DONE: "done",
    AppointmentState.EXCUSED: "excused",
    AppointmentState.MISSED: "evaded",
    AppointmentState.REFUSED: "refused",
}


def test_facts(measure) -> list[tuple[dt.date, str, int | None]]:
    """The tests planned under ``measure`` that have an outcome: (due day, outcome, who
    recorded it). An evaded or refused test whose violation was withdrawn counts as excused:
    it was entered by mistake."""
    rows = (
        Appointment.objects.filter(
            # The case first: appointment_case_on serves the look-up (no index by measure).
            case_id=measure.case_id,
            measure=measure,
            basis="measure",
            kind__in=[k.value for k in TEST_KINDS],
        )
        .exclude(state=AppointmentState.PLANNED)
        .values_list("on", "state", "violation__withdrawn_on", "violation__recorded_by_id")
        .order_by("on", "id")
    )
    facts = []
    for on, state, withdrawn_on, recorded_by in rows:
        outcome = _OUTCOME[AppointmentState(state)]
        if outcome in ("evaded", "refused") and withdrawn_on is not None:
            outcome = "excused"
        facts.append((on, outcome, recorded_by))
    return facts


def booked_between(case, first: dt.date, last: dt.date) -> list[Appointment]:
    """The planned tests and visits of ``case`` from ``first`` to ``last``, as booked now."""
    return list(
        Appointment.objects.filter(
            case=case, state=AppointmentState.PLANNED, on__gte=first, on__lte=last
        ).order_by("on", "id")
    )


def _planned(model, on: dt.date):
    """The planned appointments of the outer case, or of the outer person's cases that are
    not sealed."""
    if model is Case:
        return Appointment.objects.filter(case=OuterRef("pk"), state=AppointmentState.PLANNED)
    return Appointment.objects.filter(
        case__person=OuterRef("pk"), state=AppointmentState.PLANNED
    ).exclude(case__state="sealed")


def due_columns(model, on: dt.date, *, stored: bool = True) -> dict[str, Any]:
    """``next_due_on`` (the first planned appointment from ``on``) and ``overdue_since``
    (the oldest planned one before ``on``) of each case (``model`` Case) or person (Person).

    Read from the stored due summary (schedule.summary), a join: the oldest planned day is
    overdue once it is past, whatever day the summary was computed; the next due day is
    used while it is still on or after ``on``, and looked up again otherwise (a summary
    that lags the calendar, or a row not yet summed up, stays exact, only slower).
    ``stored=False`` gives the same figures straight from the appointments."""
    planned = _planned(model, on)
    upcoming = Subquery(planned.filter(on__gte=on).order_by("on").values("on")[:1])
    past = Subquery(planned.filter(on__lt=on).order_by("on").values("on")[:1])
    if not stored:
        return {"next_due_on": upcoming, "overdue_since": past}
    first, nxt, as_of = (
        f"due_summary__{name}" for name in ("first_planned_on", "next_due_on", "as_of")
    )
    return {
        "next_due_on": DbCase(
            When(
                Q(**{f"{as_of}__lte": on})
                & (Q(**{f"{nxt}__isnull": True}) | Q(**{f"{nxt}__gte": on})),
                then=F(nxt),
            ),
            default=upcoming,
        ),
        "overdue_since": DbCase(
            When(Q(**{f"{first}__lt": on}), then=F(first)),
            When(Q(**{f"{as_of}__isnull": True}), then=past),
            default=None,
            output_field=DateField(),
        ),
    }


def caseload_columns(qs: QuerySet[Case], on: dt.date) -> QuerySet[Case]:
    """The caseload's columns held here and in risk (cases.selectors.CASELOAD_COLUMNS): the
    category (one lookup by primary key, made only where the query uses it) and the next
    due and overdue days from the stored due summary (``due_columns``)."""
    category = PersonRisk.objects.filter(person=OuterRef("person_id")).values("category")
    return qs.annotate(category=Subquery(category[:1]), **due_columns(Case, on))


def person_columns(qs, on: dt.date):
    """The person list's case columns (people.selectors.PERSON_COLUMNS): the live measure
    (at most one per person, a constraint says so: one lookup in that constraint's index),
    the category, and the next due and overdue days from the stored due summary
    (``due_columns``). The lookups are made only where the query uses them."""
    live = Measure.objects.filter(person=OuterRef("pk"), state__in=LIVE_STATES).order_by()
    category = PersonRisk.objects.filter(person=OuterRef("pk")).values("category")
    return qs.annotate(
        measure_kind=Subquery(live.values("kind")[:1]),
        measure_state=Subquery(live.values("state")[:1]),
        category=Subquery(category[:1]),
        **due_columns(Person, on),
    )


def caseload_column_filter(qs: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
    """The caseload filtered by a column held here or in risk (cases.selectors.
    CASELOAD_COLUMN_FILTER): the category as a semi-join over the current categories."""
    if name == "category":
        return qs.filter(
            person_id__in=PersonRisk.objects.filter(category=value).values("person_id")
        )
    return qs.filter(**{name: value})


def person_column_filter(qs, name: str, value: str):
    """The person list filtered by a case column (people.selectors.PERSON_COLUMN_FILTER):
    semi-joins over the live measures and the current categories, which the database runs
    once, where comparing each person's looked-up value would cost a lookup per person."""
    live = Measure.objects.filter(state__in=LIVE_STATES).order_by()
    if name == "measure_kind":
        return qs.filter(pk__in=live.filter(kind=value).values("person_id"))
    if name == "measure_state":
        return qs.filter(pk__in=live.filter(state=value).values("person_id"))
    if name == "category":
        return qs.filter(pk__in=PersonRisk.objects.filter(category=value).values("person_id"))
    return qs.filter(**{name: value})


def person_column_choices() -> dict[str, list[tuple[str, Any]]]:
    """The values of the person list's case columns and their labels (for its filters)."""
    return {
        "measure": list(MeasureKind.choices),
        "measure_state": [(s.value, s.label) for s in LIVE_STATES],
        "category": list(RiskCategory.choices),
    }
