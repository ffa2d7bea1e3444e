"""Writes of the risk app. Views, commands, other apps and tests all call these (habit 1).

Each service is keyword-only, runs in one transaction, validates (a ``ValidationError`` keyed
by the form field it concerns), and writes an audit event on the person's record in the same
transaction. ``actor`` is the request's ``AccessContext`` (a bare ``User`` is accepted for
commands and tests).

Who may do what (docs/risk.md):

* **assess** (start, fill in, submit): case staff over the person's township — caseworker,
  township officer or supervisor;
* **approve or return**: a township officer of the person's township or a supervisor over it
  (county and above), never the assessor of that assessment;
* **answer a review request**: case staff over the township, never the assessor of the
  contested assessment.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kangfu.access.audit import AccessContext, AuditEntry, audit_record, audit_record_many
from kangfu.access.choices import AuditAction
from kangfu.access.models import User
from kangfu.access.permissions import Action, require
from kangfu.cases.choices import LIVE_STATES, CaseState
from kangfu.cases.models import Case, Measure
from kangfu.cases.services import case_category_record, case_category_record_many
from kangfu.core.batch import check_each, create_objects, update_values
from kangfu.core.events import publish
from kangfu.core.text import site_text
from kangfu.core.validation import clean_text
from kangfu.core.validation import not_future as _not_future
from kangfu.people.models import Person
from kangfu.policy import engine
from kangfu.policy.choices import FREE_TEXT_CODES
from kangfu.policy.facts import FIELD_NAMES, FactsError
from kangfu.policy.packs import get_pack
from kangfu.policy.schema import Pack
from kangfu.risk import record
from kangfu.risk.choices import (
    EDITABLE_STATUSES,
    OPEN_STATUSES,
    AssessmentStatus,
    Delivery,
    EvidenceSource,
    ReviewOutcome,
    ReviewState,
)
from kangfu.risk.events import CategoryApproved
from kangfu.risk.models import Assessment, Notice, PersonRisk, ReviewRequest

Actor = User | AccessContext
# Facts the assessor answers (the rest come from the system: the day, the current category,
# and what the case record establishes).
ANSWER_FIELDS = tuple(
    f for f in FIELD_NAMES if f not in ("as_of", "current_category", *record.RECORD_ONLY)
)
_MAX_TEXT = 2000


# --- permissions and helpers --------------------------------------------------------------


def _ctx(actor: Actor) -> AccessContext:
    return AccessContext.of(actor)


def _today() -> dt.date:
    return timezone.localdate()


def pack_for(case) -> Pack:
    """The case's pack; the national default for a person without a case."""
    return get_pack(case.pack_id if case is not None else settings.KANGFU_DEFAULT_POLICY_PACK)


def _audit(ctx: AccessContext, person: Person, action: str, fields) -> None:
    audit_record(ctx=ctx, action=action, obj=person, fields=fields)


def _current(person: Person, *, lock: bool = False) -> PersonRisk | None:
    qs = PersonRisk.objects.filter(person=person)
    if lock:
        qs = qs.select_for_update()
    return qs.first()


def _evaluate(assessment: Assessment, pack: Pack) -> engine.Result:
    """Run the engine on the stored facts; store its result, reasons and the pack used."""
    try:
        facts = engine.facts_from_dict(assessment.facts)
    except FactsError as exc:
        raise ValidationError({exc.field or "__all__": exc.message}) from exc
    result = engine.classify(pack, facts)
    assessment.pack_id, assessment.pack_version = result.pack_id, result.pack_version
    assessment.assessed = result.assessed.value
    assessment.criteria = list(result.criteria)
    assessment.category = result.category.value
    assessment.current_before = result.current.value if result.current else None
    assessment.changed = result.changed
    assessment.reasons = [{"code": r.code, "zh": r.zh, "en": r.en} for r in result.reasons]
    return result


