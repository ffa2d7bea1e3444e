"""戒毒条例 art. 20 (serious breach) and relapse, over one measure's record: pure, no ORM.

``assess(pack, facts)`` counts what the law counts and *proposes*; it never confirms. Confirming
a finding is an officer's decision after the person has been heard (DOMAIN.md "Findings and due
process"), so the result is ``serious_breach: "none" | "proposed"`` and each relapse is
``proposed``, ``needs_decision`` or ``outside_measure``.

How days are counted (docs/legal.md has the reasons):

* A period is counted as the law counts periods: the day it starts is not counted. An absence
  from D1 to D2 (the day the person left, the day they came back) is D2 - D1 days long and its
  days away are D1+1 … D2. A leave from L1 to L2 covers the days L1+1 … L2 the same way.
* Only days within the measure (start … end) are days away under the agreement.
* A day away is covered when a leave that meets the reporting duty covers it: under
  ``leave.mode: report`` a reported, approved or refused leave (the written report was made);
  under ``leave.mode: approval`` only an approved one.
* What is left of an absence after covered days are taken out falls into runs of consecutive
  days. A run of at least ``leave.written_report_from_days`` days is time away that needed a
  written report and had none: an unauthorised departure (擅自离开). Shorter runs needed no
  report and are not counted at all, neither as departures nor as days.
* ``departures_counted``: absences with such a run. Records that share a day describe the same
  time away, so the count is the largest number of them no two of which share a day (for
  records that do not overlap, simply their number).
* ``days_absent``: the distinct days in those runs, each day once however many records hold it.
* ``tests_counted``: tests due within the measure whose outcome is ``evaded`` or ``refused``;
  ``excused`` and ``done`` never count.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from kangfu.core.dates import anniversary
from kangfu.policy.choices import MeasureKind
from kangfu.policy.facts import FactsError, _date, _json_type, _no_duplicates
from kangfu.policy.rules import serious_breach
from kangfu.policy.schema import Pack


class LeaveStatus(StrEnum):
    REPORTED = "reported"  # the written report was made; not (yet) decided
    APPROVED = "approved"
    REFUSED = "refused"


class DrugTestOutcome(StrEnum):
    DONE = "done"
    EXCUSED = "excused"  # illness, rescheduled, documented reason: never counts
    EVADED = "evaded"  # 逃避
    REFUSED = "refused"  # 拒绝


class Sample(StrEnum):
    URINE = "urine"
    SALIVA = "saliva"
    HAIR = "hair"


class RelapseResult(StrEnum):
    PROPOSED = "proposed"  # use during the measure is shown: propose a relapse finding
    NEEDS_DECISION = "needs_decision"  # the hair window reaches back before the measure
    OUTSIDE_MEASURE = "outside_measure"  # sampled before the measure began or after it ended


# Which leave statuses meet the reporting duty, per ``leave.mode``.
COVERING = {
    "report": frozenset({LeaveStatus.REPORTED, LeaveStatus.APPROVED, LeaveStatus.REFUSED}),
    "approval": frozenset({LeaveStatus.APPROVED}),
}
COUNTED_OUTCOMES = frozenset({DrugTestOutcome.EVADED, DrugTestOutcome.REFUSED})
# Contract names of the grounds, from the names ``rules.serious_breach`` uses.
GROUND_NAMES = {
    "days_absent": "days_absent",
    "unauthorised_departures": "departures",
    "test_refusals": "tests",
}


# No measure under the Anti-Drug Law (2008) can start earlier; it also keeps date arithmetic
# (the hair window reaches months back) far from the calendar's year 1.
EARLIEST = date(1900, 1, 1)


@dataclass(frozen=True)
class MeasureSpan:
    kind: MeasureKind
    start: date
    end: date  # the last day of the measure


@dataclass(frozen=True)
class LeaveSpan:
    from_: date
    to: date
    status: LeaveStatus


@dataclass(frozen=True)
class Absence:
    from_: date  # the day the person left the county
    to: date  # the day they came back (or the last day known to be away)


@dataclass(frozen=True)
class DrugTestFact:
    due: date
    outcome: DrugTestOutcome


@dataclass(frozen=True)
class Positive:
    sample: Sample
    sampled_on: date


@dataclass(frozen=True, kw_only=True)
class BreachFacts:
    as_of: date
    measure: MeasureSpan
    leaves: tuple[LeaveSpan, ...] = ()
    absences: tuple[Absence, ...] = ()
    tests: tuple[DrugTestFact, ...] = ()
    positives: tuple[Positive, ...] = ()

    def __post_init__(self) -> None:
        m = self.measure
        if m.start < EARLIEST:
            raise FactsError("measure.start", f"{m.start} is before {EARLIEST}")
        if m.end < m.start:
            raise FactsError("measure.end", f"{m.end} is before measure.start ({m.start})")
        if m.start > self.as_of:
            raise FactsError("measure.start", f"{m.start} is after as_of ({self.as_of})")
        for i, leave in enumerate(self.leaves):
            if leave.to < leave.from_:
                raise FactsError(f"leaves[{i}].to", f"{leave.to} is before 'from' ({leave.from_})")
        for i, absence in enumerate(self.absences):
            if absence.to < absence.from_:
                raise FactsError(
                    f"absences[{i}].to", f"{absence.to} is before 'from' ({absence.from_})"
                )
            # An absence still going on is recorded up to as_of; a later day is not yet a fact.
            if absence.to > self.as_of:
                raise FactsError(f"absences[{i}].to", f"{absence.to} is after as_of ({self.as_of})")
        for i, test in enumerate(self.tests):
            if test.due > self.as_of:
                raise FactsError(f"tests[{i}].due", f"{test.due} is after as_of ({self.as_of})")
        for i, positive in enumerate(self.positives):
            if positive.sampled_on > self.as_of:
                raise FactsError(
                    f"positives[{i}].sampled_on",
                    f"{positive.sampled_on} is after as_of ({self.as_of})",
                )


@dataclass(frozen=True)
class RelapseFinding:
    sample: Sample
    sampled_on: date
    result: RelapseResult
    # For hair: the first day of the detection window (sampled_on minus the pack's months).
    window_from: date | None = None


@dataclass(frozen=True)
class BreachResult:
    serious_breach: str  # "none" | "proposed"
    grounds: tuple[str, ...]  # sorted: days_absent, departures, tests
    departures_counted: int
    days_absent: int
    tests_counted: int
    relapse: tuple[RelapseFinding, ...]  # one per positive, in the order given
    # Indexes (into facts.absences) of the absences that are unauthorised departures.
    departures: tuple[int, ...]
    zh: str  # the grounds in words, for the proposed finding
    en: str

    @property
    def serious(self) -> bool:
        """A threshold is reached: a serious breach is to be *proposed* (never confirmed)."""
        return self.serious_breach == "proposed"

    def as_contract(self) -> dict[str, Any]:
        return {
            "serious_breach": self.serious_breach,
            "grounds": list(self.grounds),
            "departures_counted": self.departures_counted,
            "days_absent": self.days_absent,
            "tests_counted": self.tests_counted,
            "relapse": [
                {"sampled_on": r.sampled_on.isoformat(), "result": r.result.value}
                for r in self.relapse
            ],
        }


Span = tuple[int, int]  # inclusive (first, last) day ordinals of days counted


def _counted(after: date, through: date, lo: int, hi: int) -> Span | None:
    """The days after+1 … through (a period's first day not counted), clipped to [lo, hi]."""
    first, last = max(after.toordinal() + 1, lo), min(through.toordinal(), hi)
    return (first, last) if first <= last else None


def _union(spans: list[Span]) -> list[Span]:
    """Sorted, disjoint spans covering the same days; touching spans are joined."""
    merged: list[Span] = []
    for first, last in sorted(spans):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def _minus(span: Span, holes: list[Span]) -> list[Span]:
    """The maximal runs of days in ``span`` outside ``holes`` (sorted, disjoint, non-touching)."""
    runs: list[Span] = []
    cursor, last = span
    for hole_first, hole_last in holes:
        if hole_last < cursor:
            continue
        if hole_first > last:
            break
        if hole_first > cursor:
            runs.append((cursor, hole_first - 1))
        cursor = max(cursor, hole_last + 1)
    if cursor <= last:
        runs.append((cursor, last))
    return runs


def covered_spans(pack: Pack, facts: BreachFacts) -> list[Span]:
    """Days within the measure that a leave meeting the reporting duty covers (``leave.mode``)."""
    statuses = COVERING[pack.leave.mode]
    lo, hi = facts.measure.start.toordinal(), facts.measure.end.toordinal()
    spans = [_counted(leave.from_, leave.to, lo, hi) for leave in facts.leaves]
    return _union(
        [s for s, leave in zip(spans, facts.leaves, strict=True) if s and leave.status in statuses]
    )


def assess(pack: Pack, facts: BreachFacts) -> BreachResult:
    """Count art. 20's departures, days away and tests, and judge each positive result."""
    m = facts.measure
    threshold = pack.leave.written_report_from_days
    lo, hi = m.start.toordinal(), m.end.toordinal()
    covered = covered_spans(pack, facts)

    long_runs: list[Span] = []
    departures: list[tuple[int, int, int]] = []  # (first day, last day, index) in the measure
    for index, absence in enumerate(facts.absences):
        away = _counted(absence.from_, absence.to, lo, hi)
        if away is None:
            continue
        runs = [r for r in _minus(away, covered) if r[1] - r[0] + 1 >= threshold]
        if runs:
            departures.append((*away, index))
            long_runs.extend(runs)
    days_absent = sum(last - first + 1 for first, last in _union(long_runs))

    tests_counted = sum(
        1 for t in facts.tests if t.outcome in COUNTED_OUTCOMES and m.start <= t.due <= m.end
    )
    departures_counted = _most_disjoint(departures)
    breach = serious_breach(
        pack,
        test_refusals=tests_counted,
        unauthorised_departures=departures_counted,
        days_absent=days_absent,
    )
    grounds = tuple(sorted(GROUND_NAMES[g] for g in breach.grounds))
    zh, en = _texts(pack, m, grounds, tests_counted, departures_counted, days_absent)
    return BreachResult(
        serious_breach="proposed" if grounds else "none",
        grounds=grounds,
        departures_counted=departures_counted,
        days_absent=days_absent,
        tests_counted=tests_counted,
        relapse=tuple(relapse(pack, m, p) for p in facts.positives),
        departures=tuple(sorted(index for _, _, index in departures)),
        zh=zh,
        en=en,
    )


def _texts(
    pack: Pack,
    measure: MeasureSpan,
    grounds: tuple[str, ...],
    tests: int,
    departures: int,
    days: int,
) -> tuple[str, str]:
    """The grounds in the words of art. 20, said to be a proposal (for the finding's record)."""
    if not grounds:
        return "未达到严重违反协议的标准。", "No serious-breach threshold is reached."
    b = pack.breach
    place = "社区戒毒" if measure.kind is MeasureKind.COMMUNITY_TREATMENT else "社区康复"
    zh = {
        "tests": f"逃避或者拒绝接受检测{tests}次（达到{b.test_refusals_at_least}次）",
        "departures": (
            f"擅自离开{place}执行地所在县（市、区）{departures}次"
            f"（达到{b.unauthorised_departures_at_least}次）"
        ),
        "days_absent": f"擅自离开累计{days}日（超过{b.days_absent_more_than}日）",
    }
    en = {
        "tests": f"evaded or refused tests {tests} times (threshold {b.test_refusals_at_least})",
        "departures": (
            f"left the county without the required report {departures} times "
            f"(threshold {b.unauthorised_departures_at_least})"
        ),
        "days_absent": (
            f"away without the required report {days} days in total "
            f"(more than {b.days_absent_more_than})"
        ),
    }
    return (
        f"拟认定严重违反{place}协议（《戒毒条例》第二十条，待审核确认）："
        + "；".join(zh[g] for g in grounds)
        + "。",
        "Proposed, to be confirmed or rejected by an officer: serious breach of the agreement "
        "(Drug Rehabilitation Regulations art. 20): " + "; ".join(en[g] for g in grounds) + ".",
    )


def _most_disjoint(spans: list[tuple[int, int, int]]) -> int:
    """The largest number of spans no two of which share a day (earliest-end greedy)."""
    count, last = 0, None
    for first, final, _ in sorted(spans, key=lambda s: (s[1], s[0])):
        if last is None or first > last:
            count, last = count + 1, final
    return count


def relapse(pack: Pack, measure: MeasureSpan, positive: Positive) -> RelapseFinding:
    """Does this positive result show use *during* the measure?"""
    day = positive.sampled_on
    if not measure.start <= day <= measure.end:
        return RelapseFinding(positive.sample, day, RelapseResult.OUTSIDE_MEASURE)
    if positive.sample is not Sample.HAIR:
        return RelapseFinding(positive.sample, day, RelapseResult.PROPOSED)
    # The window is anchored per the periods rule: N months before sampling, a day that does not
    # exist rolling to the first of the next month (31 Aug - 6 months = 1 Mar).
    window_from = anniversary(day, months=-pack.relapse.hair_window_months)
    result = (
        RelapseResult.PROPOSED if window_from >= measure.start else RelapseResult.NEEDS_DECISION
    )
    return RelapseFinding(positive.sample, day, result, window_from)


# --- the JSON contract (DOMAIN.md "The deadline and breach contracts") ---------------------

TOP_FIELDS = ("as_of", "measure", "leaves", "absences", "tests", "positives")
ITEM_FIELDS: dict[str, tuple[str, ...]] = {
    "measure": ("kind", "start", "end"),
    "leaves": ("from", "to", "status"),
    "absences": ("from", "to"),
    "tests": ("due", "outcome"),
    "positives": ("sample", "sampled_on"),
}


def breach_facts_from_json(text: str | bytes) -> BreachFacts:
    """Parse the breach facts document. Raises ``FactsError`` naming the offending field."""
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates)
    except FactsError:
        raise
    except (ValueError, UnicodeDecodeError) as exc:
        raise FactsError(None, f"not valid JSON: {exc}") from None
    return breach_facts_from_dict(data)


