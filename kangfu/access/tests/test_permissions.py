"""The permission policy: the table pinned, and may/require per role (404 vs 403)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from conftest import make_user
from kangfu.access.choices import Role
from kangfu.access.permissions import PERMISSIONS, Action, may, node_of, require, roles_for

CW, OFF, SUP, PAR = "caseworker", "township_officer", "supervisor", "partner"

# The table as it stands: a change of who may do what must show here as a diff.
EXPECTED = {
    "person.view": {CW, OFF, SUP, PAR},
    "person.write": {CW, OFF},
    "person.history": {CW, OFF, SUP},
    "person.disclose": {CW, OFF, SUP},
    "case.view": {CW, OFF, SUP},
    "case.work": {CW, OFF},
    "caseload.hold": {CW},
    "case.keep_sealed": {"records_officer"},
    "finding.decide": {OFF},
    "document.view": {CW, OFF, SUP},
    "document.upload": {CW, OFF},
    "ledger.import": {OFF},
    "statistics.view": {CW, OFF, SUP},
    "statistics.raw": {CW, OFF},
    "risk.assess": {CW, OFF, SUP},
    "risk.approve": {OFF, SUP},
    "directory.manage": {OFF, SUP},
    "audit.view": {SUP},
    "audit.review": {SUP},
    "break_glass": {"emergency_access"},
    "administer": {"administrator"},
    "visit.record": {CW, OFF},
    "visit.note_view": {CW, OFF},
}


def test_it_pins_the_role_action_table():
    assert {action: set(roles) for action, roles in PERMISSIONS.items()} == EXPECTED


def test_it_names_every_action_in_the_table_and_refuses_an_unknown_one():
    declared = {v for k, v in vars(Action).items() if k.isupper()}
    assert declared == set(PERMISSIONS)
    assert all(set(roles) <= set(Role.values) for roles in PERMISSIONS.values())
    with pytest.raises(KeyError):
        roles_for("case.wrok")


def test_it_gives_the_administrator_no_case_content():
    for action, roles in PERMISSIONS.items():
        assert (Role.ADMINISTRATOR in roles) == (action == Action.ADMINISTER)


@pytest.fixture
def keeper(tree):
    return SimpleNamespace(
        records=make_user("records", Role.RECORDS_OFFICER, tree.county),
        emergency=make_user("emergency", Role.EMERGENCY_ACCESS, tree.county),
    )


def test_it_answers_may_per_role_over_the_subtree(personas, people, keeper):
    in_a, in_b = people.in_a, people.in_b
    assert may(personas.worker_a, Action.CASE_WORK, in_a)
    assert not may(personas.worker_a, Action.CASE_WORK, in_b)
    assert may(personas.supervisor, Action.CASE_VIEW, in_b)  # the county covers B
    assert not may(personas.supervisor, Action.CASE_WORK, in_a)
    assert may(personas.officer_a, Action.RISK_APPROVE, in_a)
    assert not may(personas.worker_a, Action.RISK_APPROVE, in_a)
    assert may(keeper.records, Action.CASE_KEEP_SEALED, in_b)
    assert not may(keeper.records, Action.CASE_VIEW, in_b)
    for action in set(PERMISSIONS) - {Action.ADMINISTER}:
        assert not may(personas.admin, action, in_a)
    for action in PERMISSIONS:
        assert not may(personas.nobody, action)


def test_it_answers_may_without_a_record_for_menus(personas):
    assert may(personas.worker_a, Action.CASELOAD_HOLD)
    assert not may(personas.officer_a, Action.CASELOAD_HOLD)
    assert may(personas.supervisor, Action.AUDIT_VIEW)
    assert not may(personas.worker_a, Action.AUDIT_VIEW)
    assert may(personas.civil, Action.PERSON_VIEW)
    assert not may(personas.civil, Action.CASE_VIEW)


def test_it_opens_no_subtree_to_a_partner_grant(personas, people):
    # The civil-affairs officer's grant sits on the county, yet it opens exactly the persons
    # referred to the department (none here), never the county's persons.
    assert not may(personas.civil, Action.PERSON_VIEW, people.in_a)
    with pytest.raises(Http404):
        require(personas.civil, Action.PERSON_VIEW, people.in_a)


def test_it_requires_with_404_out_of_sight_and_403_in_sight(personas, people):
    require(personas.worker_a, Action.PERSON_WRITE, people.in_a)
    with pytest.raises(Http404):  # township B's record looks missing to A
        require(personas.worker_a, Action.PERSON_WRITE, people.in_b)
    with pytest.raises(PermissionDenied):  # the supervisor sees it, but edits nothing
        require(personas.supervisor, Action.PERSON_WRITE, people.in_b)
    with pytest.raises(PermissionDenied):  # no record: a page the user has no role for
        require(personas.admin, Action.CASE_VIEW)


def test_it_refuses_own_approval_and_case_work_on_a_sealed_case(personas, people, tree):
    officer = personas.officer_a
    assessment = SimpleNamespace(assessor_id=officer.pk, person=people.in_a)
    assert not may(officer, Action.RISK_APPROVE, assessment)
    assert may(personas.supervisor, Action.RISK_APPROVE, assessment)
    sealed = SimpleNamespace(read_only=True, township=tree.a)
    child = SimpleNamespace(case=sealed)
    assert not may(personas.worker_a, Action.CASE_WORK, sealed)
    assert not may(personas.worker_a, Action.CASE_WORK, child)
    with pytest.raises(PermissionDenied):  # seen, and sealed: read-only
        require(personas.worker_a, Action.CASE_WORK, child)
    assert may(personas.worker_a, Action.CASE_VIEW, sealed)


def test_it_lets_no_one_review_their_own_emergency_access(personas, tree):
    other = make_user("supervisor_2", Role.SUPERVISOR, tree.county)
    event = SimpleNamespace(actor_id=personas.supervisor.pk, scope_path=tree.a.path)
    assert not may(personas.supervisor, Action.AUDIT_REVIEW, event)
    assert may(other, Action.AUDIT_REVIEW, event)
    elsewhere = SimpleNamespace(actor_id=None, scope_path=tree.c.path)
    assert not may(other, Action.AUDIT_REVIEW, elsewhere)


def test_it_checks_an_act_at_another_node_when_told(personas, people, tree):
    # A transfer is answered at the receiving township: the sender sees it (403), the
    # receiver may act, a third township does not even see it (404).
    transfer = SimpleNamespace(case=SimpleNamespace(township=tree.a))
    require(personas.worker_b, Action.CASE_WORK, transfer, at=tree.b)
    with pytest.raises(PermissionDenied):
        require(personas.worker_a, Action.CASE_WORK, transfer, at=tree.b)
    outsider = make_user("worker_c", Role.CASEWORKER, tree.c)
    with pytest.raises(Http404):
        require(outsider, Action.CASE_WORK, transfer, at=tree.b)


def test_it_finds_the_node_of_a_record(people, tree):
    assert node_of(tree.a) == tree.a
    assert node_of(people.in_a) == tree.a
    assert node_of(SimpleNamespace(assessment=SimpleNamespace(person=people.in_b))) == tree.b
    with pytest.raises(TypeError):
        node_of(SimpleNamespace())
