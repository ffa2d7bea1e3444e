"""Measures: the decision, reporting (报到), refusal, suspension, resumption, termination, end."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kangfu.access.audit import AccessContext
from kangfu.access.choices import AuditAction
from kangfu.access.permissions import Action, require
from kangfu.cases import lifecycle
from kangfu.cases.choices import (
    LIVE_STATES,
    STANDING_FINDING_STATES,
    TERMINATING_KINDS,
    CaseState,
    EventKind,
    ExternalKind,
    FindingKind,
    MeasureKind,
)
from kangfu.cases.events import Change, MeasureChanged, MeasuresChanged
from kangfu.cases.lifecycle import Transition
from kangfu.cases.models import (
    Case,
    ExternalPeriod,
    Finding,
    Measure,
)
from kangfu.cases.selectors import live_measure, pack_of
from kangfu.cases.services._base import (
    Actor,
    _audit,
    _audit_many,
    _ctx,
    _event,
    _event_values,
    _insert_events,
    _not_before,
    _require_open,
    _today,
)
from kangfu.cases.services.findings import finding_propose, withdraw_standing
from kangfu.core.batch import check_each, create_objects, update_values
from kangfu.core.events import publish
from kangfu.core.validation import not_future as _not_future
from kangfu.people.models import Person
from kangfu.policy import engine

# --- measures ---------------------------------------------------------------------------


def measure_record_decision(
    *,
    actor: Actor,
    case: Case,
    kind: str,
    decision_number: str,
    deciding_authority: str,
    decided_on: dt.date,
    received_on: dt.date,
    term_months: int | None = None,
    credited_days: int = 0,
) -> Measure:
    """Record a 责令社区戒毒/社区康复决定书: the measure now awaits the person's report.

    Refused: dates out of order or in the future, a term the pack does not allow (社区康复
    longer than its maximum; 社区戒毒 other than its fixed length), and any overlap with
    another measure of the same person; 社区康复 without its term (the decision sets it).

    ``credited_days``: 戒毒条例 art. 31 — a person on medical leave from compulsory isolation
    whose measure is converted to community treatment has the days already served in
    isolation counted towards the term.

    The 15-day report deadline does not count the day of receipt and, when its last day is a
    statutory holiday or rest day, ends on the first working day after it (policy.deadlines).
    """
    ctx = _ctx(actor)
    measure = _decision_checked(
        ctx,
        Decision(
            case,
            kind,
            decision_number,
            deciding_authority,
            decided_on,
            received_on,
            term_months,
            credited_days,
        ),
        _overlap_facts(case.person),
    )
    try:
        with transaction.atomic():
            measure.save()
            _event(
                case,
                EventKind.DECISION,
                decided_on,
                ctx,
                measure,
                number=measure.decision_number,
                authority=measure.deciding_authority,
                received_on=received_on,
                due=measure.report_due_on,
            )
            _audit(ctx, case, AuditAction.CREATE, ("measure",))
    except IntegrityError as exc:
        # A concurrent decision for the same person won the race.
        raise ValidationError(
            _("This person already has a measure in force."), code="overlap"
        ) from exc
    return measure


@dataclass(frozen=True)
class Decision:
    """One decision for ``measure_record_decision_many``: that service's arguments."""

    case: Case
    kind: str
    decision_number: str
    deciding_authority: str
    decided_on: dt.date
    received_on: dt.date
    term_months: int | None = None
    credited_days: int = 0


