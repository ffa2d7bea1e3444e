"""The facts JSON: strict parsing that names the field, and a lossless round trip."""

from __future__ import annotations

import json
from datetime import date

import pytest

from kangfu.policy.choices import Category, MeasureKind
from kangfu.policy.facts import FIELD_NAMES, Facts, FactsError, facts_from_dict, facts_from_json

CONTRACT_EXAMPLE = {
    "as_of": "2026-11-24",
    "current_category": None,
    "active_measure": "community_treatment",
    "refuses_or_serious_breach": False,
    "cannot_be_held": None,
    "mental_disorder": False,
    "incident_or_threat": False,
    "other_high_reason": None,
    "pregnant_or_nursing": False,
    "medical_leave_from_isolation": False,
    "community_corrections": False,
    "released_from_prison_on": None,
    "released_from_isolation_on": "2024-02-29",
    "community_recovery_ordered": True,
    "other_medium_reason": None,
}


def test_it_parses_the_contract_example():
    parsed = facts_from_json(json.dumps(CONTRACT_EXAMPLE))
    assert parsed.as_of == date(2026, 11, 24)
    assert parsed.active_measure is MeasureKind.COMMUNITY_TREATMENT
    assert parsed.released_from_isolation_on == date(2024, 2, 29)
    assert set(CONTRACT_EXAMPLE) == set(FIELD_NAMES)


def test_it_round_trips_through_json():
    parsed = facts_from_json(json.dumps(CONTRACT_EXAMPLE))
    assert facts_from_json(parsed.to_json()) == parsed
    assert json.loads(parsed.to_json()) == CONTRACT_EXAMPLE


def test_it_defaults_missing_flags_but_requires_as_of():
    assert facts_from_dict({"as_of": "2026-01-01"}) == Facts(as_of=date(2026, 1, 1))
    with pytest.raises(FactsError) as err:
        facts_from_dict({"current_category": "high"})
    assert err.value.field == "as_of"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"mental_disorde": True}, "mental_disorde", "unknown field"),
        ({"as_of": "2026-13-01"}, "as_of", "not a real calendar date"),
        ({"as_of": "2026-02-30"}, "as_of", "not a real calendar date"),
        ({"as_of": "24/11/2026"}, "as_of", "YYYY-MM-DD"),
        ({"as_of": "20261124"}, "as_of", "YYYY-MM-DD"),
        ({"as_of": None}, "as_of", "null"),
        ({"released_from_prison_on": "2026-11-25"}, "released_from_prison_on", "after as_of"),
        ({"released_from_isolation_on": 20240101}, "released_from_isolation_on", "number"),
        ({"mental_disorder": "false"}, "mental_disorder", "true or false"),
        ({"mental_disorder": 0}, "mental_disorder", "true or false"),
        ({"mental_disorder": None}, "mental_disorder", "true or false"),
        ({"current_category": "extreme"}, "current_category", "high | medium | low | null"),
        ({"current_category": "null"}, "current_category", "one of"),
        ({"active_measure": 1}, "active_measure", "one of"),
        ({"cannot_be_held": True}, "cannot_be_held", "one of"),
        ({"other_high_reason": 5}, "other_high_reason", "string or null"),
        ({"other_medium_reason": ["x"]}, "other_medium_reason", "list"),
    ],
)
def test_it_refuses_bad_input_naming_the_field(change, field, words):
    with pytest.raises(FactsError) as err:
        facts_from_dict({**CONTRACT_EXAMPLE, **change})
    assert err.value.field == field
    assert words in str(err.value)
    assert field in str(err.value)


@pytest.mark.parametrize("text", ["", "not json", "[1, 2]", '"2026-01-01"', "{"])
def test_it_refuses_a_document_that_is_not_an_object(text):
    with pytest.raises(FactsError):
        facts_from_json(text)


def test_it_refuses_a_field_given_twice():
    with pytest.raises(FactsError) as err:
        facts_from_json('{"as_of": "2026-01-01", "as_of": "2026-01-02"}')
    assert err.value.field == "as_of"


def test_it_refuses_a_release_after_as_of_when_built_in_code():
    with pytest.raises(FactsError) as err:
        Facts(as_of=date(2026, 1, 1), released_from_prison_on=date(2026, 1, 2))
    assert err.value.field == "released_from_prison_on"


def test_it_keeps_enum_values():
    parsed = facts_from_dict({"as_of": "2026-01-01", "current_category": "low"})
    assert parsed.current_category is Category.LOW
