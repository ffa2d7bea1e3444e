"""Transfers to another township: propose, accept, decline."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kangfu.access.choices import AuditAction, DataCategory, Level
from kangfu.access.models import Jurisdiction, User
from kangfu.access.permissions import Action, may, require
from kangfu.access.services import disclosure_record
from kangfu.cases.choices import (
    CaseState,
    EventKind,
    TransferReason,
    TransferState,
)
from kangfu.cases.models import Case, Transfer
from kangfu.cases.selectors import live_measure, pack_of
from kangfu.cases.services._base import (
    Actor,
    _audit,
    _ctx,
    _event,
    _not_before,
    _require_open,
    _today,
)
from kangfu.core.validation import not_future as _not_future
from kangfu.people.services import person_move
from kangfu.policy import engine

# --- transfers --------------------------------------------------------------------------


def transfer_propose(
    *,
    actor: Actor,
    case: Case,
    to_township: Jurisdiction,
    reason: str,
    note: str = "",
) -> Transfer:
    """The sending township proposes to move the case (戒毒条例 art. 22)."""
    ctx = _ctx(actor)
    require(ctx.actor, Action.CASE_WORK, case)
    _require_open(case)
    reason = TransferReason(reason)
    if to_township.level != Level.TOWNSHIP:
        raise ValidationError({"to_township": _("Choose a township or street office.")})
    if to_township.pk == case.township_id:
        raise ValidationError({"to_township": _("The case is already at this township.")})
    if case.transfers.filter(state=TransferState.PROPOSED).exists():
        raise ValidationError(_("A transfer of this case is already awaiting an answer."))
    try:
        with transaction.atomic():
            transfer = Transfer.objects.create(
                case=case,
                from_township=case.township,
                to_township=to_township,
                reason=reason,
                note=note.strip(),
                proposed_by=ctx.actor,
                proposed_on=_today(),
            )
            _event(
                case,
                EventKind.TRANSFER_PROPOSED,
                transfer.proposed_on,
                ctx,
                to=to_township.name,
            )
            _audit(ctx, case, AuditAction.CREATE, ("transfer",))
    except IntegrityError as exc:
        raise ValidationError(_("A transfer of this case is already awaiting an answer.")) from exc
    return transfer


class TransferAlreadyDecided(ValidationError):
    pass


def transfer_accept(*, actor: Actor, transfer: Transfer, caseworker: User | None = None) -> Case:
    """The receiving township accepts: the case (with all its history, which hangs off it)
    and the person move in one transaction; the sender keeps only the transfer record.

    The transfer row is locked and its state re-read, so of two concurrent accepts the
    second sees "accepted" and is refused.
    """
    ctx = _ctx(actor)
    # Answered at the receiving township; the sender sees the transfer (a 403, not a 404).
    require(ctx.actor, Action.CASE_WORK, transfer, at=transfer.to_township)
    if caseworker is not None and not may(caseworker, Action.CASELOAD_HOLD, transfer.to_township):
        raise ValidationError({"caseworker": _("Choose a caseworker of your township.")})
    if caseworker is None and may(ctx.actor, Action.CASELOAD_HOLD):
        caseworker = ctx.actor
    with transaction.atomic():
        locked = Transfer.objects.select_for_update().get(pk=transfer.pk)
        if locked.state != TransferState.PROPOSED:
            raise TransferAlreadyDecided(_("This transfer has already been answered."))
        case = Case.objects.select_for_update().select_related("person").get(pk=locked.case_id)
        if case.township_id != locked.from_township_id or case.state != CaseState.OPEN:
            raise ValidationError(_("The case is no longer where the transfer was proposed."))
        today = _today()
        to = locked.to_township
        case.township = to
        case.caseworker = caseworker
        if locked.reason == TransferReason.HUKOU:
            case.responsible = to
        elif case.responsible_id != to.pk:
            case.co_managing = to
        else:
            case.co_managing = None
        # Art. 22: the person reports at the new township, and signs a new agreement there.
        case.agreement_needed_from = today
        case.save(
            update_fields=[
                "township",
                "caseworker",
                "responsible",
                "co_managing",
                "agreement_needed_from",
            ]
        )
        person_move(person=case.person, township=to, actor=ctx, caseworker=caseworker)
        locked.state, locked.decided_by, locked.decided_on = (
            TransferState.ACCEPTED,
            ctx.actor,
            today,
        )
        if live_measure(case) is not None:
            locked.report_due_on = engine.deadline(pack_of(case), "transfer_report", today).due
        locked.save(update_fields=["state", "decided_by", "decided_on", "report_due_on"])
        # The receiving township now holds the whole file: account for it as a disclosure.
        disclosure_record(
            ctx=ctx,
            person=case.person,
            recipient=str(to),
            legal_basis="transfer",
            basis_reference="戒毒条例第二十二条",
            categories=[
                DataCategory.IDENTITY,
                DataCategory.CONTACT,
                DataCategory.MEASURES,
                DataCategory.TESTS,
                DataCategory.RISK,
            ],
            disclosed_on=today,
        )
        _event(
            case,
            EventKind.TRANSFER_ACCEPTED,
            today,
            ctx,
            origin=locked.from_township.name,
            to=to.name,
        )
    transfer.refresh_from_db()
    return case


def transfer_decline(*, actor: Actor, transfer: Transfer, reason: str) -> Transfer:
    ctx = _ctx(actor)
    require(ctx.actor, Action.CASE_WORK, transfer, at=transfer.to_township)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the transfer is declined.")})
    with transaction.atomic():
        locked = Transfer.objects.select_for_update().get(pk=transfer.pk)
        if locked.state != TransferState.PROPOSED:
            raise TransferAlreadyDecided(_("This transfer has already been answered."))
        locked.state, locked.decided_by, locked.decided_on = (
            TransferState.DECLINED,
            ctx.actor,
            _today(),
        )
        locked.decline_reason = reason.strip()
        locked.save()
        _event(
            locked.case,
            EventKind.TRANSFER_DECLINED,
            locked.decided_on,
            ctx,
            to=locked.to_township.name,
            reason=locked.decline_reason,
        )
    transfer.refresh_from_db()
    return transfer


def transfer_report_record(*, actor: Actor, transfer: Transfer, reported_on: dt.date) -> Transfer:
    """The person reported at the new township after the transfer (戒毒条例 art. 22)."""
    ctx = _ctx(actor)
    case = transfer.case
    require(ctx.actor, Action.CASE_WORK, case)
    _not_future("reported_on", reported_on)
    with transaction.atomic():
        locked = Transfer.objects.select_for_update().get(pk=transfer.pk)
        if locked.state != TransferState.ACCEPTED or locked.report_due_on is None:
            raise ValidationError(_("No report at the new township is awaited for this transfer."))
        if locked.reported_on is not None:
            raise ValidationError(_("The report at the new township is already recorded."))
        _not_before("reported_on", reported_on, locked.decided_on, _("the day it was accepted"))
        locked.reported_on = reported_on
        locked.save(update_fields=["reported_on"])
        _event(
            case,
            EventKind.TRANSFER_REPORTED,
            reported_on,
            ctx,
            late=reported_on > locked.report_due_on,
        )
        _audit(ctx, case, AuditAction.UPDATE, ("transfer.reported_on",))
    return locked
