"""Pack-driven dates and thresholds: measure ends, deadlines, reviews, sealing, serious breach."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from kangfu.core.dates import add_months, add_years, period_end
from kangfu.policy.choices import Category, PeriodKind
from kangfu.policy.deadlines import deadline
from kangfu.policy.schema import Pack


def measure_end(
    pack: Pack, kind: PeriodKind | str, start: date, *, months: int | None = None
) -> date:
    """Last day of a period of ``kind`` starting on ``start`` (the reporting day for 社区戒毒).

    ``months`` is the length the decision sets; without it the pack's default applies (for
    社区康复, whose decision sets the length, the default is the legal maximum). A length outside
    the pack's min/max raises ``ValueError``: the law does not allow it.
    """
    rule = pack.duration(PeriodKind(kind))
    length = rule.default_months if months is None else months
    if rule.min is not None and length < rule.min.total_months:
        raise ValueError(f"{kind}: {length} months is shorter than the minimum")
    if rule.max is not None and length > rule.max.total_months:
        raise ValueError(f"{kind}: {length} months is longer than the maximum")
    if (
        rule.min is None
        and rule.max is None
        and months is not None
        and length != rule.default_months
    ):
        raise ValueError(f"{kind}: the length is fixed at {rule.default_months} months")
    return period_end(start, months=length)


def next_review_on(pack: Pack, category: Category, assessed_on: date) -> date:
    """When the next periodic review of a category assigned on ``assessed_on`` is due."""
    return add_months(assessed_on, pack.review_interval(category).total_months)


def review_request_answer_by(pack: Pack, requested_on: date) -> date:
    """Last day to answer the person's request to review their category: counted like every
    period (start day not counted; a last day on a holiday or rest day moves to the next
    working day)."""
    return deadline(pack, "review_answer", requested_on).due


def sealing_due_on(pack: Pack, last_measure_day: date) -> date:
    """First day the case may be closed and sealed: N full years after the last measure ended,
    provided there was no relapse in between (the caller checks that)."""
    return add_years(
        last_measure_day + timedelta(days=1), pack.retention.seal_after_years_without_relapse
    )


def leave_needs_written_report(pack: Pack, days: int) -> bool:
    """Whether leaving the county for ``days`` days needs the person's written report first."""
    return days >= pack.leave.written_report_from_days


@dataclass(frozen=True)
class BreachAssessment:
    serious: bool
    # Which thresholds were reached: "test_refusals", "unauthorised_departures", "days_absent".
    grounds: tuple[str, ...]
    zh: str
    en: str


def serious_breach(
    pack: Pack, *, test_refusals: int, unauthorised_departures: int, days_absent: int
) -> BreachAssessment:
    """戒毒条例 art. 20: is the agreement seriously breached on these counts?"""
    b = pack.breach
    grounds: list[str] = []
    zh: list[str] = []
    en: list[str] = []
    if test_refusals >= b.test_refusals_at_least:
        grounds.append("test_refusals")
        zh.append(f"逃避或者拒绝接受检测{test_refusals}次（达到{b.test_refusals_at_least}次）")
        en.append(
            f"evaded or refused tests {test_refusals} times (threshold {b.test_refusals_at_least})"
        )
    if unauthorised_departures >= b.unauthorised_departures_at_least:
        grounds.append("unauthorised_departures")
        zh.append(
            f"未经批准离开所在县（市、区）{unauthorised_departures}次"
            f"（达到{b.unauthorised_departures_at_least}次）"
        )
        en.append(
            f"left the county without permission {unauthorised_departures} times "
            f"(threshold {b.unauthorised_departures_at_least})"
        )
    if days_absent > b.days_absent_more_than:
        grounds.append("days_absent")
        zh.append(f"未经批准离开累计{days_absent}天（超过{b.days_absent_more_than}天）")
        en.append(
            f"absent without permission {days_absent} days in total "
            f"(more than {b.days_absent_more_than})"
        )
    if not grounds:
        return BreachAssessment(
            False, (), "未达到严重违反协议的标准。", "No serious-breach threshold is reached."
        )
    return BreachAssessment(
        True,
        tuple(grounds),
        "严重违反社区戒毒协议：" + "；".join(zh) + "。",
        "Serious breach of the agreement: " + "; ".join(en) + ".",
    )
