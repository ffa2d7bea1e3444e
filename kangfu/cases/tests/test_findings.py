"""Findings that can send a person to compulsory isolation: proposed, told, heard, decided by
another officer, withdrawn — and the deadline and counting rules under them (issue 13)."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import make_user
from kangfu.access.choices import Role
from kangfu.cases import selectors, services
from kangfu.cases.choices import FindingState, LeaveState
from kangfu.cases.tests.conftest import day, decide, open_case

pytestmark = pytest.mark.django_db


def _active(personas, person, *, received="2024-01-25", reported="2024-01-31"):
    with time_machine.travel(f"{reported} 10:00 +0800", tick=False):
        case = open_case(personas.worker_a, person)
        measure = decide(personas.worker_a, case, received=received)
        services.measure_report(actor=personas.worker_a, measure=measure, reported_on=day(reported))
    measure.refresh_from_db()
    return case, measure


def _three_trips(personas, case):
    for first, last in [("2024-02-05", "2024-02-08"), ("2024-03-05", "2024-03-08")]:
        services.absence_record(
            actor=personas.worker_a, case=case, first_day=day(first), last_day=day(last)
        )
    services.absence_record(
        actor=personas.worker_a, case=case, first_day=day("2024-04-05"), last_day=day("2024-04-08")
    )
    return case.findings.get()


# --- deadlines -----------------------------------------------------------------------------


@time_machine.travel("2024-09-20 10:00 +0800", tick=False)
def test_it_ends_a_report_deadline_that_falls_in_national_day_on_the_first_working_day(
    personas, people
):
    case = open_case(personas.worker_a, people.in_a)
    measure = decide(personas.worker_a, case, received="2024-09-16")
    # 16 Sep + 15 days = 1 Oct, National Day (1–7 Oct): the deadline ends on 8 Oct.
    assert measure.report_due_on == day("2024-10-08")
    with time_machine.travel("2024-10-08 10:00 +0800", tick=False), pytest.raises(ValidationError):
        services.measure_refuse(actor=personas.worker_a, measure=measure)  # still in time
    with time_machine.travel("2024-10-09 10:00 +0800", tick=False):
        finding = services.measure_refuse(actor=personas.worker_a, measure=measure)
    assert finding.state == FindingState.PROPOSED


@time_machine.travel("2024-09-28 10:00 +0800", tick=False)
def test_it_does_not_extend_a_deadline_ending_on_a_saturday_make_up_workday(personas, people):
    case = open_case(personas.worker_a, people.in_a)
    # 27 Sep + 15 days = Saturday 12 Oct 2024, an official make-up workday (调休上班).
    measure = decide(personas.worker_a, case, received="2024-09-27")
    assert measure.report_due_on == day("2024-10-12")


# --- what counts ---------------------------------------------------------------------------


@time_machine.travel("2024-06-30 10:00 +0800", tick=False)
def test_it_refuses_an_absence_inside_a_reported_or_approved_leave(personas, people):
    case, measure = _active(personas, people.in_a)
    leave = services.leave_request_record(
        actor=personas.worker_a,
        case=case,
        submitted_on=day("2024-03-01"),
        leaves_on=day("2024-03-10"),
        returns_on=day("2024-03-20"),
        destination_county="贵州省遵义市红花岗区",
        reason="探望生病的母亲",
    )
    for state in (LeaveState.PENDING, LeaveState.APPROVED):
        type(leave).objects.filter(pk=leave.pk).update(state=state)
        with pytest.raises(ValidationError) as exc:
            services.absence_record(
                actor=personas.worker_a,
                case=case,
                first_day=day("2024-03-12"),
                last_day=day("2024-03-18"),
            )
        assert "first_day" in exc.value.error_dict
    # Staying on after the reported return is time away of its own.
    services.absence_record(
        actor=personas.worker_a, case=case, first_day=day("2024-03-20"), last_day=day("2024-03-25")
    )
    assert measure.absences.count() == 1


# --- due process ---------------------------------------------------------------------------


@time_machine.travel("2024-06-30 10:00 +0800", tick=False)
def test_only_another_township_officer_decides_after_the_person_was_heard(personas, people, tree):
    case, _measure = _active(personas, people.in_a)
    finding = _three_trips(personas, case)
    assert finding.state == FindingState.PROPOSED and not selectors.is_h1(case)
    # The caseworker who entered the facts decides nothing; nor a supervisor.
    for who in (personas.worker_a, personas.supervisor):
        with pytest.raises(PermissionDenied):
            services.finding_decide(actor=who, finding=finding, confirm=True, reason="x")
    services.finding_notify(actor=personas.worker_a, finding=finding, notified_on=day("2024-06-28"))
    officer = personas.officer_a
    with pytest.raises(ValidationError) as exc:  # the explanation period is still running
        services.finding_decide(actor=officer, finding=finding, confirm=True, reason="事实清楚")
    assert "decided_on" in exc.value.error_dict
    services.finding_explain(
        actor=personas.worker_a, finding=finding, text="本人称三次外出均为照顾住院的母亲。"
    )
    with pytest.raises(ValidationError) as exc:
        services.finding_decide(actor=officer, finding=finding, confirm=True, reason="  ")
    assert "reason" in exc.value.error_dict
    services.finding_decide(
        actor=officer, finding=finding, confirm=True, reason="三次外出均未书面报告，且无证明"
    )
    finding.refresh_from_db()
    assert finding.state == FindingState.CONFIRMED and finding.decided_by == officer
    assert selectors.is_h1(case) and selectors.category_of(case).value == "high"
    assert list(selectors.open_findings(user=personas.worker_a)) == [finding]
    with pytest.raises(ValidationError):  # one decision only
        services.finding_decide(actor=officer, finding=finding, confirm=False, reason="改变主意")


@time_machine.travel("2024-06-30 10:00 +0800", tick=False)
def test_an_officer_who_entered_a_fact_cannot_decide(personas, people, tree):
    case, _measure = _active(personas, people.in_a)
    for first, last in [("2024-02-05", "2024-02-08"), ("2024-03-05", "2024-03-08")]:
        services.absence_record(
            actor=personas.worker_a, case=case, first_day=day(first), last_day=day(last)
        )
    services.absence_record(
        actor=personas.officer_a,
        case=case,
        first_day=day("2024-04-05"),
        last_day=day("2024-04-08"),
    )
    finding = case.findings.get()
    assert personas.officer_a.pk in finding.facts_by
    services.finding_notify(actor=personas.worker_a, finding=finding, notified_on=day("2024-06-20"))
    with pytest.raises(PermissionDenied):
        services.finding_decide(
            actor=personas.officer_a, finding=finding, confirm=True, reason="事实清楚"
        )
    other = make_user("officer_a2", Role.TOWNSHIP_OFFICER, tree.a, display_name="赵专干")
    services.finding_decide(actor=other, finding=finding, confirm=False, reason="本人有正当理由")
    finding.refresh_from_db()
    assert finding.state == FindingState.REJECTED and not selectors.is_h1(case)
    assert not selectors.open_findings(user=personas.worker_a).exists()


def test_a_withdrawn_absence_brings_the_count_back_under_the_threshold(personas, people):
    with time_machine.travel("2024-06-30 10:00 +0800", tick=False):
        case, measure = _active(personas, people.in_a)
        finding = _three_trips(personas, case)
        wrong = measure.absences.order_by("first_day").first()
        services.absence_withdraw(actor=personas.worker_a, absence=wrong, reason="实为请假外出")
    result = selectors.breach_assess(measure, as_of=day("2024-06-30"))
    assert result.departures_counted == 2 and not result.serious
    finding.refresh_from_db()
    wrong.refresh_from_db()
    assert finding.state == FindingState.WITHDRAWN
    assert wrong.withdrawn_by == personas.worker_a and measure.absences.count() == 3


def _confirming(node) -> bool:
    """``x.state = ...CONFIRMED...`` or ``.update(state=...confirmed...)``/``create(...)``."""
    if isinstance(node, ast.Assign):
        targets = [t for t in node.targets if isinstance(t, ast.Attribute) and t.attr == "state"]
        return bool(targets) and "confirmed" in ast.unparse(node.value).lower()
    writes = ("update", "create", "bulk_create", "update_or_create", "get_or_create")
    if isinstance(node, ast.Call) and getattr(node.func, "attr", "") in writes:
        return any(
            k.arg == "state" and "confirmed" in ast.unparse(k.value).lower() for k in node.keywords
        )
    return False


def test_no_code_path_creates_a_standing_finding_without_an_officer():
    """Enumerate the writers: only finding_propose creates a Finding (always PROPOSED), and
    only finding_decide makes one CONFIRMED."""
    root = Path(__file__).resolve().parents[2]
    creators, confirmers = set(), set()
    for path in root.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for func in ast.walk(ast.parse(path.read_text())):
            if not isinstance(func, ast.FunctionDef):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.Call) and ast.unparse(node.func) in (
                    "Finding.objects.create",
                    "Finding",
                    "Finding.objects.bulk_create",
                ):
                    creators.add(f"{path.name}:{func.name}")
                if _confirming(node):
                    confirmers.add(f"{path.name}:{func.name}")
    assert sorted(creators) == ["findings.py:finding_propose"]
    assert sorted(confirmers) == ["findings.py:finding_decide"]


# --- other rules ---------------------------------------------------------------------------


@time_machine.travel("2024-03-10 10:00 +0800", tick=False)
def test_it_refuses_community_recovery_without_the_term_the_decision_sets(personas, people):
    case = open_case(personas.worker_a, people.in_a)
    with pytest.raises(ValidationError) as exc:
        decide(personas.worker_a, case, kind="community_recovery")
    assert "term_months" in exc.value.error_dict
    measure = decide(personas.worker_a, case, kind="community_recovery", term_months=24)
    assert measure.term_months == 24


@time_machine.travel("2024-03-10 10:00 +0800", tick=False)
def test_an_art_31_conversion_credits_the_days_served_in_isolation(personas, people):
    case = open_case(personas.worker_a, people.in_a)
    measure = decide(personas.worker_a, case, received="2024-03-04", credited_days=100)
    services.measure_report(actor=personas.worker_a, measure=measure, reported_on=day("2024-03-05"))
    measure.refresh_from_db()
    # 3 years from 5 Mar 2024 end on 4 Mar 2027; 100 days served come off.
    assert measure.ends_on == dt.date(2027, 3, 4) - dt.timedelta(days=100)


def test_sealing_counts_from_the_release_and_waits_for_an_open_period(personas, people):
    with time_machine.travel("2021-01-04 10:00 +0800", tick=False):
        case, measure = _active(personas, people.in_a, received="2021-01-01", reported="2021-01-04")
    with time_machine.travel("2022-06-01 10:00 +0800", tick=False):
        services.measure_terminate(
            actor=personas.worker_a,
            measure=measure,
            kind="compulsory_isolation",
            starts_on=day("2022-06-01"),
        )
    case.refresh_from_db()
    assert selectors.sealing_due(case) is None  # still in isolation
    period = case.external_periods.get()
    period.ends_on = day("2024-06-01")
    period.save()
    # Three clean years from the release, not from the end of the measure in 2022.
    assert selectors.sealing_due(case) == day("2027-06-02")


def test_a_person_whose_measure_ended_stays_on_the_list_until_reassessed(personas, people):
    with time_machine.travel("2021-01-04 10:00 +0800", tick=False):
        case, measure = _active(personas, people.in_a, received="2021-01-01", reported="2021-01-04")
    with time_machine.travel("2024-01-04 10:00 +0800", tick=False):
        services.measure_end(actor=personas.worker_a, measure=measure)
    case.refresh_from_db()
    assert case.state == "closed" and case.awaiting_reassessment
    assert case in selectors.caseload(user=personas.worker_a)
    services.case_category_record(person=case.person, category="low")
    assert case not in selectors.caseload(user=personas.worker_a)


def test_the_agreement_follows_the_packs_leave_rule_and_names_relapse(personas, people):
    from kangfu.cases.agreements import agreement_html

    with time_machine.travel("2024-01-31 10:00 +0800", tick=False):
        case, measure = _active(personas, people.in_a)
        agreement = services.agreement_draw_up(
            actor=personas.worker_a, measure=measure, category="medium"
        )
    html = agreement_html(agreement, person=case.person, township=case.township)
    assert agreement.content["leave_mode"] == "report"
    assert "书面报告去向和返回时间" in html and "经批准后方可离开" not in html
    assert "复吸" in html and "陈述、申辩" in html
