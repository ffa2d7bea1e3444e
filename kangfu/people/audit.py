"""The audit events of reading persons, shared by the pages and the API so that a read
through either writes the same event (docs/confidentiality.md)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from kangfu.access.audit import AccessContext, audit_record
from kangfu.access.choices import AuditAction
from kangfu.access.permissions import Action, may
from kangfu.people import selectors
from kangfu.people.models import Person


def person_read_audit(*, ctx: AccessContext, person: Person, fields: Iterable[str]) -> None:
    """One ``read`` event naming the fields shown (never their values)."""
    audit_record(ctx=ctx, action=AuditAction.READ, obj=person, fields=fields)


def person_search_audit(
    *,
    ctx: AccessContext,
    search: selectors.PersonSearch,
    hits: Sequence[Person],
    total: int | None,
    page: int | str = 1,
) -> None:
    """One ``search`` event per list page shown: the kind of query and the number of hits,
    never the typed text or the names listed. An exact ID-number lookup that finds one
    person names that person, since it singles them out."""
    user = ctx.actor
    staff = may(user, Action.CASE_VIEW)
    columns = ("name", "sex", "birth_date", "township", "caseworker") if staff else ("name",)
    if selectors.is_id_query(search.query):
        kind = "id_number"
    elif search.query:
        kind = "name_prefix"
    else:
        kind = "browse"
    filters = [f for f in ("sex", "township", "mine") if getattr(search, f)]
    count = total if total is not None else len(hits)
    detail = f"query={kind} filters={','.join(filters) or '-'} hits={count} page={page}"
    obj = hits[0] if kind == "id_number" and len(hits) == 1 else None
    audit_record(
        ctx=ctx,
        action=AuditAction.SEARCH,
        obj=obj,
        fields=columns if hits else (),
        outside_caseload=obj is not None and obj.caseworker_id != user.pk,
        detail=detail,
    )