def breach_facts_from_dict(data: Any) -> BreachFacts:
    """Build ``BreachFacts`` from decoded JSON: every field required, nothing unknown, strict
    types and real dates. A list may be empty (``[]``) but not left out: a missing list is more
    likely a caller's mistake than a record with nothing in it."""
    _object(None, data, TOP_FIELDS)
    as_of = _day("as_of", data["as_of"])
    _object("measure", data["measure"], ITEM_FIELDS["measure"])
    raw = data["measure"]
    measure = MeasureSpan(
        kind=_choice("measure.kind", raw["kind"], MeasureKind),
        start=_day("measure.start", raw["start"]),
        end=_day("measure.end", raw["end"]),
    )
    return BreachFacts(
        as_of=as_of,
        measure=measure,
        leaves=tuple(
            LeaveSpan(
                _day(f"{where}.from", item["from"]),
                _day(f"{where}.to", item["to"]),
                _choice(f"{where}.status", item["status"], LeaveStatus),
            )
            for where, item in _items(data, "leaves")
        ),
        absences=tuple(
            Absence(_day(f"{where}.from", item["from"]), _day(f"{where}.to", item["to"]))
            for where, item in _items(data, "absences")
        ),
        tests=tuple(
            DrugTestFact(
                _day(f"{where}.due", item["due"]),
                _choice(f"{where}.outcome", item["outcome"], DrugTestOutcome),
            )
            for where, item in _items(data, "tests")
        ),
        positives=tuple(
            Positive(
                _choice(f"{where}.sample", item["sample"], Sample),
                _day(f"{where}.sampled_on", item["sampled_on"]),
            )
            for where, item in _items(data, "positives")
        ),
    )


