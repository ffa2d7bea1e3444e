"""Calendar arithmetic for legal periods and recurring schedules.

DOMAIN.md "Conventions" defines two different month rules, and both are used:

* **Anniversaries roll forward.** The anniversary of day S, N years or months later, is the same
  day of the month; where that day does not exist it is the first day of the next month
  (29 Feb + 1 year -> 1 Mar, 31 Jan + 1 month -> 1 Mar). Legal periods end the day before it.
* **Recurrences clamp.** The k-th monthly due date of a schedule anchored on S is k months after
  S, clamped to the last day of that month (31 Jan -> 28/29 Feb -> 31 Mar), so a schedule never
  skips a month and never drifts off its anchor.

Everything here is a pure function over ``datetime.date``.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, timedelta

__all__ = [
    "add_months",
    "add_months_clamped",
    "add_years",
    "anniversary",
    "last_day_of_month",
    "less_than_years_ago",
    "monthly_recurrence",
    "period_end",
]


_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def last_day_of_month(year: int, month: int) -> int:
    # calendar.monthrange works out the weekday too; planning asks this millions of times.
    if month == 2 and calendar.isleap(year):
        return 29
    return _MONTH_DAYS[month]


def _shift_month(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def anniversary(start: date, *, years: int = 0, months: int = 0) -> date:
    """The same month-day ``years`` years and ``months`` months after ``start``.

    A day that does not exist in the target month rolls to the first day of the next month.
    """
    year, month = _shift_month(start.year, start.month, years * 12 + months)
    if start.day <= last_day_of_month(year, month):
        return date(year, month, start.day)
    next_year, next_month = _shift_month(year, month, 1)
    return date(next_year, next_month, 1)


def add_years(start: date, years: int) -> date:
    """Anniversary of ``start`` after ``years`` years (29 Feb rolls to 1 Mar)."""
    return anniversary(start, years=years)


def add_months(start: date, months: int) -> date:
    """Anniversary of ``start`` after ``months`` months (31st rolls to the 1st of the next)."""
    return anniversary(start, months=months)


def period_end(start: date, *, years: int = 0, months: int = 0) -> date:
    """Last day of a period of ``years``/``months`` that starts on (and includes) ``start``.

    >>> period_end(date(2024, 2, 29), years=3)
    datetime.date(2027, 2, 28)
    >>> period_end(date(2023, 5, 10), years=3)
    datetime.date(2026, 5, 9)
    """
    if years * 12 + months <= 0:
        raise ValueError("a period must be at least one month long")
    return anniversary(start, years=years, months=months) - timedelta(days=1)


def less_than_years_ago(release_day: date, on_day: date, years: int) -> bool:
    """未满N年: on ``on_day``, is ``release_day`` less than ``years`` years ago?

    True exactly when ``on_day`` is before the ``years``-year anniversary of ``release_day``.
    A release day after ``on_day`` is a data error, not "recent", so it is refused.
    """
    if release_day > on_day:
        raise ValueError(f"release day {release_day} is after {on_day}")
    return on_day < add_years(release_day, years)


def add_months_clamped(anchor: date, months: int) -> date:
    """``months`` months after ``anchor``, clamped to the target month's last day.

    Always computed from the anchor, never from the previous due date, so 31 Jan -> 29 Feb ->
    31 Mar rather than drifting to the 29th.
    """
    year, month = _shift_month(anchor.year, anchor.month, months)
    return date(year, month, min(anchor.day, last_day_of_month(year, month)))


def monthly_recurrence(anchor: date, every_months: int, start: date, until: date) -> Iterator[date]:
    """Due dates ``k * every_months`` months after ``anchor`` (k >= 1) within [start, until].

    The anchor day itself is not a due date: it is the reporting day, whose intake is part of
    reporting rather than of the recurring schedule.
    """
    if every_months < 1:
        raise ValueError("every_months must be at least 1")
    # Skip straight to the first k that can reach ``start`` instead of walking from the anchor;
    # clamping can only pull a date earlier within its month, so one month of slack suffices.
    months_to_start = (start.year - anchor.year) * 12 + (start.month - anchor.month)
    k = max(1, (months_to_start - 1) // every_months)
    while True:
        due = add_months_clamped(anchor, k * every_months)
        if due > until:
            return
        if due >= start:
            yield due
        k += 1
