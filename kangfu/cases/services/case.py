"""Open and close a case; the approved risk category the risk app records on it."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kangfu.access.choices import AuditAction
from kangfu.access.models import Jurisdiction, User
from kangfu.access.permissions import Action, require
from kangfu.cases.choices import CaseState, EventKind
from kangfu.cases.models import Case
from kangfu.cases.selectors import last_measure_day, live_measure
from kangfu.cases.services._base import (
    Actor,
    _audit,
    _ctx,
    _event,
    _not_before,
    _require_open,
    _today,
)
from kangfu.core.validation import not_future as _not_future
from kangfu.people.models import Person
from kangfu.policy import engine
from kangfu.policy.packs import get_pack

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
    require(ctx.actor, Action.CASE_WORK, person)
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
    require(ctx.actor, Action.CASE_WORK, case)
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
    (selectors.category_of). A closed case kept on the caseworker's list for this
    reassessment leaves it. The approval itself is the audited act."""
    engine.Category(category)  # refuse anything but high, medium, low
    return (
        Case.objects.filter(person=person)
        .exclude(state=CaseState.SEALED)
        .update(approved_category=category, awaiting_reassessment=False)
    )
