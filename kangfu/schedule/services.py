"""Writes of the schedule app. Views, commands, other apps and tests all call these.

Each service is keyword-only, runs in one transaction, validates (a ``ValidationError`` keyed
by the form field it concerns), writes an audit event on the person's record in the same
transaction, and reconciles the case's reminders before it returns, so a reminder clears the
moment it is acted on. ``actor`` is the request's ``AccessContext`` (a bare ``User`` is
accepted for commands and tests).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kangfu.access.audit import AccessContext
from kangfu.access.choices import AuditAction, DataCategory, Level
from kangfu.access.models import Jurisdiction, User
from kangfu.access.permissions import Action, require
from kangfu.access.services import disclosure_record
from kangfu.cases import selectors as case_selectors
from kangfu.cases import services as cases
from kangfu.cases.audit import case_work_audit, case_work_audit_many
from kangfu.cases.choices import ExternalKind, FindingKind, LeaveState, MeasureState
from kangfu.cases.models import Case, Measure
from kangfu.core.batch import check_each, insert_values
from kangfu.core.dates import period_end
from kangfu.core.text import site_text
from kangfu.core.validation import clean_text
from kangfu.core.validation import not_future as _not_future
from kangfu.people.models import Person
from kangfu.policy import engine
from kangfu.policy.packs import get_pack
from kangfu.schedule import planning, reminders
from kangfu.schedule.choices import (
    SAMPLE_OF_KIND,
    AppointmentKind,
    AppointmentState,
    Basis,
    DelegationState,
    Excuse,
    MoveReason,
    Result,
    Sample,
    ViolationKind,
)
from kangfu.schedule.models import (
    Appointment,
    Consent,
    DelegatedTestRequest,
    DrugTest,
    Violation,
)

Actor = User | AccessContext
# Appointments gathered before each insert of plan_start_many.
BULK_PLAN = 5000
# Measures under which tests are due and a confirmed positive is a relapse.
IN_FORCE = (MeasureState.ACTIVE, MeasureState.SUSPENDED)


def _ctx(actor: Actor) -> AccessContext:
    return AccessContext.of(actor)


def _today() -> dt.date:
    return timezone.localdate()


def _audit(ctx: AccessContext, case: Case, action: str, fields) -> None:
    case_work_audit(ctx=ctx, case=case, action=action, fields=fields)


# --- the plan ---------------------------------------------------------------------------


def case_of(person: Person) -> Case | None:
    """The case the plan hangs off: the open one, else the latest that is not sealed."""
    qs = Case.objects.filter(person=person).exclude(state="sealed").order_by("-opened_on", "-id")
    return qs.filter(state="open").first() or qs.first()


def _away(case: Case, measure: Measure | None) -> list[planning.Away]:
    out = [
        planning.leave_away(leave.leaves_on, leave.returns_on)
        for leave in case.leave_requests.filter(state=LeaveState.APPROVED)
    ]
    for period in case.external_periods.filter(kind=ExternalKind.DETENTION):
        out.append(planning.Away(period.starts_on, period.ends_on, MoveReason.DETENTION))
    return out


def _standing_consent(case: Case) -> planning.ConsentDates | None:
    consent = case.consents.order_by("-given_on", "-id").first()
    if consent is None:
        return None
    last = consent.ends_on
    if consent.withdrawn_on is not None:
        last = min(last, consent.withdrawn_on - dt.timedelta(days=1))
    if last < consent.given_on:
        return None
    return planning.ConsentDates(consent.given_on, last)


def plan_rebuild(*, person: Person, from_date: dt.date) -> int:
    """Re-plan ``person``'s tests, visits and calls from ``from_date`` on.

    Called by the risk app when an approved assessment changes the category and by the
    cases app when a measure starts, is suspended, resumes, ends or terminates, or leave is
    approved. Planned appointments from that day on are replaced by what the plan now says
    (kept as they are when unchanged); anything with a result — done, missed, refused,
    excused — and everything before ``from_date`` is never touched. Returns the number of
    appointments created, changed or removed.
    """
    case = case_of(person)
    if case is None:
        return 0
    with transaction.atomic():
        measure = (
            case.measures.filter(state__in=IN_FORCE, starts_on__isnull=False)
            .order_by("-id")
            .first()
        )
        existing = list(
            case.appointments.filter(on__gte=from_date)
            | case.appointments.filter(due_on__gte=from_date)
        )
        planned_rows = [a for a in existing if a.state == AppointmentState.PLANNED]
        # A planned row moved past from_date is re-derived too, from its own due day.
        start = min([from_date, *(a.due_on for a in planned_rows)])
        dates = None
        if measure is not None:
            dates = planning.MeasureDates(
                measure.id, measure.kind, measure.starts_on, measure.ends_on
            )
        desired = planning.plan(
            case_selectors.pack_of(case),
            category=case_selectors.category_of(case),
            measure=dates,
            consent=None if measure is not None else _standing_consent(case),
            away=_away(case, measure),
            from_date=start,
        )
        # What already has a result blocks its due day for good.
        done = {
            (a.kind, a.due_on)
            for a in case.appointments.filter(due_on__gte=start).exclude(
                state=AppointmentState.PLANNED
            )
        }
        wanted = {(p.kind, p.due_on): p for p in desired if (p.kind, p.due_on) not in done}
        changes = 0
        for row in planned_rows:
            want = wanted.pop((row.kind, row.due_on), None)
            if want is None:
                row.delete()
                changes += 1
            elif (row.on, row.moved_reason, row.basis, row.measure_id) != (
                want.on,
                want.moved_reason,
                want.basis,
                want.measure_id,
            ):
                row.on, row.moved_reason = want.on, want.moved_reason
                row.basis, row.measure_id = want.basis, want.measure_id
                row.save(update_fields=["on", "moved_reason", "basis", "measure"])
                changes += 1
        Appointment.objects.bulk_create(
            [
                Appointment(
                    case=case,
                    measure_id=p.measure_id,
                    kind=p.kind,
                    basis=p.basis,
                    due_on=p.due_on,
                    on=p.on,
                    moved_reason=p.moved_reason,
                )
                for p in wanted.values()
            ]
        )
        changes += len(wanted)
        reminders.refresh_cases([case.pk])
    return changes


# --- consent --------------------------------------------------------------------------------


def consent_record(
    *, actor: Actor, case: Case, given_on: dt.date, ends_on: dt.date, note: str = ""
) -> Consent:
    """Record the person's consent to voluntary aftercare: with no measure in force, the only
    basis on which calls may be planned (never tests: no pack may plan them on consent)."""
    ctx = _ctx(actor)
    require(ctx.actor, Action.CASE_WORK, case)
    _not_future("given_on", given_on)
    if ends_on < given_on:
        raise ValidationError({"ends_on": _("The consent cannot end before it is given.")})
    if ends_on > period_end(given_on, years=3):
        raise ValidationError({"ends_on": _("Consent covers at most three years; renew it.")})
    with transaction.atomic():
        consent = Consent.objects.create(
            case=case, given_on=given_on, ends_on=ends_on, note=note.strip(), recorded_by=ctx.actor
        )
        _audit(ctx, case, AuditAction.CREATE, ("aftercare_consent",))
        plan_rebuild(person=case.person, from_date=max(given_on, _today()))
    return consent


def consent_withdraw(*, actor: Actor, consent: Consent, withdrawn_on: dt.date) -> Consent:
    """The person withdraws consent: nothing more is planned on it from that day."""
    ctx = _ctx(actor)
    case = consent.case
    require(ctx.actor, Action.CASE_WORK, case)
    _not_future("withdrawn_on", withdrawn_on)
    if consent.withdrawn_on is not None:
        raise ValidationError(_("This consent has already been withdrawn."))
    with transaction.atomic():
        consent.withdrawn_on = withdrawn_on
        consent.save(update_fields=["withdrawn_on"])
        _audit(ctx, case, AuditAction.UPDATE, ("aftercare_consent.withdrawn_on",))
        plan_rebuild(person=case.person, from_date=withdrawn_on)
    return consent


# --- results --------------------------------------------------------------------------------


def _measure_on(case: Case, day: dt.date) -> Measure | None:
    """The measure in force on ``day`` (started, not yet finished), if any."""
    for m in case.measures.exclude(starts_on=None).order_by("-id"):
        if m.starts_on <= day and (m.finished_on is None or day <= m.finished_on):
            return m
    return None


def _choice(choices, field: str, value):
    try:
        return choices(value)
    except ValueError:
        raise ValidationError({field: _("Choose one of the options offered.")}) from None


def _not_before_the_case(case: Case, field: str, day: dt.date) -> None:
    """A test belongs to the case's measures: it cannot predate the first decision (nor the
    person's birth when no measure is on file yet). A 2020 result for a measure decided in
    2026 would otherwise count as the measure's latest test and clear its overdue reminder."""
    first = case.measures.order_by("decided_on").values_list("decided_on", flat=True).first()
    _not_before_decided(case, field, day, first)


