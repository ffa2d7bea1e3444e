"""Deadlines in days: report, report after a transfer, re-test request, explanation.

The rule (公安机关办理行政案件程序规定 art. 35; 民法典 arts. 201, 203): the day the period starts
from is not counted, so the last day is ``start + N days``; when that last day is a statutory
holiday or a rest day, the period ends on the first working day after it. Official make-up
workdays (调休上班, a Saturday or Sunday worked in exchange for a longer holiday) are working
days. Holidays in the middle of a period are not skipped.

Which days are working days comes from the pack's ``holidays.yaml`` for the years it lists, else
from the ``chinese-calendar`` package. A day in a year neither covers is unknown: the rule cannot
be applied there, so nothing is extended into or within that year and the result says
``calendar_covered=False`` (a person must check the date). Pure: no ORM, no settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

import chinese_calendar

from kangfu.policy.schema import HolidayTable, Pack


class DeadlineKind(StrEnum):
    REPORT = "report"  # 戒毒条例 art. 14: from the day the decision was received
    TRANSFER_REPORT = "transfer_report"  # art. 22: from the day the transfer was accepted
    RETEST = "retest"  # from the day the person was told the test result
    EXPLANATION = "explanation"  # 陈述、申辩: from the day the person was told of a finding
    REVIEW_ANSWER = "review_answer"  # answering the person's request to review their category


# The kinds of the command-line contract (DOMAIN.md); EXPLANATION is for the findings code.
CONTRACT_KINDS = (DeadlineKind.REPORT, DeadlineKind.TRANSFER_REPORT, DeadlineKind.RETEST)


@dataclass(frozen=True)
class Deadline:
    due: date  # the last day to act
    extended: bool  # a holiday or rest day moved it later
    calendar_covered: bool  # every day the rule needed was in a known year

    def as_contract(self) -> dict[str, object]:
        return {
            "due": self.due.isoformat(),
            "extended": self.extended,
            "calendar_covered": self.calendar_covered,
        }


def period_days(pack: Pack, kind: DeadlineKind | str) -> int:
    """The length in days the pack gives a deadline of ``kind``."""
    kind = DeadlineKind(kind)
    if kind is DeadlineKind.REPORT:
        return pack.report_deadline_days
    if kind is DeadlineKind.TRANSFER_REPORT:
        return pack.deadlines.transfer_report_days
    if kind is DeadlineKind.RETEST:
        return pack.deadlines.retest_days
    if kind is DeadlineKind.REVIEW_ANSWER:
        return pack.review.request_answer_days
    return pack.due_process.explanation_days


def deadline(pack: Pack, kind: DeadlineKind | str, start: date) -> Deadline:
    """The last day to act on a deadline of ``kind`` counted from ``start`` (not itself counted)."""
    calendar = WorkCalendar(pack.holidays)
    try:
        due = start + timedelta(days=period_days(pack, kind))
    except OverflowError:
        raise ValueError(f"{start} is too close to the end of the calendar") from None
    extended = False
    while True:
        working = calendar.is_working_day(due)
        if working is None:
            # Unknown year: no extension can be justified, so stop here and say so.
            return Deadline(due, extended, calendar_covered=False)
        if working:
            return Deadline(due, extended, calendar_covered=True)
        due += timedelta(days=1)
        extended = True


# The package raises for years outside its data; ask it once which years those are.
PACKAGE_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)


class WorkCalendar:
    """Working days: the pack's table for the years it lists, else ``chinese-calendar``."""

    def __init__(self, table: HolidayTable) -> None:
        self._holidays: dict[int, frozenset[date]] = {}
        self._workdays: dict[int, frozenset[date]] = {}
        for year, entry in table.years.items():
            self._holidays[year] = frozenset(d for span in entry.holidays for d in span.days())
            self._workdays[year] = frozenset(entry.workdays)

    def covers(self, year: int) -> bool:
        return year in self._holidays or year in PACKAGE_YEARS

    def is_working_day(self, day: date) -> bool | None:
        """True on a working day, False on a holiday or rest day, None for an unknown year."""
        if day.year in self._holidays:
            if day in self._workdays[day.year]:
                return True
            return day.weekday() < 5 and day not in self._holidays[day.year]
        if day.year in PACKAGE_YEARS:
            return chinese_calendar.is_workday(day)
        return None
