"""A test result must lie in its measure's time: an old date neither saves nor clears."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command

from kangfu.schedule import services
from kangfu.schedule.models import DrugTest
from kangfu.schedule.tests.conftest import planned

pytestmark = pytest.mark.django_db


def sweep(on: str) -> None:
    with time_machine.travel(f"{on} 01:30 +0800", tick=False):
        call_command("sweep", "--date", on, stdout=io.StringIO())


@pytest.mark.parametrize(
    "taken_on, message",
    [
        (dt.date(2020, 1, 1), "不能早于措施决定日期"),
        (dt.date(1, 1, 1), "不能早于措施决定日期"),
        (dt.date(9999, 12, 31), ""),
    ],
)
def test_it_refuses_a_test_dated_outside_the_measure_and_keeps_the_reminder(
    taken_on, message, personas, case_a
):
    case, _ = case_a
    first = planned(case, "urine_test")[0]
    sweep("2024-05-02")
    assert case.reminders.filter(ref=first.pk, kind="overdue").exists()
    with time_machine.travel("2024-05-02 10:00 +0800", tick=False):
        with pytest.raises(ValidationError) as info:
            services.test_record(
                actor=personas.worker_a,
                case=case,
                appointment=first,
                taken_on=taken_on,
                sample="urine",
                screen_result="negative",
            )
    assert message in info.value.message_dict["taken_on"][0]
    assert not DrugTest.objects.exists()
    assert case.reminders.filter(ref=first.pk, kind="overdue").exists()


def test_it_refuses_an_unknown_sample_with_a_message_not_a_500(personas, case_a):
    case, _ = case_a
    with time_machine.travel("2024-05-02 10:00 +0800", tick=False):
        with pytest.raises(ValidationError) as info:
            services.test_record(
                actor=personas.worker_a,
                case=case,
                taken_on=dt.date(2024, 5, 2),
                sample="\u202eurine",
                screen_result="negative",
            )
    assert "sample" in info.value.message_dict