def _not_before_decided(case: Case, field: str, day: dt.date, first: dt.date | None) -> None:
    """``_not_before_the_case`` with the case's first decision day already known."""
    if first is not None and day < first:
        raise ValidationError(
            {
                field: _("The test date cannot be before the measure was decided (%(day)s).")
                % {"day": first.isoformat()}
            }
        )
    birth = case.person.birth_date
    if birth is not None and day < birth:
        raise ValidationError({field: _("The test date cannot be before the person's birth.")})


def test_record(
    *,
    actor: Actor,
    case: Case,
    taken_on: dt.date,
    sample: str,
    screen_result: str,
    appointment: Appointment | None = None,
    delegation: DelegatedTestRequest | None = None,
    note: str = "",
) -> DrugTest:
    """Record a test taken (on-site screen). A positive screen waits for the lab's
    confirmation (a reminder says so); a negative one is final."""
    ctx = _ctx(actor)
    township = delegation.to_township if delegation is not None else case.township
    # A delegated test is taken at the township asked (the request's own, not the case's).
    require(ctx.actor, Action.CASE_WORK, delegation or case, at=township)
    sample, screen_result = (
        _choice(Sample, "sample", sample),
        _choice(Result, "screen_result", screen_result),
    )
    _not_future("taken_on", taken_on)
    _not_before_the_case(case, "taken_on", taken_on)
    if appointment is not None:
        if appointment.case_id != case.pk or not appointment.is_test:
            raise ValidationError(_("This appointment is not a test of this case."))
        if appointment.state != AppointmentState.PLANNED:
            raise ValidationError(_("This appointment already has an outcome."))
    with transaction.atomic():
        # Re-read under a lock: a double submit (two tabs, a double click) finds the
        # appointment or the delegated request closed and is told so, never a 500.
        if appointment is not None:
            appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
            if appointment.state != AppointmentState.PLANNED:
                raise ValidationError(_("This appointment already has an outcome."))
        if delegation is not None:
            delegation = DelegatedTestRequest.objects.select_for_update().get(pk=delegation.pk)
            if delegation.state != DelegationState.OPEN:
                raise ValidationError(_("This test has already been recorded."))
        try:
            # The one-to-one columns are the last word (SQLite does not lock rows).
            with transaction.atomic():
                test = DrugTest.objects.create(
                    case=case,
                    measure=_measure_on(case, taken_on),
                    appointment=appointment,
                    delegation=delegation,
                    taken_on=taken_on,
                    sample=sample,
                    screen_result=screen_result,
                    taken_by=ctx.actor,
                    taken_at=township,
                    note=note.strip(),
                )
        except IntegrityError:
            raise ValidationError(_("This test has already been recorded.")) from None
        if appointment is not None:
            appointment.state, appointment.done_on = AppointmentState.DONE, taken_on
            appointment.save(update_fields=["state", "done_on"])
        if delegation is not None:
            delegation.state = DelegationState.DONE
            delegation.save(update_fields=["state"])
            if delegation.appointment_id and appointment is None:
                Appointment.objects.filter(
                    pk=delegation.appointment_id, state=AppointmentState.PLANNED
                ).update(state=AppointmentState.DONE, done_on=taken_on)
        reminders.refresh_cases([case.pk])
        # The audit row last: the chain lock is then held only for the commit.
        _audit(ctx, case, AuditAction.CREATE, ("drug_test",))
    return test


