"""Risk classification: which criteria hold, the assessed category, and the adjustment rule.

Which facts make a criterion hold is fixed here, keyed by code; the pack supplies the texts,
may switch a criterion off (never M1) and sets the "less than N years" window of M4 and M5.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from kangfu.core.dates import add_years, less_than_years_ago
from kangfu.policy.choices import CRITERION_CODES, CannotBeHeld, Category, criterion_level
from kangfu.policy.facts import Facts
from kangfu.policy.schema import Pack


@dataclass(frozen=True)
class Reason:
    """One sentence of explanation, in Simplified Chinese and English."""

    code: str  # a criterion code, or "assessment" / "adjustment"
    zh: str
    en: str


@dataclass(frozen=True)
class Result:
    assessed: Category
    criteria: tuple[str, ...]
    category: Category
    changed: bool
    current: Category | None
    # One reason per criterion that holds (in code order), then the assessment, then adjustment.
    reasons: tuple[Reason, ...]
    pack_id: str
    pack_version: str
    as_of: date

    def as_contract(self) -> dict[str, Any]:
        """Exactly the object DOMAIN.md's classification contract prints."""
        return {
            "assessed": self.assessed.value,
            "criteria": list(self.criteria),
            "category": self.category.value,
            "changed": self.changed,
        }

    @property
    def criterion_reasons(self) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if r.code in CRITERION_CODES)


_HELD_ZH = {
    CannotBeHeld.FOREIGN_OBJECT: "吞食异物",
    CannotBeHeld.SELF_HARM: "自杀自残",
    CannotBeHeld.SERIOUS_ILLNESS: "患有严重疾病或残疾",
}
_HELD_EN = {
    CannotBeHeld.FOREIGN_OBJECT: "swallowed foreign objects",
    CannotBeHeld.SELF_HARM: "suicide or self-harm",
    CannotBeHeld.SERIOUS_ILLNESS: "serious illness or disability",
}
_MEASURE_ZH = {"community_treatment": "社区戒毒", "community_recovery": "社区康复"}
_MEASURE_EN = {
    "community_treatment": "community drug treatment",
    "community_recovery": "community recovery",
}


