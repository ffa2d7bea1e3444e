"""A person under a measure, assessed, with an agreement — and their portal account."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
import time_machine
from django.urls import reverse

from conftest import sign_in
from kangfu.cases import services as cases
from kangfu.portal import services
from kangfu.risk import services as risk

NOW = dt.datetime(2026, 11, 24, 2, tzinfo=dt.UTC)  # 10:00 in Shanghai
PORTAL_PASSWORD = "my-own-pass-2026"


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def under_measure(worker, person):
    case = cases.case_open(
        actor=worker, person=person, responsible=person.township, opened_on=dt.date(2026, 3, 1)
    )
    measure = cases.measure_record_decision(
        actor=worker,
        case=case,
        kind="community_treatment",
        decision_number="东公(禁)决字〔2026〕3号",
        deciding_authority="东川市公安局城关分局",
        decided_on=dt.date(2026, 2, 27),
        received_on=dt.date(2026, 3, 1),
    )
    cases.measure_report(actor=worker, measure=measure, reported_on=dt.date(2026, 3, 5))
    return case, measure


def assessed(worker, approver, person, comment="审批意见：内部讨论记录"):
    assessment = risk.assessment_start(actor=worker, person=person)
    risk.assessment_submit(actor=worker, assessment=assessment)
    return risk.assessment_approve(actor=approver, assessment=assessment, comment=comment)


def code_from(response) -> str:
    match = re.search(r'id="portal-code">([A-Z0-9-]+)<', response.content.decode())
    assert match, response.content.decode()[:3000]
    return match.group(1)


def activate(client, person, code, password=PORTAL_PASSWORD):
    return client.post(
        reverse("portal:activate"),
        {"id_number": person.id_number, "code": code, "password": password, "password2": password},
    )


def portal_login(client, person, password=PORTAL_PASSWORD):
    return client.post(
        reverse("portal:login"), {"id_number": person.id_number, "password": password}
    )


@pytest.fixture
def record(frozen, personas, people):
    """People in A and B, each under a measure, assessed, with an agreement; both with an
    active portal account."""
    out = {}
    for key, worker in (("a", personas.worker_a), ("b", personas.worker_b)):
        person = getattr(people, f"in_{key}")
        case, measure = under_measure(worker, person)
        approver = personas.officer_a if key == "a" else personas.supervisor
        assessment = assessed(worker, approver, person)
        agreement = cases.agreement_draw_up(actor=worker, measure=measure, category="medium")
        account, code = services.portal_code_issue(actor=worker, person=person)
        from kangfu.portal.auth import person_context

        class _Request:
            META = {"REMOTE_ADDR": "127.0.0.1"}

        services.portal_activate(
            ctx=person_context(_Request(), person),
            account=account,
            code=code,
            password=PORTAL_PASSWORD,
        )
        out[key] = SimpleNamespace(
            person=person,
            case=case,
            measure=measure,
            assessment=assessment,
            agreement=agreement,
            worker=worker,
        )
    return SimpleNamespace(**out)


@pytest.fixture
def portal_client(client, record):
    response = portal_login(client, record.a.person)
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


__all__ = ["sign_in"]