@dataclass(frozen=True)
class SampleTaken:
    """One test for ``test_record_many``: ``test_record``'s arguments for a test taken on
    site, without an appointment or a delegation (a past test brought in by the import)."""

    case: Case
    taken_on: dt.date
    sample: str
    screen_result: str
    note: str = ""


def _sample_checked(ctx: AccessContext, t: SampleTaken, first: dt.date | None) -> tuple:
    """The checks of ``test_record`` (no appointment, no delegation), in its order."""
    require(ctx.actor, Action.CASE_WORK, t.case, at=t.case.township)
    sample, result = (
        _choice(Sample, "sample", t.sample),
        _choice(Result, "screen_result", t.screen_result),
    )
    _not_future("taken_on", t.taken_on)
    _not_before_decided(t.case, "taken_on", t.taken_on, first)
    return sample, result


def test_record_many(*, actor: Actor, tests: list[SampleTaken], reconcile: bool = True) -> int:
    """``test_record`` for many tests at once (the ledger's past tests): the same checks in
    the same order, two queries for the cases' measures, one bulk insert, the audit events
    under one chain lock, and the cases' reminders reconciled once — or not at all with
    ``reconcile=False``, when the caller reconciles every case it touched at its end
    (``reminders_reconcile``). Returns how many were recorded. Refused items raise
    ``core.batch.BatchRefused`` and nothing is written."""
    ctx = _ctx(actor)
    case_ids = list({t.case.pk for t in tests})
    first: dict[int, dt.date] = {}
    started: dict[int, list[Measure]] = {}
    for m in Measure.objects.filter(case_id__in=case_ids).order_by("-id"):
        if m.case_id not in first or m.decided_on < first[m.case_id]:
            first[m.case_id] = m.decided_on
        if m.starts_on is not None:
            started.setdefault(m.case_id, []).append(m)
    checked = check_each(tests, lambda t: _sample_checked(ctx, t, first.get(t.case.pk)))

    def measure_on(case_id: int, day: dt.date) -> Measure | None:
        # _measure_on over the measures read once.
        for m in started.get(case_id, ()):
            if m.starts_on <= day and (m.finished_on is None or day <= m.finished_on):
                return m
        return None

    rows = [
        (
            t.case.pk,
            getattr(measure_on(t.case.pk, t.taken_on), "pk", None),
            t.taken_on,
            sample.value,
            result.value,
            ctx.actor.pk,
            t.case.township_id,
            t.note.strip(),
        )
        for t, (sample, result) in zip(tests, checked, strict=True)
    ]
    with transaction.atomic():
        insert_values(DrugTest, TEST_COLUMNS, rows)
        if reconcile:
            reminders_reconcile(case_ids)
        case_work_audit_many(
            ctx=ctx, items=[(t.case, AuditAction.CREATE, ("drug_test",)) for t in tests]
        )
    return len(rows)


