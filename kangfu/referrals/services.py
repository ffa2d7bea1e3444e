"""Writes of the service directory and of referrals (habit 1).

Each referral step is keyword-only, runs in one transaction, asks ``lifecycle.require``,
writes a line on the case timeline (``cases.services.timeline_add``) and an audit event on
the person's record in the same transaction. ``actor`` is the request's ``AccessContext``; a
bare ``User`` is accepted for commands and tests, and the person's own ``PersonActor``
(portal) for the steps that are theirs: consenting, or saying no.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kangfu.access.audit import AccessContext, PersonActor, is_person_actor
from kangfu.access.choices import AuditAction, DataCategory, LegalBasis
from kangfu.access.models import Jurisdiction, User
from kangfu.access.permissions import Action, may, partner_departments, require
from kangfu.access.services import disclosure_record
from kangfu.cases.audit import case_work_audit
from kangfu.cases.choices import CaseState, EventKind
from kangfu.cases.models import Case
from kangfu.cases.services import timeline_add
from kangfu.core.validation import clean_text
from kangfu.core.validation import not_future as _not_future
from kangfu.referrals import lifecycle
from kangfu.referrals.choices import (
    REFERRAL_CATEGORIES,
    REQUIRED_CATEGORIES,
    CloseReason,
    Outcome,
    ReferralState,
    ServiceKind,
)
from kangfu.referrals.lifecycle import Transition
from kangfu.referrals.models import Referral, ServiceProvider

Actor = User | AccessContext | PersonActor
PROVIDER_FIELDS = (
    "name",
    "kind",
    "offers",
    "contact",
    "opening_hours",
    "capacity",
    "department",
    "active",
)


def _ctx(actor: Actor) -> AccessContext:
    return AccessContext.of(actor)


def _today() -> dt.date:
    return timezone.localdate()


# --- the directory ------------------------------------------------------------------------


# Text limits of the directory's columns (offers is a TextField: bounded here, not there).
PROVIDER_TEXT = {"name": 200, "offers": 2000, "contact": 300, "opening_hours": 200}
MAX_CAPACITY = 100_000


def _clean_provider(data: dict) -> dict:
    data = {k: v for k, v in data.items() if k in PROVIDER_FIELDS}
    try:
        data["kind"] = ServiceKind(data.get("kind")).value
    except ValueError:
        raise ValidationError({"kind": _("Choose one of the options offered.")}) from None
    for field, longest in PROVIDER_TEXT.items():
        if field in data:
            data[field] = clean_text(field, data[field], max_length=longest)
    capacity = data.get("capacity")
    if capacity is not None and not (0 <= capacity <= MAX_CAPACITY):
        raise ValidationError({"capacity": _("Enter the places available, from 0 to 100,000.")})
    if not data.get("name"):
        raise ValidationError({"name": _("Give the organisation's name.")})
    return data


@transaction.atomic
def provider_create(*, actor: Actor, jurisdiction: Jurisdiction, data: dict) -> ServiceProvider:
    """Add an organisation to the directory of ``jurisdiction``."""
    ctx = _ctx(actor)
    # Township officers keep their township's directory, supervisors their subtree's.
    require(ctx.actor, Action.DIRECTORY_MANAGE, jurisdiction)
    data = _clean_provider(data)
    if ServiceProvider.objects.filter(jurisdiction=jurisdiction, name=data["name"]).exists():
        raise ValidationError(
            {"name": _("This directory already lists an organisation of this name.")}
        )
    return ServiceProvider.objects.create(jurisdiction=jurisdiction, **data)


@transaction.atomic
def provider_update(*, actor: Actor, provider: ServiceProvider, data: dict) -> ServiceProvider:
    ctx = _ctx(actor)
    require(ctx.actor, Action.DIRECTORY_MANAGE, provider)
    data = _clean_provider(data)
    clash = ServiceProvider.objects.filter(
        jurisdiction=provider.jurisdiction, name=data["name"]
    ).exclude(pk=provider.pk)
    if clash.exists():
        raise ValidationError(
            {"name": _("This directory already lists an organisation of this name.")}
        )
    for field, value in data.items():
        setattr(provider, field, value)
    provider.save()
    return provider


# --- permissions ---------------------------------------------------------------------------


def is_sender(user, referral: Referral) -> bool:
    """Case staff who may act on the referring case (caseworker, township officer)."""
    return may(user, Action.CASE_WORK, referral)


def is_receiver(user, referral: Referral) -> bool:
    """The partner officers of the receiving department; when the provider has no Kangfu
    accounts, the referring case staff record its answer on its behalf."""
    if is_person_actor(user):
        return False
    if referral.department_id is None:
        return is_sender(user, referral)
    return referral.department_id in partner_departments(user)


def _audit(ctx: AccessContext, referral: Referral, action: str, fields: Iterable[str]) -> None:
    """An event on the person's record, as case work does (their history shows referrals)."""
    case_work_audit(ctx=ctx, case=referral.case, action=action, fields=fields)


