"""Shared by the case services: the acting context, timeline events and audit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from kangfu.access.audit import AccessContext, PersonActor, is_person_actor
from kangfu.access.models import User
from kangfu.cases.audit import case_work_audit, case_work_audit_many
from kangfu.cases.choices import CaseState, EventKind
from kangfu.cases.models import (
    Case,
    CaseEvent,
    Measure,
)
from kangfu.core.batch import insert_values
from kangfu.core.validation import clean_text, not_future

Actor = User | AccessContext | PersonActor
# The provision under which a refusal or serious breach goes to public security.
ART_21 = "戒毒条例第二十一条"


# --- helpers ----------------------------------------------------------------------------


def _ctx(actor: Actor) -> AccessContext:
    return AccessContext.of(actor)


def _today() -> dt.date:
    return timezone.localdate()


def _require_open(case: Case) -> None:
    if case.state != CaseState.OPEN:
        raise ValidationError(_("The case is closed."), code="closed")


def _not_before(field: str, day: dt.date, earlier: dt.date | None, what: str) -> None:
    if earlier is not None and day < earlier:
        raise ValidationError(
            {
                field: _("The date cannot be before %(what)s (%(day)s).")
                % {"what": what, "day": earlier.isoformat()}
            }
        )


def _event_values(
    case: Case,
    kind: str,
    on: dt.date,
    ctx: AccessContext | None,
    measure: Measure | None = None,
    **params,
) -> tuple:
    """A timeline line as the values of EVENT_COLUMNS (batched services insert many)."""
    params = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in params.items()}
    # The person acting through the portal has no staff account: the event has no actor.
    actor = ctx.actor if ctx and not is_person_actor(ctx.actor) else None
    if ctx and is_person_actor(ctx.actor):
        params.setdefault("by_person", True)
    measure_id = measure.pk if measure is not None else None
    return (case.pk, measure_id, kind, on, params, actor.pk if actor is not None else None)


# What a timeline line holds (the rest takes the model's defaults: recorded now).
EVENT_COLUMNS = ("case_id", "measure_id", "kind", "on", "params", "actor_id")


def _event(
    case: Case,
    kind: str,
    on: dt.date,
    ctx: AccessContext | None,
    measure: Measure | None = None,
    **params,
) -> CaseEvent:
    *_ids, kind, on, params, actor_id = _event_values(case, kind, on, ctx, measure, **params)
    return CaseEvent.objects.create(
        case=case, measure=measure, kind=kind, on=on, params=params, actor_id=actor_id
    )


def timeline_add(
    *, actor: Actor, case: Case, kind: str, on: dt.date, measure: Measure | None = None, **params
) -> CaseEvent:
    """PUBLIC, for other apps (referrals): one line on the case timeline, written inside the
    caller's transaction by the service that did the thing. ``params`` hold the values the
    sentence needs (dates, numbers, organisation names — never identity data)."""
    return _event(case, EventKind(kind), on, _ctx(actor), measure, **params)


def _audit(ctx: AccessContext, case: Case, action: str, fields: Iterable[str]) -> None:
    case_work_audit(ctx=ctx, case=case, action=action, fields=fields)


def _insert_events(events: Iterable[tuple]) -> None:
    """Timeline lines of a batched service (``_event_values``), inserted without the ORM's
    per-value work."""
    insert_values(CaseEvent, EVENT_COLUMNS, events)


def _audit_many(ctx: AccessContext, items: Iterable[tuple[Case, str, Iterable[str]]]) -> None:
    """``_audit`` for many cases at once, under one chain lock."""
    case_work_audit_many(ctx=ctx, items=items)


def withdraw_entry(model, pk: int, *, ctx: AccessContext, reason: str, withdrawn_on, already):
    """PUBLIC, inside the caller's transaction: mark a counted entry (an absence, an evaded
    or refused test) as entered by mistake — locked, with who, when and why; never deleted.
    ``already`` is the message when it was withdrawn before."""
    reason = clean_text(
        "reason", reason, max_length=300, required=True, message=_("Say why it is withdrawn.")
    )
    withdrawn_on = withdrawn_on or _today()
    not_future("withdrawn_on", withdrawn_on)
    entry = model.objects.select_for_update().get(pk=pk)
    if entry.withdrawn_on is not None:
        raise ValidationError(already)
    entry.withdrawn_on, entry.withdrawn_by, entry.withdrawal_reason = (
        withdrawn_on,
        ctx.actor,
        reason,
    )
    entry.save(update_fields=["withdrawn_on", "withdrawn_by", "withdrawal_reason"])
    return entry