# What test_record_many gives each test (the rest takes the model's defaults).
TEST_COLUMNS = (
    "case_id",
    "measure_id",
    "taken_on",
    "sample",
    "screen_result",
    "taken_by_id",
    "taken_at_id",
    "note",
)


# Cases per reminder reconciliation: each is a handful of set-based statements whose
# branches each repeat the case ids, so a pass stays well under SQLite's 32,766 parameters.
RECONCILE_CASES = 1000


def reminders_reconcile(case_ids: list[int], *, on: dt.date | None = None) -> None:
    """Reconcile the reminders of many cases with the record: the daily sweep's set-based
    refresh (``reminders.refresh``), scoped to a slice of the cases at a time."""
    case_ids = sorted(set(case_ids))
    for start in range(0, len(case_ids), RECONCILE_CASES):
        reminders.refresh_cases(case_ids[start : start + RECONCILE_CASES], on=on)


def plan_start_many(*, started: dict[int, Measure], on: dt.date) -> int:
    """Plan, in one pass, new cases whose measure just started (``started``: case id → the
    measure), from ``on`` or the measure's start if later: the appointments ``plan_rebuild``
    would create for a case with nothing planned yet, computed with the pure
    ``planning.plan`` and written in bulk. The ledger import holds back the per-case replan
    of each start and calls this instead. Returns the appointments created. The caller
    reconciles the cases' reminders (``reminders_reconcile``)."""
    if not started:
        return 0
    categories = dict(
        Case.objects.filter(pk__in=list(started)).values_list("pk", "approved_category")
    )
    rows: list[tuple] = []
    created = 0
    for case_id, measure in started.items():
        if measure.starts_on is None:
            continue
        approved = categories.get(case_id) or ""
        desired = planning.plan(
            get_pack(measure.pack_id),
            category=engine.Category(approved) if approved else None,
            measure=planning.MeasureDates(
                measure.id, measure.kind, measure.starts_on, measure.ends_on
            ),
            consent=None,
            away=[],
            from_date=max(on, measure.starts_on),
        )
        rows.extend(
            (case_id, p.measure_id, p.kind, p.basis, p.due_on, p.on, p.moved_reason)
            for p in desired
        )
        if len(rows) >= BULK_PLAN:
            created += insert_values(Appointment, APPOINTMENT_COLUMNS, rows)
            rows = []
    return created + insert_values(Appointment, APPOINTMENT_COLUMNS, rows)