def _object(where: str | None, value: Any, allowed: tuple[str, ...]) -> None:
    if not isinstance(value, dict):
        if where is None:
            raise FactsError(None, "the facts must be a JSON object")
        raise FactsError(where, f"must be an object, not {_json_type(value)}")
    prefix = f"{where}." if where else ""
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise FactsError(f"{prefix}{unknown[0]}", f"unknown field (allowed: {', '.join(allowed)})")
    for name in allowed:
        if name not in value:
            raise FactsError(f"{prefix}{name}", "is required")


def _items(data: dict[str, Any], name: str) -> list[tuple[str, dict[str, Any]]]:
    value = data[name]
    if not isinstance(value, list):
        raise FactsError(name, f"must be a list ([] for none), not {_json_type(value)}")
    out = []
    for index, item in enumerate(value):
        where = f"{name}[{index}]"
        _object(where, item, ITEM_FIELDS[name])
        out.append((where, item))
    return out


def _day(where: str, raw: Any) -> date:
    value = _date(where, raw, optional=False)
    assert value is not None  # optional=False never returns None
    return value


def _choice(where: str, raw: Any, enum: type[StrEnum]) -> Any:
    allowed = " | ".join(e.value for e in enum)
    if not isinstance(raw, str):
        raise FactsError(where, f"must be one of {allowed}, not {_json_type(raw)}")
    try:
        return enum(raw)
    except ValueError:
        raise FactsError(where, f"must be one of {allowed}, not {raw[:40]!r}") from None
