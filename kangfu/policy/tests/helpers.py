"""Shared builders for the policy tests (pure: no database)."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import strategies as st

from kangfu.policy.choices import CannotBeHeld, Category, MeasureKind
from kangfu.policy.facts import Facts

AS_OF = date(2026, 11, 24)


def facts(**overrides: Any) -> Facts:
    """Facts of a person to whom no criterion applies, with ``overrides``."""
    overrides.setdefault("as_of", AS_OF)
    return Facts(**overrides)


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


@st.composite
def any_facts(draw: st.DrawFn) -> Facts:
    as_of = draw(st.dates(min_value=date(2010, 1, 1), max_value=date(2040, 12, 31)))
    past = st.dates(min_value=date(2000, 1, 1), max_value=as_of)
    text = _optional(st.text(max_size=20))
    return Facts(
        as_of=as_of,
        current_category=draw(_optional(st.sampled_from(Category))),
        active_measure=draw(_optional(st.sampled_from(MeasureKind))),
        refuses_or_serious_breach=draw(st.booleans()),
        cannot_be_held=draw(_optional(st.sampled_from(CannotBeHeld))),
        mental_disorder=draw(st.booleans()),
        incident_or_threat=draw(st.booleans()),
        other_high_reason=draw(text),
        pregnant_or_nursing=draw(st.booleans()),
        medical_leave_from_isolation=draw(st.booleans()),
        community_corrections=draw(st.booleans()),
        released_from_prison_on=draw(_optional(past)),
        released_from_isolation_on=draw(_optional(past)),
        community_recovery_ordered=draw(st.booleans()),
        other_medium_reason=draw(text),
    )