# What a plan gives each appointment (the rest takes the model's defaults: planned, no note).
APPOINTMENT_COLUMNS = ("case_id", "measure_id", "kind", "basis", "due_on", "on", "moved_reason")


def test_lab_result(*, actor: Actor, test: DrugTest, result: str, result_on: dt.date) -> DrugTest:
    """The lab's answer on a positive screen. Confirmed positive during a measure is a
    relapse: the person is marked for reassessment at once and the art. 21 duty to report
    goes on the caseworker's list (a relapse finding)."""
    ctx = _ctx(actor)
    case = test.case
    require(ctx.actor, Action.CASE_WORK, case)
    result = Result(result)
    _not_future("result_on", result_on)
    if test.screen_result != Result.POSITIVE or test.lab_result:
        raise ValidationError(_("Only a positive screen awaiting the lab can be confirmed."))
    if result_on < test.taken_on:
        raise ValidationError({"result_on": _("The lab result cannot predate the test.")})
    with transaction.atomic():
        test.lab_result, test.lab_result_on = result, result_on
        test.save(update_fields=["lab_result", "lab_result_on"])
        if result == Result.POSITIVE:
            _relapse(ctx, test, result_on)
        reminders.refresh_cases([case.pk])
        _audit(ctx, case, AuditAction.UPDATE, ("drug_test.lab_result",))
    return test


def _relapse(ctx: AccessContext, test: DrugTest, on: dt.date) -> None:
    """A lab-confirmed positive: does it show use *during* the measure (禁毒法 art. 38)?
    Urine or saliva sampled within the measure: a relapse is proposed. Hair shows use in the
    months before sampling (pack ``relapse.hair_window_months``): a relapse is proposed only
    when that window lies wholly inside the measure; otherwise one is proposed for the officer
    to decide when the use took place, with the window shown. Never confirmed here."""
    measure = test.measure
    if measure is None or measure.state not in IN_FORCE or measure.starts_on is None:
        return
    pack = case_selectors.pack_of(measure)
    judged = engine.relapse(
        pack,
        engine.MeasureSpan(engine.MeasureKind(measure.kind), measure.starts_on, measure.ends_on),
        engine.Positive(engine.Sample(test.sample), test.taken_on),
    )
    if judged.result == engine.RelapseResult.OUTSIDE_MEASURE:
        return
    day = {"day": test.taken_on.isoformat()}
    if judged.result == engine.RelapseResult.PROPOSED:
        grounds = (
            site_text(gettext_noop("A test taken on %(day)s was confirmed positive by the lab."))
            % day
        )
    else:
        grounds = site_text(
            gettext_noop(
                "A hair sample taken on %(day)s was confirmed positive by the lab. Hair shows "
                "use from %(window)s on, which reaches back before the measure began on "
                "%(start)s: decide whether the use took place during the measure."
            )
        ) % {
            **day,
            "window": judged.window_from.isoformat(),
            "start": measure.starts_on.isoformat(),
        }
    test.finding = cases.finding_propose(
        ctx=ctx,
        measure=measure,
        kind=FindingKind.RELAPSE,
        on=on,
        grounds=grounds,
        facts_by=[test.taken_by_id],
        window_from=judged.window_from,
        needs_time_decision=judged.result == engine.RelapseResult.NEEDS_DECISION,
    )
    test.save(update_fields=["finding"])


def test_result_told(*, actor: Actor, test: DrugTest, told_on: dt.date) -> DrugTest:
    """The day the person was told the confirmed result: the re-test period runs from it."""
    ctx = _ctx(actor)
    case = test.case
    require(ctx.actor, Action.CASE_WORK, case)
    _not_future("told_on", told_on)
    if test.lab_result != Result.POSITIVE:
        raise ValidationError(_("Only a confirmed positive result is told for a re-test."))
    if told_on < test.lab_result_on:
        raise ValidationError({"told_on": _("The person cannot be told before the lab result.")})
    with transaction.atomic():
        DrugTest.objects.select_for_update().filter(pk=test.pk).first()
        test.refresh_from_db()
        if test.told_on is not None:
            raise ValidationError(_("The day the person was told is already recorded."))
        test.told_on = told_on
        test.save(update_fields=["told_on"])
        _audit(ctx, case, AuditAction.UPDATE, ("drug_test.told_on",))
    return test


