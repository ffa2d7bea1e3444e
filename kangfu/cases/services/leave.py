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
from kangfu.cases.selectors import live_measure, pack_of
from kangfu.cases.services._base import (
    Actor,
    _audit,
    _ctx,
    _event,
    _not_before,
    _today,
    withdraw_entry,
)
from kangfu.cases.services.findings import breach_check
from kangfu.core.events import publish
from kangfu.core.validation import clean_text, not_after
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
    long_reason: str = "",
) -> LeaveRequest:
    """Record the person's written report before leaving the county (art. 19).

    Case staff record a report handed in on paper; the person may also submit their own
    through the portal (``actor`` is then their ``PersonActor``: only for their own case).
    The leave lies within the measure (it returns by the measure's last day), does not
    overlap another pending or approved leave, and one longer than the pack's
    ``leave.max_days_without_reason`` says why in ``long_reason``.
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
    not_after("leaves_on", leaves_on, measure.ends_on, _("the last day of the measure"))
    if leaves_on < submitted_on:
        raise ValidationError(
            {"leaves_on": _("The written report comes before leaving, not after.")}
        )
    _not_before("returns_on", returns_on, leaves_on, _("the day of leaving"))
    not_after("returns_on", returns_on, measure.ends_on, _("the last day of the measure"))
    not_after("returns_on", returns_on, leaves_on + dt.timedelta(days=366), _("a year away"))
    destination = clean_text("destination_county", destination_county, max_length=60)
    reason = clean_text("reason", reason, max_length=300, required=True)
    long_reason = clean_text("long_reason", long_reason, max_length=300)
    longest = pack_of(case).leave.max_days_without_reason
    if (returns_on - leaves_on).days + 1 > longest and not long_reason:
        raise ValidationError(
            {
                "long_reason": _("A leave of more than %(n)s days needs a reason for its length.")
                % {"n": longest}
            }
        )
    if not destination:
        raise ValidationError({"destination_county": _("This field is required.")})
    if any(ch.isdigit() for ch in destination) or any(m in destination for m in _ADDRESS_MARKS):
        raise ValidationError(
            {"destination_county": _("Give only the county (e.g. 某某县), never an address.")}
        )
    with transaction.atomic():
        # Re-checked under a lock on the measure: two reports at once cannot both pass.
        measure = Measure.objects.select_for_update().get(pk=measure.pk)
        # Leave L1..L2 covers the days L1+1 … L2, so one may return the day the next leaves.
        overlapping = (
            measure.leave_requests.exclude(state=LeaveState.REFUSED)
            .filter(leaves_on__lt=returns_on, returns_on__gt=leaves_on)
            .order_by("leaves_on")
            .first()
        )
        if overlapping is not None:
            raise ValidationError(
                {
                    "leaves_on": _(
                        "This overlaps the leave from %(from)s to %(to)s already reported."
                    )
                    % {
                        "from": overlapping.leaves_on.isoformat(),
                        "to": overlapping.returns_on.isoformat(),
                    }
                }
            )
        leave = LeaveRequest.objects.create(
            case=case,
            measure=measure,
            submitted_on=submitted_on,
            leaves_on=leaves_on,
            returns_on=returns_on,
            destination_county=destination,
            reason=reason,
            long_reason=long_reason,
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
        # Re-read under a lock: of two decisions at once, one wins and one is told.
        leave = LeaveRequest.objects.select_for_update().select_related("measure").get(pk=leave.pk)
        if leave.state != LeaveState.PENDING:
            raise ValidationError(_("This leave report has already been decided."))
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
    """Record time out of the county without the written report: ``first_day`` the day the
    person left, ``last_day`` the day they came back. Days are counted as the law counts
    periods (the day of leaving is not counted), so a trip lasts ``last_day - first_day``
    days. Time covered by a written report (a leave, per the pack's ``leave.mode``) is never
    an unauthorised absence: an absence overlapping one is refused. When an art. 20 threshold
    is reached, a serious breach is *proposed* (findings.breach_check)."""
    ctx = _ctx(actor)
    require(ctx.actor, Action.CASE_WORK, case)
    measure = _in_force(case)
    _not_future("last_day", last_day)
    _not_before("first_day", first_day, measure.starts_on, _("the start of the measure"))
    _not_before("last_day", last_day, first_day, _("the day of leaving"))
    if last_day == first_day:
        raise ValidationError(
            {"last_day": _("Back the same day: no written report was needed, nothing to record.")}
        )
    note = clean_text("note", note, max_length=300)
    with transaction.atomic():
        # Re-checked under a lock on the measure: two entries at once cannot both pass.
        measure = Measure.objects.select_for_update().get(pk=measure.pk)
        # Periods share a day only when one starts before the other ends (start not counted).
        existing = measure.absences.filter(withdrawn_on=None)
        if existing.filter(first_day__lt=last_day, last_day__gt=first_day).exists():
            raise ValidationError({"first_day": _("This overlaps an absence already recorded.")})
        covered_by = covering_states(pack_of(case))
        covering = [
            leave
            for leave in measure.leave_requests.filter(
                leaves_on__lt=last_day, returns_on__gt=first_day
            )
            if leave.state in covered_by
        ]
        if covering:
            leave = covering[0]
            raise ValidationError(
                {
                    "first_day": _(
                        "The person reported this time away in writing (leave %(from)s to "
                        "%(to)s): time covered by a written report is not an unauthorised "
                        "absence."
                    )
                    % {"from": leave.leaves_on.isoformat(), "to": leave.returns_on.isoformat()}
                }
            )
        absence = UnauthorisedAbsence.objects.create(
            case=case,
            measure=measure,
            first_day=first_day,
            last_day=last_day,
            note=note,
            recorded_by=ctx.actor,
        )
        _event(
            case,
            EventKind.ABSENCE,
            first_day,
            ctx,
            measure,
            last_day=last_day,
            days=(last_day - first_day).days,
        )
        _audit(ctx, case, AuditAction.CREATE, ("absence",))
        breach_check(ctx=ctx, measure=measure, on=last_day)
    return absence


def covering_states(pack) -> frozenset[str]:
    """Leave states that met the written-report duty (policy.breach, ``leave.mode``)."""
    if pack.leave.mode == "approval":
        return frozenset({LeaveState.APPROVED})
    return frozenset({LeaveState.PENDING, LeaveState.APPROVED, LeaveState.REFUSED})


def absence_withdraw(
    *,
    actor: Actor,
    absence: UnauthorisedAbsence,
    reason: str,
    withdrawn_on: dt.date | None = None,
) -> UnauthorisedAbsence:
    """Withdraw an absence entered by mistake, with the reason. Nothing is deleted; it stops
    counting at once and art. 20 is recomputed (a proposal below threshold is withdrawn)."""
    ctx = _ctx(actor)
    case = absence.case
    require(ctx.actor, Action.CASE_WORK, case)
    with transaction.atomic():
        absence = withdraw_entry(
            UnauthorisedAbsence,
            absence.pk,
            ctx=ctx,
            reason=reason,
            withdrawn_on=withdrawn_on,
            already=_("This absence has already been withdrawn."),
        )
        withdrawn_on = absence.withdrawn_on
        _event(
            case,
            EventKind.ABSENCE_WITHDRAWN,
            withdrawn_on,
            ctx,
            absence.measure,
            first_day=absence.first_day,
            last_day=absence.last_day,
        )
        _audit(ctx, case, AuditAction.UPDATE, ("absence.withdrawn",))
        breach_check(ctx=ctx, measure=absence.measure, on=withdrawn_on)
    return absence
