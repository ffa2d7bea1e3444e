"""Findings (refusal, serious breach) and the art. 21 report to public security."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kangfu.access.audit import AccessContext
from kangfu.access.choices import DataCategory
from kangfu.access.permissions import Action, require
from kangfu.access.services import disclosure_record
from kangfu.cases.choices import EventKind, FindingKind
from kangfu.cases.events import FindingConfirmed
from kangfu.cases.models import Finding, Measure
from kangfu.cases.selectors import breach_assess
from kangfu.cases.services._base import ART_21, Actor, _ctx, _event, _not_before
from kangfu.core.events import publish
from kangfu.core.validation import not_future as _not_future


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


# --- findings and the art. 21 report -----------------------------------------------------


def finding_report(
    *, actor: Actor, finding: Finding, reported_on: dt.date, recipient: str
) -> Finding:
    """Record that a refusal or serious breach was reported to public security (art. 21).

    The report is a disclosure of the person's data, so it is accounted for as one.
    """
    ctx = _ctx(actor)
    case = finding.case
    require(ctx.actor, Action.CASE_WORK, case)
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
