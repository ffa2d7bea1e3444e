"""The agreement (协议): drawn up after reporting, versioned by content, signed."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kangfu.access.choices import AuditAction
from kangfu.access.permissions import Action, require
from kangfu.cases.choices import EventKind, MeasureState
from kangfu.cases.models import Agreement, Measure
from kangfu.cases.selectors import pack_of
from kangfu.cases.services._base import (
    Actor,
    _audit,
    _ctx,
    _event,
    _not_before,
    _today,
)
from kangfu.core.validation import not_future as _not_future
from kangfu.policy import engine

# --- agreements -------------------------------------------------------------------------


def agreement_draw_up(*, actor: Actor, measure: Measure, category: str) -> Agreement:
    """Draw up the agreement for ``measure`` (art. 16: signed after reporting).

    A new version is made only when its content (the schedule, the rules) differs from the
    latest one; otherwise the latest is returned unchanged.
    """
    from kangfu.cases.agreements import agreement_content

    ctx = _ctx(actor)
    case = measure.case
    require(ctx.actor, Action.CASE_WORK, case)
    if measure.state not in (MeasureState.ACTIVE, MeasureState.SUSPENDED):
        raise ValidationError(_("An agreement is drawn up once the person has reported."))
    content = agreement_content(pack_of(measure), measure, engine.Category(category))
    latest = measure.agreements.order_by("-version").first()
    if latest is not None and latest.content == content:
        return latest
    with transaction.atomic():
        agreement = Agreement.objects.create(
            case=case,
            measure=measure,
            version=(latest.version + 1) if latest else 1,
            content=content,
            created_by=ctx.actor,
        )
        _event(case, EventKind.AGREEMENT, _today(), ctx, measure, version=agreement.version)
        _audit(ctx, case, AuditAction.CREATE, ("agreement",))
    return agreement


def agreement_sign(*, actor: Actor, agreement: Agreement, signed_on: dt.date) -> Agreement:
    """Record the day the person signed this version (only the latest can be signed)."""
    ctx = _ctx(actor)
    case = agreement.case
    require(ctx.actor, Action.CASE_WORK, case)
    if agreement.signed_on is not None:
        raise ValidationError(_("This version has already been signed."))
    if agreement.measure.agreements.filter(version__gt=agreement.version).exists():
        raise ValidationError(_("A newer version exists; sign that one."))
    _not_future("signed_on", signed_on)
    _not_before("signed_on", signed_on, agreement.measure.reported_on, _("the reporting day"))
    with transaction.atomic():
        agreement.signed_on = signed_on
        agreement.save(update_fields=["signed_on"])
        _event(
            case,
            EventKind.AGREEMENT_SIGNED,
            signed_on,
            ctx,
            agreement.measure,
            version=agreement.version,
        )
        _audit(ctx, case, AuditAction.UPDATE, ("agreement.signed_on",))
    return agreement