def _text(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


def _recent(day: date | None, facts: Facts, years: int) -> bool:
    return day is not None and less_than_years_ago(day, facts.as_of, years)


def _details(pack: Pack, facts: Facts) -> dict[str, tuple[str, str] | None]:
    """For every criterion that holds on the facts, its (zh, en) detail ('' when none)."""
    m4_years = pack.criterion("M4").window_years or 3
    m5_years = pack.criterion("M5").window_years or 3
    held: dict[str, tuple[str, str] | None] = dict.fromkeys(CRITERION_CODES)
    if facts.refuses_or_serious_breach:
        held["H1"] = ("", "")
    if facts.cannot_be_held is not None:
        held["H2"] = (_HELD_ZH[facts.cannot_be_held], _HELD_EN[facts.cannot_be_held])
    if facts.mental_disorder:
        held["H3"] = ("", "")
    if facts.incident_or_threat:
        held["H4"] = ("", "")
    if reason := _text(facts.other_high_reason):
        held["H5"] = (reason, reason)
    if facts.active_measure is not None:
        kind = facts.active_measure.value
        held["M1"] = (_MEASURE_ZH[kind], _MEASURE_EN[kind])
    if facts.pregnant_or_nursing:
        held["M2"] = ("", "")
    if facts.medical_leave_from_isolation:
        held["M3"] = ("", "")
    if facts.community_corrections:
        held["M4"] = ("正在接受社区矫正", "under community corrections")
    elif _recent(facts.released_from_prison_on, facts, m4_years):
        day = facts.released_from_prison_on
        assert day is not None
        until = add_years(day, m4_years)
        held["M4"] = (
            f"{_zh_date(day)}刑满释放，至{_zh_date(until)}满{m4_years}年",
            f"released from prison on {day}; {m4_years} years on {until}",
        )
    if not facts.community_recovery_ordered and _recent(
        facts.released_from_isolation_on, facts, m5_years
    ):
        day = facts.released_from_isolation_on
        assert day is not None
        until = add_years(day, m5_years)
        held["M5"] = (
            f"{_zh_date(day)}解除强制隔离戒毒且未被责令社区康复，至{_zh_date(until)}满{m5_years}年",
            f"released from isolation on {day}, not ordered into community recovery; "
            f"{m5_years} years on {until}",
        )
    if reason := _text(facts.other_medium_reason):
        held["M6"] = (reason, reason)
    return {
        code: detail
        for code, detail in held.items()
        if detail is not None and pack.criterion(code).enabled
    }


def _zh_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def adjust(current: Category | None, assessed: Category) -> Category:
    """Straight up to a higher assessment; one step down per assessment towards a lower one."""
    if current is None or assessed.rank >= current.rank:
        return assessed
    return current.one_step_down()


def classify(pack: Pack, facts: Facts) -> Result:
    """Assess ``facts`` under ``pack`` and apply the adjustment rule to the current category."""
    held = _details(pack, facts)
    codes = tuple(sorted(held))
    if any(criterion_level(c) is Category.HIGH for c in codes):
        assessed = Category.HIGH
    elif codes:
        assessed = Category.MEDIUM
    else:
        assessed = Category.LOW
    category = adjust(facts.current_category, assessed)
    changed = facts.current_category is not None and facts.current_category != category
    reasons = [_criterion_reason(pack, code, held[code]) for code in codes]
    reasons.append(_assessment_reason(assessed, codes))
    reasons.append(_adjustment_reason(facts.current_category, assessed, category))
    return Result(
        assessed=assessed,
        criteria=codes,
        category=category,
        changed=changed,
        current=facts.current_category,
        reasons=tuple(reasons),
        pack_id=pack.id,
        pack_version=pack.version,
        as_of=facts.as_of,
    )


def _criterion_reason(pack: Pack, code: str, detail: tuple[str, str] | None) -> Reason:
    criterion = pack.criterion(code)
    zh, en = criterion.zh, criterion.en
    if detail and detail[0]:
        zh, en = f"{zh}（{detail[0]}）", f"{en} ({detail[1]})"
    return Reason(code, zh, en)


def _assessment_reason(assessed: Category, codes: tuple[str, ...]) -> Reason:
    if not codes:
        return Reason(
            "assessment",
            "不符合任何高风险或中风险情形，评估为低风险。",
            "No high or medium criterion holds, so the assessment is low.",
        )
    level = [c for c in codes if criterion_level(c) is assessed]
    return Reason(
        "assessment",
        f"符合{assessed.zh}情形{'、'.join(level)}，评估为{assessed.zh}。",
        f"{assessed.value.capitalize()} criteri{'on' if len(level) == 1 else 'a'} "
        f"{', '.join(level)} hold{'s' if len(level) == 1 else ''}, "
        f"so the assessment is {assessed.value}.",
    )


def _adjustment_reason(current: Category | None, assessed: Category, category: Category) -> Reason:
    if current is None:
        return Reason(
            "adjustment",
            f"此前没有风险等级，按评估结果定为{category.zh}。",
            f"There was no category before; it is set to the assessed {category.value}.",
        )
    if assessed == current:
        return Reason(
            "adjustment",
            f"评估结果与当前等级相同，维持{current.zh}。",
            f"The assessment matches the current category; it stays {current.value}.",
        )
    if assessed.rank > current.rank:
        return Reason(
            "adjustment",
            f"评估结果高于当前等级（{current.zh}），直接上调为{category.zh}。",
            f"The assessment is higher than the current {current.value}; "
            f"it is raised straight to {category.value}.",
        )
    if category == assessed:
        return Reason(
            "adjustment",
            f"评估结果低于当前等级，由{current.zh}下调一级为{category.zh}。",
            f"The assessment is lower than the current {current.value}; "
            f"it comes down one step to {category.value}.",
        )
    return Reason(
        "adjustment",
        f"评估结果为{assessed.zh}，但每次评估只能下调一级，本次由{current.zh}调整为{category.zh}，"
        f"下次评估时再行考虑。",
        f"The assessment is {assessed.value}, but a category comes down only one step per "
        f"assessment: this time from {current.value} to {category.value}.",
    )
