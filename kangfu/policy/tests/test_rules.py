"""Pack-driven dates and thresholds: measure ends, deadlines, reviews, sealing, serious breach."""

from __future__ import annotations

from datetime import date

import pytest

from kangfu.policy.choices import Category, PeriodKind
from kangfu.policy.deadlines import deadline
from kangfu.policy.packs import get_pack
from kangfu.policy.rules import (
    leave_needs_written_report,
    measure_end,
    next_review_on,
    review_request_answer_by,
    sealing_due_on,
    serious_breach,
)


@pytest.fixture
def pack():
    return get_pack("cn-2016")


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (date(2023, 5, 10), date(2026, 5, 9)),
        (date(2024, 2, 29), date(2027, 2, 28)),
        (date(2024, 1, 1), date(2026, 12, 31)),
    ],
)
def test_community_treatment_lasts_three_years(pack, start, expected):
    assert measure_end(pack, PeriodKind.COMMUNITY_TREATMENT, start) == expected


def test_community_recovery_defaults_to_its_maximum_and_accepts_less(pack):
    start = date(2024, 3, 31)
    assert measure_end(pack, "community_recovery", start) == date(2027, 3, 30)
    assert measure_end(pack, "community_recovery", start, months=18) == date(2025, 9, 30)
    with pytest.raises(ValueError, match="maximum"):
        measure_end(pack, "community_recovery", start, months=37)


def test_compulsory_isolation_is_two_years_between_one_and_three(pack):
    start = date(2024, 6, 1)
    assert measure_end(pack, "compulsory_isolation", start) == date(2026, 5, 31)
    assert measure_end(pack, "compulsory_isolation", start, months=12) == date(2025, 5, 31)
    assert measure_end(pack, "compulsory_isolation", start, months=36) == date(2027, 5, 31)
    with pytest.raises(ValueError, match="minimum"):
        measure_end(pack, "compulsory_isolation", start, months=11)


def test_community_treatment_length_is_fixed(pack):
    with pytest.raises(ValueError, match="fixed"):
        measure_end(pack, "community_treatment", date(2024, 1, 1), months=24)


def test_it_gives_deadlines_not_counting_the_first_day(pack):
    assert deadline(pack, "report", date(2026, 12, 20)).due == date(2027, 1, 4)
    assert review_request_answer_by(pack, date(2024, 2, 20)) == date(2024, 3, 6)


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        (Category.HIGH, date(2024, 5, 1)),  # 31 Apr rolls to 1 May: an anniversary
        (Category.MEDIUM, date(2024, 7, 31)),
        (Category.LOW, date(2025, 1, 31)),
    ],
)
def test_it_schedules_the_next_review_by_category(pack, category, expected):
    assert next_review_on(pack, category, date(2024, 1, 31)) == expected


def test_example_local_pack_reviews_more_often():
    local = get_pack("example-local")
    assert next_review_on(local, Category.HIGH, date(2024, 1, 15)) == date(2024, 3, 15)
    assert next_review_on(local, Category.LOW, date(2024, 1, 15)) == date(2025, 1, 15)


def test_it_seals_three_full_years_after_the_last_day(pack):
    assert sealing_due_on(pack, date(2026, 5, 9)) == date(2029, 5, 10)
    assert sealing_due_on(pack, date(2027, 2, 28)) == date(2030, 3, 1)


@pytest.mark.parametrize(("days", "needed"), [(1, False), (2, False), (3, True), (10, True)])
def test_leaving_for_three_days_or_more_needs_a_written_report(pack, days, needed):
    assert leave_needs_written_report(pack, days) is needed


@pytest.mark.parametrize(
    ("refusals", "departures", "absent", "serious", "grounds"),
    [
        (0, 0, 0, False, ()),
        (2, 2, 30, False, ()),  # every count just below its threshold
        (3, 0, 0, True, ("test_refusals",)),
        (0, 3, 0, True, ("unauthorised_departures",)),
        (0, 0, 31, True, ("days_absent",)),  # more than 30, not 30 itself
        (4, 5, 40, True, ("test_refusals", "unauthorised_departures", "days_absent")),
    ],
)
def test_it_finds_a_serious_breach_at_the_art_20_thresholds(
    pack, refusals, departures, absent, serious, grounds
):
    result = serious_breach(
        pack, test_refusals=refusals, unauthorised_departures=departures, days_absent=absent
    )
    assert result.serious is serious
    assert result.grounds == grounds
    assert result.zh and result.en