def _timeline(ctx: AccessContext, referral: Referral, kind: str, on: dt.date, **params) -> None:
    timeline_add(
        actor=ctx,
        case=referral.case,
        kind=kind,
        on=on,
        referral=str(referral.public_id),
        provider=referral.provider.name,
        service=referral.kind,
        **params,
    )


def _locked(referral: Referral) -> Referral:
    """The row again, locked, so two concurrent steps cannot both pass the state check."""
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("case", "case__township", "person", "provider")
        .get(pk=referral.pk)
    )


def _refresh(target: Referral, source: Referral) -> Referral:
    for field in target._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return target


# --- the referral's steps ---------------------------------------------------------------------


def referral_propose(
    *,
    actor: Actor,
    case: Case,
    provider: ServiceProvider,
    need: str,
    internal_note: str = "",
    proposed_on: dt.date | None = None,
) -> Referral:
    """Propose a referral of the case's person to ``provider``. Nothing leaves yet."""
    ctx = _ctx(actor)
    require(ctx.actor, Action.CASE_WORK, case)
    if case.state != CaseState.OPEN:
        raise ValidationError(_("The case is closed."))
    if not ServiceProvider.objects.visible_to(ctx.actor).filter(pk=provider.pk).exists():
        raise PermissionDenied("provider outside the user's directory")
    if not provider.active:
        raise ValidationError({"provider": _("This organisation is not taking referrals.")})
    need = need.strip()
    if not need:
        raise ValidationError({"need": _("Say what the person needs from this service.")})
    proposed_on = proposed_on or _today()
    _not_future("proposed_on", proposed_on)
    with transaction.atomic():
        referral = Referral.objects.create(
            case=case,
            person=case.person,
            provider=provider,
            department=provider.department,
            kind=provider.kind,
            need=need,
            internal_note=internal_note.strip(),
            proposed_on=proposed_on,
            proposed_by=ctx.actor,
        )
        _timeline(ctx, referral, EventKind.REFERRAL_PROPOSED, proposed_on)
        _audit(ctx, referral, AuditAction.CREATE, ("referral",))
    return referral


def clean_categories(categories: Iterable[str]) -> list[str]:
    chosen = []
    for code in categories:
        try:
            value = DataCategory(code)
        except ValueError:
            raise ValidationError({"categories": _("Unknown category of data.")}) from None
        if value not in REFERRAL_CATEGORIES:
            raise ValidationError(
                {"categories": _("Test results and risk assessments never go with a referral.")}
            )
        chosen.append(value.value)
    if any(required not in chosen for required in REQUIRED_CATEGORIES):
        raise ValidationError(
            {"categories": _("A referral always carries the person's identity and what they need.")}
        )
    # The table's order, so the same choice always reads the same.
    return [c.value for c in REFERRAL_CATEGORIES if c.value in chosen]


