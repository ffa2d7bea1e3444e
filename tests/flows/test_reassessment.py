"""Events that can change the risk category mark the person for reassessment at once
(2016 rules: 动态调整): a measure starts, ends or is refused, a serious breach is found."""

import pytest
import time_machine

from kangfu.cases import services
from kangfu.cases.tests.conftest import confirm, day, decide, open_case
from kangfu.risk.models import PersonRisk

pytestmark = pytest.mark.django_db


def marked(person) -> tuple[bool, str]:
    risk = PersonRisk.objects.get(person=person)
    return risk.needs_reassessment, risk.reassessment_reason


def test_it_marks_the_person_when_a_measure_starts_and_when_it_ends(personas, people):
    with time_machine.travel("2024-03-05 10:00 +0800", tick=False):
        case = open_case(personas.worker_a, people.in_a)
        measure = decide(personas.worker_a, case)
        assert not PersonRisk.objects.filter(person=people.in_a).exists()
        services.measure_report(
            actor=personas.worker_a, measure=measure, reported_on=day("2024-03-05")
        )
    assert marked(people.in_a) == (True, "措施开始执行")
    PersonRisk.objects.filter(person=people.in_a).update(
        needs_reassessment=False, reassessment_reason=""
    )
    with time_machine.travel("2027-03-05 10:00 +0800", tick=False):
        services.measure_end(actor=personas.worker_a, measure=measure)
    assert marked(people.in_a) == (True, "措施期满解除")


def test_it_marks_the_person_when_the_measure_is_refused(personas, people):
    with time_machine.travel("2024-03-20 10:00 +0800", tick=False):
        case = open_case(personas.worker_a, people.in_a, opened_on=day("2024-03-01"))
        measure = decide(personas.worker_a, case)
        finding = services.measure_refuse(actor=personas.worker_a, measure=measure)
    # Proposed only: nothing to reassess until an officer confirms the refusal.
    assert not PersonRisk.objects.filter(person=people.in_a, needs_reassessment=True).exists()
    confirm(
        finding,
        worker=personas.worker_a,
        officer=personas.officer_a,
        notified="2024-03-20",
        decided="2024-03-26",
    )
    assert marked(people.in_a) == (True, "拒绝接受措施")
