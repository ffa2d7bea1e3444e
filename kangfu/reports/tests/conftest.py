"""A small hand-built county for the statistics tests, every step through the services.

Township A (城东街道), as of 2026-11-20:
  p1  社区戒毒, decision received 11-01, reported 11-05 (on time), agreement signed 11-05,
      assessed and approved (medium); a urine test done 11-12 (negative)
  p2  decision received 11-10, not reported yet (awaiting report)
  p3  社区戒毒 since 2024-03-01, the urine test due 11-01 done, detained on 11-10
      (suspended, away)
  p4  社区戒毒 since 2024-03-01, compulsory isolation from 11-12 (terminated, away);
      the urine test due 11-01 refused; a positive test taken 11-03, confirmed by the lab
      11-06 (relapse)
  p6  社区戒毒 from 2020-11-10, ended 2023-11-09 (case closed): three years without relapse
      completed 2026-11-10
Township B (城西街道):
  p5  社区康复 received 10-01, reported 10-08; transferred from A, accepted 11-18
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from conftest import register
from kangfu.cases import services as cases
from kangfu.cases.models import Transfer
from kangfu.cases.tests.conftest import confirm
from kangfu.risk.tests.conftest import approved
from kangfu.schedule import services as schedule

TODAY = dt.date(2026, 11, 20)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def at(text: str):
    return time_machine.travel(dt.datetime.fromisoformat(text + "T10:00:00+08:00"), tick=False)


def _measure(worker, person, *, opened, received, kind="community_treatment", **extra):
    with at(opened):
        case = cases.case_open(
            actor=worker, person=person, responsible=person.township, opened_on=day(opened)
        )
    with at(received):
        measure = cases.measure_record_decision(
            actor=worker,
            case=case,
            kind=kind,
            decision_number="东公(禁)决字〔2026〕1号",
            deciding_authority="东川市公安局城关分局",
            decided_on=day(received) - dt.timedelta(days=1),
            received_on=day(received),
            **extra,
        )
    return case, measure


@pytest.fixture
def county(tree, personas):
    w = personas.worker_a
    p = {i: register(w, tree.a, name=f"甲{i}") for i in range(1, 5)}
    p[5] = register(w, tree.a, name="乙5")

    case1, m1 = _measure(w, p[1], opened="2026-11-01", received="2026-11-01")
    with at("2026-11-05"):
        cases.measure_report(actor=w, measure=m1, reported_on=day("2026-11-05"))
        agreement = cases.agreement_draw_up(actor=w, measure=m1, category="medium")
        cases.agreement_sign(actor=w, agreement=agreement, signed_on=day("2026-11-05"))
    with at("2026-11-06"):
        approved(w, personas.officer_a, p[1])
    with at("2026-11-12"):
        schedule.test_record(
            actor=w,
            case=case1,
            taken_on=day("2026-11-12"),
            sample="urine",
            screen_result="negative",
        )

    _measure(w, p[2], opened="2026-11-10", received="2026-11-10")

    case3, m3 = _measure(w, p[3], opened="2024-02-20", received="2024-02-25")
    with at("2024-03-01"):
        cases.measure_report(actor=w, measure=m3, reported_on=day("2024-03-01"))
    with at("2026-11-01"):
        schedule.test_record(
            actor=w,
            case=case3,
            taken_on=day("2026-11-01"),
            sample="urine",
            screen_result="negative",
            appointment=case3.appointments.get(kind="urine_test", on=day("2026-11-01")),
        )
    with at("2026-11-10"):
        cases.measure_suspend(actor=w, measure=m3, detained_on=day("2026-11-10"))

    case4, m4 = _measure(w, p[4], opened="2024-02-20", received="2024-02-25")
    with at("2024-03-01"):
        cases.measure_report(actor=w, measure=m4, reported_on=day("2024-03-01"))
    with at("2026-11-01"):
        schedule.appointment_outcome(
            actor=w,
            appointment=case4.appointments.get(kind="urine_test", on=day("2026-11-01")),
            outcome="refused",
            on=day("2026-11-01"),
        )
    with at("2026-11-03"):
        test = schedule.test_record(
            actor=w,
            case=case4,
            taken_on=day("2026-11-03"),
            sample="urine",
            screen_result="positive",
        )
    with at("2026-11-06"):
        schedule.test_lab_result(actor=w, test=test, result="positive", result_on=day("2026-11-06"))
    # The relapse is proposed; the officer confirms it after the person could explain.
    confirm(
        test.case.findings.get(kind="relapse"),
        worker=w,
        officer=personas.officer_a,
        notified="2026-11-06",
        decided="2026-11-10",
    )
    with at("2026-11-12"):
        cases.measure_terminate(
            actor=w, measure=m4, kind="compulsory_isolation", starts_on=day("2026-11-12")
        )

    case5, m5 = _measure(
        w,
        p[5],
        opened="2026-09-28",
        received="2026-10-01",
        kind="community_recovery",
        term_months=24,
    )
    with at("2026-10-08"):
        cases.measure_report(actor=w, measure=m5, reported_on=day("2026-10-08"))
    with at("2026-11-16"):
        transfer = cases.transfer_propose(
            actor=w, case=case5, to_township=tree.b, reason="residence"
        )
    with at("2026-11-18"):
        cases.transfer_accept(
            actor=personas.worker_b, transfer=Transfer.objects.get(pk=transfer.pk)
        )

    p[6] = register(w, tree.a, name="甲6")
    _case6, m6 = _measure(w, p[6], opened="2020-11-01", received="2020-11-02")
    with at("2020-11-10"):
        cases.measure_report(actor=w, measure=m6, reported_on=day("2020-11-10"))
    with at("2023-11-10"):
        cases.measure_end(actor=w, measure=m6)
    return p
