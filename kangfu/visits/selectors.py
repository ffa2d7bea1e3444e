"""Reads of the visits app, always starting from ``visible_to(user)`` (habit 2).

Lists never carry the note: it is deferred (never loaded, never decrypted) and shown only
on a visit's own page, to the case's front-line staff, with an audited read
(``Action.VISIT_NOTE_VIEW``). The person's portal reads the day and place of their visits
only (``person_visits``).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from kangfu.access.audit import AccessContext, audit_record
from kangfu.access.choices import AuditAction
from kangfu.access.permissions import Action, may
from kangfu.access.scoping import scoped_get
from kangfu.cases.models import Case
from kangfu.schedule.selectors import TodayItem, TodaySection
from kangfu.visits.models import FollowUp, Visit

# Open follow-ups due up to this many days ahead stand on the today page.
TODAY_AHEAD_DAYS = 7
TODAY_LIMIT = 25
# What a list line of a visit shows (never the note).
LIST_FIELDS = ("visit",)
NOTE_FIELDS = ("name", "visit", "visit.note", "visit.follow_up")


def may_read_note(user, case: Case) -> bool:
    """May ``user`` read the notes and follow-ups of ``case``'s visits?"""
    return may(user, Action.VISIT_NOTE_VIEW, case)


def case_visits(*, user, case: Case) -> QuerySet[Visit]:
    """The visits of one case the user may see, newest first, without their notes."""
    return (
        Visit.objects.visible_to(user)
        .filter(case=case)
        .defer("note", "others_present")
        .select_related("recorded_by")
        .prefetch_related("staff")
        .order_by("-visited_on", "-id")
    )


def visits_for(*, user) -> QuerySet[Visit]:
    """Every visit the user may see (the API list), without notes."""
    return (
        Visit.objects.visible_to(user)
        .defer("note", "others_present")
        .select_related("case", "recorded_by")
        .prefetch_related("staff")
        .order_by("-visited_on", "-id")
    )


def visit_get(*, user, public_id) -> Visit:
    """One visit the user may see (404 otherwise). The note is loaded only for a user who
    may read it, so nobody else's request ever decrypts it."""
    qs = Visit.objects.select_related("case__person", "case__township", "recorded_by")
    visit = scoped_get(user, qs.defer("note"), public_id=public_id)
    if may_read_note(user, visit.case):
        visit.note = Visit.objects.values_list("note", flat=True).get(pk=visit.pk)
    else:
        visit.note = None
    return visit


def follow_ups_of(visit: Visit) -> list[FollowUp]:
    return list(visit.follow_ups.select_related("done_by").order_by("due_on", "id"))


def note_read_audit(*, ctx: AccessContext, visit: Visit) -> None:
    """Reading a visit's note and tasks is a read of the person's record."""
    person = visit.case.person
    person.township = visit.case.township
    audit_record(ctx=ctx, action=AuditAction.READ, obj=person, fields=NOTE_FIELDS)


def follow_up_get(*, user, pk: int) -> FollowUp:
    return scoped_get(
        user,
        FollowUp.objects.select_related("case", "visit"),
        Action.VISIT_NOTE_VIEW,
        pk=pk,
    )


def open_follow_ups(*, user, township_id: int | None = None) -> QuerySet[FollowUp]:
    """Open follow-up tasks the user works on, oldest due first: of their own caseload and
    of the visits they recorded; in a township drill-down, every one of that township. Only
    for users who may read them (front-line staff); withdrawn visits' tasks are gone."""
    qs = (
        FollowUp.objects.visible_to(user, Action.VISIT_NOTE_VIEW)
        .filter(done_on=None, visit__withdrawn_on=None, case__state="open")
        .select_related("case", "case__person", "visit")
        .order_by("due_on", "id")
    )
    if township_id is not None:
        return qs.filter(case__township_id=township_id)
    return qs.filter(Q(case__caseworker=user) | Q(visit__recorded_by=user))


def today_sections(*, ctx: AccessContext, township_id: int | None, on: dt.date):
    """The today page's follow-up section (schedule.selectors.TODAY_SECTIONS): open tasks
    due by ``on`` + 7 days, overdue first; one search event for what it shows."""
    user = ctx.actor
    if not may(user, Action.VISIT_NOTE_VIEW):
        return ()
    qs = open_follow_ups(user=user, township_id=township_id).filter(
        due_on__lte=on + dt.timedelta(days=TODAY_AHEAD_DAYS)
    )
    rows = list(qs[:TODAY_LIMIT])
    total = len(rows) if len(rows) < TODAY_LIMIT else qs.count()
    if rows:
        audit_record(
            ctx=ctx,
            action=AuditAction.SEARCH,
            fields=("name", "visit.follow_up"),
            outside_caseload=township_id is not None,
            detail=f"query=follow-ups township={township_id or '-'} hits={total}",
        )
    items = tuple(
        TodayItem(
            case=f.case,
            due_on=f.due_on,
            text=f.task,
            url=reverse("visits:visit-detail", args=[f.visit.public_id]),
            done_url=reverse("visits:follow-up-done", args=[f.pk]),
        )
        for f in rows
    )
    more = reverse("visits:follow-ups")
    if township_id is not None:
        more += f"?township={township_id}"
    return (
        TodaySection(
            key="follow-ups",
            title=_("Follow-up tasks from visits"),
            items=items,
            total=total,
            more_url=more,
        ),
    )


def person_visits(person) -> QuerySet[Visit]:
    """For the person's own portal: the day and place of each visit that took place, never
    the note, who else was there or any staff name (the columns are not even loaded)."""
    return (
        Visit.objects.filter(case__person=person, withdrawn_on=None)
        .exclude(case__state="sealed")
        .only("public_id", "visited_on", "place")
        .order_by("-visited_on", "-id")
    )
