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


def confirm(finding, *, worker, officer, notified: str, decided: str, reason="经核实，事实清楚"):
    """Walk a proposed finding through due process: the worker gives the person the notice
    on ``notified``; the officer confirms it on ``decided`` (after the explanation period)."""
    import time_machine

    with time_machine.travel(f"{notified} 10:00 +0800", tick=False):
        services.finding_notify(actor=worker, finding=finding, notified_on=day(notified))
    with time_machine.travel(f"{decided} 10:00 +0800", tick=False):
        return services.finding_decide(
            actor=officer, finding=finding, confirm=True, reason=reason, decided_on=day(decided)
        )
