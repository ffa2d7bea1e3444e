"""The inbox: each kind appears for the user who decides it, and leaves once decided."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from conftest import make_user, sign_in
from kangfu.access.audit import AccessContext
from kangfu.access.choices import AuditAction, Role
from kangfu.access.models import AuditEvent
from kangfu.access.services import break_glass_review
from kangfu.cases import services as cases
from kangfu.cases.tests.conftest import day, decide, open_case
from kangfu.inbox.selectors import inbox_count, inbox_for
from kangfu.people.services import person_break_glass
from kangfu.risk import services as risk
from kangfu.risk.tests.conftest import assess
from kangfu.schedule import services as schedule

pytestmark = pytest.mark.django_db

NOW = "2024-06-30 10:00 +0800"


def _active(worker, person):
    with time_machine.travel("2024-01-31 10:00 +0800", tick=False):
        case = open_case(worker, person)
        measure = decide(worker, case, received="2024-01-25")
        cases.measure_report(actor=worker, measure=measure, reported_on=day("2024-01-31"))
    return case


def kinds(user) -> dict[str, list[str]]:
    return {g.kind: [i.ref for i in g.items] for g in inbox_for(user=user, on=day("2024-06-30"))}


@pytest.fixture
def waiting(personas, people, tree):
    """One item of every kind, all waiting in 城东街道 (A) or on its supervisor."""
    case_a = _active(personas.worker_a, people.in_a)
    case_b = _active(personas.worker_b, people.in_b)
    for first, last in [("2024-02-05", "2024-02-08"), ("2024-03-05", "2024-03-08")]:
        cases.absence_record(
            actor=personas.worker_a, case=case_a, first_day=day(first), last_day=day(last)
        )
    cases.absence_record(
        actor=personas.worker_a,
        case=case_a,
        first_day=day("2024-04-05"),
        last_day=day("2024-04-08"),
    )
    finding = case_a.findings.get()
    with time_machine.travel(NOW, tick=False):
        cases.finding_notify(
            actor=personas.worker_a, finding=finding, notified_on=day("2024-06-28")
        )
        cases.finding_explain(
            actor=personas.worker_a, finding=finding, text="本人称外出为照顾母亲。"
        )
        leave = cases.leave_request_record(
            actor=personas.worker_a,
            case=case_a,
            submitted_on=day("2024-06-30"),
            leaves_on=day("2024-07-05"),
            returns_on=day("2024-07-10"),
            destination_county="贵州省遵义市红花岗区",
            reason="探望生病的母亲",
        )
        assessment = assess(personas.worker_a, people.in_a)
        delegated = schedule.delegation_request(
            actor=personas.worker_b,
            case=case_b,
            to_township=tree.a,
            sample="urine",
            due_by=day("2024-07-03"),
        )
        transfer = cases.transfer_propose(
            actor=personas.worker_b, case=case_b, to_township=tree.a, reason="residence"
        )
        emergency = make_user("emergency", Role.EMERGENCY_ACCESS, tree.county)
        person_break_glass(
            actor=AccessContext.of(emergency),
            id_number=people.in_a.id_number,
            reason="急救中心来电核实身份，需查看联系人",
        )
    event = AuditEvent.objects.get(action=AuditAction.BREAK_GLASS)
    return dict(
        finding=finding,
        leave=leave,
        assessment=assessment,
        delegated=delegated,
        transfer=transfer,
        event=event,
    )


def test_it_shows_each_kind_to_whoever_decides_it(personas, waiting):
    w = waiting
    assert kinds(personas.officer_a) == {
        "assessment": [str(w["assessment"].public_id)],
        "leave": [str(w["leave"].pk)],
        "transfer": [str(w["transfer"].public_id)],
        "finding": [str(w["finding"].pk)],
        "delegated_test": [str(w["delegated"].public_id)],
    }
    # The supervisor approves assessments and reviews emergency accesses; decides no leave.
    assert kinds(personas.supervisor) == {
        "assessment": [str(w["assessment"].public_id)],
        "break_glass": [str(w["event"].seq)],
    }
    # The caseworker who entered the facts and made the assessment decides neither.
    assert set(kinds(personas.worker_a)) == {"leave", "transfer", "delegated_test"}
    # The sending township waits on nobody's decision but A's.
    assert kinds(personas.worker_b) == {}
    # The count in the bar is the same figure, in one query (two with findings among them).
    on = day("2024-06-30")
    assert [inbox_count(user=u, on=on) for u in (personas.officer_a, personas.supervisor)] == [5, 2]
    assert inbox_count(user=personas.worker_a, on=on) == 3


def test_it_clears_each_kind_when_acted_on(personas, waiting):
    w, officer = waiting, personas.officer_a
    with time_machine.travel(NOW, tick=False):
        risk.assessment_approve(actor=officer, assessment=w["assessment"])
        cases.leave_decide(actor=officer, leave=w["leave"], approve=True)
        cases.finding_decide(
            actor=officer, finding=w["finding"], confirm=False, reason="有住院证明，不予认定"
        )
        schedule.delegation_decline(actor=officer, request=w["delegated"], reason="本人已离职")
        cases.transfer_decline(actor=officer, transfer=w["transfer"], reason="查无此人居住")
        break_glass_review(ctx=AccessContext.of(personas.supervisor), event=w["event"])
    assert kinds(officer) == {}
    assert kinds(personas.supervisor) == {}
    assert inbox_count(user=officer) == inbox_count(user=personas.supervisor) == 0


def test_it_waits_for_the_explanation_period_before_offering_a_finding(personas, people):
    case = _active(personas.worker_a, people.in_a)
    for first, last in [
        ("2024-02-05", "2024-02-08"),
        ("2024-03-05", "2024-03-08"),
        ("2024-04-05", "2024-04-08"),
    ]:
        cases.absence_record(
            actor=personas.worker_a, case=case, first_day=day(first), last_day=day(last)
        )
    finding = case.findings.get()
    assert "finding" not in kinds(personas.officer_a)  # the person was not told yet
    with time_machine.travel(NOW, tick=False):
        cases.finding_notify(
            actor=personas.worker_a, finding=finding, notified_on=day("2024-06-28")
        )
    finding.refresh_from_db()
    assert "finding" not in kinds(personas.officer_a)  # may still explain
    after = finding.explanation_due_on + dt.timedelta(days=1)
    groups = inbox_for(user=personas.officer_a, on=after)
    assert [g.kind for g in groups] == ["finding"]


@time_machine.travel(NOW, tick=False)
def test_it_lists_the_inbox_with_a_count_in_the_bar(client, personas, waiting):
    sign_in(client, personas.officer_a)
    page = client.get("/inbox/").content.decode()
    for kind in ("assessment", "leave", "transfer", "finding", "delegated_test"):
        assert f'id="inbox-{kind}"' in page
    assert 'id="inbox-break_glass"' not in page
    assert '<span class="count"' in page and 'id="nav-inbox"' in page
    assert f'href="/risk/a/{waiting["assessment"].public_id}/"' in page


@time_machine.travel(NOW, tick=False)
def test_it_counts_in_a_constant_number_of_queries(
    client, personas, waiting, django_assert_max_num_queries
):
    officer = personas.officer_a
    inbox_count(user=officer)  # the grants are read once per request
    with django_assert_max_num_queries(2):  # one UNION, one for the proposed findings
        assert inbox_count(user=officer) == 5
    sign_in(client, officer)
    client.get("/inbox/")
    with django_assert_max_num_queries(20) as few:
        client.get("/inbox/")
    # More waiting items of the same kinds add no query.
    with time_machine.travel("2024-07-01 10:00 +0800", tick=False):
        schedule.delegation_request(
            actor=personas.worker_b,
            case=waiting["delegated"].case,
            to_township=personas.officer_a.grants.get().jurisdiction,
            sample="saliva",
            due_by=day("2024-07-04"),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/inbox/")


def test_a_user_of_another_jurisdiction_sees_none_of_it(personas, waiting, tree, client):
    officer_c = make_user("officer_c", Role.TOWNSHIP_OFFICER, tree.c)
    assert kinds(officer_c) == {}
    sign_in(client, officer_c)
    page = client.get("/inbox/").content.decode()
    assert "Nothing is waiting" in page or "没有" in page


def test_the_count_follows_a_change_of_grants_at_the_next_request(personas, waiting, tree):
    """The count's statement is compiled once per user, grants and day: a grant given or
    taken away changes the figure at once, never a statement kept from before."""
    from kangfu.access.models import Grant, User

    on = day("2024-06-30")
    worker = personas.worker_b
    assert inbox_count(user=worker, on=on) == 0
    grant = Grant.objects.create(user=worker, role=Role.TOWNSHIP_OFFICER, jurisdiction=tree.a)
    promoted = User.objects.get(pk=worker.pk)  # a new request reads the grants again
    expected = sum(len(g.items) for g in inbox_for(user=promoted, on=on))
    assert expected > 0 and inbox_count(user=promoted, on=on) == expected
    grant.delete()
    assert inbox_count(user=User.objects.get(pk=worker.pk), on=on) == 0
    # The same grants on another day: the day is part of what the statement depends on.
    later = User.objects.get(pk=personas.officer_a.pk)
    assert inbox_count(user=later, on=day("2024-07-01")) == sum(
        len(g.items) for g in inbox_for(user=later, on=day("2024-07-01"))
    )
