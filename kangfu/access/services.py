"""Writes to the jurisdiction tree and to staff grants."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kangfu.access.audit import AccessContext, audit_record
from kangfu.access.choices import (
    LEVEL_DEPTH,
    AuditAction,
    DataCategory,
    DepartmentKind,
    LegalBasis,
    Level,
    Role,
)
from kangfu.access.models import (
    AuditEvent,
    AuditReview,
    Department,
    Disclosure,
    Grant,
    Jurisdiction,
    User,
)
from kangfu.access.permissions import Action, require
from kangfu.core.validation import not_future

# Where each role may be granted: front-line roles work at a township, supervisors above it.
ROLE_LEVELS: dict[str, set[str]] = {
    Role.CASEWORKER: {Level.TOWNSHIP},
    Role.TOWNSHIP_OFFICER: {Level.TOWNSHIP},
    Role.SUPERVISOR: {Level.COUNTY, Level.CITY, Level.PROVINCE, Level.NATIONAL},
    Role.PARTNER: set(Level.values),
    Role.ADMINISTRATOR: set(Level.values),
    # Break-glass is a county (or city) anti-drug office duty, never a township or national one.
    Role.EMERGENCY_ACCESS: {Level.COUNTY, Level.CITY},
    # Sealed records are kept by the county (or city) anti-drug office.
    Role.RECORDS_OFFICER: {Level.COUNTY, Level.CITY},
}


def jurisdiction_create(
    *, code: str, name: str, level: str, parent: Jurisdiction | None
) -> Jurisdiction:
    """Add a node under ``parent``; its level must be exactly one below the parent's."""
    if level == Level.NATIONAL:
        if parent is not None:
            raise ValidationError({"parent": _("The national level has no parent.")})
        path = f"/{code}/"
    else:
        if parent is None or LEVEL_DEPTH[Level(level)] != LEVEL_DEPTH[Level(parent.level)] + 1:
            raise ValidationError(
                {"parent": _("A jurisdiction sits exactly one level below its parent.")}
            )
        path = f"{parent.path}{code}/"
    expected = (9, 12) if level == Level.TOWNSHIP else (6,)
    if not code.isdigit() or len(code) not in expected:
        raise ValidationError({"code": _("This division code has the wrong length for its level.")})
    node = Jurisdiction(code=code, name=name, level=level, parent=parent, path=path)
    node.full_clean()
    node.save()
    return node


@transaction.atomic
def department_create(*, jurisdiction: Jurisdiction, kind: str, name: str) -> Department:
    return Department.objects.create(
        jurisdiction=jurisdiction, kind=DepartmentKind(kind), name=name
    )


def grant_create(
    *, user: User, role: str, jurisdiction: Jurisdiction, department: Department | None = None
) -> Grant:
    """Give ``user`` a role over ``jurisdiction`` and its subtree."""
    if jurisdiction.level not in ROLE_LEVELS[Role(role)]:
        raise ValidationError(
            {"jurisdiction": _("This role cannot be granted at this level of the tree.")}
        )
    if role == Role.PARTNER and department is None:
        raise ValidationError({"department": _("A partner-department role names its department.")})
    grant = Grant.objects.create(
        user=user, role=role, jurisdiction=jurisdiction, department=department
    )
    return grant


# --- audit reviews and disclosures ------------------------------------------------------


def break_glass_review(*, ctx: AccessContext, event: AuditEvent, note: str = "") -> AuditReview:
    """A supervisor over the record's jurisdiction marks an emergency access as reviewed.

    Nobody reviews their own emergency access; a review is final (one per event).
    """
    reviewer = ctx.actor
    if event.action != AuditAction.BREAK_GLASS:
        raise ValidationError(_("Only emergency accesses are reviewed."))
    # Four eyes: the table refuses the actor of the emergency access itself (a 403).
    require(reviewer, Action.AUDIT_REVIEW, event)
    with transaction.atomic():
        if AuditReview.objects.filter(event=event).exists():
            raise ValidationError(_("This emergency access has already been reviewed."))
        review = AuditReview.objects.create(
            event=event, reviewed_by=reviewer, reviewed_at=timezone.now(), note=note.strip()
        )
        audit_record(
            ctx=ctx,
            action=AuditAction.REVIEW,
            obj=(event.object_type, event.object_id, event.scope_path),
            fields=("break_glass_review",),
            outside_caseload=False,
        )
    return review


def disclosure_record(
    *,
    ctx: AccessContext,
    person,
    recipient: str,
    legal_basis: str,
    basis_reference: str,
    categories: Iterable[str],
    disclosed_on: dt.date,
) -> Disclosure:
    """Account for information from ``person``'s record given to another organisation."""
    require(ctx.actor, Action.PERSON_DISCLOSE, person)
    categories = [DataCategory(c).value for c in categories]
    if not categories:
        raise ValidationError({"categories": _("Choose at least one category of data.")})
    not_future("disclosed_on", disclosed_on)
    with transaction.atomic():
        disclosure = Disclosure.objects.create(
            person=person,
            recipient=recipient.strip(),
            legal_basis=LegalBasis(legal_basis),
            basis_reference=basis_reference.strip(),
            categories=categories,
            disclosed_on=disclosed_on,
            recorded_by=ctx.actor,
        )
        # The categories disclosed are the "fields" of this event: names, never values.
        audit_record(ctx=ctx, action=AuditAction.DISCLOSE, obj=person, fields=categories)
    return disclosure
