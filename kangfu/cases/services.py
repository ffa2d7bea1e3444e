"""Writes to cases. Views, commands and tests all call these (DESIGN.md habit 1).

Every service is keyword-only, runs in one transaction, validates (a ``ValidationError``
keyed by the form field it concerns), asks ``lifecycle.require`` before any state change,
writes a ``CaseEvent`` for the timeline and an audit event about the person, whose record
this is, in the same transaction. ``actor`` is the request's AccessContext (a bare User is
accepted for commands and tests).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kangfu.access.audit import AccessContext, PersonActor, is_person_actor
from kangfu.access.choices import AuditAction, DataCategory, Level, Role
from kangfu.access.models import Jurisdiction, User
from kangfu.access.scoping import PERSON_WRITE_ROLES, grants_with
from kangfu.access.services import disclosure_record
from kangfu.cases import lifecycle
from kangfu.cases.audit import case_work_audit
from kangfu.cases.choices import (
    LIVE_STATES,
    TERMINATING_KINDS,
    CaseState,
    EventKind,
    ExternalKind,
    FindingKind,
    LeaveState,
    MeasureKind,
    MeasureState,
    TransferReason,
    TransferState,
)
from kangfu.cases.events import CaseSealed, Change, FindingConfirmed, LeaveApproved, MeasureChanged
from kangfu.cases.lifecycle import Transition
from kangfu.cases.models import (
    Agreement,
    Case,
    CaseEvent,
    ExternalPeriod,
    Finding,
    LeaveRequest,
    LegalHold,
    Measure,
    Transfer,
    UnauthorisedAbsence,
)
from kangfu.cases.selectors import (
    breach_assess,
    last_measure_day,
    live_measure,
    pack_of,
    sealing_due,
)
from kangfu.core.dates import add_years
from kangfu.core.events import publish
from kangfu.core.validation import not_future as _not_future
from kangfu.people.models import Person
from kangfu.people.services import person_move, person_purge_identity
from kangfu.policy import engine
from kangfu.policy.packs import get_pack

Actor = User | AccessContext | PersonActor
# The provision under which a refusal or serious breach goes to public security.
ART_21 = "戒毒条例第二十一条"


# --- helpers ----------------------------------------------------------------------------


def _ctx(actor: Actor) -> AccessContext:
    return AccessContext.of(actor)


def _today() -> dt.date:
    return timezone.localdate()


def can_write(user: User, township: Jurisdiction) -> bool:
    """Caseworkers and township officers of the township act on its cases."""
    return any(g.jurisdiction.covers(township) for g in grants_with(user, PERSON_WRITE_ROLES))


def _require_writer(ctx: AccessContext, case: Case) -> None:
    if not can_write(ctx.actor, case.township):
        raise PermissionDenied("not case staff of this township")
    if case.state == CaseState.SEALED:
        raise PermissionDenied("a sealed case is read-only")


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


def _event(
    case: Case,
    kind: str,
    on: dt.date,
    ctx: AccessContext | None,
    measure: Measure | None = None,
    **params,
) -> CaseEvent:
    params = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in params.items()}
    # The person acting through the portal has no staff account: the event has no actor.
    actor = ctx.actor if ctx and not is_person_actor(ctx.actor) else None
    if ctx and is_person_actor(ctx.actor):
        params.setdefault("by_person", True)
    return CaseEvent.objects.create(
        case=case, measure=measure, kind=kind, on=on, params=params, actor=actor
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


def breach_check(*, ctx: AccessContext, measure: Measure, on: dt.date) -> Finding | None:
    """Record a serious-breach finding the first time a threshold of art. 20 is reached
    (called, in their transaction, by whatever records a violation). Returns it, or None."""
    breach = breach_assess(measure)
    if not breach.serious or measure.findings.filter(kind=FindingKind.SERIOUS_BREACH).exists():
        return None
    finding = Finding.objects.create(
        case=measure.case,
        measure=measure,
        kind=FindingKind.SERIOUS_BREACH,
        found_on=on,
        grounds=breach.zh,
        recorded_by=ctx.actor,
    )
    _event(measure.case, EventKind.BREACH, on, ctx, measure, grounds=list(breach.grounds))
    publish(FindingConfirmed(case=measure.case, finding=finding, on=on, ctx=ctx))
    return finding


# --- case -------------------------------------------------------------------------------


def case_open(
    *,
    actor: Actor,
    person: Person,
    responsible: Jurisdiction,
    co_managing: Jurisdiction | None = None,
    caseworker: User | None = None,
    opened_on: dt.date | None = None,
    pack_id: str | None = None,
) -> Case:
    """Open a case for ``person`` at the township that manages them (the executing township).

    ``responsible`` is the 户籍地 jurisdiction, ``co_managing`` the 居住地 one when different.
    A person has one open case at a time.
    """

    ctx = _ctx(actor)
    township = person.township
    if not can_write(ctx.actor, township):
        raise PermissionDenied("not case staff of this township")
    opened_on = opened_on or _today()
    _not_future("opened_on", opened_on)
    if co_managing is not None and co_managing.pk == responsible.pk:
        raise ValidationError(
            {"co_managing": _("The co-managing jurisdiction must differ from the responsible one.")}
        )
    if Case.objects.filter(person=person, state=CaseState.OPEN).exists():
        raise ValidationError(_("This person already has an open case."), code="open_case")
    pack_id = pack_id or settings.KANGFU_DEFAULT_POLICY_PACK
    get_pack(pack_id)  # an unknown pack fails here, not on the first measure
    earlier = (
        Case.objects.filter(person=person)
        .exclude(approved_category="")
        .order_by("-opened_on", "-id")
        .values_list("approved_category", flat=True)
        .first()
    )
    case = Case(
        approved_category=earlier or "",
        person=person,
        township=township,
        responsible=responsible,
        co_managing=co_managing,
        caseworker=caseworker or person.caseworker,
        opened_on=opened_on,
        pack_id=pack_id,
        created_by=ctx.actor,
    )
    try:
        with transaction.atomic():
            case.save()
            _event(case, EventKind.CASE_OPENED, opened_on, ctx)
            _audit(ctx, case, AuditAction.CREATE, ("case",))
    except IntegrityError as exc:
        raise ValidationError(_("This person already has an open case."), code="open_case") from exc
    return case


def case_close(*, actor: Actor, case: Case, closed_on: dt.date | None = None) -> Case:
    """Close a case whose measures are all over (ended, terminated or refused)."""
    ctx = _ctx(actor)
    _require_writer(ctx, case)
    _require_open(case)
    if live_measure(case) is not None:
        raise ValidationError(
            _("A measure is still in force: end or terminate it before closing the case.")
        )
    closed_on = closed_on or _today()
    _not_future("closed_on", closed_on)
    last = last_measure_day(case)
    _not_before("closed_on", closed_on, last or case.opened_on, _("the last measure's end"))
    with transaction.atomic():
        case.state, case.closed_on = CaseState.CLOSED, closed_on
        case.save(update_fields=["state", "closed_on"])
        _event(case, EventKind.CLOSED, closed_on, ctx)
        _audit(ctx, case, AuditAction.UPDATE, ("case.state",))
    return case


def case_category_record(*, person: Person, category: str) -> int:
    """PUBLIC, for the risk app: the person's newly approved category, written inside the
    approval's transaction onto every case of theirs that is not sealed, so that the
    schedule, the agreement, the case page and the portal read one value
    (selectors.category_of). The approval itself is the audited act."""
    engine.Category(category)  # refuse anything but high, medium, low
    return (
        Case.objects.filter(person=person)
        .exclude(state=CaseState.SEALED)
        .update(approved_category=category)
    )


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
) -> Measure:
    """Record a 责令社区戒毒/社区康复决定书: the measure now awaits the person's report.

    Refused: dates out of order or in the future, a term the pack does not allow (社区康复
    longer than its maximum; 社区戒毒 other than its fixed length), and any overlap with
    another measure of the same person.
    """
    ctx = _ctx(actor)
    _require_writer(ctx, case)
    _require_open(case)
    kind = MeasureKind(kind)
    pack = pack_of(case)
    _not_future("decided_on", decided_on)
    _not_future("received_on", received_on)
    _not_before("received_on", received_on, decided_on, _("the decision date"))
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
    _refuse_overlap(case.person, decided_on)
    measure = Measure(
        case=case,
        person=case.person,
        kind=kind,
        decision_number=decision_number.strip(),
        deciding_authority=deciding_authority.strip(),
        decided_on=decided_on,
        received_on=received_on,
        report_due_on=engine.report_deadline(pack, received_on),
        term_months=term_months,
        pack_id=pack.id,
        pack_version=pack.version,
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


def _refuse_overlap(person: Person, decided_on: dt.date) -> None:
    others = Measure.objects.filter(person=person)
    if others.filter(state__in=LIVE_STATES).exists():
        raise ValidationError(_("This person already has a measure in force."), code="overlap")
    last = others.exclude(finished_on=None).order_by("-finished_on").first()
    if last is not None and last.finished_on >= decided_on:
        raise ValidationError(
            {
                "decided_on": _("This overlaps an earlier measure, which lasted until %(day)s.")
                % {"day": last.finished_on.isoformat()}
            }
        )


def measure_report(
    *, actor: Actor, measure: Measure, reported_on: dt.date, late_reason: str = ""
) -> Measure:
    """The person reported (报到): the term starts that day (戒毒条例 art. 14).

    After the deadline only with a good reason, which is recorded; without one the
    measure is a refusal (``measure_refuse``).
    """
    ctx = _ctx(actor)
    case = measure.case
    _require_writer(ctx, case)
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
    with transaction.atomic():
        measure.state = new_state
        measure.reported_on = measure.starts_on = reported_on
        measure.statutory_end_on = measure.ends_on = end
        measure.late_reason = late_reason if reported_on > measure.report_due_on else ""
        measure.save()
        _event(
            case, EventKind.REPORTED, reported_on, ctx, measure, ends_on=end, late=bool(late_reason)
        )
        _audit(ctx, case, AuditAction.UPDATE, ("measure.reported_on", "measure.state"))
        publish(MeasureChanged(case, measure, Change.STARTED, reported_on, reported_on, ctx))
    return measure


def measure_refuse(*, actor: Actor, measure: Measure, found_on: dt.date | None = None) -> Finding:
    """Not reported by the deadline without good reason: 视为拒绝 (art. 14).

    Records the refusal as a finding (evidence for H1) that stays on the caseworker's
    worklist until the report to public security (art. 21) is recorded.
    """
    ctx = _ctx(actor)
    case = measure.case
    _require_writer(ctx, case)
    new_state = lifecycle.require(measure, Transition.REFUSE)
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
        measure.state, measure.finished_on = new_state, found_on
        measure.save(update_fields=["state", "finished_on"])
        finding = Finding.objects.create(
            case=case,
            measure=measure,
            kind=FindingKind.REFUSAL,
            found_on=found_on,
            grounds=_("Received the decision on %(received)s; did not report by %(due)s.")
            % {
                "received": measure.received_on.isoformat(),
                "due": measure.report_due_on.isoformat(),
            },
            recorded_by=ctx.actor,
        )
        _event(case, EventKind.REFUSED, found_on, ctx, measure, due=measure.report_due_on)
        _audit(ctx, case, AuditAction.UPDATE, ("measure.state", "finding"))
        publish(MeasureChanged(case, measure, Change.REFUSED, found_on, None, ctx))
        publish(FindingConfirmed(case=case, finding=finding, on=found_on, ctx=ctx))
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
    _require_writer(ctx, case)
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
    _require_writer(ctx, case)
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
    _require_writer(ctx, case)
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
    _require_writer(ctx, case)
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
            case.state, case.closed_on = CaseState.CLOSED, measure.ends_on
            case.save(update_fields=["state", "closed_on"])
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


# --- findings and the art. 21 report -----------------------------------------------------


def finding_report(
    *, actor: Actor, finding: Finding, reported_on: dt.date, recipient: str
) -> Finding:
    """Record that a refusal or serious breach was reported to public security (art. 21).

    The report is a disclosure of the person's data, so it is accounted for as one.
    """
    ctx = _ctx(actor)
    case = finding.case
    _require_writer(ctx, case)
    if finding.disclosure_id:
        raise ValidationError(_("This has already been reported."))
    _not_future("reported_on", reported_on)
    _not_before("reported_on", reported_on, finding.found_on, _("the day it was found"))
    if not recipient.strip():
        raise ValidationError({"recipient": _("Name the public-security office.")})
    with transaction.atomic():
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


# --- agreements -------------------------------------------------------------------------


def agreement_draw_up(*, actor: Actor, measure: Measure, category: str) -> Agreement:
    """Draw up the agreement for ``measure`` (art. 16: signed after reporting).

    A new version is made only when its content (the schedule, the rules) differs from the
    latest one; otherwise the latest is returned unchanged.
    """
    from kangfu.cases.agreements import agreement_content

    ctx = _ctx(actor)
    case = measure.case
    _require_writer(ctx, case)
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
    _require_writer(ctx, case)
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
        _require_writer(ctx, case)
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
    _require_writer(ctx, case)
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
    _require_writer(ctx, case)
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
    _require_writer(ctx, case)
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
    if not can_write(ctx.actor, transfer.to_township):
        raise PermissionDenied("not case staff of the receiving township")
    if caseworker is not None and not any(
        g.jurisdiction.covers(transfer.to_township)
        for g in grants_with(caseworker, [Role.CASEWORKER])
    ):
        raise ValidationError({"caseworker": _("Choose a caseworker of your township.")})
    if caseworker is None and grants_with(ctx.actor, [Role.CASEWORKER]):
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
        case.save(update_fields=["township", "caseworker", "responsible", "co_managing"])
        person_move(person=case.person, township=to, actor=ctx, caseworker=caseworker)
        locked.state, locked.decided_by, locked.decided_on = (
            TransferState.ACCEPTED,
            ctx.actor,
            today,
        )
        locked.save(update_fields=["state", "decided_by", "decided_on"])
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
    if not can_write(ctx.actor, transfer.to_township):
        raise PermissionDenied("not case staff of the receiving township")
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
    _require_writer(ctx, case)
    if case.state != CaseState.CLOSED:
        raise ValidationError(_("Only a closed case can be sealed."))
    sealed_on = sealed_on or _today()
    _not_future("sealed_on", sealed_on)
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
        case.save(update_fields=["state", "sealed_on", "purge_due_on"])
        _event(case, EventKind.SEALED, sealed_on, ctx, purge_due_on=case.purge_due_on)
        _audit(ctx, case, AuditAction.UPDATE, ("case.state",))
        publish(CaseSealed(case=case, ctx=ctx))
    return case


def _require_records_officer(ctx: AccessContext, case: Case) -> None:
    if not any(
        g.jurisdiction.covers(case.township) for g in grants_with(ctx.actor, [Role.RECORDS_OFFICER])
    ):
        raise PermissionDenied("not the records officer for this case")


def legal_hold_place(*, actor: Actor, case: Case, reason: str) -> LegalHold:
    """Stop the purge of a sealed case's identity data, with a reason."""
    ctx = _ctx(actor)
    _require_records_officer(ctx, case)
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
    _require_records_officer(ctx, hold.case)
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
    _require_records_officer(ctx, case)
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
    return case
