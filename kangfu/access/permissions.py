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

from django.http import Http404

from kangfu.access.choices import Role
from kangfu.access.scoping import grants_with


class Action:
    """What a user may do. The names are ``<object>.<verb>``."""

    PERSON_VIEW = "person.view"  # open a person's record (partners: only referred persons)
    PERSON_WRITE = "person.write"  # register a person, edit identity, print a portal code
    PERSON_HISTORY = "person.history"  # the record's access history, disclosures
    CASE_VIEW = "case.view"  # cases, measures, timeline, the schedule of a case
    CASE_WORK = "case.work"  # measures, agreements, leave, absences, tests, transfers
    CASE_KEEP_SEALED = "case.keep_sealed"  # sealed records: legal holds, identity purge
    # confirm or reject a proposed refusal, serious breach or relapse (never one whose facts
    # the officer entered: cases.services.findings.may_decide adds that rule)
    FINDING_DECIDE = "finding.decide"
    RISK_ASSESS = "risk.assess"  # start and answer assessments, answer review requests
    RISK_APPROVE = "risk.approve"  # approve or return another person's assessment
    DIRECTORY_MANAGE = "directory.manage"  # the support-service directory
    AUDIT_VIEW = "audit.view"  # the access log of a subtree
    BREAK_GLASS = "break_glass"  # emergency access to a record outside one's caseload
    ADMINISTER = "administer"  # accounts and grants (never case content)


R = Role
CASEWORKER, OFFICER, SUPERVISOR = R.CASEWORKER, R.TOWNSHIP_OFFICER, R.SUPERVISOR

# THE table: which roles may do each action, on records under the node of their grant.
PERMISSIONS: dict[str, frozenset[str]] = {
    Action.PERSON_VIEW: frozenset({CASEWORKER, OFFICER, SUPERVISOR, R.PARTNER}),
    Action.PERSON_WRITE: frozenset({CASEWORKER, OFFICER}),
    Action.PERSON_HISTORY: frozenset({CASEWORKER, OFFICER, SUPERVISOR}),
    Action.CASE_VIEW: frozenset({CASEWORKER, OFFICER, SUPERVISOR}),
    Action.CASE_WORK: frozenset({CASEWORKER, OFFICER}),
    Action.CASE_KEEP_SEALED: frozenset({R.RECORDS_OFFICER}),
    Action.FINDING_DECIDE: frozenset({OFFICER}),
    Action.RISK_ASSESS: frozenset({CASEWORKER, OFFICER, SUPERVISOR}),
    Action.RISK_APPROVE: frozenset({OFFICER, SUPERVISOR}),
    Action.DIRECTORY_MANAGE: frozenset({OFFICER, SUPERVISOR}),
    Action.AUDIT_VIEW: frozenset({SUPERVISOR}),
    Action.BREAK_GLASS: frozenset({R.EMERGENCY_ACCESS}),
    Action.ADMINISTER: frozenset({R.ADMINISTRATOR}),
}


def roles_for(action: str) -> frozenset[str]:
    """The roles the table gives ``action`` (a KeyError for an unknown action: a typo in an
    action name must fail loudly, never grant or deny silently)."""
    return PERMISSIONS[action]


def node_of(obj):
    """The jurisdiction node a record belongs to: the node itself, or the township of the
    person, case or other record it hangs off."""
    from kangfu.access.models import Jurisdiction

    seen = 0
    while not isinstance(obj, Jurisdiction):
        seen += 1
        if obj is None or seen > 4:
            raise TypeError("no jurisdiction for this record")
        for attribute in ("township", "jurisdiction", "case", "person", "to_township"):
            value = getattr(obj, attribute, None)
            if value is not None:
                obj = value
                break
        else:
            raise TypeError(f"no jurisdiction for {type(obj).__name__}")
    return obj


def may(user, action: str, obj=None) -> bool:
    """May ``user`` do ``action`` to ``obj`` (a record or a jurisdiction node)? Without an
    object: does the user hold the action anywhere (menus, list pages)?"""
    grants = grants_with(user, roles_for(action))
    if obj is None:
        return bool(grants)
    node = node_of(obj)
    return any(node.path.startswith(grant.jurisdiction.path) for grant in grants)


def may_any(user, actions: Iterable[str], obj=None) -> bool:
    return any(may(user, action, obj) for action in actions)


def require(user, action: str, obj=None) -> None:
    """``may`` or an exception: 404 when the record is outside everything the user can see
    (so it looks missing), 403 when the user sees it but may not do this to it."""
    if may(user, action, obj):
        return
    if obj is not None and not _sees(user, obj):
        raise Http404
    from django.core.exceptions import PermissionDenied

    raise PermissionDenied(action)


def _sees(user, obj) -> bool:
    return may(user, Action.PERSON_VIEW, obj) or may(user, Action.CASE_KEEP_SEALED, obj)
