"""Leave reports (art. 19) and unauthorised absences towards the art. 20 thresholds."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import ValidationError

from kangfu.cases import selectors, services
from kangfu.cases.choices import FindingKind, LeaveState
from kangfu.cases.tests.conftest import day, decide, open_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def active_case(personas, people):
    with time_machine.travel("2024-01-31 10:00 +0800", tick=False):
        case = open_case(personas.worker_a, people.in_a)
        measure = decide(personas.worker_a, case, received="2024-01-25")
        services.measure_report(
            actor=personas.worker_a, measure=measure, reported_on=day("2024-01-31")
        )
    return case


@time_machine.travel("2024-03-20 10:00 +0800", tick=False)
def test_it_records_a_leave_report_and_shows_the_planned_tests_it_overlaps(personas, active_case):
    leave = services.leave_request_record(
        actor=personas.worker_a,
        case=active_case,
        submitted_on=day("2024-03-20"),
        leaves_on=day("2024-03-25"),
        returns_on=day("2024-04-05"),
        destination_county="贵州省遵义市红花岗区",
        reason="探望生病的母亲",
    )
    view = selectors.leave_overview(active_case, leave)
    assert view.needs_report and leave.days == 12
    # Medium schedule from 31 Jan: every 2 months -> 31 Mar (urine test and visit).
    assert [(d.on, d.kind) for d in view.overlapping] == [
        (day("2024-03-31"), "urine_test"),
        (day("2024-03-31"), "visit"),
    ]
    with pytest.raises(ValidationError) as exc:
        services.leave_decide(actor=personas.worker_a, leave=leave, approve=False)
    assert "reason" in exc.value.error_dict
    services.leave_decide(
        actor=personas.worker_a, leave=leave, approve=False, reason="与3月31日尿检冲突，请改期"
    )
    leave.refresh_from_db()
    assert leave.state == LeaveState.REFUSED and leave.decision_reason
    with pytest.raises(ValidationError):
        services.leave_decide(actor=personas.worker_a, leave=leave, approve=True)


@time_machine.travel("2024-03-20 10:00 +0800", tick=False)
def test_it_says_when_a_short_trip_needs_no_written_report(personas, active_case):
    leave = services.leave_request_record(
        actor=personas.worker_a,
        case=active_case,
        submitted_on=day("2024-03-20"),
        leaves_on=day("2024-03-21"),
        returns_on=day("2024-03-22"),
        destination_county="河口县",
        reason="办事",
    )
    assert not selectors.leave_overview(active_case, leave).needs_report


@time_machine.travel("2024-03-20 10:00 +0800", tick=False)
@pytest.mark.parametrize("destination", ["红花岗区中华路12号", "某小区3栋"])
def test_it_refuses_an_address_as_the_destination(personas, active_case, destination):
    with pytest.raises(ValidationError) as exc:
        services.leave_request_record(
            actor=personas.worker_a,
            case=active_case,
            submitted_on=day("2024-03-20"),
            leaves_on=day("2024-03-25"),
            returns_on=day("2024-03-30"),
            destination_county=destination,
            reason="探亲",
        )
    assert "destination_county" in exc.value.error_dict


@time_machine.travel("2024-03-20 10:00 +0800", tick=False)
def test_it_refuses_a_report_written_after_leaving(personas, active_case):
    with pytest.raises(ValidationError) as exc:
        services.leave_request_record(
            actor=personas.worker_a,
            case=active_case,
            submitted_on=day("2024-03-20"),
            leaves_on=day("2024-03-18"),
            returns_on=day("2024-03-30"),
            destination_county="河口县",
            reason="探亲",
        )
    assert "leaves_on" in exc.value.error_dict


@time_machine.travel("2024-06-30 10:00 +0800", tick=False)
def test_it_counts_three_one_day_trips_as_no_departure_at_all(personas, active_case):
    """Art. 19(3): a trip shorter than 3 days needs no written report, so it is not 擅自离开."""
    for first, last in [
        ("2024-02-05", "2024-02-06"),
        ("2024-03-05", "2024-03-06"),
        ("2024-04-05", "2024-04-06"),
    ]:
        services.absence_record(
            actor=personas.worker_a, case=active_case, first_day=day(first), last_day=day(last)
        )
    assert not active_case.findings.exists()
    result = selectors.breach_assess(active_case.measures.get())
    assert (result.serious_breach, result.departures_counted, result.days_absent) == ("none", 0, 0)


@time_machine.travel("2024-06-30 10:00 +0800", tick=False)
def test_it_proposes_a_breach_at_the_third_unreported_three_day_trip_and_no_more(
    personas, active_case
):
    for first, last in [("2024-02-05", "2024-02-08"), ("2024-03-05", "2024-03-08")]:
        services.absence_record(
            actor=personas.worker_a, case=active_case, first_day=day(first), last_day=day(last)
        )
    assert not active_case.findings.exists()
    with pytest.raises(ValidationError):  # overlaps the second one
        services.absence_record(
            actor=personas.worker_a,
            case=active_case,
            first_day=day("2024-03-06"),
            last_day=day("2024-03-10"),
        )
    services.absence_record(
        actor=personas.worker_a,
        case=active_case,
        first_day=day("2024-04-05"),
        last_day=day("2024-04-08"),
    )
    finding = active_case.findings.get()
    # Proposed, never confirmed by the system: not H1, nothing for the police yet.
    assert finding.kind == FindingKind.SERIOUS_BREACH and finding.state == "proposed"
    assert finding.reported_on is None and "3次" in finding.grounds
    assert finding.facts_by == [personas.worker_a.pk]
    assert selectors.category_of(active_case).value == "medium"
    # One line on the timeline for the proposal, saying why.
    kinds = list(active_case.events.values_list("kind", flat=True))
    assert kinds.count("breach") == 1 and "finding_proposed" not in kinds


@time_machine.travel("2024-06-30 10:00 +0800", tick=False)
def test_it_proposes_a_breach_after_more_than_30_days_away(personas, active_case):
    # Left 1 March, back 31 March: 30 days (the day of leaving is not counted).
    services.absence_record(
        actor=personas.worker_a,
        case=active_case,
        first_day=day("2024-03-01"),
        last_day=day("2024-03-31"),
    )
    assert not active_case.findings.exists()  # exactly 30 days is not "more than 30"
    with pytest.raises(ValidationError) as exc:  # back the same day: nothing to record
        services.absence_record(
            actor=personas.worker_a,
            case=active_case,
            first_day=day("2024-05-01"),
            last_day=day("2024-05-01"),
        )
    assert "last_day" in exc.value.error_dict
    # A 3-day trip adds 3 days: 33 in all.
    services.absence_record(
        actor=personas.worker_a,
        case=active_case,
        first_day=day("2024-05-01"),
        last_day=day("2024-05-04"),
    )
    assert active_case.findings.get().kind == FindingKind.SERIOUS_BREACH