def _refresh_record(assessment: Assessment, *, as_of: dt.date) -> None:
    """Re-read what the record says and the current category, as of ``as_of``."""
    found = record.record_facts(assessment.person, as_of)
    current = _current(assessment.person)
    facts = {**assessment.facts}
    # A fact that was from the record but no longer is goes back to "not established".
    for name in assessment.from_record:
        if name not in found.values:
            facts.pop(name, None)
    facts.update(found.values)
    facts["as_of"] = as_of.isoformat()
    facts["current_category"] = current.category if current else None
    assessment.facts = facts
    assessment.from_record = found.fields
    assessment.case = found.case
    evidence = {
        code: item
        for code, item in assessment.evidence.items()
        if item.get("source") != EvidenceSource.RECORD
    }
    for code, refs in found.refs.items():
        kept = evidence.get(code, {})
        evidence[code] = {
            "source": EvidenceSource.RECORD.value,
            "refs": refs,
            "note": kept.get("note", ""),
            "document": kept.get("document", ""),
        }
    assessment.evidence = evidence


def record_only_codes(assessment: Assessment) -> set[str]:
    """Criteria whose every fact comes from the record (no evidence needs typing)."""
    known = set(assessment.from_record)
    return {code for code, names in record.CRITERION_FACTS.items() if set(names) <= known}


# --- assessments --------------------------------------------------------------------------


def assessment_start(
    *, actor: Actor, person: Person, review_request: ReviewRequest | None = None
) -> Assessment:
    """Start an assessment of ``person`` with what the record already establishes filled in.

    A person has one open assessment at a time (draft, awaiting approval or returned).
    """
    ctx = _ctx(actor)
    require(ctx.actor, Action.RISK_ASSESS, person)
    if Assessment.objects.filter(person=person, status__in=OPEN_STATUSES).exists():
        raise ValidationError(
            _("An assessment of this person is already open; finish it first."), code="open"
        )
    today = _today()
    assessment = Assessment(
        person=person,
        as_of=today,
        facts={},
        assessor=ctx.actor,
        review_request=review_request,
    )
    _refresh_record(assessment, as_of=today)
    _evaluate(assessment, pack_for(assessment.case))
    try:
        with transaction.atomic():
            assessment.save()
            _audit(ctx, person, AuditAction.CREATE, ("risk_assessment",))
    except IntegrityError as exc:
        raise ValidationError(
            _("An assessment of this person is already open; finish it first."), code="open"
        ) from exc
    return assessment


def _require_assessor(ctx: AccessContext, assessment: Assessment) -> None:
    require(ctx.actor, Action.RISK_ASSESS, assessment)
    if assessment.assessor_id != ctx.actor.pk:
        raise PermissionDenied("only the assessor changes an assessment")
    if assessment.status not in EDITABLE_STATUSES:
        raise ValidationError(_("This assessment can no longer be changed."), code="status")


def _clean_text(value: Any, field: str, max_length: int = _MAX_TEXT) -> str:
    """Invisible controls stripped; NUL or over-long text refused, naming the field."""
    return clean_text(field, str(value or ""), max_length=max_length)


def assessment_update(
    *,
    actor: Actor,
    assessment: Assessment,
    answers: Mapping[str, Any],
    evidence: Mapping[str, Mapping[str, str]],
    version: str | None = None,
) -> Assessment:
    """Save the assessor's answers and evidence; the engine's proposal is recomputed.

    ``version`` (``assessment_version`` when the form was opened): refused with
    ``StaleEdit`` when the stored answers changed since (another tab, the API).

    ``answers`` holds facts by name (dates as date or ISO text); facts the record
    establishes are not the assessor's to change and are ignored here. ``evidence`` maps a
    criterion code to ``{"note": ..., "document": ...}``.
    """
    ctx = _ctx(actor)
    with transaction.atomic():
        # Re-read under a row lock and re-check the status there: an edit racing the
        # submission either lands before it or is refused, never silently overwritten.
        _lock(assessment)
        _require_assessor(ctx, assessment)
        if version is not None:
            changed = _changed_since(assessment, version)
            if changed:
                raise StaleEdit(changed)
        today = _today()
        assessment.facts = _merged(assessment, answers)
        _refresh_record(assessment, as_of=today)
        assessment.as_of = today
        stored = dict(assessment.evidence)
        for code in record.CRITERION_FACTS:
            given = evidence.get(code) or {}
            note = _clean_text(given.get("note"), "evidence")
            document = _clean_text(given.get("document"), "evidence", 200)
            item = dict(stored.get(code) or {"source": EvidenceSource.ASSESSOR.value})
            item["note"], item["document"] = note, document[:200]
            if item.get("source") == EvidenceSource.RECORD or note or document:
                stored[code] = item
            else:
                stored.pop(code, None)
        assessment.evidence = stored
        _evaluate(assessment, pack_for(assessment.case))
        assessment.save()
        _audit(ctx, assessment.person, AuditAction.UPDATE, ("risk_assessment",))
    return assessment


