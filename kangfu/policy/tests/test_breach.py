"""戒毒条例 art. 20 and relapse: what counts, what does not, and that nothing is ever confirmed."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kangfu.policy.breach import (
    Absence,
    BreachFacts,
    DrugTestFact,
    DrugTestOutcome,
    LeaveSpan,
    LeaveStatus,
    MeasureSpan,
    Positive,
    RelapseResult,
    Sample,
    assess,
    breach_facts_from_dict,
)
from kangfu.policy.choices import MeasureKind
from kangfu.policy.facts import FactsError
from kangfu.policy.packs import get_pack

NATIONAL = get_pack("cn-2016")
APPROVAL = get_pack("example-local")  # leave.mode: approval
MEASURE = MeasureSpan(MeasureKind.COMMUNITY_TREATMENT, date(2024, 1, 10), date(2027, 1, 9))
AS_OF = date(2026, 11, 24)
EXAMPLES = settings(max_examples=300, deadline=None)


def facts(**kw) -> BreachFacts:
    return BreachFacts(as_of=kw.pop("as_of", AS_OF), measure=kw.pop("measure", MEASURE), **kw)


def trip(left: str, back: str) -> Absence:
    return Absence(date.fromisoformat(left), date.fromisoformat(back))


def leave(left: str, back: str, status: str) -> LeaveSpan:
    return LeaveSpan(date.fromisoformat(left), date.fromisoformat(back), LeaveStatus(status))


def test_it_finds_no_breach_in_three_one_day_trips():
    record = facts(
        absences=(
            trip("2024-02-01", "2024-02-02"),
            trip("2024-03-01", "2024-03-02"),
            trip("2024-04-01", "2024-04-02"),
        )
    )
    assert assess(NATIONAL, record).as_contract() == {
        "serious_breach": "none",
        "grounds": [],
        "departures_counted": 0,
        "days_absent": 0,
        "tests_counted": 0,
        "relapse": [],
    }


def test_it_proposes_a_breach_on_three_unreported_three_day_trips():
    record = facts(
        absences=(
            trip("2024-02-01", "2024-02-04"),
            trip("2024-03-01", "2024-03-04"),
            trip("2024-04-01", "2024-04-04"),
        )
    )
    result = assess(NATIONAL, record)
    assert result.as_contract() == {
        "serious_breach": "proposed",
        "grounds": ["departures"],
        "departures_counted": 3,
        "days_absent": 9,
        "tests_counted": 0,
        "relapse": [],
    }
    assert result.zh == (
        "拟认定严重违反社区戒毒协议（《戒毒条例》第二十条，待审核确认）："
        "擅自离开社区戒毒执行地所在县（市、区）3次（达到3次）。"
    )
    assert result.en.startswith("Proposed, to be confirmed or rejected by an officer")
    assert result.departures == (0, 1, 2)


def test_it_counts_a_trip_from_the_day_after_leaving():
    # Left 02-01, back 02-03: two days, below the 3-day written-report threshold.
    assert assess(NATIONAL, facts(absences=(trip("2024-02-01", "2024-02-03"),))).days_absent == 0
    assert assess(NATIONAL, facts(absences=(trip("2024-02-01", "2024-02-04"),))).days_absent == 3


@pytest.mark.parametrize("status", ["reported", "approved", "refused"])
def test_it_does_not_count_an_absence_inside_a_written_report_nationally(status):
    record = facts(
        leaves=(leave("2024-05-01", "2024-05-20", status),),
        absences=(trip("2024-05-02", "2024-05-19"),),
    )
    result = assess(NATIONAL, record)
    assert (result.departures_counted, result.days_absent) == (0, 0)


@pytest.mark.parametrize(("status", "counted"), [("reported", 1), ("approved", 0), ("refused", 1)])
def test_it_covers_only_approved_leave_where_the_pack_requires_approval(status, counted):
    record = facts(
        leaves=(leave("2024-05-01", "2024-05-20", status),),
        absences=(trip("2024-05-01", "2024-05-20"),),
    )
    result = assess(APPROVAL, record)
    assert result.departures_counted == counted
    assert result.days_absent == 19 * counted


def test_it_counts_only_the_days_beyond_the_report():
    # Reported 05-01..05-10, came back 05-15: five days away without a report.
    record = facts(
        leaves=(leave("2024-05-01", "2024-05-10", "reported"),),
        absences=(trip("2024-05-01", "2024-05-15"),),
    )
    result = assess(NATIONAL, record)
    assert (result.departures_counted, result.days_absent) == (1, 5)
    # Two days late is under the threshold: the report covered the trip that needed one.
    late = replace(record, absences=(trip("2024-05-01", "2024-05-12"),))
    assert assess(NATIONAL, late).departures_counted == 0


def test_it_proposes_a_breach_after_more_than_30_days_away_not_at_30():
    thirty = facts(absences=(trip("2024-03-01", "2024-03-21"), trip("2024-06-01", "2024-06-11")))
    assert assess(NATIONAL, thirty).days_absent == 30
    assert assess(NATIONAL, thirty).serious_breach == "none"
    more = replace(thirty, absences=(*thirty.absences, trip("2024-08-01", "2024-08-04")))
    result = assess(NATIONAL, more)
    assert (result.days_absent, result.departures_counted) == (33, 3)
    assert result.grounds == ("days_absent", "departures")
    assert "擅自离开累计33日（超过30日）" in result.zh


def test_it_counts_overlapping_records_of_one_absence_once():
    record = facts(
        absences=(
            trip("2024-03-01", "2024-03-20"),
            trip("2024-03-10", "2024-03-25"),
            trip("2024-03-01", "2024-03-20"),
        )
    )
    result = assess(NATIONAL, record)
    assert (result.departures_counted, result.days_absent) == (1, 24)


def test_it_counts_only_days_within_the_measure():
    record = facts(
        absences=(
            trip("2023-12-01", "2024-01-11"),  # two days inside the measure (01-10, 01-11)
            trip("2027-01-05", "2027-01-09"),  # four days, the last on the measure's last day
        ),
        as_of=date(2027, 2, 1),
    )
    result = assess(NATIONAL, record)
    assert (result.departures_counted, result.days_absent) == (1, 4)


def test_it_counts_only_evaded_and_refused_tests():
    outcomes = ["evaded", "refused", "excused", "excused", "done", "evaded"]
    tests = tuple(
        DrugTestFact(date(2024, 2, 1) + timedelta(days=30 * n), DrugTestOutcome(o))
        for n, o in enumerate(outcomes)
    )
    result = assess(NATIONAL, facts(tests=tests))
    assert (result.tests_counted, result.grounds, result.serious_breach) == (
        3,
        ("tests",),
        "proposed",
    )
    two = assess(NATIONAL, facts(tests=tests[:2]))
    assert (two.tests_counted, two.serious_breach) == (2, "none")


def test_it_ignores_tests_outside_the_measure():
    tests = tuple(DrugTestFact(date(2023, 12, d), DrugTestOutcome.REFUSED) for d in (1, 2, 3))
    assert assess(NATIONAL, facts(tests=tests)).tests_counted == 0


@pytest.mark.parametrize(
    ("sample", "sampled_on", "result"),
    [
        ("urine", "2024-01-10", "proposed"),  # the first day of the measure
        ("saliva", "2027-01-09", "proposed"),  # its last day
        ("urine", "2024-01-09", "outside_measure"),
        ("hair", "2024-04-10", "needs_decision"),  # month 3: the window starts 2023-10-10
        ("hair", "2024-07-10", "proposed"),  # the window starts on the first day exactly
        ("hair", "2024-07-09", "needs_decision"),
        ("hair", "2027-01-10", "outside_measure"),
    ],
)
def test_it_judges_each_positive_by_its_detection_window(sample, sampled_on, result):
    positive = Positive(Sample(sample), date.fromisoformat(sampled_on))
    record = facts(positives=(positive,), as_of=date(2027, 2, 1))
    assert assess(NATIONAL, record).as_contract()["relapse"] == [
        {"sampled_on": sampled_on, "result": result}
    ]


def test_it_anchors_the_hair_window_per_the_periods_rule():
    # 31 Aug minus 6 months: 31 Feb does not exist, so the window starts on 1 Mar.
    measure = MeasureSpan(MeasureKind.COMMUNITY_RECOVERY, date(2024, 3, 1), date(2025, 2, 28))
    record = facts(measure=measure, positives=(Positive(Sample.HAIR, date(2024, 8, 31)),))
    finding = assess(NATIONAL, record).relapse[0]
    assert (finding.window_from, finding.result) == (date(2024, 3, 1), RelapseResult.PROPOSED)


def test_a_relapse_does_not_make_a_serious_breach():
    record = facts(positives=(Positive(Sample.URINE, date(2024, 5, 1)),))
    assert assess(NATIONAL, record).serious_breach == "none"


# --- input -------------------------------------------------------------------------------

GOOD = {
    "as_of": "2026-11-24",
    "measure": {"kind": "community_treatment", "start": "2024-01-10", "end": "2027-01-09"},
    "leaves": [{"from": "2024-05-01", "to": "2024-05-10", "status": "refused"}],
    "absences": [{"from": "2024-05-01", "to": "2024-05-09"}],
    "tests": [{"due": "2024-02-01", "outcome": "excused"}],
    "positives": [{"sample": "hair", "sampled_on": "2024-04-10"}],
}


def test_it_reads_the_contract_document():
    record = breach_facts_from_dict(GOOD)
    assert record.leaves == (leave("2024-05-01", "2024-05-10", "refused"),)
    assert record.measure == MEASURE


def bad(path: str, value=None, *, drop: bool = False) -> dict:
    data = copy.deepcopy(GOOD)
    *parents, last = path.split(".")
    target = data
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if drop:
        del target[last]
    else:
        target[last] = value
    return data


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (bad("colour", "red"), "colour"),
        (bad("measure.colour", "red"), "measure.colour"),
        (bad("leaves.0.colour", "red"), "leaves[0].colour"),
        (bad("as_of", drop=True), "as_of"),
        (bad("tests", drop=True), "tests"),
        (bad("measure.end", drop=True), "measure.end"),
        (bad("absences.0.to", drop=True), "absences[0].to"),
        (bad("as_of", "2026-02-30"), "as_of"),
        (bad("measure.start", "2024/01/10"), "measure.start"),
        (bad("tests.0.due", 20240201), "tests[0].due"),
        (bad("leaves.0.status", "pending"), "leaves[0].status"),
        (bad("tests.0.outcome", None), "tests[0].outcome"),
        (bad("positives.0.sample", "blood"), "positives[0].sample"),
        (bad("measure.kind", "compulsory_isolation"), "measure.kind"),
        (bad("absences", {"from": "2024-05-01"}), "absences"),
        (bad("measure", []), "measure"),
        (bad("absences.0.to", "2024-04-30"), "absences[0].to"),
        (bad("absences.0.to", "2026-11-25"), "absences[0].to"),
        (bad("measure.end", "2024-01-09"), "measure.end"),
        (bad("measure.start", "2026-11-25"), "measure.start"),
        (bad("positives.0.sampled_on", "2026-11-25"), "positives[0].sampled_on"),
        (bad("tests.0.due", "2026-12-01"), "tests[0].due"),
        (bad("leaves.0.to", "2024-04-01"), "leaves[0].to"),
        (bad("measure.start", "1899-12-31"), "measure.start"),
    ],
)
def test_it_refuses_bad_input_naming_the_field(data, field):
    with pytest.raises(FactsError) as err:
        breach_facts_from_dict(data)
    assert err.value.field == field


# --- properties --------------------------------------------------------------------------

START = date(2024, 1, 1)
days = st.integers(min_value=-20, max_value=400).map(lambda n: START + timedelta(days=n))


@st.composite
def spans(draw):
    first = draw(days)
    return first, first + timedelta(days=draw(st.integers(min_value=0, max_value=40)))


@st.composite
def records(draw):
    measure = MeasureSpan(
        MeasureKind.COMMUNITY_TREATMENT,
        START,
        START + timedelta(days=draw(st.integers(min_value=30, max_value=400))),
    )
    absences = tuple(Absence(*s) for s in draw(st.lists(spans(), max_size=8)))
    leaves = tuple(
        LeaveSpan(*s, draw(st.sampled_from(list(LeaveStatus))))
        for s in draw(st.lists(spans(), max_size=4))
    )
    tests = tuple(
        DrugTestFact(d, o)
        for d, o in draw(st.lists(st.tuples(days, st.sampled_from(list(DrugTestOutcome)))))
    )
    positives = tuple(
        Positive(s, d) for s, d in draw(st.lists(st.tuples(st.sampled_from(list(Sample)), days)))
    )
    as_of = max(
        [measure.start]
        + [a.to for a in absences]
        + [t.due for t in tests]
        + [p.sampled_on for p in positives]
    )
    return BreachFacts(
        as_of=as_of,
        measure=measure,
        leaves=leaves,
        absences=absences,
        tests=tests,
        positives=positives,
    )


packs = st.sampled_from([NATIONAL, APPROVAL])


def counts(result):
    return (result.departures_counted, result.days_absent, result.tests_counted)


@EXAMPLES
@given(packs, records())
def test_it_only_ever_proposes(pack, record):
    result = assess(pack, record)
    assert result.serious_breach in ("none", "proposed")
    assert (result.serious_breach == "proposed") is bool(result.grounds)
    assert list(result.grounds) == sorted(result.grounds)
    assert result.departures_counted <= len(record.absences)
    assert len(result.relapse) == len(record.positives)


@EXAMPLES
@given(packs, records(), st.data())
def test_withdrawing_an_absence_never_increases_a_count(pack, record, data):
    if not record.absences:
        return
    index = data.draw(st.integers(min_value=0, max_value=len(record.absences) - 1))
    fewer = replace(record, absences=record.absences[:index] + record.absences[index + 1 :])
    before, after = counts(assess(pack, record)), counts(assess(pack, fewer))
    assert all(a <= b for a, b in zip(after, before, strict=True))


@EXAMPLES
@given(packs, records(), spans())
def test_a_leave_covering_absences_never_increases_a_count(pack, record, span):
    status = LeaveStatus.APPROVED  # covers under both modes
    more = replace(record, leaves=(*record.leaves, LeaveSpan(*span, status)))
    before, after = counts(assess(pack, record)), counts(assess(pack, more))
    assert all(a <= b for a, b in zip(after, before, strict=True))


@EXAMPLES
@given(packs, records(), days)
def test_adding_an_excused_test_never_changes_the_result(pack, record, due):
    more = replace(
        record,
        tests=(*record.tests, DrugTestFact(due, DrugTestOutcome.EXCUSED)),
        as_of=max(record.as_of, due),
    )
    assert assess(pack, more) == assess(pack, record)


@EXAMPLES
@given(records())
def test_approval_mode_never_counts_less_than_report_mode(record):
    strict, lenient = counts(assess(APPROVAL, record)), counts(assess(NATIONAL, record))
    assert all(s >= n for s, n in zip(strict, lenient, strict=True))


def naive(pack, record):
    """The rules of docs/legal.md written the slow, obvious way: sets of days."""
    m = record.measure

    def days(first, last):
        return {first + timedelta(days=n) for n in range(1, (last - first).days + 1)}

    covering = {"report": set(LeaveStatus), "approval": {LeaveStatus.APPROVED}}[pack.leave.mode]
    covered = set().union(*(days(lv.from_, lv.to) for lv in record.leaves if lv.status in covering))
    away_days, spans = set(), []
    for absence in record.absences:
        away = {d for d in days(absence.from_, absence.to) if m.start <= d <= m.end}
        runs, run = [], []
        for d in sorted(away - covered):
            if run and run[-1] + timedelta(days=1) != d:
                runs.append(run)
                run = []
            run.append(d)
        if run:
            runs.append(run)
        long = [r for r in runs if len(r) >= pack.leave.written_report_from_days]
        if long:
            spans.append(away)
            away_days.update(*long)
    # The largest set of departure records pairwise sharing no day, by brute force.
    best = 0
    for mask in range(1 << len(spans)):
        chosen = [s for i, s in enumerate(spans) if mask >> i & 1]
        if all(a.isdisjoint(b) for i, a in enumerate(chosen) for b in chosen[i + 1 :]):
            best = max(best, len(chosen))
    return best, len(away_days)


@EXAMPLES
@given(packs, records())
def test_it_counts_exactly_as_the_obvious_day_by_day_reading(pack, record):
    result = assess(pack, record)
    assert (result.departures_counted, result.days_absent) == naive(pack, record)


def test_it_handles_a_very_long_record_quickly():
    measure = MeasureSpan(MeasureKind.COMMUNITY_TREATMENT, date(1900, 1, 1), date(9999, 12, 31))
    record = BreachFacts(
        as_of=date(9999, 12, 31),
        measure=measure,
        leaves=(LeaveSpan(date(1900, 1, 1), date(9999, 12, 31), LeaveStatus.REFUSED),) * 200,
        absences=(Absence(date(1900, 1, 1), date(9999, 12, 31)),) * 200,
    )
    assert assess(APPROVAL, record).days_absent == (date(9999, 12, 31) - date(1900, 1, 1)).days
    assert assess(NATIONAL, record).days_absent == 0
