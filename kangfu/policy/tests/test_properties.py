"""Hypothesis properties of the engine (DOMAIN.md: adjustment rule, never low under a measure)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kangfu.policy.choices import Category, MeasureKind
from kangfu.policy.classify import classify
from kangfu.policy.facts import facts_from_json
from kangfu.policy.packs import available_packs, get_pack
from kangfu.policy.scheduling import Due, schedule
from kangfu.policy.tests.helpers import any_facts

PACKS = [get_pack(pack_id) for pack_id in available_packs()]
packs = st.sampled_from(PACKS)
EXAMPLES = settings(max_examples=200, deadline=None)


@EXAMPLES
@given(packs, any_facts())
def test_it_never_drops_more_than_one_step(pack, facts):
    result = classify(pack, facts)
    if facts.current_category is not None:
        assert result.category.rank >= facts.current_category.rank - 1


@EXAMPLES
@given(packs, any_facts())
def test_it_is_never_below_a_higher_assessment(pack, facts):
    result = classify(pack, facts)
    assert result.category.rank >= result.assessed.rank
    if facts.current_category is None:
        assert result.category is result.assessed


@EXAMPLES
@given(packs, any_facts())
def test_a_person_under_a_measure_is_never_low(pack, facts):
    result = classify(pack, facts)
    if facts.active_measure is not None:
        assert "M1" in result.criteria
        assert result.assessed is not Category.LOW
        assert result.category is not Category.LOW


@EXAMPLES
@given(packs, any_facts())
def test_the_result_is_consistent_with_its_criteria(pack, facts):
    result = classify(pack, facts)
    assert list(result.criteria) == sorted(set(result.criteria))
    assert result.changed == (
        facts.current_category is not None and facts.current_category is not result.category
    )
    assert len(result.criterion_reasons) == len(result.criteria)


@EXAMPLES
@given(any_facts())
def test_facts_round_trip_through_json(facts):
    assert facts_from_json(facts.to_json()) == facts


@EXAMPLES
@given(
    packs,
    st.sampled_from(Category),
    st.one_of(st.none(), st.sampled_from(MeasureKind)),
    st.booleans(),
    st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31)),
    st.integers(min_value=-400, max_value=1500),
    st.integers(min_value=0, max_value=1200),
)
def test_a_schedule_is_sorted_within_range_and_stable(
    pack, category, measure, consent, anchor, offset, span
):
    if measure is not None and category is Category.LOW:
        category = Category.MEDIUM  # a person under a measure is never low
    start = anchor + timedelta(days=offset)
    until = start + timedelta(days=span)
    args = dict(
        category=category, measure=measure, anchor=anchor, start=start, until=until, consent=consent
    )
    dues = schedule(pack, **args)
    assert list(dues) == sorted(dues, key=Due.sort_key)
    assert len(set(dues)) == len(dues)
    assert all(start <= d.on <= until and d.on > anchor for d in dues)
    assert schedule(pack, **args) == dues
    if measure is None and not consent:
        assert dues == ()


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.id)
def test_no_pack_schedules_anything_without_a_measure_or_consent(pack):
    for category in Category:
        assert all(e.requires in ("measure", "consent") for e in pack.schedule_for(category))