class StaleEdit(Exception):
    """The assessment changed after the form was opened; ``fields`` are the form's field
    names whose stored value changed (answers by fact name, ``note_H3`` / ``doc_H3``)."""

    def __init__(self, fields: list[str]):
        super().__init__("stale edit")
        self.fields = fields


_VERSION_SALT = "kangfu.risk.assessment-version"


def _answer_digests(assessment: Assessment) -> dict[str, str]:
    # Keyed digests of what the assessor can change, never the values themselves.
    values = {name: assessment.facts.get(name) for name in ANSWER_FIELDS}
    for code in record.CRITERION_FACTS:
        item = (assessment.evidence or {}).get(code) or {}
        values[f"note_{code}"], values[f"doc_{code}"] = item.get("note"), item.get("document")
    return {
        name: salted_hmac(_VERSION_SALT, f"{name}={value!r}").hexdigest()[:12]
        for name, value in values.items()
    }


def assessment_version(assessment: Assessment) -> str:
    """The version of the answers a form was opened with (signed digests per field)."""
    return signing.dumps(_answer_digests(assessment), salt=_VERSION_SALT, compress=True)


def _changed_since(assessment: Assessment, version: str) -> list[str]:
    now = _answer_digests(assessment)
    try:
        opened = signing.loads(version, salt=_VERSION_SALT)
    except signing.BadSignature:
        return list(now)
    return [name for name in now if opened.get(name) != now[name]]


def _lock(assessment: Assessment) -> None:
    """Reload ``assessment`` from its row, locked until the transaction ends."""
    assessment.refresh_from_db(from_queryset=Assessment.objects.select_for_update())


def _merged(assessment: Assessment, answers: Mapping[str, Any]) -> dict[str, Any]:
    facts = dict(assessment.facts)
    known = set(assessment.from_record)
    for name in ANSWER_FIELDS:
        if name in known or name not in answers:
            continue
        value = answers[name]
        if isinstance(value, dt.date):
            value = value.isoformat()
        if isinstance(value, str):
            value = value.strip() or None
        facts[name] = value
    return facts


def assessment_proposal(*, assessment: Assessment, answers: Mapping[str, Any]) -> engine.Result:
    """What the engine would propose on these answers, today, saving nothing (the live
    preview on the assessment form)."""
    draft = copy.copy(assessment)
    draft.facts = _merged(assessment, answers)
    _refresh_record(draft, as_of=_today())
    return _evaluate(draft, pack_for(draft.case))


def missing_evidence(assessment: Assessment) -> list[str]:
    """Criteria that hold on the assessor's word but have neither a note nor a document.

    H5 and M6 hold only with a written reason, which is their evidence; record facts carry
    their own reference.
    """
    from_record = record_only_codes(assessment)
    missing = []
    for code in assessment.criteria:
        if code in FREE_TEXT_CODES or code in from_record:
            continue
        item = assessment.evidence.get(code) or {}
        if not (item.get("note") or item.get("document")):
            missing.append(code)
    return missing