def _decision_checked(
    ctx: AccessContext, d: Decision, overlap: tuple[bool, dt.date | None]
) -> Measure:
    """The checks of ``measure_record_decision``, in its order, and the unsaved measure.
    ``overlap``: the person has a live measure; the day their last measure finished."""
    case, decision_number, deciding_authority = d.case, d.decision_number, d.deciding_authority
    decided_on, received_on = d.decided_on, d.received_on
    term_months, credited_days = d.term_months, d.credited_days
    require(ctx.actor, Action.CASE_WORK, case)
    _require_open(case)
    kind = MeasureKind(d.kind)
    pack = pack_of(case)
    _not_future("decided_on", decided_on)
    _not_future("received_on", received_on)
    _not_before("decided_on", decided_on, case.person.birth_date, _("the person's birth"))
    _not_before("received_on", received_on, decided_on, _("the decision date"))
    if kind == MeasureKind.COMMUNITY_RECOVERY and term_months is None:
        raise ValidationError(
            {"term_months": _("Enter the term of community recovery that the decision sets.")}
        )
    if credited_days and kind != MeasureKind.COMMUNITY_TREATMENT:
        raise ValidationError(
            {"credited_days": _("Only a conversion to community treatment credits days served.")}
        )
    if credited_days < 0 or credited_days > 3 * 366:
        raise ValidationError(
            {"credited_days": _("Enter the days served in isolation, from 0 to 1,098.")}
        )
    if term_months is not None:
        try:
            engine.measure_end(pack, kind, received_on, months=term_months)
        except ValueError as exc:
            rule = pack.duration(engine.PeriodKind(kind))
            if kind == MeasureKind.COMMUNITY_TREATMENT:
                message = _("Community drug treatment lasts %(n)d months; the length is fixed.")
                n = rule.default_months
            elif rule.max is not None and term_months > rule.max.total_months:
                message = _("Community recovery may last at most %(n)d months.")
                n = rule.max.total_months
            else:
                message = _("Community recovery must last at least %(n)d months.")
                n = rule.min.total_months if rule.min else 1
            raise ValidationError({"term_months": message % {"n": n}}) from exc
    _refuse_overlap(overlap, decided_on)
    due = engine.deadline(pack, "report", received_on)
    return Measure(
        case=case,
        person=case.person,
        kind=kind,
        decision_number=decision_number.strip(),
        deciding_authority=deciding_authority.strip(),
        decided_on=decided_on,
        received_on=received_on,
        report_due_on=due.due,
        report_due_calendar_covered=due.calendar_covered,
        term_months=term_months,
        credited_days=credited_days,
        pack_id=pack.id,
        pack_version=pack.version,
    )


def _overlap_facts(person: Person) -> tuple[bool, dt.date | None]:
    """Whether ``person`` has a measure in force, and the day their last one finished."""
    others = Measure.objects.filter(person=person)
    live = others.filter(state__in=LIVE_STATES).exists()
    last = others.exclude(finished_on=None).order_by("-finished_on").first()
    return live, (last.finished_on if last is not None else None)


def _overlap_facts_many(person_ids: list[int]) -> dict[int, tuple[bool, dt.date | None]]:
    """``_overlap_facts`` for many persons in one query."""
    facts: dict[int, tuple[bool, dt.date | None]] = {}
    rows = Measure.objects.filter(person_id__in=person_ids).values_list(
        "person_id", "state", "finished_on"
    )
    for person_id, state, finished_on in rows:
        live, last = facts.get(person_id, (False, None))
        if finished_on is not None and (last is None or finished_on > last):
            last = finished_on
        facts[person_id] = (live or state in LIVE_STATES, last)
    return facts


def _refuse_overlap(overlap: tuple[bool, dt.date | None], decided_on: dt.date) -> None:
    live, last_finished = overlap
    if live:
        raise ValidationError(_("This person already has a measure in force."), code="overlap")
    if last_finished is not None and last_finished >= decided_on:
        raise ValidationError(
            {
                "decided_on": _("This overlaps an earlier measure, which lasted until %(day)s.")
                % {"day": last_finished.isoformat()}
            }
        )


def measure_record_decision_many(*, actor: Actor, decisions: list[Decision]) -> list[Measure]:
    """``measure_record_decision`` for many cases at once (the ledger import): the same
    checks in the same order, one query for the persons' earlier measures, bulk inserts of
    the measures and their timeline lines, the audit events under one chain lock. Refused
    items raise ``core.batch.BatchRefused`` and nothing is written."""
    ctx = _ctx(actor)
    facts = _overlap_facts_many([d.case.person_id for d in decisions])
    deciding: set[int] = set()

    def check(d: Decision) -> Measure:
        person_id = d.case.person_id
        live, last = facts.get(person_id, (False, None))
        measure = _decision_checked(ctx, d, (live or person_id in deciding, last))
        deciding.add(person_id)
        return measure

    built = check_each(decisions, check)
    with transaction.atomic():
        create_objects(built)
        _insert_events(
            [
                _event_values(
                    m.case,
                    EventKind.DECISION,
                    m.decided_on,
                    ctx,
                    m,
                    number=m.decision_number,
                    authority=m.deciding_authority,
                    received_on=m.received_on,
                    due=m.report_due_on,
                )
                for m in built
            ]
        )
        _audit_many(ctx, [(m.case, AuditAction.CREATE, ("measure",)) for m in built])
    return built