def retest_due(test: DrugTest) -> engine.Deadline | None:
    """The last day to ask for a re-test: 3 days (pack) after the person was told the result,
    moved past a statutory holiday or rest day (policy.deadlines)."""
    if test.told_on is None:
        return None
    return engine.deadline(case_selectors.pack_of(test.case), "retest", test.told_on)


def retest_request(*, actor: Actor, test: DrugTest, requested_on: dt.date) -> DrugTest:
    """The person disputes a positive result and asks for a re-test (吸毒检测程序规定):
    within 3 days of being told the result."""
    ctx = _ctx(actor)
    case = test.case
    require(ctx.actor, Action.CASE_WORK, case)
    _not_future("requested_on", requested_on)
    test.refresh_from_db()
    if test.retest_requested_on is not None:
        raise ValidationError(_("A re-test has already been requested."))
    if test.lab_result != Result.POSITIVE:
        raise ValidationError(_("A re-test can be asked for once the lab confirmed a positive."))
    due = retest_due(test)
    if due is None:
        raise ValidationError(
            {"requested_on": _("Record first the day the person was told the result.")}
        )
    if requested_on < test.told_on:
        raise ValidationError(
            {"requested_on": _("The request cannot predate the day the person was told.")}
        )
    if requested_on > due.due:
        raise ValidationError(
            {
                "requested_on": _(
                    "A re-test must be asked for within %(n)d days of being told the result "
                    "(by %(day)s)."
                )
                % {
                    "n": engine.period_days(case_selectors.pack_of(case), "retest"),
                    "day": due.due.isoformat(),
                }
            }
        )
    with transaction.atomic():
        test.retest_requested_on = requested_on
        test.save(update_fields=["retest_requested_on"])
        reminders.refresh_cases([case.pk])
        _audit(ctx, case, AuditAction.UPDATE, ("drug_test.retest",))
    return test


def retest_result(*, actor: Actor, test: DrugTest, result: str, result_on: dt.date) -> DrugTest:
    """The re-test's result is the one that counts. A negative re-test withdraws a relapse
    finding not yet reported; once reported (a disclosure that cannot be undone) the finding
    stays and the test shows the re-test beside it."""
    ctx = _ctx(actor)
    case = test.case
    require(ctx.actor, Action.CASE_WORK, case)
    result = Result(result)
    _not_future("result_on", result_on)
    if test.retest_requested_on is None or test.retest_result:
        raise ValidationError(_("No re-test is awaiting its result."))
    if result_on < test.retest_requested_on:
        raise ValidationError({"result_on": _("The result cannot predate the request.")})
    with transaction.atomic():
        test.retest_result, test.retest_result_on = result, result_on
        test.save(update_fields=["retest_result", "retest_result_on"])
        finding = test.finding
        # The re-test counts: a negative one withdraws the relapse (nothing is deleted); if
        # it had already gone to public security, a reminder to tell them follows.
        if (
            result == Result.NEGATIVE
            and finding is not None
            and finding.state
            in (
                "proposed",
                "confirmed",
            )
        ):
            cases.finding_withdraw(
                actor=ctx,
                finding=finding,
                reason=site_text(gettext_noop("The re-test was negative.")),
                withdrawn_on=result_on,
            )
        reminders.refresh_cases([case.pk])
        _audit(ctx, case, AuditAction.UPDATE, ("drug_test.retest_result",))
    return test