def assessment_submit(*, actor: Actor, assessment: Assessment) -> Assessment:
    """Send the assessment for approval. The facts are re-read as of today and the engine
    run once more against the current category, so the approver sees what will apply."""
    ctx = _ctx(actor)
    with transaction.atomic():
        _lock(assessment)
        _require_assessor(ctx, assessment)
        today = _today()
        _refresh_record(assessment, as_of=today)
        assessment.as_of = today
        _evaluate(assessment, pack_for(assessment.case))
        missing = missing_evidence(assessment)
        if missing:
            raise ValidationError(
                {
                    f"note_{code}": _(
                        "Criterion %(code)s holds: give the evidence "
                        "(a note or a document reference)."
                    )
                    % {"code": code}
                    for code in missing
                }
            )
        assessment.status = AssessmentStatus.SUBMITTED
        assessment.submitted_at = timezone.now()
        assessment.save()
        _audit(ctx, assessment.person, AuditAction.UPDATE, ("risk_assessment.status",))
    return assessment


def _require_approver(ctx: AccessContext, assessment: Assessment) -> None:
    if assessment.assessor_id == ctx.actor.pk:
        raise PermissionDenied(_("No one may approve or return their own assessment."))
    require(ctx.actor, Action.RISK_APPROVE, assessment)


def assessment_approve(*, actor: Actor, assessment: Assessment, comment: str = "") -> Assessment:
    """Approve a submitted assessment: its category applies from today (an upgrade at once,
    a downgrade one step — the engine's ``adjust`` already gave ``category``), the next
    review is set from the pack, the notice is drawn up, and the marker is cleared.

    Refused when the current category changed after submission (another assessment was
    approved meanwhile): the adjustment was computed against the old one.
    """
    ctx = _ctx(actor)
    _require_approver(ctx, assessment)
    today = _today()
    person = assessment.person
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if locked.status != AssessmentStatus.SUBMITTED:
            raise ValidationError(_("Only an assessment awaiting approval can be approved."))
        risk = _current(person, lock=True)
        current = risk.category if risk else None
        if current != assessment.current_before:
            raise ValidationError(
                _(
                    "The person's category changed after this assessment was submitted. "
                    "Return it so the assessor can submit it again."
                )
            )
        pack = get_pack(assessment.pack_id)
        category = engine.Category(assessment.category)
        assessment.status = AssessmentStatus.APPROVED
        assessment.approver = ctx.actor
        assessment.approval_comment = _clean_text(comment, "comment")
        assessment.approved_at = timezone.now()
        assessment.next_review_on = engine.next_review_on(pack, category, today)
        assessment.save()
        if risk is None:
            risk = PersonRisk(person=person)
        changed = risk.category != category.value
        if changed or risk.since is None:
            risk.since = today
        risk.category = category.value
        risk.assessed_on = today
        risk.next_review_on = assessment.next_review_on
        risk.last_assessment = assessment
        # An event recorded after the facts were gathered still calls for a new look.
        if risk.needs_reassessment and (
            risk.reassessment_since is None or risk.reassessment_since <= assessment.as_of
        ):
            risk.needs_reassessment = False
            risk.reassessment_reason = ""
            risk.reassessment_since = None
        risk.save()
        # The one category every page and document reads (cases.selectors.category_of).
        case_category_record(person=person, category=category.value)
        Notice.objects.create(
            assessment=assessment, content=notice_content(assessment, pack, approved_on=today)
        )
        _audit(ctx, person, AuditAction.UPDATE, ("risk_assessment.status", "risk_category"))
        if changed:
            publish(
                CategoryApproved(
                    person=person, category=category.value, previous=current, on=today, ctx=ctx
                )
            )
    return assessment


def assessment_return(*, actor: Actor, assessment: Assessment, comment: str) -> Assessment:
    """Send a submitted assessment back to its assessor with the reason."""
    ctx = _ctx(actor)
    _require_approver(ctx, assessment)
    comment = _clean_text(comment, "comment")
    if not comment:
        raise ValidationError({"comment": _("Say why the assessment is returned.")})
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if locked.status != AssessmentStatus.SUBMITTED:
            raise ValidationError(_("Only an assessment awaiting approval can be returned."))
        assessment.status = AssessmentStatus.RETURNED
        assessment.returned_by = ctx.actor
        assessment.return_comment = comment
        assessment.returned_at = timezone.now()
        assessment.save()
        _audit(ctx, assessment.person, AuditAction.UPDATE, ("risk_assessment.status",))
    return assessment


