"""The permission policy: one role/action table, two questions (DESIGN.md "Permission policy").

*Which records may this user see?* — ``Model.objects.visible_to(user, action)`` (scoping.py),
filtered in the database.
*May this user do this to this record?* — ``may(user, action, obj)``; ``require(...)`` raises
``Http404`` for a record out of the user's sight (it looks exactly like a missing one) and
``PermissionDenied`` (403) for one the user sees but whose role may not do this.

A grant covers its node's whole subtree (Wagtail's collection permission policy). Nothing
else in Kangfu re-types "does a grant of these roles cover that township": views, services,
templates and the API ask this module. docs/access.md shows the table.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.http import Http404

from kangfu.access.choices import Role
from kangfu.core.db import prepared


class Action:
    """What a user may do. The names are ``<object>.<verb>``."""

    PERSON_VIEW = "person.view"  # open a person's record (partners: only referred persons)
    PERSON_WRITE = "person.write"  # register a person, edit identity, print a portal code
    PERSON_HISTORY = "person.history"  # the record's access history, disclosures
    PERSON_DISCLOSE = "person.disclose"  # account for data given to another organisation
    CASE_VIEW = "case.view"  # cases, measures, timeline, the schedule, the risk category
    CASE_WORK = "case.work"  # measures, agreements, leave, absences, tests, transfers
    CASELOAD_HOLD = "caseload.hold"  # be a person's caseworker, have a caseload of one's own
    CASE_KEEP_SEALED = "case.keep_sealed"  # sealed records: legal holds, identity purge
    # confirm or reject a proposed refusal, serious breach or relapse (never one whose facts
    # the officer entered: cases.services.findings.may_decide adds that rule)
    FINDING_DECIDE = "finding.decide"
    DOCUMENT_VIEW = "document.view"  # open, download and preview a case's attached files
    DOCUMENT_UPLOAD = "document.upload"  # attach a file to a case, withdraw one
    LEDGER_IMPORT = "ledger.import"  # bring an office's Excel ledger (台账) into Kangfu
    STATISTICS_VIEW = "statistics.view"  # the figures of a subtree (never persons)
    STATISTICS_RAW = "statistics.raw"  # a township's own figures unsuppressed, at that township
    RISK_ASSESS = "risk.assess"  # start and answer assessments, answer review requests
    RISK_APPROVE = "risk.approve"  # approve or return another person's assessment
    DIRECTORY_MANAGE = "directory.manage"  # the support-service directory
    AUDIT_VIEW = "audit.view"  # the access log of a subtree
    AUDIT_REVIEW = "audit.review"  # review someone else's emergency access
    BREAK_GLASS = "break_glass"  # emergency access to a record outside one's caseload
    ADMINISTER = "administer"  # accounts and grants (never case content)
    # record a visit or interview (走访、谈话), its follow-up tasks, withdraw one entered by
    # mistake; the visit list itself (date, place, who was there) is CASE_VIEW
    VISIT_RECORD = "visit.record"
    # read a visit's note and follow-up tasks: the case's own front-line staff only, never a
    # supervisor or partner (docs/visits.md); every read is audited
    VISIT_NOTE_VIEW = "visit.note_view"


R = Role
CASEWORKER, OFFICER, SUPERVISOR = R.CASEWORKER, R.TOWNSHIP_OFFICER, R.SUPERVISOR
CASE_STAFF = frozenset({CASEWORKER, OFFICER, SUPERVISOR})
FRONT_LINE = frozenset({CASEWORKER, OFFICER})

# THE table: which roles may do each action, on records under the node of their grant.
PERMISSIONS: dict[str, frozenset[str]] = {
    Action.PERSON_VIEW: CASE_STAFF | {R.PARTNER},
    Action.PERSON_WRITE: FRONT_LINE,
    Action.PERSON_HISTORY: CASE_STAFF,
    Action.PERSON_DISCLOSE: CASE_STAFF,
    Action.CASE_VIEW: CASE_STAFF,
    Action.CASE_WORK: FRONT_LINE,
    Action.CASELOAD_HOLD: frozenset({CASEWORKER}),
    Action.CASE_KEEP_SEALED: frozenset({R.RECORDS_OFFICER}),
    Action.FINDING_DECIDE: frozenset({OFFICER}),
    # Scans and photos are case content: case staff only, never partners (docs/documents.md).
    Action.DOCUMENT_VIEW: CASE_STAFF,
    Action.DOCUMENT_UPLOAD: FRONT_LINE,
    Action.LEDGER_IMPORT: frozenset({OFFICER}),
    Action.STATISTICS_VIEW: CASE_STAFF,
    Action.STATISTICS_RAW: FRONT_LINE,
    Action.RISK_ASSESS: CASE_STAFF,
    Action.RISK_APPROVE: frozenset({OFFICER, SUPERVISOR}),
    Action.DIRECTORY_MANAGE: frozenset({OFFICER, SUPERVISOR}),
    Action.AUDIT_VIEW: frozenset({SUPERVISOR}),
    Action.AUDIT_REVIEW: frozenset({SUPERVISOR}),
    Action.BREAK_GLASS: frozenset({R.EMERGENCY_ACCESS}),
    Action.ADMINISTER: frozenset({R.ADMINISTRATOR}),
    Action.VISIT_RECORD: FRONT_LINE,
    Action.VISIT_NOTE_VIEW: FRONT_LINE,
}

# Roles whose grant opens no subtree (see nodes_for).
NO_SUBTREE = frozenset({R.PARTNER})

# Four eyes: actions nobody may do to a record they made themselves, with the attribute
# naming its author (an assessor does not approve their own assessment; whoever opened a
# record in an emergency does not review that opening).
NOT_BY_AUTHOR: dict[str, str] = {
    Action.RISK_APPROVE: "assessor_id",
    Action.AUDIT_REVIEW: "actor_id",
}


# Actions that change a record, refused on a record that is read-only (``read_only`` true on
# it or on the case it hangs off: a sealed case, docs/cases.md). Its keeper still acts on it.
CHANGES_RECORD = frozenset({Action.CASE_WORK, Action.DOCUMENT_UPLOAD, Action.VISIT_RECORD})


def roles_for(action: str) -> frozenset[str]:
    """The roles the table gives ``action`` (a KeyError for an unknown action: a typo in an
    action name must fail loudly, never grant or deny silently)."""
    return PERMISSIONS[action]


def grants_of(user) -> list:
    """The user's grants with their nodes, loaded once per request object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_kangfu_grants", None)
    if cached is None:
        with prepared():  # one user's rows (kangfu.core.db)
            cached = list(user.grants.select_related("jurisdiction", "department"))
        user._kangfu_grants = cached
    return cached


