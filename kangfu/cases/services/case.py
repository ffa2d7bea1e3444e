"""Open and close a case; the approved risk category the risk app records on it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kangfu.access.audit import AccessContext
from kangfu.access.choices import AuditAction
from kangfu.access.models import Jurisdiction, User
from kangfu.access.permissions import Action, require
from kangfu.cases.choices import CaseState, EventKind
from kangfu.cases.models import Case
from kangfu.cases.selectors import last_measure_day, live_measure
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
from kangfu.core.batch import BULK, check_each, create_objects
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
    has_open = Case.objects.filter(person=person, state=CaseState.OPEN).exists()
    earlier = (
        Case.objects.filter(person=person)
        .exclude(approved_category="")
        .order_by("-opened_on", "-id")
        .values_list("approved_category", flat=True)
        .first()
    )
    case = _case_checked(
        ctx,
        person=person,
        responsible=responsible,
        co_managing=co_managing,
        caseworker=caseworker,
        opened_on=opened_on,
        pack_id=pack_id,
        has_open=has_open,
        earlier=earlier,
    )
    opened_on = case.opened_on
    try:
        with transaction.atomic():
            case.save()
            _event(case, EventKind.CASE_OPENED, opened_on, ctx)
            _audit(ctx, case, AuditAction.CREATE, ("case",))
    except IntegrityError as exc:
        raise ValidationError(_("This person already has an open case."), code="open_case") from exc
    return case


def _case_checked(
    ctx: AccessContext,
    *,
    person: Person,
    responsible: Jurisdiction,
    co_managing: Jurisdiction | None,
    caseworker: User | None,
    opened_on: dt.date | None,
    pack_id: str | None,
    has_open: bool,
    earlier: str | None,
) -> Case:
    """The checks of ``case_open``, in its order, and the unsaved case. ``has_open``: the
    person has an open case; ``earlier``: the category of their latest earlier case."""
    township = person.township
    require(ctx.actor, Action.CASE_WORK, person)
    opened_on = opened_on or _today()
    _not_future("opened_on", opened_on)
    if co_managing is not None and co_managing.pk == responsible.pk:
        raise ValidationError(
            {"co_managing": _("The co-managing jurisdiction must differ from the responsible one.")}
        )
    if has_open:
        raise ValidationError(_("This person already has an open case."), code="open_case")
    pack_id = pack_id or settings.KANGFU_DEFAULT_POLICY_PACK
    get_pack(pack_id)  # an unknown pack fails here, not on the first measure
    return Case(
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


@dataclass(frozen=True)
class CaseOpening:
    """One case for ``case_open_many``: ``case_open``'s arguments."""

    person: Person
    responsible: Jurisdiction
    co_managing: Jurisdiction | None = None
    caseworker: User | None = None
    opened_on: dt.date | None = None
    pack_id: str | None = None


def case_open_many(*, actor: Actor, openings: list[CaseOpening]) -> list[Case]:
    """``case_open`` for many persons at once (the ledger import): the same checks in the
    same order, two queries for all the persons' earlier cases, bulk inserts of the cases
    and their timeline lines, and their audit events under one chain lock. Refused items
    raise ``core.batch.BatchRefused`` and nothing is written."""
    ctx = _ctx(actor)
    person_ids = [o.person.pk for o in openings]
    has_open = set(
        Case.objects.filter(person_id__in=person_ids, state=CaseState.OPEN).values_list(
            "person_id", flat=True
        )
    )
    earlier: dict[int, str] = {}
    for person_id, category in (
        Case.objects.filter(person_id__in=person_ids)
        .exclude(approved_category="")
        .order_by("person_id", "opened_on", "id")
        .values_list("person_id", "approved_category")
    ):
        earlier[person_id] = category  # the latest wins
    opening: set[int] = set()

    def check(o: CaseOpening) -> Case:
        case = _case_checked(
            ctx,
            person=o.person,
            responsible=o.responsible,
            co_managing=o.co_managing,
            caseworker=o.caseworker,
            opened_on=o.opened_on,
            pack_id=o.pack_id,
            has_open=o.person.pk in has_open or o.person.pk in opening,
            earlier=earlier.get(o.person.pk),
        )
        opening.add(o.person.pk)
        return case

    built = check_each(openings, check)
    with transaction.atomic():
        create_objects(built)
        _insert_events(
            _event_values(case, EventKind.CASE_OPENED, case.opened_on, ctx) for case in built
        )
        _audit_many(ctx, [(case, AuditAction.CREATE, ("case",)) for case in built])
    return built


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


def case_category_record_many(*, categories: dict[int, str]) -> int:
    """``case_category_record`` for many persons at once (``categories``: person id →
    category): one update per category, whatever the number of persons."""
    by_category: dict[str, list[int]] = {}
    for person_id, category in categories.items():
        by_category.setdefault(engine.Category(category).value, []).append(person_id)
    updated = 0
    for category, person_ids in by_category.items():
        for start in range(0, len(person_ids), BULK):
            updated += (
                Case.objects.filter(person_id__in=person_ids[start : start + BULK])
                .exclude(state=CaseState.SEALED)
                .update(approved_category=category, awaiting_reassessment=False)
            )
    return updated
