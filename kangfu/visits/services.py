"""Writes of the visits app: record a visit or interview, withdraw one entered by mistake,
add a follow-up task and mark one done. Views, the API, the demo and tests all call these.

Each service is keyword-only, runs in one transaction, checks the permission policy
(``Action.VISIT_RECORD``), validates (a ``ValidationError`` keyed by the form field it
concerns), locks what it changes and re-checks it under the lock, and writes an audit event
on the person's record in the same transaction. Recording a visit fulfils the planned visit
of the schedule it matches (``schedule.services.visit_fulfil``: docs/visits.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kangfu.access.audit import AccessContext
from kangfu.access.choices import AuditAction
from kangfu.access.models import User
from kangfu.access.permissions import Action, may, require
from kangfu.cases import services as cases
from kangfu.cases.audit import case_work_audit
from kangfu.cases.models import Case
from kangfu.core.validation import clean_text, not_future
from kangfu.schedule import services as schedule
from kangfu.visits.choices import Place
from kangfu.visits.models import FollowUp, Visit

Actor = User | AccessContext
NOTE_MAX = 4000
OTHERS_MAX = 300
TASK_MAX = 300
# A follow-up is short-term work: due within a year of the visit.
FOLLOW_UP_HORIZON_DAYS = 366


def _ctx(actor: Actor) -> AccessContext:
    return AccessContext.of(actor)


def _today() -> dt.date:
    return timezone.localdate()


def earliest_day(case: Case) -> dt.date:
    """The first day a visit of ``case`` may be on: the first measure's decision (a visit to
    urge the person to report comes after it, before the measure starts), or the day the
    case was opened when no decision is on file yet."""
    first = case.measures.order_by("decided_on").values_list("decided_on", flat=True).first()
    return first if first is not None else case.opened_on


def _visited_on(case: Case, visited_on: dt.date | None) -> dt.date:
    if visited_on is None:
        raise ValidationError({"visited_on": _("Give the date of the visit.")})
    not_future("visited_on", visited_on)
    first = earliest_day(case)
    if visited_on < first:
        raise ValidationError(
            {
                "visited_on": _(
                    "The date of the visit cannot be before the measure was decided (%(day)s)."
                )
                % {"day": first.isoformat()}
            }
        )
    if case.closed_on is not None and visited_on > case.closed_on:
        raise ValidationError(
            {"visited_on": _("The date of the visit cannot be after the case was closed.")}
        )
    return visited_on


def _follow_up(visited_on: dt.date, task: str, due_on: dt.date | None) -> tuple[str, dt.date]:
    task = clean_text(
        "follow_up_task",
        task,
        max_length=TASK_MAX,
        required=True,
        message=_("Say what is to be done."),
    )
    if due_on is None:
        raise ValidationError({"follow_up_due": _("Give the day it is to be done by.")})
    if due_on < visited_on:
        raise ValidationError({"follow_up_due": _("The follow-up cannot be due before the visit.")})
    if due_on > visited_on + dt.timedelta(days=FOLLOW_UP_HORIZON_DAYS):
        raise ValidationError(
            {"follow_up_due": _("A follow-up is due within a year of the visit.")}
        )
    return task, due_on


def _staff(case: Case, staff: Iterable[User]) -> list[User]:
    chosen = list(dict.fromkeys(staff))
    for user in chosen:
        # Only the case's own front-line staff can have been there on its behalf.
        if not may(user, Action.VISIT_RECORD, case):
            raise ValidationError({"staff": _("Choose staff of this township.")})
    return chosen


def visit_record(
    *,
    actor: Actor,
    case: Case,
    visited_on: dt.date,
    place: str,
    staff: Iterable[User] = (),
    others_present: str = "",
    note: str = "",
    follow_ups: Sequence[tuple[str, dt.date | None]] = (),
) -> Visit:
    """Record a visit or interview that took place, with its follow-up tasks. The planned
    visit it matches is marked done and its reminder clears (``visit_fulfil``)."""
    ctx = _ctx(actor)
    require(ctx.actor, Action.VISIT_RECORD, case)
    try:
        place = Place(place)
    except ValueError:
        raise ValidationError({"place": _("Choose where the visit took place.")}) from None
    visited_on = _visited_on(case, visited_on)
    others_present = clean_text("others_present", others_present, max_length=OTHERS_MAX)
    note = clean_text("note", note, max_length=NOTE_MAX)
    chosen = _staff(case, staff)
    tasks = [_follow_up(visited_on, task, due) for task, due in follow_ups]
    with transaction.atomic():
        # Under the case's lock: a closed case takes no visit, and a double submit finds
        # the first one (the same day and place) instead of fulfilling a second plan.
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if not locked.is_open:
            raise ValidationError(_("The case is closed."))
        if Visit.objects.filter(
            case=locked, visited_on=visited_on, place=place, withdrawn_on=None
        ).exists():
            raise ValidationError(
                {"visited_on": _("A visit on this day and in this place is already recorded.")}
            )
        try:
            with transaction.atomic():
                visit = Visit.objects.create(
                    case=locked,
                    visited_on=visited_on,
                    place=place,
                    others_present=others_present,
                    note=note,
                    recorded_by=ctx.actor,
                )
        except IntegrityError:
            raise ValidationError(
                {"visited_on": _("A visit on this day and in this place is already recorded.")}
            ) from None
        visit.staff.set(chosen)
        FollowUp.objects.bulk_create(
            [FollowUp(visit=visit, case=locked, task=t, due_on=d) for t, d in tasks]
        )
        visit.appointment = schedule.visit_fulfil(actor=ctx, case=locked, on=visited_on)
        if visit.appointment is not None:
            visit.save(update_fields=["appointment"])
        fields = ["visit", "visit.note"] + (["visit.follow_up"] if tasks else [])
        case_work_audit(ctx=ctx, case=locked, action=AuditAction.CREATE, fields=fields)
    return visit


def visit_withdraw(
    *, actor: Actor, visit: Visit, reason: str, withdrawn_on: dt.date | None = None
) -> Visit:
    """Withdraw a visit entered by mistake, with the reason. Nothing is deleted: the visit
    stays on the record struck through, its follow-ups leave the today page, and the
    planned visit it had fulfilled is planned again (its reminder comes back)."""
    ctx = _ctx(actor)
    case = visit.case
    require(ctx.actor, Action.VISIT_RECORD, case)
    with transaction.atomic():
        visit = cases.withdraw_entry(
            Visit,
            visit.pk,
            ctx=ctx,
            reason=reason,
            withdrawn_on=withdrawn_on,
            already=_("This visit has already been withdrawn."),
        )
        if visit.withdrawn_on < visit.visited_on:
            raise ValidationError(
                {"withdrawn_on": _("A visit cannot be withdrawn before it took place.")}
            )
        appointment = visit.appointment
        if appointment is not None:
            # Unlinked first: the appointment, planned again, may be fulfilled by another.
            visit.appointment = None
            visit.save(update_fields=["appointment"])
            schedule.appointment_reopen(actor=ctx, appointment=appointment)
        case_work_audit(ctx=ctx, case=case, action=AuditAction.UPDATE, fields=("visit.withdrawn",))
    return visit


def follow_up_add(*, actor: Actor, visit: Visit, task: str, due_on: dt.date | None) -> FollowUp:
    """Add a follow-up task to a visit already recorded."""
    ctx = _ctx(actor)
    case = visit.case
    require(ctx.actor, Action.VISIT_RECORD, case)
    task, due_on = _follow_up(visit.visited_on, task, due_on)
    with transaction.atomic():
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        if locked.is_withdrawn:
            raise ValidationError(_("This visit has been withdrawn."))
        follow_up = FollowUp.objects.create(visit=locked, case=case, task=task, due_on=due_on)
        case_work_audit(ctx=ctx, case=case, action=AuditAction.CREATE, fields=("visit.follow_up",))
    return follow_up


def follow_up_done(
    *, actor: Actor, follow_up: FollowUp, done_on: dt.date | None = None
) -> FollowUp:
    """Mark a follow-up task done: it leaves the today page."""
    ctx = _ctx(actor)
    case = follow_up.case
    require(ctx.actor, Action.VISIT_RECORD, case)
    done_on = done_on or _today()
    not_future("done_on", done_on)
    with transaction.atomic():
        locked = FollowUp.objects.select_for_update().select_related("visit").get(pk=follow_up.pk)
        if locked.done_on is not None:
            raise ValidationError(_("This follow-up is already done."))
        if done_on < locked.visit.visited_on:
            raise ValidationError({"done_on": _("It cannot be done before the visit.")})
        locked.done_on, locked.done_by = done_on, ctx.actor
        locked.save(update_fields=["done_on", "done_by"])
        case_work_audit(ctx=ctx, case=case, action=AuditAction.UPDATE, fields=("visit.follow_up",))
    return locked
