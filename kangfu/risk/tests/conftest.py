"""Helpers for risk tests: a person under a measure, assessments at chosen steps."""

from __future__ import annotations

import datetime as dt

from kangfu.cases import services as cases
from kangfu.risk import services


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def under_measure(worker, person, *, received="2024-03-01", reported="2024-03-05"):
    """A case with a 社区戒毒 measure in force (M1 holds)."""
    case = cases.case_open(actor=worker, person=person, responsible=person.township)
    measure = cases.measure_record_decision(
        actor=worker,
        case=case,
        kind="community_treatment",
        decision_number="东公(禁)决字〔2024〕12号",
        deciding_authority="东川市公安局城关分局",
        decided_on=day(received) - dt.timedelta(days=2),
        received_on=day(received),
    )
    cases.measure_report(actor=worker, measure=measure, reported_on=day(reported))
    return case, measure


def assess(worker, person, answers=None, evidence=None, *, submit=True):
    assessment = services.assessment_start(actor=worker, person=person)
    if answers or evidence:
        services.assessment_update(
            actor=worker, assessment=assessment, answers=answers or {}, evidence=evidence or {}
        )
    if submit:
        services.assessment_submit(actor=worker, assessment=assessment)
    return assessment


def approved(worker, approver, person, answers=None, evidence=None):
    assessment = assess(worker, person, answers, evidence)
    return services.assessment_approve(actor=approver, assessment=assessment)


H3 = {"mental_disorder": True}
H3_EVIDENCE = {"H3": {"note": "市精神卫生中心诊断", "document": "诊断证明 2024-017"}}
