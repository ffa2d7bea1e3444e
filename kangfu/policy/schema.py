"""The policy pack schema: what a pack file may say, checked by pydantic at load.

Every model forbids unknown keys (a typo must not silently fall back to a default) and is strict
(``"3"`` is not a number). The rules that protect people — M1 cannot be switched off, nothing is
scheduled without a measure or consent — are validators here, so no pack can load without them.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from kangfu.policy.choices import (
    CRITERION_CODES,
    FREE_TEXT_CODES,
    WINDOWED_CODES,
    Category,
    DueKind,
    PeriodKind,
)

CategoryName = Literal["high", "medium", "low"]
PeriodName = Literal["community_treatment", "community_recovery", "compulsory_isolation"]
DueKindName = Literal["urine_test", "saliva_test", "hair_test", "visit", "call"]
PositiveInt = Annotated[int, Field(ge=1)]
NonEmpty = Annotated[str, Field(min_length=1)]


def rule_error(path: tuple[str | int, ...], message: str) -> PydanticCustomError:
    """An error for a cross-field rule; ``path`` (below the field) lets the loader find the line."""
    # Braces would be read as a template by pydantic-core.
    safe = message.replace("{", "(").replace("}", ")")
    return PydanticCustomError("pack_rule", safe, {"path": path})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Text(_Model):
    zh: NonEmpty
    en: NonEmpty


class Span(_Model):
    """A length in whole years and months."""

    years: Annotated[int, Field(ge=0)] = 0
    months: Annotated[int, Field(ge=0)] = 0

    @model_validator(mode="after")
    def _not_empty(self) -> Span:
        if self.total_months == 0:
            raise ValueError("a span must be at least one month")
        return self

    @property
    def total_months(self) -> int:
        return self.years * 12 + self.months


class Criterion(_Model):
    zh: NonEmpty
    en: NonEmpty
    enabled: bool = True
    needs_text: bool = False
    window_years: PositiveInt | None = None


class DurationRule(_Model):
    """A period's length: ``default`` when the decision does not say, bounded by min and max."""

    default: Span | None = None
    min: Span | None = None
    max: Span | None = None

    @model_validator(mode="after")
    def _consistent(self) -> DurationRule:
        if self.default is None and self.max is None:
            raise ValueError("give a default or a max")
        lengths = [s.total_months for s in (self.min, self.default, self.max) if s is not None]
        if lengths != sorted(lengths):
            raise ValueError("min <= default <= max must hold")
        return self

    @property
    def default_months(self) -> int:
        span = self.default or self.max
        assert span is not None  # guaranteed by the validator
        return span.total_months


class Breach(_Model):
    """戒毒条例 art. 20 thresholds for a serious breach of the agreement."""

    test_refusals_at_least: PositiveInt
    unauthorised_departures_at_least: PositiveInt
    days_absent_more_than: PositiveInt


class Leave(_Model):
    """戒毒条例 art. 19(3): a written report before leaving the county for N days or more.

    ``mode`` says what meets that duty. ``report`` (national): the written report itself, so a
    leave that was reported — even one later refused — covers the time away. ``approval`` (only
    where a local rule requires approval): only an approved leave covers it.
    """

    mode: Literal["report", "approval"]
    # A written report is required before leaving the county for this many days or more.
    written_report_from_days: PositiveInt
    # A leave longer than this many days must say why it needs that long (issue 14: a
    # 188-day leave pushed every test months away unnoticed).
    max_days_without_reason: Annotated[int, Field(ge=1, le=366)] = 90


class Deadlines(_Model):
    """Periods in days besides ``report_deadline_days``; see ``kangfu/policy/deadlines.py``.

    The start day is not counted and a last day that is a holiday or rest day moves to the next
    working day (公安机关办理行政案件程序规定 art. 35).
    """

    # 戒毒条例 art. 22: report at the new township within 15 days of the change of place.
    transfer_report_days: PositiveInt
    # The person may ask for a re-test within 3 days of being told the result.
    retest_days: PositiveInt


class DueProcess(_Model):
    # Days the person has to explain (陈述、申辩) after being told of a proposed finding.
    explanation_days: PositiveInt


