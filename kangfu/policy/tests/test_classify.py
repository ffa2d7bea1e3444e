"""Every criterion and every adjustment path of the 2016 rules, under the cn-2016 pack."""

from __future__ import annotations

from datetime import date

import pytest

from kangfu.policy.choices import CannotBeHeld, Category, MeasureKind
from kangfu.policy.classify import adjust, classify
from kangfu.policy.packs import get_pack
from kangfu.policy.tests.helpers import AS_OF, facts

HIGH, MEDIUM, LOW = Category.HIGH, Category.MEDIUM, Category.LOW


@pytest.fixture
def pack():
    return get_pack("cn-2016")


@pytest.mark.parametrize(
    ("code", "fields"),
    [
        ("H1", {"refuses_or_serious_breach": True}),
        ("H2", {"cannot_be_held": CannotBeHeld.FOREIGN_OBJECT}),
        ("H2", {"cannot_be_held": CannotBeHeld.SELF_HARM}),
        ("H2", {"cannot_be_held": CannotBeHeld.SERIOUS_ILLNESS}),
        ("H3", {"mental_disorder": True}),
        ("H4", {"incident_or_threat": True}),
        ("H5", {"other_high_reason": "扬言持刀伤人"}),
    ],
)
def test_it_assesses_each_high_criterion_as_high(pack, code, fields):
    result = classify(pack, facts(**fields))
    assert result.criteria == (code,)
    assert result.assessed is HIGH
    assert result.category is HIGH
    assert result.changed is False  # no current category given


@pytest.mark.parametrize(
    ("code", "fields"),
    [
        ("M1", {"active_measure": MeasureKind.COMMUNITY_TREATMENT}),
        ("M1", {"active_measure": MeasureKind.COMMUNITY_RECOVERY}),
        ("M2", {"pregnant_or_nursing": True}),
        ("M3", {"medical_leave_from_isolation": True}),
        ("M4", {"community_corrections": True}),
        ("M4", {"released_from_prison_on": date(2024, 1, 1)}),
        ("M5", {"released_from_isolation_on": date(2024, 1, 1)}),
        ("M6", {"other_medium_reason": "家庭关系紧张"}),
    ],
)
def test_it_assesses_each_medium_criterion_as_medium(pack, code, fields):
    result = classify(pack, facts(**fields))
    assert result.criteria == (code,)
    assert result.assessed is MEDIUM


def test_it_assesses_low_when_nothing_holds(pack):
    result = classify(pack, facts())
    assert (result.assessed, result.criteria, result.category) == (LOW, (), LOW)


@pytest.mark.parametrize("blank", ["", "   ", None])
def test_it_needs_a_written_reason_for_h5_and_m6(pack, blank):
    result = classify(pack, facts(other_high_reason=blank, other_medium_reason=blank))
    assert result.criteria == ()


def test_it_lists_every_criterion_that_holds_sorted(pack):
    result = classify(
        pack,
        facts(
            other_medium_reason="x",
            mental_disorder=True,
            active_measure=MeasureKind.COMMUNITY_RECOVERY,
            refuses_or_serious_breach=True,
            pregnant_or_nursing=True,
        ),
    )
    assert result.criteria == ("H1", "H3", "M1", "M2", "M6")
    assert result.assessed is HIGH


@pytest.mark.parametrize(
    ("released", "holds"),
    [
        (date(2023, 11, 25), True),  # anniversary 2026-11-25 is after as_of
        (date(2023, 11, 24), False),  # exactly 3 years ago: no longer "less than"
        (date(2023, 11, 23), False),
        (AS_OF, True),
    ],
)
def test_it_applies_the_three_year_window_on_both_sides(pack, released, holds):
    prison = classify(pack, facts(released_from_prison_on=released))
    isolation = classify(pack, facts(released_from_isolation_on=released))
    assert ("M4" in prison.criteria) is holds
    assert ("M5" in isolation.criteria) is holds


