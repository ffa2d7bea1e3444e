"""Sealing (戒断三年未复吸), legal holds and the identity purge of sealed records."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kangfu.access.choices import AuditAction
from kangfu.access.permissions import Action, require
from kangfu.cases.choices import CaseState, EventKind
from kangfu.cases.events import CaseSealed, IdentityPurged
from kangfu.cases.models import Case, LegalHold
from kangfu.cases.selectors import pack_of, sealing_due
from kangfu.cases.services._base import Actor, _audit, _ctx, _event, _today
from kangfu.core.dates import add_years
from kangfu.core.events import publish
from kangfu.core.validation import not_future as _not_future
from kangfu.people.services import person_purge_identity

# --- sealing, legal holds, purge ---------------------------------------------------------


def _relapsed(case: Case) -> bool:
    """A later case or measure for the same person means the three years were not clean."""
    return (
        Case.objects.filter(person_id=case.person_id, opened_on__gt=case.opened_on).exists()
        or Case.objects.filter(person_id=case.person_id, state=CaseState.OPEN).exists()
    )


def case_seal(*, actor: Actor, case: Case, sealed_on: dt.date | None = None) -> Case:
    """Seal a closed case three years after its last measure without relapse
    (戒断三年未复吸): dynamic control stops and the record drops out of every list."""
    ctx = _ctx(actor)
    require(ctx.actor, Action.CASE_WORK, case)
    if case.state != CaseState.CLOSED:
        raise ValidationError(_("Only a closed case can be sealed."))
    sealed_on = sealed_on or _today()
    _not_future("sealed_on", sealed_on)
    if case.external_periods.filter(ends_on=None).exists():
        raise ValidationError(
            _("The person is still in compulsory isolation or prison: the record cannot be sealed.")
        )
    due = sealing_due(case)
    if due is None or sealed_on < due:
        raise ValidationError(
            _("The case can be sealed from %(day)s.") % {"day": due.isoformat() if due else "—"}
        )
    if _relapsed(case):
        raise ValidationError(_("The person has a later case: the record cannot be sealed."))
    years = pack_of(case).retention.purge_identity_after_years_sealed
    with transaction.atomic():
        case.state, case.sealed_on = CaseState.SEALED, sealed_on
        case.purge_due_on = add_years(sealed_on, years) if years else None
        case.awaiting_reassessment = False  # out of dynamic control: nothing left to assess
        case.save(update_fields=["state", "sealed_on", "purge_due_on", "awaiting_reassessment"])
        _event(case, EventKind.SEALED, sealed_on, ctx, purge_due_on=case.purge_due_on)
        _audit(ctx, case, AuditAction.UPDATE, ("case.state",))
        publish(CaseSealed(case=case, ctx=ctx))
    return case


def legal_hold_place(*, actor: Actor, case: Case, reason: str) -> LegalHold:
    """Stop the purge of a sealed case's identity data, with a reason."""
    ctx = _ctx(actor)
    require(ctx.actor, Action.CASE_KEEP_SEALED, case)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the legal hold.")})
    with transaction.atomic():
        hold = LegalHold.objects.create(
            case=case, reason=reason.strip(), placed_by=ctx.actor, placed_on=_today()
        )
        _event(case, EventKind.HOLD_PLACED, hold.placed_on, ctx)
        _audit(ctx, case, AuditAction.UPDATE, ("legal_hold",))
    return hold


def legal_hold_release(*, actor: Actor, hold: LegalHold) -> LegalHold:
    ctx = _ctx(actor)
    require(ctx.actor, Action.CASE_KEEP_SEALED, hold.case)
    if hold.released_on is not None:
        raise ValidationError(_("This legal hold has already been released."))
    with transaction.atomic():
        hold.released_on, hold.released_by = _today(), ctx.actor
        hold.save(update_fields=["released_on", "released_by"])
        _event(hold.case, EventKind.HOLD_RELEASED, hold.released_on, ctx)
        _audit(ctx, hold.case, AuditAction.UPDATE, ("legal_hold",))
    return hold


def case_purge_identity(*, actor: Actor, case: Case) -> Case:
    """Purge the identity data of a sealed case whose retention has run out, unless a legal
    hold stands or the person has another record still in use."""
    ctx = _ctx(actor)
    require(ctx.actor, Action.CASE_KEEP_SEALED, case)
    today = _today()
    if case.state != CaseState.SEALED or case.purged_on is not None:
        raise ValidationError(_("Only a sealed case whose data is still kept can be purged."))
    if case.purge_due_on is None or today < case.purge_due_on:
        raise ValidationError(_("The identity data is kept until the retention period ends."))
    if case.legal_holds.filter(released_on=None).exists():
        raise ValidationError(_("A legal hold stops the purge."), code="legal_hold")
    if Case.objects.filter(person_id=case.person_id).exclude(state=CaseState.SEALED).exists():
        raise ValidationError(_("The person has another case in use."))
    with transaction.atomic():
        person_purge_identity(person=case.person, actor=ctx)
        case.purged_on = today
        case.save(update_fields=["purged_on"])
        _event(case, EventKind.PURGED, today, ctx)
        publish(IdentityPurged(case=case, ctx=ctx))
    return case