# --- notices -----------------------------------------------------------------------------


def notice_content(assessment: Assessment, pack: Pack, *, approved_on: dt.date) -> dict:
    """What the notice says, as data (no identity: the name is added at print time)."""
    under_measure = bool(assessment.facts.get("active_measure"))
    requires = "measure" if under_measure else "consent"
    category = engine.Category(assessment.category)
    entries = [e for e in pack.schedule_for(category) if e.requires == requires]
    by_code = {r["code"]: r for r in assessment.reasons}
    return {
        "pack": assessment.pack_id,
        "pack_version": assessment.pack_version,
        "category": assessment.category,
        "category_before": assessment.current_before,
        "assessed": assessment.assessed,
        "criteria": [{"code": c, "text": by_code[c]["zh"]} for c in assessment.criteria],
        "assessment_reason": by_code["assessment"]["zh"],
        "adjustment_reason": by_code["adjustment"]["zh"],
        "under_measure": under_measure,
        "schedule": [{"kind": e.kind, "every_months": e.every_months} for e in entries],
        "as_of": assessment.as_of.isoformat(),
        "approved_on": approved_on.isoformat(),
        "next_review_on": assessment.next_review_on.isoformat(),
        "answer_days": pack.review.request_answer_days,
    }


def _delivery(value: str) -> str:
    try:
        return Delivery(value).value
    except ValueError:
        raise ValidationError({"delivery": _("Choose how the person received it.")}) from None


def notice_handover(
    *, actor: Actor, notice: Notice, handed_over_on: dt.date, delivery: str, note: str = ""
) -> Notice:
    """Record that the notice reached the person (once)."""
    ctx = _ctx(actor)
    person = notice.assessment.person
    require(ctx.actor, Action.RISK_ASSESS, person)
    if notice.handed_over_on is not None:
        raise ValidationError(_("The handover of this notice is already recorded."))
    _not_future("handed_over_on", handed_over_on)
    approved_on = timezone.localdate(notice.assessment.approved_at)
    if handed_over_on < approved_on:
        raise ValidationError({"handed_over_on": _("The notice did not exist before approval.")})
    with transaction.atomic():
        notice.handed_over_on = handed_over_on
        notice.handed_over_by = ctx.actor
        notice.delivery = _delivery(delivery)
        notice.delivery_note = _clean_text(note, "note", 300)
        notice.save()
        _audit(ctx, person, AuditAction.UPDATE, ("risk_notice.handover",))
    return notice


# --- review requests ----------------------------------------------------------------------


def review_request_create(
    *, actor: Actor, person: Person, reason: str, requested_on: dt.date | None = None
) -> ReviewRequest:
    """Record the person's request to review their current category, with their reasons.
    It is due for an answer within the pack's ``review.request_answer_days``."""
    ctx = _ctx(actor)
    require(ctx.actor, Action.RISK_ASSESS, person)
    risk = _current(person)
    if risk is None or risk.last_assessment_id is None:
        raise ValidationError(_("This person has no approved category to review yet."))
    reason = _clean_text(reason, "reason")
    if not reason:
        raise ValidationError({"reason": _("Write down the person's reasons.")})
    requested_on = requested_on or _today()
    _not_future("requested_on", requested_on)
    contested = risk.last_assessment
    if requested_on < timezone.localdate(contested.approved_at):
        raise ValidationError(
            {"requested_on": _("The request cannot be before the approval it contests.")}
        )
    pack = get_pack(contested.pack_id)
    try:
        with transaction.atomic():
            request = ReviewRequest.objects.create(
                person=person,
                assessment=contested,
                original_assessor=contested.assessor,
                reason=reason,
                requested_on=requested_on,
                answer_by=engine.review_request_answer_by(pack, requested_on),
                received_by=ctx.actor,
            )
            _audit(ctx, person, AuditAction.CREATE, ("risk_review_request",))
    except IntegrityError as exc:
        raise ValidationError(_("A request to review this assessment is already open.")) from exc
    return request