def measure_report(
    *, actor: Actor, measure: Measure, reported_on: dt.date, late_reason: str = ""
) -> Measure:
    """The person reported (报到): the term starts that day (戒毒条例 art. 14).

    After the deadline only with a good reason, which is recorded; without one the
    measure is a refusal (``measure_refuse``).
    """
    ctx = _ctx(actor)
    case = measure.case
    new_state, end, late_reason = _report_checked(ctx, measure, reported_on, late_reason)
    with transaction.atomic():
        _withdraw_refusal(ctx, measure, reported_on)
        _report_apply(measure, new_state, reported_on, end, late_reason)
        measure.save()
        _event(
            case, EventKind.REPORTED, reported_on, ctx, measure, ends_on=end, late=bool(late_reason)
        )
        _audit(ctx, case, AuditAction.UPDATE, REPORT_FIELDS)
        publish(MeasureChanged(case, measure, Change.STARTED, reported_on, reported_on, ctx))
    return measure


# What a report changes, as its audit event names it, and as columns.
REPORT_FIELDS = ("measure.reported_on", "measure.state")
REPORT_COLUMNS = ("state", "reported_on", "starts_on", "statutory_end_on", "ends_on", "late_reason")


def _report_checked(
    ctx: AccessContext, measure: Measure, reported_on: dt.date, late_reason: str
) -> tuple[str, dt.date, str]:
    """The checks of ``measure_report``, in its order: the new state, the last day of the
    term and the late reason as recorded."""
    case = measure.case
    require(ctx.actor, Action.CASE_WORK, case)
    new_state = lifecycle.require(measure, Transition.REPORT)
    _not_future("reported_on", reported_on)
    _not_before("reported_on", reported_on, measure.received_on, _("the day of receipt"))
    late_reason = late_reason.strip()
    if reported_on > measure.report_due_on and not late_reason:
        raise ValidationError(
            {
                "late_reason": _(
                    "The deadline was %(day)s. Record the good reason for reporting late, "
                    "or record a refusal instead."
                )
                % {"day": measure.report_due_on.isoformat()}
            }
        )
    pack = pack_of(measure)
    end = engine.measure_end(pack, measure.kind, reported_on, months=measure.term_months)
    # Art. 31: days already served in compulsory isolation shorten the term.
    end = max(reported_on, end - dt.timedelta(days=measure.credited_days))
    return new_state, end, late_reason


def _withdraw_refusal(ctx: AccessContext, measure: Measure, reported_on: dt.date) -> None:
    # The person came: a refusal proposed meanwhile has lost its ground.
    withdraw_standing(
        ctx=ctx,
        measure=measure,
        kind=FindingKind.REFUSAL,
        on=reported_on,
        reason=_("The person reported (late, with a good reason)."),
    )


def _report_apply(
    measure: Measure, new_state: str, reported_on: dt.date, end: dt.date, late_reason: str
) -> None:
    measure.state = new_state
    measure.reported_on = measure.starts_on = reported_on
    measure.statutory_end_on = measure.ends_on = end
    measure.late_reason = late_reason if reported_on > measure.report_due_on else ""


@dataclass(frozen=True)
class Report:
    """One report for ``measure_report_many``: that service's arguments."""

    measure: Measure
    reported_on: dt.date
    late_reason: str = ""


def measure_report_many(*, actor: Actor, reports: list[Report]) -> list[Measure]:
    """``measure_report`` for many measures at once (the ledger import): the same checks in
    the same order, one query for standing refusals (each is withdrawn as one report would),
    one bulk update of the measures, bulk inserts of the timeline lines, the audit events
    under one chain lock, and one ``MeasuresChanged`` announcing every start. Refused items
    raise ``core.batch.BatchRefused`` and nothing is written."""
    ctx = _ctx(actor)
    checked = check_each(
        reports, lambda r: _report_checked(ctx, r.measure, r.reported_on, r.late_reason)
    )
    with transaction.atomic():
        standing = set(
            Finding.objects.filter(
                measure__in=[r.measure.pk for r in reports],
                kind=FindingKind.REFUSAL,
                state__in=STANDING_FINDING_STATES,
            ).values_list("measure_id", flat=True)
        )
        for r in reports:
            if r.measure.pk in standing:
                _withdraw_refusal(ctx, r.measure, r.reported_on)
        for r, (new_state, end, late_reason) in zip(reports, checked, strict=True):
            _report_apply(r.measure, new_state, r.reported_on, end, late_reason)
        update_values(
            Measure,
            REPORT_COLUMNS,
            ([r.measure.pk, *(getattr(r.measure, c) for c in REPORT_COLUMNS)] for r in reports),
        )
        _insert_events(
            [
                _event_values(
                    r.measure.case,
                    EventKind.REPORTED,
                    r.reported_on,
                    ctx,
                    r.measure,
                    ends_on=end,
                    late=bool(late_reason),
                )
                for r, (_state, end, late_reason) in zip(reports, checked, strict=True)
            ]
        )
        _audit_many(ctx, [(r.measure.case, AuditAction.UPDATE, REPORT_FIELDS) for r in reports])
        publish(
            MeasuresChanged(
                tuple(
                    MeasureChanged(
                        r.measure.case,
                        r.measure,
                        Change.STARTED,
                        r.reported_on,
                        r.reported_on,
                        ctx,
                    )
                    for r in reports
                )
            )
        )
    return [r.measure for r in reports]


