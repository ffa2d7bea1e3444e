"""Schedule generation from the pack: per category, only with a measure or consent."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from kangfu.policy.choices import Category, DueKind, MeasureKind
from kangfu.policy.packs import get_pack
from kangfu.policy.scheduling import Due, schedule

TREATMENT = MeasureKind.COMMUNITY_TREATMENT


@pytest.fixture
def pack():
    return get_pack("cn-2016")


def kinds(dues):
    return Counter(d.kind for d in dues)


def test_high_under_a_measure_is_urine_and_visit_monthly_and_hair_quarterly(pack):
    dues = schedule(
        pack,
        category=Category.HIGH,
        measure=TREATMENT,
        anchor=date(2024, 1, 15),
        start=date(2024, 1, 15),
        until=date(2025, 1, 14),
    )
    assert kinds(dues) == {DueKind.URINE_TEST: 11, DueKind.VISIT: 11, DueKind.HAIR_TEST: 3}
    assert dues[0] == Due(date(2024, 2, 15), DueKind.URINE_TEST)
    assert [d.on for d in dues if d.kind is DueKind.HAIR_TEST] == [
        date(2024, 4, 15),
        date(2024, 7, 15),
        date(2024, 10, 15),
    ]


def test_medium_under_a_measure_is_every_two_months_and_hair_every_six(pack):
    dues = schedule(
        pack,
        category=Category.MEDIUM,
        measure=MeasureKind.COMMUNITY_RECOVERY,
        anchor=date(2024, 1, 1),
        start=date(2024, 1, 1),
        until=date(2024, 12, 31),
    )
    assert kinds(dues) == {DueKind.URINE_TEST: 5, DueKind.VISIT: 5, DueKind.HAIR_TEST: 1}


def test_it_clamps_an_anchor_on_the_31st(pack):
    dues = schedule(
        pack,
        category=Category.HIGH,
        measure=TREATMENT,
        anchor=date(2024, 1, 31),
        start=date(2024, 1, 1),
        until=date(2024, 4, 30),
    )
    urine = [d.on for d in dues if d.kind is DueKind.URINE_TEST]
    assert urine == [date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30)]


def test_it_sorts_by_date_then_kind(pack):
    dues = schedule(
        pack,
        category=Category.HIGH,
        measure=TREATMENT,
        anchor=date(2024, 1, 10),
        start=date(2024, 4, 10),
        until=date(2024, 4, 10),
    )
    assert [d.kind for d in dues] == [DueKind.URINE_TEST, DueKind.HAIR_TEST, DueKind.VISIT]


def test_nothing_is_due_after_the_measure_ends(pack):
    anchor = date(2024, 2, 29)  # 3 years: last day 2027-02-28
    dues = schedule(
        pack,
        category=Category.HIGH,
        measure=TREATMENT,
        anchor=anchor,
        start=date(2027, 1, 1),
        until=date(2027, 12, 31),
    )
    assert max(d.on for d in dues) == date(2027, 2, 28)
    shorter = schedule(
        pack,
        category=Category.MEDIUM,
        measure=MeasureKind.COMMUNITY_RECOVERY,
        anchor=date(2024, 1, 1),
        start=date(2024, 1, 1),
        until=date(2030, 1, 1),
        measure_end=date(2024, 6, 30),
    )
    assert max(d.on for d in shorter) == date(2024, 5, 1)


@pytest.mark.parametrize("category", list(Category))
def test_nothing_is_scheduled_without_a_measure_or_consent(pack, category):
    assert (
        schedule(
            pack,
            category=category,
            measure=None,
            anchor=date(2024, 1, 1),
            start=date(2024, 1, 1),
            until=date(2030, 1, 1),
        )
        == ()
    )


@pytest.mark.parametrize("category", list(Category))
def test_consented_aftercare_is_a_quarterly_call(pack, category):
    dues = schedule(
        pack,
        category=category,
        measure=None,
        consent=True,
        anchor=date(2024, 1, 1),
        start=date(2024, 1, 1),
        until=date(2024, 12, 31),
    )
    assert [(d.on, d.kind) for d in dues] == [
        (date(2024, 4, 1), DueKind.CALL),
        (date(2024, 7, 1), DueKind.CALL),
        (date(2024, 10, 1), DueKind.CALL),
    ]


def test_consent_adds_nothing_under_a_measure(pack):
    args = dict(
        category=Category.HIGH,
        measure=TREATMENT,
        anchor=date(2024, 1, 1),
        start=date(2024, 1, 1),
        until=date(2024, 12, 31),
    )
    assert schedule(pack, consent=True, **args) == schedule(pack, consent=False, **args)


def test_it_refuses_low_under_a_measure(pack):
    with pytest.raises(ValueError, match="never low"):
        schedule(
            pack,
            category=Category.LOW,
            measure=TREATMENT,
            anchor=date(2024, 1, 1),
            start=date(2024, 1, 1),
            until=date(2024, 12, 31),
        )


def test_the_example_local_pack_tightens_the_high_schedule():
    dues = schedule(
        get_pack("example-local"),
        category=Category.HIGH,
        measure=TREATMENT,
        anchor=date(2024, 1, 15),
        start=date(2024, 1, 15),
        until=date(2025, 1, 14),
    )
    counts = kinds(dues)
    assert counts[DueKind.SALIVA_TEST] == 11
    assert counts[DueKind.HAIR_TEST] == 5  # every 2 months instead of 3