def review_request_answer(
    *,
    actor: Actor,
    request: ReviewRequest,
    outcome: str,
    answer: str,
    answered_on: dt.date | None = None,
) -> ReviewRequest:
    """Answer a review request. Never by the assessor of the contested assessment.

    ``upheld``: the category stands, for the reasons written in ``answer``.
    ``reassess``: the reviewer starts a new assessment (they are its assessor, so someone
    else again approves it) and the person is marked for reassessment.
    """
    ctx = _ctx(actor)
    person = request.person
    if ctx.actor.pk == request.original_assessor_id:
        raise PermissionDenied(
            _("A review is answered by someone other than the assessor of the assessment.")
        )
    require(ctx.actor, Action.RISK_ASSESS, person)
    if request.state != ReviewState.OPEN:
        raise ValidationError(_("This request has already been answered."))
    try:
        outcome = ReviewOutcome(outcome).value
    except ValueError:
        raise ValidationError({"outcome": _("Choose the outcome.")}) from None
    answer = _clean_text(answer, "answer")
    if not answer:
        raise ValidationError({"answer": _("Write the answer and its reasons.")})
    answered_on = answered_on or _today()
    _not_future("answered_on", answered_on)
    if answered_on < request.requested_on:
        raise ValidationError({"answered_on": _("The answer cannot come before the request.")})
    with transaction.atomic():
        if outcome == ReviewOutcome.REASSESS:
            request.reassessment = assessment_start(
                actor=ctx, person=person, review_request=request
            )
            reassessment_mark(
                person=person,
                reason=_("Review requested by the person"),
                on=answered_on,
                actor=ctx,
            )
        request.state = ReviewState.ANSWERED
        request.outcome = outcome
        request.answer = answer
        request.answered_by = ctx.actor
        request.answered_on = answered_on
        request.save()
        _audit(ctx, person, AuditAction.UPDATE, ("risk_review_request.answer",))
    return request


def review_request_notify(
    *, actor: Actor, request: ReviewRequest, notified_on: dt.date, delivery: str
) -> ReviewRequest:
    """Record that the answer reached the person."""
    ctx = _ctx(actor)
    person = request.person
    require(ctx.actor, Action.RISK_ASSESS, person)
    if request.state != ReviewState.ANSWERED:
        raise ValidationError(_("Answer the request before recording that the person was told."))
    if request.notified_on is not None:
        raise ValidationError(_("It is already recorded that the person was told."))
    _not_future("notified_on", notified_on)
    if notified_on < request.answered_on:
        raise ValidationError({"notified_on": _("The person cannot be told before the answer.")})
    with transaction.atomic():
        request.notified_on = notified_on
        request.notified_by = ctx.actor
        request.delivery = _delivery(delivery)
        request.save()
        _audit(ctx, person, AuditAction.UPDATE, ("risk_review_request.notified",))
    return request


# --- dynamic adjustment -------------------------------------------------------------------


def reassessment_mark(
    *, person: Person, reason: str, on: dt.date, actor: Actor | None = None
) -> PersonRisk:
    """PUBLIC: mark ``person`` for reassessment because of an event on ``on`` (a measure
    starts or ends, a serious breach is recorded, a relapse, a release date passes its
    3-year anniversary). Cases and schedule call this when the event is recorded, inside
    their own transaction. A second mark keeps the earliest day and adds its reason.

    With an ``actor`` the mark is an audited change of the person's record; without one
    (the daily sweep) it is the system's own bookkeeping and writes no audit event.
    """
    reason = _mark_reason(reason)
    with transaction.atomic():
        risk = _current(person, lock=True) or PersonRisk(person=person)
        _mark(risk, reason, on)
        risk.save()
        if actor is not None:
            _audit(_ctx(actor), person, AuditAction.UPDATE, MARK_FIELDS)
    return risk


MARK_FIELDS = ("risk.needs_reassessment",)


def _mark_reason(reason: str) -> str:
    reason = str(reason).strip()
    if not reason:
        raise ValueError("a reassessment mark needs a reason")
    return reason


