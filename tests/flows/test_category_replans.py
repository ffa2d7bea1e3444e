"""Moved from kangfu/risk/tests/test_services.py:
this flow crosses apps, so it lives above them."""

from __future__ import annotations

import pytest

from kangfu.risk import services
from kangfu.risk.tests.conftest import day

pytestmark = pytest.mark.django_db


def test_an_approved_upgrade_replans_the_schedule_from_the_approval_day(personas, person):
    from kangfu.schedule.models import Appointment

    def urine_after(day_):
        return sorted(
            a.on
            for a in Appointment.objects.filter(case__person=person, kind="urine_test")
            if a.on > day_
        )

    medium = urine_after(day("2024-04-10"))
    assessment = services.assessment_start(actor=personas.worker_a, person=person)
    services.assessment_update(
        actor=personas.worker_a,
        assessment=assessment,
        answers={"mental_disorder": True},
        evidence={"H3": {"note": "精神科诊断", "document": "诊断书 2024-017"}},
    )
    services.assessment_submit(actor=personas.worker_a, assessment=assessment)
    services.assessment_approve(actor=personas.supervisor, assessment=assessment)
    high = urine_after(day("2024-04-10"))
    assert len(high) > len(medium)  # monthly instead of every two months