def appointment_outcome(
    *,
    actor: Actor,
    appointment: Appointment,
    outcome: str,
    on: dt.date,
    note: str = "",
    excuse: str = "",
) -> Appointment:
    """Close an appointment without a test result: a visit or call done; a test evaded
    (逃避: not taken, no good reason) or refused — a violation under a measure, counted towards
    art. 20, and a serious breach is *proposed* when a threshold is reached; or excused for a
    good reason (illness, rescheduled, work, other — with a note), which never counts."""
    ctx = _ctx(actor)
    case = appointment.case
    require(ctx.actor, Action.CASE_WORK, case)
    try:
        outcome = AppointmentState(outcome)
    except ValueError:
        raise ValidationError({"outcome": _("Choose an outcome.")}) from None
    note = clean_text("note", note, max_length=300)
    _not_future("on", on)
    if outcome == AppointmentState.PLANNED:
        raise ValidationError({"outcome": _("Choose an outcome.")})
    if outcome == AppointmentState.DONE and appointment.is_test:
        raise ValidationError({"outcome": _("Record the test result instead.")})
    if outcome in (AppointmentState.MISSED, AppointmentState.REFUSED) and not appointment.is_test:
        if outcome == AppointmentState.REFUSED:
            raise ValidationError({"outcome": _("Only a test can be refused.")})
    if outcome == AppointmentState.EXCUSED:
        if excuse not in Excuse.values:
            raise ValidationError({"excuse": _("Choose the good reason.")})
        if not note:
            raise ValidationError({"note": _("Give the good reason.")})
    else:
        excuse = ""
    if outcome != AppointmentState.DONE and on < appointment.on:
        raise ValidationError({"on": _("It cannot be missed before the day it is planned for.")})
    with transaction.atomic():
        # Re-read under a lock: a double submit finds it closed and is told so.
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if appointment.state != AppointmentState.PLANNED:
            raise ValidationError(_("This appointment already has an outcome."))
        appointment.state, appointment.done_on, appointment.note = outcome, on, note
        appointment.excuse = excuse
        appointment.save(update_fields=["state", "done_on", "note", "excuse"])
        counts = (
            appointment.is_test
            and appointment.basis == Basis.MEASURE
            and outcome in (AppointmentState.MISSED, AppointmentState.REFUSED)
            and appointment.measure_id is not None
        )
        if counts:
            measure = appointment.measure
            Violation.objects.create(
                case=case,
                measure=measure,
                appointment=appointment,
                kind=ViolationKind.MISSED_TEST
                if outcome == AppointmentState.MISSED
                else ViolationKind.REFUSED_TEST,
                on=on,
                note=note,
                recorded_by=ctx.actor,
            )
            cases.breach_check(ctx=ctx, measure=measure, on=on)
        reminders.refresh_cases([case.pk])
        _audit(ctx, case, AuditAction.UPDATE, ("appointment.state",))
    return appointment


# A recorded visit fulfils a planned one whose day lies from this many days after the visit
# back to this many days before it (docs/visits.md "Planned visits").
VISIT_EARLY_DAYS = 15
VISIT_LATE_DAYS = 30
VISIT_KINDS = (AppointmentKind.VISIT, AppointmentKind.CALL)


def visit_match(case: Case, on: dt.date) -> Appointment | None:
    """The planned visit (or aftercare call) a contact on ``on`` fulfils: the earliest still
    planned one of the case whose day lies from ``VISIT_LATE_DAYS`` before ``on`` to
    ``VISIT_EARLY_DAYS`` after it. Earliest, so a late visit catches up the one overdue
    before the next is counted; bounded, so one visit never clears months of missed ones."""
    return (
        Appointment.objects.filter(
            case=case,
            kind__in=[k.value for k in VISIT_KINDS],
            state=AppointmentState.PLANNED,
            on__gte=on - dt.timedelta(days=VISIT_LATE_DAYS),
            on__lte=on + dt.timedelta(days=VISIT_EARLY_DAYS),
        )
        .order_by("on", "id")
        .first()
    )


def visit_fulfil(*, actor: Actor, case: Case, on: dt.date) -> Appointment | None:
    """PUBLIC, for the visits app, inside its transaction: mark the planned visit that a
    visit recorded on ``on`` fulfils (``visit_match``) done on that day, which clears its
    due-today or overdue reminder. Returns it, or None when nothing planned matches."""
    ctx = _ctx(actor)
    require(ctx.actor, Action.CASE_WORK, case)
    with transaction.atomic():
        match = visit_match(case, on)
        if match is None:
            return None
        # Locked and re-checked by the outcome service (a double submit is told so).
        return appointment_outcome(
            actor=ctx, appointment=match, outcome=AppointmentState.DONE, on=on
        )


def appointment_reopen(*, actor: Actor, appointment: Appointment) -> Appointment:
    """PUBLIC, for the visits app: a visit or call marked done by a visit record that was
    then withdrawn (entered by mistake) is planned again, so its reminder comes back."""
    ctx = _ctx(actor)
    require(ctx.actor, Action.CASE_WORK, appointment.case)
    if appointment.kind not in VISIT_KINDS:
        raise ValidationError(_("Only a visit or call can be planned again."))
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if appointment.state == AppointmentState.DONE:
            appointment.state, appointment.done_on, appointment.note = (
                AppointmentState.PLANNED,
                None,
                "",
            )
            appointment.save(update_fields=["state", "done_on", "note"])
            _audit(ctx, appointment.case, AuditAction.UPDATE, ("appointment.state",))
            reminders.refresh_cases([appointment.case_id])
    return appointment