def _mark(risk: PersonRisk, reason: str, on: dt.date) -> None:
    if risk.needs_reassessment:
        if reason not in risk.reassessment_reason:
            risk.reassessment_reason = f"{risk.reassessment_reason}；{reason}"[:300]
        risk.reassessment_since = min(risk.reassessment_since or on, on)
    else:
        risk.needs_reassessment = True
        risk.reassessment_reason = reason[:300]
        risk.reassessment_since = on


def _risks_of(person_ids: list[int]) -> dict[int, PersonRisk]:
    """The current PersonRisk of each person that has one, locked (one query)."""
    return {
        risk.person_id: risk
        for risk in PersonRisk.objects.select_for_update().filter(person_id__in=person_ids)
    }


def _save_risks(risks: list[PersonRisk], fields: list[str]) -> None:
    """Insert the new ones and update the others, in bulk (the person is the key, so a new
    row is told by its state, not by a missing pk)."""
    new = [r for r in risks if r._state.adding]
    old = [r for r in risks if not r._state.adding]
    create_objects(new)
    update_values(PersonRisk, fields, ([r.pk, *(getattr(r, f) for f in fields)] for r in old))


def reassessment_mark_many(
    *, marks: list[tuple[Person, str, dt.date]], actor: Actor | None = None
) -> list[PersonRisk]:
    """``reassessment_mark`` for many (person, reason, day) at once (a batched service's
    reaction): one query for the persons' current risk rows, bulk writes, and with an
    ``actor`` their audit events under one chain lock."""
    marks = [(person, _mark_reason(reason), on) for person, reason, on in marks]
    with transaction.atomic():
        risks = _risks_of([person.pk for person, _reason, _on in marks])
        touched: dict[int, PersonRisk] = {}
        for person, reason, on in marks:
            risk = risks.get(person.pk) or PersonRisk(person=person)
            risks[person.pk] = touched[person.pk] = risk
            _mark(risk, reason, on)
        _save_risks(
            list(touched.values()),
            ["needs_reassessment", "reassessment_reason", "reassessment_since"],
        )
        if actor is not None:
            audit_record_many(
                ctx=_ctx(actor),
                entries=[
                    AuditEntry(AuditAction.UPDATE, person, MARK_FIELDS) for person, _r, _o in marks
                ],
            )
    return list(touched.values())


def reassessment_sweep(*, on: dt.date, since: dt.date | None = None) -> int:
    """For the daily sweep: mark everyone whose release date passed its 3-year anniversary
    in (``since``, ``on``] (just ``on`` without ``since``). Set-based: a handful of queries
    whatever the number of persons. Returns how many persons were newly marked."""
    from kangfu.risk.selectors import anniversaries_due

    ids = list(anniversaries_due(on=on, since=since).values_list("pk", flat=True))
    if not ids:
        return 0
    reason = site_text(gettext_noop("A release date passed its 3-year anniversary"))
    with transaction.atomic():
        updated = PersonRisk.objects.filter(person_id__in=ids, needs_reassessment=False).update(
            needs_reassessment=True, reassessment_reason=reason, reassessment_since=on
        )
        existing = set(PersonRisk.objects.filter(person_id__in=ids).values_list("pk", flat=True))
        created = PersonRisk.objects.bulk_create(
            [
                PersonRisk(
                    person_id=pk,
                    needs_reassessment=True,
                    reassessment_reason=reason,
                    reassessment_since=on,
                )
                for pk in ids
                if pk not in existing
            ],
            ignore_conflicts=True,
        )
    return updated + len(created)