def grants_with(user, roles: Iterable[str]) -> list:
    """The user's grants for ``roles``: for the policy itself, and for the data a grant
    carries (a partner's department, a supervisor's subtree), never as a check."""
    wanted = set(roles)
    return [grant for grant in grants_of(user) if grant.role in wanted]


def _by_action(user, action: str) -> tuple[list, list]:
    """(the grants for ``action``, the nodes they open), worked out once per action for the
    grants ``grants_of`` loaded: a page asks ``may`` dozens of times, an import per row."""
    grants = grants_of(user)
    memo = getattr(user, "_kangfu_by_action", None)
    if memo is None or memo[0] is not grants:
        # Worked out again whenever the grants are loaded again (a new request's user).
        memo = (grants, {})
        if grants:
            user._kangfu_by_action = memo
    found = memo[1].get(action)
    if found is None:
        roles = roles_for(action)
        held = [grant for grant in grants if grant.role in roles]
        nodes = [grant.jurisdiction for grant in held if grant.role not in NO_SUBTREE]
        found = memo[1][action] = (held, nodes)
    return found


def nodes_for(user, action: str) -> list:
    """The nodes whose subtrees the user's grants open for ``action``: data (a subtree to
    query, the nodes a directory hangs off), not a check — ask ``may`` for that. A partner's
    grant opens no subtree: a partner reaches only what is addressed to its department
    (``Person.objects.visible_to`` asks the referrals app for those persons)."""
    return list(_by_action(user, action)[1])


def partner_departments(user) -> dict:
    """The departments (id → Department) the user is a partner officer of: a partner sees
    what is addressed to its department, wherever its grant sits."""
    return {g.department_id: g.department for g in grants_with(user, (R.PARTNER,))}


# Links followed from a record to the jurisdiction it belongs to, in this order.
_LINKS = ("township", "jurisdiction", "case", "person", "assessment", "to_township")


def node_of(obj):
    """The jurisdiction node a record belongs to: the node itself, or the township of the
    person, case or other record it hangs off."""
    from kangfu.access.models import Jurisdiction

    seen = 0
    while not isinstance(obj, Jurisdiction):
        seen += 1
        if obj is None or seen > 5:
            raise TypeError("no jurisdiction for this record")
        for attribute in _LINKS:
            value = getattr(obj, attribute, None)
            if value is not None:
                obj = value
                break
        else:
            raise TypeError(f"no jurisdiction for {type(obj).__name__}")
    return obj


def _read_only(obj) -> bool:
    while obj is not None:
        if getattr(obj, "read_only", False) is True:
            return True
        obj = getattr(obj, "case", None)
    return False


def _path_of(obj) -> str:
    # An audit event records the path of its record's node rather than a link to it.
    path = getattr(obj, "scope_path", None)
    return path if isinstance(path, str) else node_of(obj).path


def may(user, action: str, obj=None, *, at=None) -> bool:
    """May ``user`` do ``action`` to ``obj`` (a record or a jurisdiction node)? Without an
    object: does the user hold the action anywhere (menus, list pages)? ``at`` names the
    node the act happens at when it is not the record's own (a transfer is answered at the
    receiving township)."""
    grants, nodes = _by_action(user, action)
    if not grants or (obj is None and at is None):
        return bool(grants)
    author = NOT_BY_AUTHOR.get(action)
    if author and obj is not None and getattr(obj, author, None) == user.pk:
        return False
    if action in CHANGES_RECORD and _read_only(obj):
        return False
    path = _path_of(obj if at is None else at)
    return any(path.startswith(node.path) for node in nodes)


def may_any(user, actions: Iterable[str], obj=None) -> bool:
    return any(may(user, action, obj) for action in actions)


def require(user, action: str, obj=None, *, at=None) -> None:
    """``may`` or an exception: 404 when the record is outside everything the user can see
    (so it looks missing), 403 when the user sees it but may not do this to it."""
    if may(user, action, obj, at=at):
        return
    if obj is not None and not _sees(user, obj):
        raise Http404
    raise PermissionDenied(action)


def _sees(user, obj) -> bool:
    return may_any(user, (Action.PERSON_VIEW, Action.CASE_KEEP_SEALED), obj)