def measure_refuse(*, actor: Actor, measure: Measure, found_on: dt.date | None = None) -> Finding:
    """Not reported by the deadline without good reason: 视为拒绝 (art. 14) — *proposed*.

    The refusal is a proposed finding: the person is told and may explain, and a township
    officer decides (cases.services.findings). Only a confirmed refusal ends the measure and
    goes to public security (art. 21).
    """
    ctx = _ctx(actor)
    case = measure.case
    require(ctx.actor, Action.CASE_WORK, case)
    lifecycle.require(measure, Transition.REFUSE)
    found_on = found_on or _today()
    _not_future("found_on", found_on)
    if found_on <= measure.report_due_on:
        raise ValidationError(
            {
                "found_on": _(
                    "The person may still report until %(day)s; a refusal can only be "
                    "recorded after that day."
                )
                % {"day": measure.report_due_on.isoformat()}
            }
        )
    with transaction.atomic():
        measure = Measure.objects.select_for_update().get(pk=measure.pk)
        lifecycle.require(measure, Transition.REFUSE)
        finding = finding_propose(
            ctx=ctx,
            measure=measure,
            kind=FindingKind.REFUSAL,
            on=found_on,
            grounds=_("Received the decision on %(received)s; did not report by %(due)s.")
            % {
                "received": measure.received_on.isoformat(),
                "due": measure.report_due_on.isoformat(),
            },
            event=EventKind.REFUSED,
            event_params={"due": measure.report_due_on},
        )
        if finding is None:
            raise ValidationError(_("A refusal is already proposed or confirmed for this measure."))
    return finding


def measure_suspend(
    *,
    actor: Actor,
    measure: Measure,
    detained_on: dt.date,
    authority: str = "",
    note: str = "",
) -> ExternalPeriod:
    """Detained or arrested: the measure is suspended (中止, art. 24) until release."""
    ctx = _ctx(actor)
    case = measure.case
    require(ctx.actor, Action.CASE_WORK, case)
    new_state = lifecycle.require(measure, Transition.SUSPEND)
    _not_future("detained_on", detained_on)
    _not_before("detained_on", detained_on, measure.starts_on, _("the start of the measure"))
    previous = measure.external_periods.exclude(ends_on=None).order_by("-ends_on").first()
    if previous is not None:
        _not_before("detained_on", detained_on, previous.ends_on, _("the last release"))
    if detained_on > measure.ends_on:
        raise ValidationError(
            {"detained_on": _("The measure had already run out on that day; end it instead.")}
        )
    with transaction.atomic():
        period = ExternalPeriod.objects.create(
            case=case,
            measure=measure,
            kind=ExternalKind.DETENTION,
            starts_on=detained_on,
            authority=authority.strip(),
            note=note.strip(),
        )
        measure.state = new_state
        measure.save(update_fields=["state"])
        _event(case, EventKind.SUSPENDED, detained_on, ctx, measure)
        _audit(ctx, case, AuditAction.UPDATE, ("measure.state", "external_period"))
        publish(MeasureChanged(case, measure, Change.SUSPENDED, detained_on, detained_on, ctx))
    return period