class Relapse(_Model):
    # A hair result shows use in about this many months before sampling (the detection window).
    hair_window_months: Annotated[int, Field(ge=1, le=24)]


class HolidayRange(_Model):
    name: NonEmpty
    from_: date = Field(alias="from")
    to: date

    @model_validator(mode="after")
    def _ordered(self) -> HolidayRange:
        if self.to < self.from_:
            raise ValueError(f"'to' ({self.to}) is before 'from' ({self.from_})")
        return self

    def days(self) -> list[date]:
        return [date.fromordinal(n) for n in range(self.from_.toordinal(), self.to.toordinal() + 1)]


class HolidayYear(_Model):
    """One year's official arrangement: every holiday, and every make-up workday (调休上班).

    A listed year is complete: its other days follow the week (Monday–Friday work).
    """

    # The State Council notice the table was copied from, so it can be checked.
    source: NonEmpty
    holidays: list[HolidayRange]
    workdays: list[date] = []


class HolidayTable(_Model):
    """The pack's ``holidays.yaml``: years the ``chinese-calendar`` package does not cover yet.

    A year listed here is used instead of the package's data for that year.
    """

    years: dict[int, HolidayYear] = {}

    @field_validator("years")
    @classmethod
    def _consistent(cls, value: dict[int, HolidayYear]) -> dict[int, HolidayYear]:
        for year, table in value.items():
            if not 1949 <= year <= 2200:
                raise rule_error((year,), f"{year} is not a plausible year")
            holidays: set[date] = set()
            for index, span in enumerate(table.holidays):
                for day in span.days():
                    if day.year != year:
                        raise rule_error((year, "holidays", index), f"{day} is not in {year}")
                    holidays.add(day)
            for index, day in enumerate(table.workdays):
                if day.year != year:
                    raise rule_error((year, "workdays", index), f"{day} is not in {year}")
                if day.weekday() < 5:
                    raise rule_error(
                        (year, "workdays", index),
                        f"{day} is a weekday: only a Saturday or Sunday can be a make-up workday",
                    )
                if day in holidays:
                    raise rule_error(
                        (year, "workdays", index), f"{day} is also listed as a holiday"
                    )
        return value


class Review(_Model):
    intervals: dict[CategoryName, Span]
    request_answer_days: PositiveInt

    @field_validator("intervals")
    @classmethod
    def _every_category(cls, value: dict[str, Span]) -> dict[str, Span]:
        missing = [c.value for c in Category if c.value not in value]
        if missing:
            raise rule_error((), f"missing review interval for: {', '.join(missing)}")
        return value


class Retention(_Model):
    # 戒断三年未复吸: the case is sealed after this many years without relapse.
    seal_after_years_without_relapse: PositiveInt
    # Years after sealing until the person's identity data is purged (unless a legal hold
    # stops it). None: identity data is never purged automatically.
    purge_identity_after_years_sealed: PositiveInt | None = None


class Suspension(_Model):
    """戒毒条例 art. 24: a measure is suspended (中止) while the person is detained or arrested
    and continues on release. ``extends_term``: the days in custody do not count towards the
    term, so its last day moves later by that many days (see docs/cases.md)."""

    extends_term: bool


class Statistics(_Model):
    """Small-cell suppression of the statistics (kangfu.reports): counts of persons from 1
    to ``suppress_below - 1`` are shown as "<N" above township level and in every export."""

    suppress_below: Annotated[int, Field(ge=2, le=20)] = 5


class ScheduleEntry(_Model):
    kind: DueKindName
    every_months: Annotated[int, Field(ge=1, le=24)]
    # There is deliberately no "always": the law gives no basis to test or visit anyone who is
    # neither under a measure nor has consented to aftercare.
    requires: str

    @field_validator("requires")
    @classmethod
    def _measure_or_consent(cls, value: str) -> str:
        if value not in ("measure", "consent"):
            raise ValueError(
                "must be 'measure' or 'consent': nothing may be scheduled for a person with "
                "no active measure and no recorded consent"
            )
        return value


