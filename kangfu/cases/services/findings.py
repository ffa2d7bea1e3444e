"""Findings — refusal, serious breach, relapse — and the art. 21 report to public security.

A finding can send a person to compulsory isolation (禁毒法 art. 38), so Kangfu never decides
one (DOMAIN.md "Findings and due process"):

1. ``finding_propose`` — the system (or a caseworker) *proposes* it with the facts that ground
   it. It counts for nothing yet: not H1, no police report.
2. ``finding_notify`` — the person is told (the printable notice, and the portal) and may
   explain until the pack's period has run (``due_process.explanation_days``, counted like
   every statutory deadline).
3. ``finding_explain`` — the explanation (陈述、申辩), by the person in the portal or taken
   down by staff; it is shown to the officer.
4. ``finding_decide`` — a township officer who entered none of its facts confirms or rejects
   it with a written reason, once the person was heard or the period ran out. Only then, if
   confirmed, it stands: ``FindingConfirmed`` is announced (reassessment, H1) and the art. 21
   report reminder appears.
5. ``finding_withdraw`` — a wrong entry is withdrawn with a reason; nothing is deleted. If it
   had already gone to public security, a reminder to tell them of the correction appears.

No other code path creates a standing finding (a test enumerates the writers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kangfu.access.audit import AccessContext, is_person_actor
from kangfu.access.choices import AuditAction, DataCategory
from kangfu.access.permissions import Action, may, require
from kangfu.access.services import disclosure_record
from kangfu.cases import lifecycle
from kangfu.cases.choices import (
    STANDING_FINDING_STATES,
    EventKind,
    FindingKind,
    FindingState,
    MeasureState,
)
from kangfu.cases.events import Change, FindingConfirmed, FindingWithdrawn, MeasureChanged
from kangfu.cases.lifecycle import Transition
from kangfu.cases.models import Finding, Measure
from kangfu.cases.selectors import breach_facts, pack_of
from kangfu.cases.services._base import (
    ART_21,
    Actor,
    _audit,
    _ctx,
    _event,
    _not_before,
    _today,
)
from kangfu.core.events import publish
from kangfu.core.validation import clean_text
from kangfu.core.validation import not_future as _not_future
from kangfu.policy import engine

TEXT_LIMIT = 2000


def _clean(text: str, field: str, *, required: bool, message: str = "") -> str:
    return clean_text(field, text, max_length=TEXT_LIMIT, required=required, message=message)


def _locked(finding: Finding) -> Finding:
    """The finding re-read under a row lock: two officers deciding at once cannot both win."""
    return Finding.objects.select_for_update().select_related("case", "measure").get(pk=finding.pk)


# --- 1. propose ----------------------------------------------------------------------------


def finding_propose(
    *,
    ctx: AccessContext,
    measure: Measure,
    kind: str,
    on: dt.date,
    grounds: str,
    facts_by: Iterable[int | None] = (),
    window_from: dt.date | None = None,
    needs_time_decision: bool = False,
    event: str = EventKind.FINDING_PROPOSED,
    event_params: dict | None = None,
) -> Finding | None:
    """Propose a finding on ``measure`` inside the caller's transaction. A refusal or serious
    breach stands at most once per measure: if one is already proposed or confirmed, nothing
    new is proposed and None is returned. The actor and everyone in ``facts_by`` entered its
    facts, so none of them may decide it. The timeline gets one line: ``event`` (the
    caller's own kind, with ``event_params``, where it says more than "proposed")."""
    kind = FindingKind(kind)
    if (
        kind != FindingKind.RELAPSE
        and measure.findings.filter(kind=kind, state__in=STANDING_FINDING_STATES).exists()
    ):
        return None
    actor_id = None if is_person_actor(ctx.actor) else ctx.actor.pk
    entered = sorted({pk for pk in (*facts_by, actor_id) if pk is not None})
    finding = Finding.objects.create(
        case=measure.case,
        measure=measure,
        kind=kind,
        state=FindingState.PROPOSED,
        found_on=on,
        grounds=grounds,
        facts_by=entered,
        window_from=window_from,
        needs_time_decision=needs_time_decision,
        recorded_by=ctx.actor,
    )
    _event(measure.case, event, on, ctx, measure, finding=kind.value, **(event_params or {}))
    _audit(ctx, measure.case, AuditAction.CREATE, ("finding",))
    return finding


def breach_check(*, ctx: AccessContext, measure: Measure, on: dt.date) -> Finding | None:
    """Art. 20 on the measure's record, after a fact was entered or withdrawn (inside that
    write's transaction). A threshold newly reached → a serious breach is *proposed*; a
    proposal whose grounds fell below every threshold is withdrawn. Returns the new proposal."""
    record = breach_facts(measure)
    result = engine.assess(pack_of(measure), record.facts)
    standing = measure.findings.filter(
        kind=FindingKind.SERIOUS_BREACH, state__in=STANDING_FINDING_STATES
    ).first()
    if not result.serious:
        if standing is not None:
            _withdraw(
                ctx,
                standing,
                on,
                _("Its grounds were withdrawn: no threshold of art. 20 is reached any more."),
            )
        return None
    if standing is not None:
        return None
    counted = [record.absence_by[i] for i in result.departures]
    counted += [
        by
        for by, fact in zip(record.test_by, record.facts.tests, strict=True)
        if fact.outcome in (engine.DrugTestOutcome.EVADED, engine.DrugTestOutcome.REFUSED)
    ]
    finding = finding_propose(
        ctx=ctx,
        measure=measure,
        kind=FindingKind.SERIOUS_BREACH,
        on=on,
        grounds=result.zh,
        facts_by=counted,
        event=EventKind.BREACH,
        event_params={"grounds": list(result.grounds)},
    )
    return finding


# --- 2. tell the person --------------------------------------------------------------------


def finding_notify(
    *, actor: Actor, finding: Finding, notified_on: dt.date | None = None
) -> Finding:
    """The person was told of the proposed finding (the notice was handed over or sent). From
    that day they may explain for the pack's period; printing the notice records this."""
    ctx = _ctx(actor)
    require(ctx.actor, Action.CASE_WORK, finding.case)
    notified_on = notified_on or _today()
    _not_future("notified_on", notified_on)
    _not_before("notified_on", notified_on, finding.found_on, _("the day it was proposed"))
    with transaction.atomic():
        finding = _locked(finding)
        if finding.state != FindingState.PROPOSED:
            raise ValidationError(_("Only a proposed finding can be notified."))
        if finding.notified_on is None:
            due = engine.deadline(pack_of(finding.case), "explanation", notified_on)
            finding.notified_on, finding.explanation_due_on = notified_on, due.due
            finding.save(update_fields=["notified_on", "explanation_due_on"])
            _event(
                finding.case,
                EventKind.FINDING_NOTIFIED,
                notified_on,
                ctx,
                finding.measure,
                finding=finding.kind,
                due=due.due,
            )
            _audit(ctx, finding.case, AuditAction.UPDATE, ("finding.notified_on",))
    return finding


# --- 3. the person's explanation -----------------------------------------------------------


def finding_explain(
    *, actor: Actor, finding: Finding, text: str, explained_on: dt.date | None = None
) -> Finding:
    """The person's statement and defence (陈述、申辩): written by them in the portal, or
    taken down by staff. Accepted while the finding is proposed and after they were told."""
    ctx = _ctx(actor)
    by_person = is_person_actor(ctx.actor)
    if by_person:
        if ctx.actor.person_id != finding.case.person_id:
            raise PermissionDenied("not this person's finding")
    else:
        require(ctx.actor, Action.CASE_WORK, finding.case)
    text = _clean(text, "explanation", required=True, message=_("Write the explanation."))
    explained_on = explained_on or _today()
    _not_future("explained_on", explained_on)
    with transaction.atomic():
        finding = _locked(finding)
        if finding.state != FindingState.PROPOSED:
            raise ValidationError(_("This finding has already been decided."))
        if finding.notified_on is None:
            raise ValidationError(_("The person has not been told of this finding yet."))
        _not_before("explained_on", explained_on, finding.notified_on, _("the day of the notice"))
        # A later statement adds to the earlier one: nothing the person said is lost.
        joined = f"{finding.explanation}\n\n{text}" if finding.explanation else text
        finding.explanation = joined[: TEXT_LIMIT * 2]
        finding.explained_on = explained_on
        finding.explained_by_person = finding.explained_by_person or by_person
        finding.save(update_fields=["explanation", "explained_on", "explained_by_person"])
        _event(
            finding.case,
            EventKind.FINDING_EXPLAINED,
            explained_on,
            ctx,
            finding.measure,
            finding=finding.kind,
        )
        _audit(ctx, finding.case, AuditAction.UPDATE, ("finding.explanation",))
    return finding


# --- 4. the officer's decision -------------------------------------------------------------


def may_decide(user, finding: Finding) -> bool:
    """A township officer of the case's township who entered none of its facts."""
    if is_person_actor(user) or user.pk in (finding.facts_by or []):
        return False
    if user.pk == finding.recorded_by_id:
        return False
    return may(user, Action.FINDING_DECIDE, finding.case)


def finding_decide(
    *,
    actor: Actor,
    finding: Finding,
    confirm: bool,
    reason: str,
    decided_on: dt.date | None = None,
) -> Finding:
    """Confirm or reject a proposed finding, with a written reason. Only after the person was
    told and either explained or let the period run out. Confirming a refusal ends the measure
    as refused; every confirmed finding is announced (H1, reassessment, art. 21 reminder)."""
    ctx = _ctx(actor)
    case = finding.case
    require(ctx.actor, Action.CASE_WORK, case)
    if not may_decide(ctx.actor, finding):
        raise PermissionDenied(
            "a township officer who entered none of the finding's facts decides it"
        )
    reason = _clean(reason, "reason", required=True, message=_("Give the reason for the decision."))
    decided_on = decided_on or _today()
    _not_future("decided_on", decided_on)
    with transaction.atomic():
        finding = _locked(finding)
        if finding.state != FindingState.PROPOSED:
            raise ValidationError(_("This finding has already been decided."))
        if finding.notified_on is None:
            raise ValidationError(
                _("Tell the person first: they may explain before anything is decided.")
            )
        _not_before("decided_on", decided_on, finding.notified_on, _("the day of the notice"))
        if not finding.explanation and decided_on <= finding.explanation_due_on:
            raise ValidationError(
                {
                    "decided_on": _(
                        "The person may still explain until %(day)s. Decide after that day, "
                        "or once their explanation is recorded."
                    )
                    % {"day": finding.explanation_due_on.isoformat()}
                }
            )
        measure = finding.measure
        if confirm and finding.kind == FindingKind.REFUSAL:
            # Confirmed: the measure counts as refused from the day the refusal was found.
            new_state = lifecycle.require(measure, Transition.REFUSE)
            measure.state, measure.finished_on = new_state, finding.found_on
            measure.save(update_fields=["state", "finished_on"])
        finding.state = FindingState.CONFIRMED if confirm else FindingState.REJECTED
        finding.decided_on, finding.decided_by = decided_on, ctx.actor
        finding.decision_reason = reason
        finding.save(update_fields=["state", "decided_on", "decided_by", "decision_reason"])
        _event(
            case,
            EventKind.FINDING_DECIDED,
            decided_on,
            ctx,
            measure,
            finding=finding.kind,
            approved=confirm,
        )
        _audit(ctx, case, AuditAction.UPDATE, ("finding.state",))
        if confirm:
            if finding.kind == FindingKind.REFUSAL:
                publish(MeasureChanged(case, measure, Change.REFUSED, finding.found_on, None, ctx))
            publish(FindingConfirmed(case=case, finding=finding, on=decided_on, ctx=ctx))
    return finding


# --- 5. corrections ------------------------------------------------------------------------


def withdraw_standing(
    *, ctx: AccessContext, measure: Measure, kind: str, on: dt.date, reason: str
) -> Finding | None:
    """Inside another service's transaction: withdraw the standing finding of ``kind`` on
    ``measure`` whose ground is gone (a proposed refusal when the person reports)."""
    finding = (
        measure.findings.select_for_update()
        .filter(kind=kind, state__in=STANDING_FINDING_STATES)
        .first()
    )
    return None if finding is None else _withdraw(ctx, finding, on, reason)


def _withdraw(ctx: AccessContext, finding: Finding, on: dt.date, reason: str) -> Finding:
    was_confirmed = finding.state == FindingState.CONFIRMED
    measure = finding.measure
    if (
        was_confirmed
        and finding.kind == FindingKind.REFUSAL
        and (measure.state == MeasureState.REFUSED)
    ):
        # The refusal was wrong: the measure is awaiting the report again.
        measure.state = lifecycle.require(measure, Transition.REOPEN)
        measure.finished_on = None
        measure.save(update_fields=["state", "finished_on"])
    finding.state = FindingState.WITHDRAWN
    finding.withdrawn_on, finding.withdrawn_by = on, ctx.actor
    finding.withdrawal_reason = reason[:300]
    finding.save(update_fields=["state", "withdrawn_on", "withdrawn_by", "withdrawal_reason"])
    _event(
        finding.case,
        EventKind.FINDING_WITHDRAWN,
        on,
        ctx,
        measure,
        finding=finding.kind,
        reported=finding.reported_on is not None,
    )
    _audit(ctx, finding.case, AuditAction.UPDATE, ("finding.state",))
    if was_confirmed:
        publish(FindingWithdrawn(case=finding.case, finding=finding, on=on, ctx=ctx))
    return finding


def finding_withdraw(
    *, actor: Actor, finding: Finding, reason: str, withdrawn_on: dt.date | None = None
) -> Finding:
    """Withdraw a finding entered by mistake (proposed or confirmed), with the reason. It
    stops counting at once; one that already went to public security raises a reminder to
    tell them of the correction."""
    ctx = _ctx(actor)
    require(ctx.actor, Action.CASE_WORK, finding.case)
    reason = _clean(reason, "reason", required=True, message=_("Say why it is withdrawn."))
    withdrawn_on = withdrawn_on or _today()
    _not_future("withdrawn_on", withdrawn_on)
    with transaction.atomic():
        finding = _locked(finding)
        if finding.state not in STANDING_FINDING_STATES:
            raise ValidationError(_("Only a proposed or confirmed finding can be withdrawn."))
        return _withdraw(ctx, finding, withdrawn_on, reason)


def police_correction_record(*, actor: Actor, finding: Finding, told_on: dt.date) -> Finding:
    """Public security was told that a finding reported to them was withdrawn."""
    ctx = _ctx(actor)
    require(ctx.actor, Action.CASE_WORK, finding.case)
    _not_future("told_on", told_on)
    with transaction.atomic():
        finding = _locked(finding)
        if finding.state != FindingState.WITHDRAWN or finding.reported_on is None:
            raise ValidationError(_("Only a withdrawn finding that was reported needs this."))
        if finding.correction_reported_on is not None:
            raise ValidationError(_("This correction has already been recorded."))
        _not_before("told_on", told_on, finding.withdrawn_on, _("the day it was withdrawn"))
        finding.correction_reported_on = told_on
        finding.save(update_fields=["correction_reported_on"])
        _event(finding.case, EventKind.POLICE_CORRECTION, told_on, ctx, finding.measure)
        _audit(ctx, finding.case, AuditAction.UPDATE, ("finding.correction_reported_on",))
    return finding


# --- the art. 21 report --------------------------------------------------------------------


def finding_report(
    *, actor: Actor, finding: Finding, reported_on: dt.date, recipient: str
) -> Finding:
    """Record that a confirmed finding was reported to public security (art. 21).

    The report is a disclosure of the person's data, so it is accounted for as one.
    """
    ctx = _ctx(actor)
    case = finding.case
    require(ctx.actor, Action.CASE_WORK, case)
    _not_future("reported_on", reported_on)
    if not recipient.strip():
        raise ValidationError({"recipient": _("Name the public-security office.")})
    with transaction.atomic():
        finding = _locked(finding)
        if finding.state != FindingState.CONFIRMED:
            raise ValidationError(_("Only a confirmed finding is reported to public security."))
        if finding.disclosure_id:
            raise ValidationError(_("This has already been reported."))
        _not_before("reported_on", reported_on, finding.decided_on, _("the day it was confirmed"))
        disclosure = disclosure_record(
            ctx=ctx,
            person=case.person,
            recipient=recipient,
            legal_basis="statute",
            basis_reference=ART_21,
            categories=[DataCategory.IDENTITY, DataCategory.MEASURES],
            disclosed_on=reported_on,
        )
        finding.disclosure, finding.reported_on = disclosure, reported_on
        finding.save(update_fields=["disclosure", "reported_on"])
        _event(
            case,
            EventKind.POLICE_REPORT,
            reported_on,
            ctx,
            finding.measure,
            finding=finding.kind,
            recipient=recipient.strip(),
        )
    return finding