def test_it_counts_the_window_from_29_february(pack):
    released = date(2024, 2, 29)
    assert classify(
        pack, facts(as_of=date(2027, 2, 28), released_from_prison_on=released)
    ).criteria == ("M4",)
    assert (
        classify(pack, facts(as_of=date(2027, 3, 1), released_from_prison_on=released)).criteria
        == ()
    )


def test_m5_does_not_hold_when_ordered_into_community_recovery(pack):
    result = classify(
        pack, facts(released_from_isolation_on=date(2025, 1, 1), community_recovery_ordered=True)
    )
    assert result.criteria == ()


@pytest.mark.parametrize(
    ("current", "assessed", "expected"),
    [
        (None, HIGH, HIGH),
        (None, MEDIUM, MEDIUM),
        (None, LOW, LOW),
        (LOW, HIGH, HIGH),  # straight up, two steps at once
        (LOW, MEDIUM, MEDIUM),
        (MEDIUM, HIGH, HIGH),
        (HIGH, HIGH, HIGH),
        (MEDIUM, MEDIUM, MEDIUM),
        (LOW, LOW, LOW),
        (HIGH, MEDIUM, MEDIUM),  # one step down
        (MEDIUM, LOW, LOW),
        (HIGH, LOW, MEDIUM),  # never two steps down at once
    ],
)
def test_it_adjusts_up_straight_and_down_one_step(current, assessed, expected):
    assert adjust(current, assessed) is expected


@pytest.mark.parametrize(
    ("current", "fields", "category", "changed"),
    [
        (HIGH, {}, MEDIUM, True),
        (MEDIUM, {}, LOW, True),
        (LOW, {"mental_disorder": True}, HIGH, True),
        (HIGH, {"mental_disorder": True}, HIGH, False),
        (None, {"mental_disorder": True}, HIGH, False),
        (MEDIUM, {"pregnant_or_nursing": True}, MEDIUM, False),
    ],
)
def test_it_reports_changed_only_against_a_given_current(pack, current, fields, category, changed):
    result = classify(pack, facts(current_category=current, **fields))
    assert (result.category, result.changed) == (category, changed)


def test_it_gives_the_contract_object(pack):
    result = classify(pack, facts(current_category=HIGH, community_corrections=True))
    assert result.as_contract() == {
        "assessed": "medium",
        "criteria": ["M4"],
        "category": "medium",
        "changed": True,
    }


def test_it_explains_with_pack_texts_in_both_languages(pack):
    result = classify(pack, facts(current_category=HIGH, cannot_be_held=CannotBeHeld.SELF_HARM))
    h2 = result.criterion_reasons[0]
    assert h2.code == "H2"
    assert h2.zh.startswith(pack.criterion("H2").zh) and "自杀自残" in h2.zh
    assert h2.en.startswith(pack.criterion("H2").en) and "self-harm" in h2.en
    codes = [r.code for r in result.reasons]
    assert codes == ["H2", "assessment", "adjustment"]


def test_it_explains_a_held_back_downgrade(pack):
    result = classify(pack, facts(current_category=HIGH))
    adjustment = result.reasons[-1]
    assert "只能下调一级" in adjustment.zh
    assert "one step" in adjustment.en


def test_a_disabled_criterion_never_holds(pack):
    criteria = dict(pack.criteria)
    criteria["M2"] = criteria["M2"].model_copy(update={"enabled": False})
    local = pack.model_copy(update={"criteria": criteria})
    assert classify(local, facts(pregnant_or_nursing=True)).criteria == ()


def test_the_pack_sets_the_release_window(pack):
    criteria = dict(pack.criteria)
    criteria["M4"] = criteria["M4"].model_copy(update={"window_years": 5})
    local = pack.model_copy(update={"criteria": criteria})
    released = date(2022, 1, 1)
    assert classify(pack, facts(released_from_prison_on=released)).criteria == ()
    assert classify(local, facts(released_from_prison_on=released)).criteria == ("M4",)
