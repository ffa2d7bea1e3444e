"""The audit event of reading a case, shared by the case page and the API."""

from __future__ import annotations

from collections.abc import Iterable

from kangfu.access.audit import AccessContext, AuditEntry, audit_record, audit_record_many
from kangfu.access.choices import AuditAction
from kangfu.cases.models import Case

# What a case read shows of the person's record (names of parts, never values).
CASE_READ_FIELDS = ("name", "case", "measures", "agreements", "leave", "absences", "timeline")


def case_work_audit(*, ctx: AccessContext, case: Case, action: str, fields: Iterable[str]) -> None:
    """An event on the *person's* record for work on their case (cases, schedule,
    referrals), so the person's access history shows it. The case's township is the
    record's scope (the person's too: they move together)."""
    person = case.person
    person.township = case.township
    audit_record(ctx=ctx, action=action, obj=person, fields=fields)


def case_work_audit_many(
    *, ctx: AccessContext, items: Iterable[tuple[Case, str, Iterable[str]]]
) -> None:
    """``case_work_audit`` for many (case, action, fields) at once, under one chain lock."""
    entries = []
    for case, action, fields in items:
        person = case.person
        person.township = case.township
        entries.append(AuditEntry(action, person, fields))
    audit_record_many(ctx=ctx, entries=entries)


def case_read_audit(*, ctx: AccessContext, case: Case) -> None:
    audit_record(ctx=ctx, action=AuditAction.READ, obj=case.person, fields=CASE_READ_FIELDS)


def caseload_search_audit(
    *, ctx: AccessContext, mine: bool, shown: int, total: int | None, page: int | str = 1
) -> None:
    """One search event per caseload page shown: how many, never the names (as the person
    list does)."""
    count = total if total is not None else shown
    audit_record(
        ctx=ctx,
        action=AuditAction.SEARCH,
        fields=("name", "measure", "state") if shown else (),
        outside_caseload=False,
        detail=f"query=caseload mine={int(mine)} hits={count} page={page}",
    )