class Pack(_Model):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    version: NonEmpty
    effective_from: date
    description: Text
    extends: str | None = None
    criteria: dict[str, Criterion]
    durations: dict[PeriodName, DurationRule]
    report_deadline_days: PositiveInt
    deadlines: Deadlines
    breach: Breach
    leave: Leave
    due_process: DueProcess
    relapse: Relapse
    review: Review
    retention: Retention
    # Optional for packs written before it existed; cn-2016 states it explicitly.
    suspension: Suspension = Suspension(extends_term=True)
    statistics: Statistics = Statistics()
    schedules: dict[CategoryName, list[ScheduleEntry]]
    # Not written in pack.yaml: the loader reads it from holidays.yaml beside it.
    holidays: HolidayTable = HolidayTable()

    @field_validator("criteria")
    @classmethod
    def _criteria(cls, value: dict[str, Criterion]) -> dict[str, Criterion]:
        for code in value:
            if code not in CRITERION_CODES:
                raise rule_error((code,), f"unknown criterion code {code}")
        missing = [code for code in CRITERION_CODES if code not in value]
        if missing:
            raise rule_error((), f"missing criterion code(s): {', '.join(missing)}")
        for code, criterion in value.items():
            if criterion.needs_text != (code in FREE_TEXT_CODES):
                want = "true" if code in FREE_TEXT_CODES else "false"
                raise rule_error((code, "needs_text"), f"must be {want} for {code}")
            if code in WINDOWED_CODES and criterion.window_years is None:
                raise rule_error((code, "window_years"), f"is required for {code}")
            if code not in WINDOWED_CODES and criterion.window_years is not None:
                raise rule_error((code, "window_years"), "is only allowed for M4 and M5")
        # DOMAIN.md: a person under 社区戒毒 or 社区康复 is never low. Turning M1 off would break
        # that and let the measure's schedule silently disappear.
        if not value["M1"].enabled:
            raise rule_error(
                ("M1", "enabled"), "M1 cannot be disabled: a person under a measure is never low"
            )
        return value

    @field_validator("durations")
    @classmethod
    def _durations(cls, value: dict[str, DurationRule]) -> dict[str, DurationRule]:
        missing = [k.value for k in PeriodKind if k.value not in value]
        if missing:
            raise rule_error((), f"missing duration for: {', '.join(missing)}")
        return value

    @field_validator("schedules")
    @classmethod
    def _schedules(cls, value: dict[str, list[ScheduleEntry]]) -> dict[str, list[ScheduleEntry]]:
        missing = [c.value for c in Category if c.value not in value]
        if missing:
            raise rule_error((), f"missing schedule for: {', '.join(missing)} (use [] for none)")
        for category, entries in value.items():
            seen: set[tuple[str, str]] = set()
            for index, entry in enumerate(entries):
                key = (entry.kind, entry.requires)
                if key in seen:
                    raise rule_error(
                        (category, index, "kind"),
                        f"{entry.kind} is listed twice with requires: {entry.requires}",
                    )
                seen.add(key)
                # Someone under a measure is never low, so a low entry can only ever apply to
                # a person without one: it must rest on consent.
                if category == "low" and entry.requires != "consent":
                    raise rule_error(
                        (category, index, "requires"),
                        "must be 'consent' in the low schedule: a person under a measure is "
                        "never low, so only recorded consent can justify it",
                    )
        return value

    def criterion(self, code: str) -> Criterion:
        return self.criteria[code]

    def schedule_for(self, category: Category) -> list[ScheduleEntry]:
        return self.schedules[category.value]

    def duration(self, kind: PeriodKind) -> DurationRule:
        return self.durations[kind.value]

    def review_interval(self, category: Category) -> Span:
        return self.review.intervals[category.value]


__all__ = [
    "Breach",
    "Criterion",
    "Deadlines",
    "DueKind",
    "DueProcess",
    "DurationRule",
    "HolidayRange",
    "HolidayTable",
    "HolidayYear",
    "Leave",
    "Pack",
    "Relapse",
    "ScheduleEntry",
    "Span",
    "Suspension",
]
