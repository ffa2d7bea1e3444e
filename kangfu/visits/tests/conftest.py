"""A person of township A under a measure reported on 2026-03-05 (medium: a visit every two
months, so the one planned for 2026-11-05 is overdue on the frozen day 2026-11-24)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine

from kangfu.cases import services as cases

NOW = dt.datetime(2026, 11, 24, 2, tzinfo=dt.UTC)  # 10:00 in Shanghai
D = dt.date


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def under_measure(worker, person):
    case = cases.case_open(
        actor=worker, person=person, responsible=person.township, opened_on=D(2026, 3, 1)
    )
    measure = cases.measure_record_decision(
        actor=worker,
        case=case,
        kind="community_treatment",
        decision_number="东公(禁)决字〔2026〕3号",
        deciding_authority="东川市公安局城关分局",
        decided_on=D(2026, 2, 27),
        received_on=D(2026, 3, 1),
    )
    cases.measure_report(actor=worker, measure=measure, reported_on=D(2026, 3, 5))
    return case


@pytest.fixture
def cases_ab(frozen, personas, people):
    return SimpleNamespace(
        a=under_measure(personas.worker_a, people.in_a),
        b=under_measure(personas.worker_b, people.in_b),
    )


FROZEN_DAY = D(2026, 11, 24)


def record(worker, case, *, on=FROZEN_DAY, place="home", note="谈到找工作的困难", **kw):
    from kangfu.visits import services

    return services.visit_record(
        actor=worker, case=case, visited_on=on, place=place, note=note, **kw
    )
