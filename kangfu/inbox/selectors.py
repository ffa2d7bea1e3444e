"""The inbox: everything that waits on one user's decision, read from the apps below.

Each kind is one query (its rows bounded by what is pending, not by the registry), so the
page and the count in the navigation bar run a constant number of queries. No person's name
or ID is read here: an item names its kind, township and dates, and the page it links to
makes the audited read (docs/inbox.md).
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import CharField, Q, QuerySet, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kangfu.access.choices import AuditAction
from kangfu.access.models import AuditEvent
from kangfu.access.permissions import Action, grants_of, may, nodes_for
from kangfu.access.scoping import scope_filter
from kangfu.cases.choices import FindingState, LeaveState, TransferState
from kangfu.cases.models import Finding, LeaveRequest, Transfer
from kangfu.cases.services.findings import may_decide
from kangfu.core.db import prepared
from kangfu.risk.choices import AssessmentStatus
from kangfu.risk.models import Assessment
from kangfu.schedule.choices import DelegationState
from kangfu.schedule.models import DelegatedTestRequest

# The kinds, in the order the page shows them, with their headings.
KINDS: dict[str, object] = {
    "assessment": _("Assessments to approve"),
    "leave": _("Leave reports to decide"),
    "transfer": _("Transfers to accept or decline"),
    "finding": _("Proposed findings ready for decision"),
    "break_glass": _("Emergency accesses to review"),
    "delegated_test": _("Tests asked of your township"),
}


@dataclass(frozen=True)
class Item:
    kind: str
    ref: str  # the record's public id (or sequence number): stable, not a person's data
    since: dt.date  # waiting since
    due: dt.date | None  # decide by (None: the law sets no day)
    township: str
    url: str

    def days_left(self, on: dt.date) -> int | None:
        return None if self.due is None else (self.due - on).days


@dataclass(frozen=True)
class Group:
    kind: str
    title: object
    items: list[Item]


def _to_my_townships(user) -> Q | None:
    """Rows answered at a township under the user's case.work grants (the receiving side:
    a transfer or a delegated test waits on the township it is addressed to)."""
    return scope_filter(user, "to_township__path", Action.CASE_WORK)


def pending(user, on: dt.date) -> dict[str, QuerySet | None]:
    """What waits on ``user``, per kind, as bare querysets (None: the user decides no such
    thing). The page adds what it shows; the count unites them into one query."""
    found: dict[str, QuerySet | None] = dict.fromkeys(KINDS)
    if may(user, Action.RISK_APPROVE):
        found["assessment"] = (
            Assessment.objects.visible_to(user, Action.RISK_APPROVE)
            .filter(status=AssessmentStatus.SUBMITTED)
            .exclude(assessor=user)  # four eyes: never one's own
        )
    if may(user, Action.CASE_WORK):
        found["leave"] = (
            LeaveRequest.objects.visible_to(user, Action.CASE_WORK)
            .filter(state=LeaveState.PENDING)
            .exclude(case__state="sealed")
        )
    mine = _to_my_townships(user)
    if mine is not None:
        found["transfer"] = Transfer.objects.filter(mine, state=TransferState.PROPOSED)
        found["delegated_test"] = DelegatedTestRequest.objects.filter(
            mine, state=DelegationState.OPEN
        ).exclude(case__state="sealed")
    if may(user, Action.FINDING_DECIDE):
        found["finding"] = (
            Finding.objects.visible_to(user, Action.FINDING_DECIDE)
            .filter(state=FindingState.PROPOSED, notified_on__isnull=False)
            # Ready: the person explained, or the period to explain has run out.
            .filter(~Q(explanation="") | Q(explanation_due_on__lt=on))
            .exclude(recorded_by=user)
        )
    reviewed = nodes_for(user, Action.AUDIT_REVIEW)
    if reviewed:
        found["break_glass"] = (
            AuditEvent.objects.in_subtrees(sorted({n.path for n in reviewed}))
            .filter(action=AuditAction.BREAK_GLASS, review__isnull=True)
            .exclude(actor=user)  # nobody reviews their own emergency access
        )
    return found


def _decidable(user, findings) -> list[Finding]:
    # may_decide adds "entered none of its facts" (facts_by is a JSON list, read in Python).
    return [f for f in findings if may_decide(user, f)]


def inbox_for(*, user, on: dt.date | None = None) -> list[Group]:
    """The user's inbox, one group per kind that has something, oldest first in each: one
    query per kind the user decides, whatever the size of the registry."""
    on = on or timezone.localdate()
    qs = pending(user, on)
    found: dict[str, list[Item]] = {kind: [] for kind in KINDS}
    if qs["assessment"] is not None:
        rows = qs["assessment"].select_related("person__township").order_by("submitted_at", "id")
        found["assessment"] = [
            Item(
                "assessment",
                str(a.public_id),
                timezone.localdate(a.submitted_at or a.created_at),
                None,
                a.person.township.name,
                reverse("risk:assessment", args=[a.public_id]),
            )
            for a in rows.only("public_id", "submitted_at", "created_at", "person__township__name")
        ]
    if qs["leave"] is not None:
        rows = qs["leave"].select_related("case__township").order_by("submitted_on", "id")
        found["leave"] = [
            Item(
                "leave",
                str(leave.pk),
                leave.submitted_on,
                # Decided before the person leaves, or the report decides nothing.
                leave.leaves_on,
                leave.case.township.name,
                reverse("cases:case-detail", args=[leave.case.public_id]) + "#leave",
            )
            for leave in rows
        ]
    if qs["transfer"] is not None:
        # The township asking (the receiving one is the user's own).
        rows = qs["transfer"].select_related("from_township").order_by("proposed_on", "id")
        found["transfer"] = [
            Item(
                "transfer",
                str(t.public_id),
                t.proposed_on,
                None,
                t.from_township.name,
                reverse("cases:transfer-detail", args=[t.public_id]),
            )
            for t in rows
        ]
    if qs["finding"] is not None:
        rows = qs["finding"].select_related("case__township").order_by("notified_on", "id")
        found["finding"] = [
            Item(
                "finding",
                str(f.pk),
                f.explained_on or f.explanation_due_on or f.notified_on,
                None,
                f.case.township.name,
                reverse("cases:case-detail", args=[f.case.public_id]) + f"#finding-{f.pk}",
            )
            for f in _decidable(user, rows)
        ]
    if qs["break_glass"] is not None:
        rows = qs["break_glass"].only("seq", "local_date", "jurisdiction").order_by("seq")
        found["break_glass"] = [
            Item(
                "break_glass",
                str(e.seq),
                e.local_date,
                None,
                e.jurisdiction,
                reverse("people:audit-review", args=[e.seq]),
            )
            for e in rows
        ]
    if qs["delegated_test"] is not None:
        rows = qs["delegated_test"].select_related("from_township").order_by("requested_on", "id")
        found["delegated_test"] = [
            Item(
                "delegated_test",
                str(r.public_id),
                r.requested_on,
                r.due_by,
                r.from_township.name,
                reverse("schedule:delegation-detail", args=[r.public_id]),
            )
            for r in rows
        ]
    return [Group(kind, KINDS[kind], found[kind]) for kind in KINDS if found[kind]]


# The count's statement per user, grants and day, compiled once per process (the navigation
# bar shows it on every page, and building the union through the ORM cost more than running
# it). Only SQL text and parameters are kept, never a row; bounded, least recently used out.
_COUNT_SQL: OrderedDict[tuple, tuple[str, tuple] | None] = OrderedDict()
_COUNT_SQL_KEPT = 1024


def _count_key(user, on: dt.date) -> tuple:
    """Everything ``pending`` depends on: the user, each grant's role, node and department
    (the scope filters are built from them), and the day (readiness of findings)."""
    grants = sorted(
        (g.pk, g.role, g.jurisdiction.path if g.jurisdiction_id else "", g.department_id or 0)
        for g in grants_of(user)
    )
    return (connection.alias, user.pk, tuple(grants), on)


def _count_sql(user, on: dt.date) -> tuple[str, tuple] | None:
    key = _count_key(user, on)
    if key in _COUNT_SQL:
        _COUNT_SQL.move_to_end(key)
        return _COUNT_SQL[key]
    parts = [
        q.order_by().annotate(k=Value(kind, output_field=CharField())).values_list("k", "pk")
        for kind, q in pending(user, on).items()
        if q is not None
    ]
    compiled = None  # nothing the user decides, or every part was .none()
    if parts:
        united = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        try:
            sql, params = united.query.sql_with_params()
            compiled = (sql, tuple(params))
        except EmptyResultSet:
            pass
    _COUNT_SQL[key] = compiled
    if len(_COUNT_SQL) > _COUNT_SQL_KEPT:
        _COUNT_SQL.popitem(last=False)
    return compiled


def inbox_count(*, user, on: dt.date | None = None) -> int:
    """How many items wait on ``user``: one UNION query over every kind (plus one when
    proposed findings are among them, to apply may_decide), for the navigation bar."""
    on = on or timezone.localdate()
    compiled = _count_sql(user, on)
    if compiled is None:
        return 0
    # The pending items of one user's nodes: few rows whatever the node (kangfu.core.db).
    with prepared(), connection.cursor() as cursor:
        cursor.execute(*compiled)
        rows = cursor.fetchall()
    findings = [pk for kind, pk in rows if kind == "finding"]
    others = len(rows) - len(findings)
    if findings:
        others += len(
            _decidable(
                user, Finding.objects.filter(pk__in=findings).select_related("case__township")
            )
        )
    return others