def referral_consent(
    *,
    actor: Actor,
    referral: Referral,
    categories: Iterable[str],
    reference: str = "",
    consented_on: dt.date | None = None,
) -> Referral:
    """Record the person's agreement: which categories of their data go to the provider.

    Case staff record a signed paper form (its reference is required); the person may also
    agree in the portal themself (``actor`` is their ``PersonActor``)."""
    ctx = _ctx(actor)
    by_person = is_person_actor(ctx.actor)
    if by_person:
        if ctx.actor.person_id != referral.person_id:
            raise PermissionDenied("a person consents only to their own referrals")
    elif not is_sender(ctx.actor, referral):
        raise PermissionDenied("not case staff of this township")
    chosen = clean_categories(categories)
    reference = reference.strip()
    consented_on = consented_on or _today()
    _not_future("consented_on", consented_on)
    if by_person:
        reference = _("Agreed by the person in the portal on %(day)s") % {
            "day": consented_on.isoformat()
        }
    elif not reference:
        raise ValidationError({"reference": _("Give the number of the signed consent form.")})
    with transaction.atomic():
        locked = _locked(referral)
        lifecycle.require(locked, Transition.CONSENT)
        if consented_on < locked.proposed_on:
            raise ValidationError({"consented_on": _("Consent cannot come before the proposal.")})
        locked.state = ReferralState.CONSENTED
        locked.categories = chosen
        locked.consented_on = consented_on
        locked.consent_reference = reference[:200]
        locked.consent_in_portal = by_person
        locked.save()
        _timeline(ctx, locked, EventKind.REFERRAL_CONSENTED, consented_on, categories=chosen)
        _audit(ctx, locked, AuditAction.UPDATE, ("referral.consent",))
    return _refresh(referral, locked)


def referral_send(*, actor: Actor, referral: Referral, sent_on: dt.date | None = None) -> Referral:
    """Send the referral: the agreed data goes to the provider, accounted for as a
    disclosure with the person's consent as legal basis. Refused without consent."""
    ctx = _ctx(actor)
    if not is_sender(ctx.actor, referral):
        raise PermissionDenied("not case staff of this township")
    sent_on = sent_on or _today()
    _not_future("sent_on", sent_on)
    with transaction.atomic():
        locked = _locked(referral)
        if locked.consented_on is None or not locked.categories:
            raise ValidationError(
                _("The person has not agreed to this referral yet: record their consent first."),
                code="no_consent",
            )
        lifecycle.require(locked, Transition.SEND)
        if sent_on < locked.consented_on:
            raise ValidationError({"sent_on": _("A referral is sent after the consent.")})
        recipient = locked.provider.name
        if locked.department is not None and locked.department.name != recipient:
            recipient = f"{recipient}（{locked.department.name}）"
        locked.disclosure = disclosure_record(
            ctx=ctx,
            person=locked.person,
            recipient=recipient[:200],
            legal_basis=LegalBasis.CONSENT,
            basis_reference=locked.consent_reference,
            categories=locked.categories,
            disclosed_on=sent_on,
        )
        locked.state = ReferralState.SENT
        locked.sent_on = sent_on
        locked.save()
        _timeline(ctx, locked, EventKind.REFERRAL_SENT, sent_on)
    return _refresh(referral, locked)


def referral_answer(
    *,
    actor: Actor,
    referral: Referral,
    accept: bool,
    reason: str = "",
    answered_on: dt.date | None = None,
) -> Referral:
    """The receiving side accepts the referral, or declines it with a reason."""
    ctx = _ctx(actor)
    if not is_receiver(ctx.actor, referral):
        raise PermissionDenied("not the receiving side of this referral")
    reason = reason.strip()
    if not accept and not reason:
        raise ValidationError({"reason": _("Say why the referral is declined.")})
    answered_on = answered_on or _today()
    _not_future("answered_on", answered_on)
    with transaction.atomic():
        locked = _locked(referral)
        target = lifecycle.require(locked, Transition.ACCEPT if accept else Transition.DECLINE)
        if answered_on < locked.sent_on:
            raise ValidationError({"answered_on": _("The answer cannot come before sending.")})
        locked.state = target
        locked.answered_on = answered_on
        locked.decline_reason = "" if accept else reason[:300]
        locked.save()
        _timeline(ctx, locked, EventKind.REFERRAL_ANSWERED, answered_on, accepted=accept)
        _audit(ctx, locked, AuditAction.UPDATE, ("referral.answer",))
    return _refresh(referral, locked)


def referral_start(
    *, actor: Actor, referral: Referral, started_on: dt.date | None = None
) -> Referral:
    """The person has begun the service (first appointment, first day of training …)."""
    ctx = _ctx(actor)
    if not is_receiver(ctx.actor, referral):
        raise PermissionDenied("not the receiving side of this referral")
    started_on = started_on or _today()
    _not_future("started_on", started_on)
    with transaction.atomic():
        locked = _locked(referral)
        lifecycle.require(locked, Transition.START)
        if started_on < locked.answered_on:
            raise ValidationError({"started_on": _("The service cannot start before acceptance.")})
        locked.state = ReferralState.IN_PROGRESS
        locked.started_on = started_on
        locked.save()
        _timeline(ctx, locked, EventKind.REFERRAL_STARTED, started_on)
        _audit(ctx, locked, AuditAction.UPDATE, ("referral.started",))
    return _refresh(referral, locked)


