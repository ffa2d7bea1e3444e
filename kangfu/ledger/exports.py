"""Excel exports of the person list and the caseload: only the fields the user's role may
see, and every export accounted for in each exported person's access record.

An export takes data out of Kangfu's access control, so it is treated like a disclosure:
the user states why (a purpose is required, as for opening a record outside one's
caseload); every exported person gets an ``export`` audit event naming the user, the time,
the purpose and the fields (never values), in the same transaction that builds the file;
and the file's first line names the user, the time and the duty of confidentiality
(戒毒条例 art. 7). No file is returned unless every event was written.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from kangfu.access.audit import AccessContext, audit_record
from kangfu.access.choices import AccessPurpose, AuditAction
from kangfu.cases.models import Case
from kangfu.people.models import Person
from kangfu.people.selectors import FULL_FIELDS, visible_fields
from kangfu.risk.choices import RiskCategory

# Larger lists must be narrowed by the filters first: an export is for a working list.
MAX_EXPORT = 10_000


def _header_line(ctx: AccessContext) -> str:
    user = ctx.actor
    when = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    purpose = AccessPurpose(ctx.purpose).label
    if ctx.purpose_note:
        purpose = f"{purpose}（{ctx.purpose_note}）"
    return _(
        "Exported by %(name)s (%(user)s) at %(when)s for: %(purpose)s. Confidential: the "
        "personal information of persons in drug treatment must be kept confidential by law "
        "(Drug Rehabilitation Regulations art. 7); do not pass this file on."
    ) % {
        "name": getattr(user, "display_name", "") or user.get_username(),
        "user": user.get_username(),
        "when": when,
        "purpose": purpose,
    }


def _label(name: str) -> str:
    return str(Person._meta.get_field(name).verbose_name)


def _value(person: Person, name: str):
    if name == "sex":
        return person.get_sex_display()
    value = getattr(person, name)
    if value is None:
        return ""
    if name in ("township", "caseworker"):
        return str(value)
    return value


def _require_purpose(ctx: AccessContext) -> None:
    if ctx.purpose in (AccessPurpose.CASELOAD, AccessPurpose.SYSTEM, ""):
        raise ValidationError({"purpose": _("Say why the list is exported.")})
    if ctx.purpose == AccessPurpose.OTHER and not ctx.purpose_note.strip():
        raise ValidationError({"note": _("Explain the purpose of access.")})


def _book(ctx: AccessContext, title: str, header: list[str]):
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    line = WriteOnlyCell(sheet, value=_header_line(ctx))
    line.font = Font(bold=True)
    sheet.append([line])
    sheet.append([WriteOnlyCell(sheet, value=h) for h in header])
    return book, sheet


def _save(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _too_many(count: int) -> None:
    if count > MAX_EXPORT:
        raise ValidationError(
            _("%(n)d persons match; narrow the filters to at most %(max)d to export.")
            % {"n": count, "max": MAX_EXPORT}
        )


def persons_export(*, ctx: AccessContext, persons: Iterable[Person]) -> bytes:
    """The person list as an .xlsx: a column for each field any exported person shows the
    user, each cell empty where this person's field is not the user's to see."""
    _require_purpose(ctx)
    persons = list(persons)
    _too_many(len(persons))
    shown = [(p, visible_fields(user=ctx.actor, person=p)) for p in persons]
    columns = [f for f in FULL_FIELDS if any(f in fields for _p, fields in shown)]
    book, sheet = _book(ctx, _("People"), [_label(f) for f in columns])
    with transaction.atomic():
        for person, fields in shown:
            sheet.append([_value(person, f) if f in fields else "" for f in columns])
            audit_record(ctx=ctx, action=AuditAction.EXPORT, obj=person, fields=fields)
        return _save(book)


CASE_COLUMNS = (
    "measure",
    "measure_state",
    "starts_on",
    "ends_on",
    "category",
    "next_due",
    "days_overdue",
    "opened_on",
)
_CATEGORY = dict(RiskCategory.choices)


def caseload_export(*, ctx: AccessContext, cases: Iterable[Case], on: dt.date) -> bytes:
    """The caseload as an .xlsx: the person's visible fields, then the case's columns as the
    caseload shows them on ``on`` (the caseload is staff-only, so case content is theirs to
    see): the live measure and its state, its dates, the category, the next planned item
    and how many days the oldest planned one is overdue."""
    _require_purpose(ctx)
    cases = list(cases)
    _too_many(len(cases))
    shown = [(c, visible_fields(user=ctx.actor, person=c.person)) for c in cases]
    columns = [f for f in FULL_FIELDS if any(f in fields for _c, fields in shown)]
    headers = [_label(f) for f in columns] + [
        _("Measure"),
        _("Measure state"),
        _("Starts"),
        _("Ends"),
        _("Risk category"),
        _("Next due"),
        _("Days overdue"),
        _("Case opened"),
    ]
    book, sheet = _book(ctx, _("Caseload"), headers)
    with transaction.atomic():
        for case, fields in shown:
            live = getattr(case, "live_measures", None)
            measure = live[0] if live else None
            since = getattr(case, "overdue_since", None)
            sheet.append(
                [_value(case.person, f) if f in fields else "" for f in columns]
                + [
                    measure.get_kind_display() if measure else "",
                    measure.get_state_display() if measure else "",
                    measure.starts_on if measure and measure.starts_on else "",
                    measure.ends_on if measure and measure.ends_on else "",
                    str(_CATEGORY.get(getattr(case, "category", None), "")),
                    getattr(case, "next_due_on", None) or "",
                    (on - since).days if since else "",
                    case.opened_on,
                ]
            )
            audit_record(
                ctx=ctx,
                action=AuditAction.EXPORT,
                obj=case.person,
                fields=(*fields, "case", "measure", "risk_category"),
            )
        return _save(book)
