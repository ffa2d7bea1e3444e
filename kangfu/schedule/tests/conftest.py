"""Helpers for schedule tests: a person under 社区戒毒 from a chosen reporting day."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from kangfu.cases import services as cases
from kangfu.cases.tests.conftest import day, decide, open_case


def active_case(worker, person, *, reported="2024-03-01"):
    """A case whose 社区戒毒 started on ``reported`` (the clock is set there meanwhile)."""
    start = day(reported)
    with time_machine.travel(dt.datetime.combine(start, dt.time(9)), tick=False):
        case = open_case(worker, person, opened_on=start - dt.timedelta(days=3))
        measure = decide(worker, case, received=(start - dt.timedelta(days=2)).isoformat())
        cases.measure_report(actor=worker, measure=measure, reported_on=start)
    measure.refresh_from_db()
    return case, measure


@pytest.fixture
def case_a(personas, people):
    return active_case(personas.worker_a, people.in_a)


def planned(case, kind=None):
    qs = case.appointments.filter(state="planned").order_by("on", "kind")
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs)
