"""Moved from kangfu/cases/tests/test_findings.py:
this flow crosses apps, so it lives above them."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from kangfu.cases import selectors, services
from kangfu.cases.choices import FindingState
from kangfu.cases.models import Finding
from kangfu.cases.tests.conftest import confirm, day, decide, open_case
from kangfu.cases.tests.test_findings import _active, _three_trips
from kangfu.schedule import selectors as schedule_selectors

pytestmark = pytest.mark.django_db


def test_withdrawing_a_reported_finding_asks_to_tell_the_police(personas, people):
    from kangfu.schedule import reminders

    with time_machine.travel("2024-06-30 10:00 +0800", tick=False):
        case, _measure = _active(personas, people.in_a)
        finding = _three_trips(personas, case)
    confirm(
        finding,
        worker=personas.worker_a,
        officer=personas.officer_a,
        notified="2024-07-01",
        decided="2024-07-08",
    )
    with time_machine.travel("2024-07-09 10:00 +0800", tick=False):
        services.finding_report(
            actor=personas.worker_a,
            finding=finding,
            reported_on=day("2024-07-09"),
            recipient="城东派出所",
        )
        services.finding_withdraw(
            actor=personas.worker_a, finding=finding, reason="第一次外出实有书面报告"
        )
        reminders.refresh_cases([case.pk], on=day("2024-07-09"))
    finding.refresh_from_db()
    assert finding.state == FindingState.WITHDRAWN and finding.reported_on is not None
    assert not selectors.is_h1(case)
    assert case.reminders.filter(kind="police_correction", ref=finding.pk).exists()
    with time_machine.travel("2024-07-10 10:00 +0800", tick=False):
        services.police_correction_record(
            actor=personas.worker_a, finding=finding, told_on=day("2024-07-10")
        )
        reminders.refresh_cases([case.pk], on=day("2024-07-10"))
    assert not case.reminders.filter(kind="police_correction").exists()
    assert Finding.objects.filter(pk=finding.pk).exists()  # nothing is deleted


def test_a_transfer_sets_the_new_report_deadline_and_asks_for_a_new_agreement(
    personas, people, tree
):
    from kangfu.schedule import reminders

    with time_machine.travel("2024-01-31 10:00 +0800", tick=False):
        case, measure = _active(personas, people.in_a)
        agreement = services.agreement_draw_up(
            actor=personas.worker_a, measure=measure, category="medium"
        )
        services.agreement_sign(
            actor=personas.worker_a, agreement=agreement, signed_on=day("2024-01-31")
        )
    with time_machine.travel("2024-09-20 10:00 +0800", tick=False):
        transfer = services.transfer_propose(
            actor=personas.worker_a, case=case, to_township=tree.b, reason="residence"
        )
        services.transfer_accept(actor=personas.worker_b, transfer=transfer)
    transfer.refresh_from_db()
    assert transfer.report_due_on == day("2024-10-08")  # 15 days, past National Day
    reminders.refresh_cases([case.pk], on=day("2024-10-06"))
    due = case.reminders.get(kind="report_due_soon")
    # Keyed apart from the measure's own report reminders, and it leads to this transfer.
    assert due.ref == -transfer.pk
    url = schedule_selectors.action(due)[0]
    assert url == reverse("cases:transfer-report", args=[case.public_id, transfer.pk])
    reminders.refresh_cases([case.pk], on=day("2024-10-09"))
    kinds = set(case.reminders.values_list("kind", flat=True))
    assert {"report_overdue", "agreement_unsigned"} <= kinds


def test_the_report_deadline_reminders_before_and_after_the_day(personas, people):
    from kangfu.schedule import reminders

    with time_machine.travel("2024-03-04 10:00 +0800", tick=False):
        case = open_case(personas.worker_a, people.in_a)
        decide(personas.worker_a, case, received="2024-03-04")  # due 19 Mar
    reminders.refresh_cases([case.pk], on=day("2024-03-15"))
    assert not case.reminders.filter(kind__startswith="report_").exists()
    reminders.refresh_cases([case.pk], on=day("2024-03-16"))
    assert case.reminders.filter(kind="report_due_soon").exists()
    reminders.refresh_cases([case.pk], on=day("2024-03-20"))
    assert set(
        case.reminders.filter(kind__startswith="report_").values_list("kind", flat=True)
    ) == {"report_overdue"}