def violation_withdraw(
    *, actor: Actor, violation: Violation, reason: str, withdrawn_on: dt.date | None = None
) -> Violation:
    """Withdraw an evaded or refused test entered by mistake, with the reason. Nothing is
    deleted: it stops counting at once and art. 20 is recomputed (a serious breach proposed
    on it is withdrawn when no threshold is reached any more)."""
    ctx = _ctx(actor)
    case = violation.case
    require(ctx.actor, Action.CASE_WORK, case)
    with transaction.atomic():
        violation = cases.withdraw_entry(
            Violation,
            violation.pk,
            ctx=ctx,
            reason=reason,
            withdrawn_on=withdrawn_on,
            already=_("This has already been withdrawn."),
        )
        withdrawn_on = violation.withdrawn_on
        cases.timeline_add(
            actor=ctx,
            case=case,
            kind="violation_withdrawn",
            on=withdrawn_on,
            measure=violation.measure,
            tested_on=violation.on,
        )
        _audit(ctx, case, AuditAction.UPDATE, ("violation.withdrawn",))
        cases.breach_check(ctx=ctx, measure=violation.measure, on=withdrawn_on)
        reminders.refresh_cases([case.pk])
    return violation


# --- delegated tests --------------------------------------------------------------------------


def delegation_request(
    *,
    actor: Actor,
    case: Case,
    to_township: Jurisdiction,
    sample: str,
    due_by: dt.date,
    appointment: Appointment | None = None,
    note: str = "",
) -> DelegatedTestRequest:
    """Ask another township to take a test for a person who works there. The name and the
    sample asked for go to that township: accounted for as a disclosure."""
    ctx = _ctx(actor)
    require(ctx.actor, Action.CASE_WORK, case)
    if case.state != "open":
        raise ValidationError(_("The case is closed."))
    if to_township.level != Level.TOWNSHIP or to_township.pk == case.township_id:
        raise ValidationError({"to_township": _("Choose another township or street office.")})
    if appointment is not None and (appointment.case_id != case.pk or not appointment.is_test):
        raise ValidationError(_("This appointment is not a test of this case."))
    today = _today()
    if due_by < today:
        raise ValidationError({"due_by": _("The date cannot be in the past.")})
    with transaction.atomic():
        request = DelegatedTestRequest.objects.create(
            case=case,
            from_township=case.township,
            to_township=to_township,
            appointment=appointment,
            sample=Sample(sample),
            due_by=due_by,
            note=note.strip(),
            requested_by=ctx.actor,
            requested_on=today,
        )
        disclosure_record(
            ctx=ctx,
            person=case.person,
            recipient=str(to_township),
            legal_basis="statute",
            basis_reference="戒毒条例；吸毒检测程序规定（委托检测）",
            categories=[DataCategory.IDENTITY],
            disclosed_on=today,
        )
        _audit(ctx, case, AuditAction.CREATE, ("delegated_test",))
    return request


def delegation_decline(*, actor: Actor, request: DelegatedTestRequest, reason: str) -> None:
    ctx = _ctx(actor)
    require(ctx.actor, Action.CASE_WORK, request, at=request.to_township)
    if request.state != DelegationState.OPEN:
        raise ValidationError(_("This request has already been answered."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the request is declined.")})
    request.state, request.decline_reason = DelegationState.DECLINED, reason.strip()
    request.save(update_fields=["state", "decline_reason"])


def delegation_record_test(
    *, actor: Actor, request: DelegatedTestRequest, taken_on: dt.date, screen_result: str
) -> DrugTest:
    """The township asked records the test; the result lands on the case at home."""
    if request.state != DelegationState.OPEN:
        raise ValidationError(_("This request has already been answered."))
    appointment = request.appointment
    if appointment is not None and appointment.state != AppointmentState.PLANNED:
        appointment = None
    return test_record(
        actor=actor,
        case=request.case,
        taken_on=taken_on,
        sample=request.sample,
        screen_result=screen_result,
        appointment=appointment,
        delegation=request,
    )


def sample_for(appointment: Appointment) -> str:
    return SAMPLE_OF_KIND.get(appointment.kind, Sample.URINE)
