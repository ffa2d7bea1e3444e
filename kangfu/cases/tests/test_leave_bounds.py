"""A leave report lies within the measure, does not overlap another, and a long one says why."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import ValidationError

from kangfu.cases import services
from kangfu.cases.models import LeaveRequest
from kangfu.cases.tests.conftest import day, decide, open_case

pytestmark = pytest.mark.django_db
travel = time_machine.travel("2024-03-20 10:00 +0800", tick=False)


@pytest.fixture
def active_case(personas, people):
    with time_machine.travel("2024-01-31 10:00 +0800", tick=False):
        case = open_case(personas.worker_a, people.in_a)
        measure = decide(personas.worker_a, case, received="2024-01-25")
        services.measure_report(
            actor=personas.worker_a, measure=measure, reported_on=day("2024-01-31")
        )
    return case


def report(worker, case, leaves, returns, **extra):
    return services.leave_request_record(
        actor=worker,
        case=case,
        submitted_on=day("2024-03-20"),
        leaves_on=day(leaves),
        returns_on=day(returns),
        destination_county=extra.pop("destination_county", "河口县"),
        reason=extra.pop("reason", "探望生病的母亲"),
        **extra,
    )


def refused(worker, case, leaves, returns, **extra) -> dict[str, list[str]]:
    count = LeaveRequest.objects.count()
    with pytest.raises(ValidationError) as info:
        report(worker, case, leaves, returns, **extra)
    assert LeaveRequest.objects.count() == count
    return info.value.message_dict


@travel
def test_it_refuses_a_leave_returning_in_9999(personas, active_case):
    errors = refused(personas.worker_a, active_case, "2024-03-25", "9999-12-31")
    assert "不能晚于措施的最后一日" in errors["returns_on"][0]


@travel
def test_it_refuses_a_leave_overlapping_one_already_reported(personas, active_case):
    report(personas.worker_a, active_case, "2024-03-25", "2024-04-05")
    errors = refused(personas.worker_a, active_case, "2024-04-01", "2024-04-10")
    assert "2024-03-25 至 2024-04-05" in errors["leaves_on"][0]
    # Coming back on the day the next trip starts is no overlap.
    report(personas.worker_a, active_case, "2024-04-05", "2024-04-08")


@travel
def test_a_refused_leave_does_not_block_a_new_report_for_the_same_days(personas, active_case):
    first = report(personas.worker_a, active_case, "2024-03-25", "2024-04-05")
    services.leave_decide(
        actor=personas.worker_a, leave=first, approve=False, reason="期间有检测安排"
    )
    report(personas.worker_a, active_case, "2024-03-25", "2024-04-05")


@travel
def test_a_leave_longer_than_the_pack_maximum_needs_a_reason_for_its_length(personas, active_case):
    errors = refused(personas.worker_a, active_case, "2024-03-25", "2024-09-28")  # 188 days
    assert "超过 90 天" in errors["long_reason"][0]
    leave = report(
        personas.worker_a,
        active_case,
        "2024-03-25",
        "2024-09-28",
        long_reason="在外地住院治疗，医院证明已附",
    )
    assert leave.days == 188 and leave.long_reason.startswith("在外地住院")
    # 90 days exactly needs none.
    report(personas.worker_a, active_case, "2024-10-01", "2024-12-29")


@travel
@pytest.mark.parametrize(
    "field, value, message",
    [
        ("reason", "探望\x00母亲", "不允许的字符"),
        ("reason", "探" * 10_000, "最多 300 个字符"),
        ("reason", "\u200b\u202e", "必填"),
        ("destination_county", "河" * 61, "最多 60 个字符"),
    ],
)
def test_it_refuses_hostile_text_naming_the_field(field, value, message, personas, active_case):
    errors = refused(personas.worker_a, active_case, "2024-03-25", "2024-03-30", **{field: value})
    assert message in errors[field][0]


@travel
def test_it_strips_invisible_controls_from_the_text(personas, active_case):
    leave = report(
        personas.worker_a,
        active_case,
        "2024-03-25",
        "2024-03-30",
        reason="探望\u200b母亲\u202e",
        destination_county="\u2067河口县\u2069",
    )
    assert leave.reason == "探望母亲" and leave.destination_county == "河口县"
