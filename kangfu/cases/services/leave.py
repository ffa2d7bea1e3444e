"""Leave reports (art. 19) and unauthorised absences."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kangfu.access.audit import is_person_actor
from kangfu.access.choices import AuditAction
from kangfu.access.permissions import Action, require
from kangfu.cases.choices import (
    CaseState,
    EventKind,
    LeaveState,
    MeasureState,
)
from kangfu.cases.events import LeaveApproved
from kangfu.cases.models import (
    Case,
    LeaveRequest,
    Measure,
    UnauthorisedAbsence,
)
from kangfu.cases.selectors import live_measure
from kangfu.cases.services._base import (
    Actor,
    _audit,
    _ctx,
    _event,
    _not_before,
    _today,
)
from kangfu.cases.services.findings import breach_check
from kangfu.core.events import publish
from kangfu.core.validation import not_future as _not_future

# --- leave and absences -----------------------------------------------------------------

# A county name, not an address: no house numbers (DOMAIN.md: Kangfu does not track people).
_ADDRESS_MARKS = ("号", "室", "栋", "楼", "路", "弄", "巷")


def _in_force(case: Case) -> Measure:
    measure = live_measure(case)
    if measure is None or measure.state != MeasureState.ACTIVE:
        raise ValidationError(_("There is no measure in force."))
    return measure


def leave_request_record(
    *,
    actor: Actor,
    case: Case,
    submitted_on: dt.date,
    leaves_on: dt.date,
    returns_on: dt.date,
    destination_county: str,
    reason: str,
) -> LeaveRequest:
    """Record the person's written report before leaving the county (art. 19).

    Case staff record a report handed in on paper; the person may also submit their own
    through the portal (``actor`` is then their ``PersonActor``: only for their own case).
    """
    ctx = _ctx(actor)
    by_person = is_person_actor(ctx.actor)
    if by_person:
        if ctx.actor.person_id != case.person_id or case.state != CaseState.OPEN:
            raise PermissionDenied("a person reports only for their own open case")
    else:
        require(ctx.actor, Action.CASE_WORK, case)
    measure = _in_force(case)
    _not_future("submitted_on", submitted_on)
    _not_before("submitted_on", submitted_on, measure.starts_on, _("the start of the measure"))
    if leaves_on < submitted_on:
        raise ValidationError(
            {"leaves_on": _("The written report comes before leaving, not after.")}
        )
    _not_before("returns_on", returns_on, leaves_on, _("the day of leaving"))
    destination = destination_county.strip()
    if any(ch.isdigit() for ch in destination) or any(m in destination for m in _ADDRESS_MARKS):
        raise ValidationError(
            {"destination_county": _("Give only the county (e.g. 某某县), never an address.")}
        )
    with transaction.atomic():
        leave = LeaveRequest.objects.create(
            case=case,
            measure=measure,
            submitted_on=submitted_on,
            leaves_on=leaves_on,
            returns_on=returns_on,
            destination_county=destination,
            reason=reason.strip(),
            created_by=None if by_person else ctx.actor,
        )
        _event(
            case,
            EventKind.LEAVE_REQUESTED,
            submitted_on,
            ctx,
            measure,
            leaves_on=leaves_on,
            returns_on=returns_on,
            days=leave.days,
        )
        _audit(ctx, case, AuditAction.CREATE, ("leave_request",))
    return leave


def leave_decide(
    *,
    actor: Actor,
    leave: LeaveRequest,
    approve: bool,
    reason: str = "",
    decided_on: dt.date | None = None,
) -> LeaveRequest:
    """Approve or refuse a leave report; a refusal always says why."""
    ctx = _ctx(actor)
    case = leave.case
    require(ctx.actor, Action.CASE_WORK, case)
    if leave.state != LeaveState.PENDING:
        raise ValidationError(_("This leave report has already been decided."))
    reason = reason.strip()
    if not approve and not reason:
        raise ValidationError({"reason": _("Say why the leave is refused.")})
    decided_on = decided_on or _today()
    _not_future("decided_on", decided_on)
    with transaction.atomic():
        leave.state = LeaveState.APPROVED if approve else LeaveState.REFUSED
        leave.decided_on, leave.decided_by, leave.decision_reason = decided_on, ctx.actor, reason
        leave.save()
        _event(case, EventKind.LEAVE_DECIDED, decided_on, ctx, leave.measure, approved=approve)
        _audit(ctx, case, AuditAction.UPDATE, ("leave_request.state",))
        if approve:
            publish(LeaveApproved(case=case, leave=leave, ctx=ctx))
    return leave


def absence_record(
    *, actor: Actor, case: Case, first_day: dt.date, last_day: dt.date, note: str = ""
) -> UnauthorisedAbsence:
    """Record a departure from the county without permission. When the art. 20 thresholds
    are reached (engine.serious_breach), a serious-breach finding is recorded as well."""
    ctx = _ctx(actor)
    require(ctx.actor, Action.CASE_WORK, case)
    measure = _in_force(case)
    _not_future("last_day", last_day)
    _not_before("first_day", first_day, measure.starts_on, _("the start of the measure"))
    _not_before("last_day", last_day, first_day, _("the first day away"))
    existing = list(measure.absences.all())
    if any(a.first_day <= last_day and first_day <= a.last_day for a in existing):
        raise ValidationError({"first_day": _("This overlaps an absence already recorded.")})
    with transaction.atomic():
        absence = UnauthorisedAbsence.objects.create(
            case=case,
            measure=measure,
            first_day=first_day,
            last_day=last_day,
            note=note.strip(),
            recorded_by=ctx.actor,
        )
        _event(
            case,
            EventKind.ABSENCE,
            first_day,
            ctx,
            measure,
            last_day=last_day,
            days=(last_day - first_day).days + 1,
        )
        _audit(ctx, case, AuditAction.CREATE, ("absence",))
        breach_check(ctx=ctx, measure=measure, on=last_day)
    return absence