def category_import(
    *, actor: Actor, person: Person, category: str, assessed_on: dt.date
) -> PersonRisk | None:
    """PUBLIC, for the ledger import: the category an office's own ledger (台账) records,
    assessed on ``assessed_on`` before the office used Kangfu. Only a township officer or
    supervisor may bring it in (the ones who approve). It is the starting point, not an
    assessment: no Assessment row (there was no four-eyes review here to show), so the next
    review falls due from the ledger's date and the first one held in Kangfu is a full one.
    A person who already has a category keeps it (re-importing changes nothing): returns
    None then. Refused: low while a measure is live (M1 holds), a future date.
    """
    ctx = _ctx(actor)
    value = _category_import_checked(ctx, person, category, assessed_on)
    with transaction.atomic():
        risk = _current(person, lock=True) or PersonRisk(person=person)
        if risk.category:
            return None
        case = Case.objects.filter(person=person, state=CaseState.OPEN).first()
        live = Measure.objects.filter(person=person, state__in=LIVE_STATES).exists()
        _category_import_apply(risk, value, assessed_on, case=case, live=live)
        risk.save()
        case_category_record(person=person, category=value.value)
        _audit(ctx, person, AuditAction.CREATE, IMPORT_FIELDS)
    return risk


IMPORT_FIELDS = ("risk_category",)


def _category_import_checked(
    ctx: AccessContext, person: Person, category: str, assessed_on: dt.date
) -> engine.Category:
    require(ctx.actor, Action.RISK_APPROVE, person)
    value = engine.Category(category)
    _not_future("assessed_on", assessed_on)
    return value


def _category_import_apply(
    risk: PersonRisk, value: engine.Category, assessed_on: dt.date, *, case, live: bool
) -> None:
    """The checks that need the record (M1), then the category written onto ``risk``."""
    if live and value is engine.Category.LOW:
        raise ValidationError(
            {"category": _("Someone under a measure is never low risk (criterion M1).")}
        )
    pack = pack_for(case)
    risk.category = value.value
    risk.since = risk.assessed_on = assessed_on
    risk.next_review_on = engine.next_review_on(pack, value, assessed_on)
    # The ledger's assessment already looked at what the record says since that day.
    if risk.needs_reassessment and (
        risk.reassessment_since is None or risk.reassessment_since <= assessed_on
    ):
        risk.needs_reassessment = False
        risk.reassessment_reason = ""
        risk.reassessment_since = None


def category_import_many(
    *, actor: Actor, entries: list[tuple[Person, str, dt.date]]
) -> list[PersonRisk | None]:
    """``category_import`` for many persons at once (the ledger import): the same checks in
    the same order, three queries for the persons' risk rows, open cases and live measures,
    bulk writes, one update of their cases per category, the audit events under one chain
    lock. A person who has a category keeps it (None in the result). Refused items raise
    ``core.batch.BatchRefused`` and nothing is written."""
    ctx = _ctx(actor)
    values = check_each(entries, lambda e: _category_import_checked(ctx, e[0], e[1], e[2]))
    person_ids = [person.pk for person, _c, _a in entries]
    with transaction.atomic():
        risks = _risks_of(person_ids)
        cases = {}
        for case in Case.objects.filter(person_id__in=person_ids, state=CaseState.OPEN):
            cases.setdefault(case.person_id, case)
        live = set(
            Measure.objects.filter(person_id__in=person_ids, state__in=LIVE_STATES).values_list(
                "person_id", flat=True
            )
        )
        done: dict[int, PersonRisk] = {}

        def apply(position: int) -> PersonRisk | None:
            person, _category, assessed_on = entries[position]
            risk = risks.get(person.pk) or PersonRisk(person=person)
            if risk.category or person.pk in done:
                return None
            _category_import_apply(
                risk,
                values[position],
                assessed_on,
                case=cases.get(person.pk),
                live=person.pk in live,
            )
            done[person.pk] = risk
            return risk

        results = check_each(range(len(entries)), apply)
        written = [r for r in results if r is not None]
        _save_risks(
            written,
            [
                "category",
                "since",
                "assessed_on",
                "next_review_on",
                "needs_reassessment",
                "reassessment_reason",
                "reassessment_since",
            ],
        )
        case_category_record_many(categories={r.person_id: r.category for r in written})
        audit_record_many(
            ctx=ctx,
            entries=[
                AuditEntry(AuditAction.CREATE, entries[i][0], IMPORT_FIELDS)
                for i, r in enumerate(results)
                if r is not None
            ],
        )
    return results
