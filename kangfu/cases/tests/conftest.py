"""Helpers for case tests: a case with a measure at a chosen point of its lifecycle."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import make_user
from kangfu.access.choices import Role
from kangfu.cases import services


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def open_case(worker, person, **kwargs):
    return services.case_open(
        actor=worker,
        person=person,
        responsible=person.township,
        opened_on=kwargs.pop("opened_on", None),
        **kwargs,
    )


def decide(worker, case, *, kind="community_treatment", received="2024-03-01", **kwargs):
    received_on = day(received)
    return services.measure_record_decision(
        actor=worker,
        case=case,
        kind=kind,
        decision_number=kwargs.pop("number", "东公(禁)决字〔2024〕12号"),
        deciding_authority=kwargs.pop("authority", "东川市公安局城关分局"),
        decided_on=kwargs.pop("decided_on", received_on - dt.timedelta(days=2)),
        received_on=received_on,
        **kwargs,
    )


@pytest.fixture
def records_officer(tree):
    return make_user("records", Role.RECORDS_OFFICER, tree.county, display_name="档案员")
