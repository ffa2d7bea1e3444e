"""Period and recurrence arithmetic, exactly as DOMAIN.md "Conventions" defines it."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kangfu.core.dates import (
    add_months,
    add_months_clamped,
    add_years,
    anniversary,
    last_day_of_month,
    less_than_years_ago,
    monthly_recurrence,
    period_end,
)

days = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))


@pytest.mark.parametrize(
    ("start", "years", "expected"),
    [
        (date(2023, 5, 10), 3, date(2026, 5, 10)),
        (date(2024, 2, 29), 3, date(2027, 3, 1)),  # no 29 Feb: first day of the next month
        (date(2024, 2, 29), 4, date(2028, 2, 29)),
        (date(2023, 12, 31), 1, date(2024, 12, 31)),
        (date(2024, 1, 1), 3, date(2027, 1, 1)),
    ],
)
def test_it_rolls_anniversaries_to_the_next_month(start, years, expected):
    assert add_years(start, years) == expected


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 3, 1)),  # 31 Feb -> 1 Mar
        (date(2023, 1, 31), 1, date(2023, 3, 1)),
        (date(2024, 3, 31), 1, date(2024, 5, 1)),  # 31 Apr -> 1 May
        (date(2024, 1, 30), 1, date(2024, 3, 1)),  # 30 Feb 2024 -> 1 Mar
        (date(2024, 1, 29), 1, date(2024, 2, 29)),
        (date(2024, 12, 31), 2, date(2025, 3, 1)),  # 31 Feb 2025 -> 1 Mar
        (date(2024, 11, 15), 2, date(2025, 1, 15)),  # across the year end
        (date(2024, 12, 31), 1, date(2025, 1, 31)),
    ],
)
def test_it_adds_months_as_anniversaries(start, months, expected):
    assert add_months(start, months) == expected


def test_it_treats_twelve_months_as_a_year():
    assert anniversary(date(2024, 2, 29), months=12) == add_years(date(2024, 2, 29), 1)


@pytest.mark.parametrize(
    ("start", "kwargs", "expected"),
    [
        (date(2024, 2, 29), {"years": 3}, date(2027, 2, 28)),  # DOMAIN.md example
        (date(2023, 5, 10), {"years": 3}, date(2026, 5, 9)),  # DOMAIN.md example
        (date(2024, 1, 1), {"years": 3}, date(2026, 12, 31)),  # ends on a year end
        (date(2024, 2, 29), {"years": 4}, date(2028, 2, 28)),
        (date(2024, 1, 31), {"months": 1}, date(2024, 2, 29)),
        (date(2024, 3, 1), {"months": 1}, date(2024, 3, 31)),
        (date(2023, 12, 31), {"years": 2}, date(2025, 12, 30)),
    ],
)
def test_it_ends_a_period_the_day_before_the_anniversary(start, kwargs, expected):
    assert period_end(start, **kwargs) == expected


def test_it_refuses_an_empty_period():
    with pytest.raises(ValueError):
        period_end(date(2024, 1, 1))


@pytest.mark.parametrize(
    ("release", "on", "expected"),
    [
        (date(2023, 5, 10), date(2026, 5, 9), True),  # last day of the 3 years
        (date(2023, 5, 10), date(2026, 5, 10), False),  # the anniversary itself
        (date(2024, 2, 29), date(2027, 2, 28), True),
        (date(2024, 2, 29), date(2027, 3, 1), False),  # anniversary rolled to 1 Mar
        (date(2023, 12, 31), date(2026, 12, 30), True),
        (date(2023, 12, 31), date(2026, 12, 31), False),
        (date(2024, 6, 1), date(2024, 6, 1), True),  # released today
    ],
)
def test_it_knows_less_than_three_years_ago(release, on, expected):
    assert less_than_years_ago(release, on, 3) is expected


def test_it_refuses_a_release_in_the_future():
    with pytest.raises(ValueError):
        less_than_years_ago(date(2026, 1, 2), date(2026, 1, 1), 3)


@pytest.mark.parametrize(
    ("anchor", "k", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # clamp, leap year
        (date(2023, 1, 31), 1, date(2023, 2, 28)),  # clamp, common year
        (date(2024, 1, 31), 2, date(2024, 3, 31)),  # back to the anchor day, no drift
        (date(2024, 1, 31), 3, date(2024, 4, 30)),
        (date(2024, 12, 31), 2, date(2025, 2, 28)),  # across the year end
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 5, 15), 8, date(2025, 1, 15)),
    ],
)
def test_it_clamps_recurrences_to_the_months_last_day(anchor, k, expected):
    assert add_months_clamped(anchor, k) == expected


def test_it_recurs_monthly_from_the_anchor():
    dues = list(monthly_recurrence(date(2024, 1, 31), 1, date(2024, 1, 1), date(2024, 5, 31)))
    assert dues == [date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30), date(2024, 5, 31)]


def test_it_leaves_out_the_anchor_and_dates_outside_the_range():
    dues = list(monthly_recurrence(date(2024, 1, 15), 2, date(2024, 4, 1), date(2024, 9, 15)))
    assert dues == [date(2024, 5, 15), date(2024, 7, 15), date(2024, 9, 15)]


def test_it_refuses_a_zero_interval():
    with pytest.raises(ValueError):
        list(monthly_recurrence(date(2024, 1, 1), 0, date(2024, 1, 1), date(2025, 1, 1)))


@settings(max_examples=200)
@given(days, st.integers(min_value=0, max_value=120))
def test_anniversaries_keep_the_day_or_roll_to_the_first(start, months):
    result = add_months(start, months)
    assert result.day in (start.day, 1)
    if result.day != start.day:
        assert start.day > last_day_of_month(*(result - timedelta(days=1)).timetuple()[:2])


@settings(max_examples=200)
@given(days, st.integers(min_value=1, max_value=120))
def test_a_period_ends_before_its_anniversary(start, months):
    end = period_end(start, months=months)
    assert start <= end
    assert end + timedelta(days=1) == add_months(start, months)


@settings(max_examples=200)
@given(days, st.integers(min_value=1, max_value=12), days, st.integers(min_value=0, max_value=900))
def test_recurrences_are_sorted_in_range_and_on_the_clamped_anchor_day(anchor, every, start, span):
    until = start + timedelta(days=span)
    dues = list(monthly_recurrence(anchor, every, start, until))
    assert dues == sorted(set(dues))
    assert all(start <= d <= until and d > anchor for d in dues)
    assert all(d.day == min(anchor.day, last_day_of_month(d.year, d.month)) for d in dues)
    # Nothing is skipped: every k from the first to the last due date is there.
    expected = [
        add_months_clamped(anchor, k * every)
        for k in range(1, 1 + (until.year - anchor.year + 2) * 12)
        if start <= add_months_clamped(anchor, k * every) <= until
    ]
    assert dues == expected