# The column holds 10 digits with 2 decimals; nothing larger may reach it (issue 14).
MAX_AMOUNT = Decimal("99999999.99")


def _amount(outcome: str, amount) -> Decimal | None:
    if outcome != Outcome.ASSISTANCE_GRANTED:
        if amount not in (None, ""):
            raise ValidationError({"amount": _("An amount is recorded only for assistance.")})
        return None
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        value = Decimal(0)
    if not value.is_finite() or value <= 0:
        raise ValidationError({"amount": _("Give the amount granted, in yuan.")})
    if value > MAX_AMOUNT:
        raise ValidationError({"amount": _("The amount granted cannot exceed 99,999,999.99 yuan.")})
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError({"amount": _("The amount granted has at most 2 decimal places.")})
    return value.quantize(Decimal("0.01"))


def referral_outcome(
    *,
    actor: Actor,
    referral: Referral,
    outcome: str,
    outcome_on: dt.date | None = None,
    amount=None,
    note: str = "",
) -> Referral:
    """Record what came of the referral: employed, training completed, assistance granted
    (with the amount) … Either side may record it (the partner, or the caseworker told of
    it)."""
    ctx = _ctx(actor)
    if not (is_receiver(ctx.actor, referral) or is_sender(ctx.actor, referral)):
        raise PermissionDenied("not a party to this referral")
    try:
        outcome = Outcome(outcome).value
    except ValueError:
        raise ValidationError({"outcome": _("Choose the outcome.")}) from None
    value = _amount(outcome, amount)
    outcome_on = outcome_on or _today()
    _not_future("outcome_on", outcome_on)
    with transaction.atomic():
        locked = _locked(referral)
        lifecycle.require(locked, Transition.OUTCOME)
        if outcome_on < locked.answered_on:
            raise ValidationError({"outcome_on": _("The outcome cannot come before acceptance.")})
        locked.state = ReferralState.COMPLETED
        locked.outcome, locked.outcome_on, locked.amount = outcome, outcome_on, value
        locked.outcome_note = note.strip()[:300]
        locked.save()
        _timeline(
            ctx,
            locked,
            EventKind.REFERRAL_OUTCOME,
            outcome_on,
            outcome=outcome,
            amount=str(value) if value is not None else "",
        )
        _audit(ctx, locked, AuditAction.UPDATE, ("referral.outcome",))
    return _refresh(referral, locked)


def referral_close(
    *,
    actor: Actor,
    referral: Referral,
    reason: str,
    closed_on: dt.date | None = None,
) -> Referral:
    """Close a referral that will not (or no longer) go ahead. The person may close their
    own proposal from the portal by saying they do not agree."""
    ctx = _ctx(actor)
    by_person = is_person_actor(ctx.actor)
    if by_person:
        if ctx.actor.person_id != referral.person_id or reason != CloseReason.NO_CONSENT:
            raise PermissionDenied("a person only declines their own proposals")
        if referral.state != ReferralState.PROPOSED:
            raise ValidationError(_("Only a proposal can be declined here; ask your caseworker."))
    elif not is_sender(ctx.actor, referral):
        raise PermissionDenied("not case staff of this township")
    try:
        reason = CloseReason(reason).value
    except ValueError:
        raise ValidationError({"reason": _("Choose the reason.")}) from None
    closed_on = closed_on or _today()
    _not_future("closed_on", closed_on)
    with transaction.atomic():
        locked = _locked(referral)
        lifecycle.require(locked, Transition.CLOSE)
        locked.state = ReferralState.CLOSED
        locked.closed_on, locked.close_reason = closed_on, reason
        locked.save()
        _timeline(ctx, locked, EventKind.REFERRAL_CLOSED, closed_on, reason=reason)
        _audit(ctx, locked, AuditAction.UPDATE, ("referral.closed",))
    return _refresh(referral, locked)