def measure_resume(*, actor: Actor, measure: Measure, released_on: dt.date) -> Measure:
    """Released: the measure continues (art. 24). Whether the days away move its last day
    is the pack's ``suspension.extends_term`` (docs/cases.md)."""
    ctx = _ctx(actor)
    case = measure.case
    require(ctx.actor, Action.CASE_WORK, case)
    new_state = lifecycle.require(measure, Transition.RESUME)
    period = measure.external_periods.get(kind=ExternalKind.DETENTION, ends_on=None)
    _not_future("released_on", released_on)
    _not_before("released_on", released_on, period.starts_on, _("the day of detention"))
    # Away from the day of detention up to, not including, the day of release.
    days = (released_on - period.starts_on).days
    pack = pack_of(measure)
    with transaction.atomic():
        period.ends_on = released_on
        period.save(update_fields=["ends_on"])
        measure.state = new_state
        measure.suspended_days += days
        if pack.suspension.extends_term:
            measure.ends_on = measure.statutory_end_on + dt.timedelta(days=measure.suspended_days)
        measure.save(update_fields=["state", "suspended_days", "ends_on"])
        _event(
            case, EventKind.RESUMED, released_on, ctx, measure, days=days, ends_on=measure.ends_on
        )
        _audit(ctx, case, AuditAction.UPDATE, ("measure.state", "measure.ends_on"))
        # From the day of detention: what fell due meanwhile moves to the day of release.
        publish(MeasureChanged(case, measure, Change.RESUMED, released_on, period.starts_on, ctx))
    return measure


def measure_terminate(
    *,
    actor: Actor,
    measure: Measure,
    kind: str,
    starts_on: dt.date,
    authority: str = "",
    note: str = "",
) -> ExternalPeriod:
    """Imprisonment or compulsory isolation: the measure terminates (终止, art. 24) and an
    external period begins, during which nothing is scheduled."""
    ctx = _ctx(actor)
    case = measure.case
    require(ctx.actor, Action.CASE_WORK, case)
    new_state = lifecycle.require(measure, Transition.TERMINATE)
    kind = ExternalKind(kind)
    if kind not in TERMINATING_KINDS:
        raise ValidationError(
            {"kind": _("Detention or arrest suspends the measure; it does not terminate it.")}
        )
    _not_future("starts_on", starts_on)
    _not_before("starts_on", starts_on, measure.decided_on, _("the decision date"))
    open_detention = measure.external_periods.filter(
        kind=ExternalKind.DETENTION, ends_on=None
    ).first()
    if open_detention is not None:
        _not_before("starts_on", starts_on, open_detention.starts_on, _("the day of detention"))
    with transaction.atomic():
        if open_detention is not None:
            open_detention.ends_on = starts_on
            open_detention.save(update_fields=["ends_on"])
        period = ExternalPeriod.objects.create(
            case=case,
            measure=measure,
            kind=kind,
            starts_on=starts_on,
            authority=authority.strip(),
            note=note.strip(),
        )
        measure.state, measure.finished_on = new_state, starts_on
        measure.save(update_fields=["state", "finished_on"])
        _event(case, EventKind.TERMINATED, starts_on, ctx, measure, external=kind.value)
        _audit(ctx, case, AuditAction.UPDATE, ("measure.state", "external_period"))
        publish(MeasureChanged(case, measure, Change.TERMINATED, starts_on, starts_on, ctx))
    return period


def measure_end(*, actor: Actor, measure: Measure) -> Measure:
    """The term has run out (解除, art. 23): the measure ends on its last day. When it was
    the case's last measure, the case closes the same day."""
    ctx = _ctx(actor)
    case = measure.case
    require(ctx.actor, Action.CASE_WORK, case)
    new_state = lifecycle.require(measure, Transition.END)
    if _today() < measure.ends_on:
        raise ValidationError(
            _("The measure runs until %(day)s; it cannot end before then.")
            % {"day": measure.ends_on.isoformat()}
        )
    with transaction.atomic():
        measure.state, measure.finished_on = new_state, measure.ends_on
        measure.save(update_fields=["state", "finished_on"])
        _event(case, EventKind.ENDED, measure.ends_on, ctx, measure)
        _audit(ctx, case, AuditAction.UPDATE, ("measure.state",))
        if case.state == CaseState.OPEN and live_measure(case) is None:
            # Closed, but on the caseworker's list until the downgrade is decided (M1 no
            # longer holds: the category may come down one step per assessment).
            case.state, case.closed_on = CaseState.CLOSED, measure.ends_on
            case.awaiting_reassessment = True
            case.save(update_fields=["state", "closed_on", "awaiting_reassessment"])
            _event(case, EventKind.CLOSED, measure.ends_on, ctx)
        publish(
            MeasureChanged(
                case,
                measure,
                Change.ENDED,
                measure.ends_on,
                measure.ends_on + dt.timedelta(days=1),
                ctx,
            )
        )
    return measure
