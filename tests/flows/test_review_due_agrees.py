"""Who is due for a risk review: one definition, the same persons everywhere (issue 14).

The supervisor's risk list (/risk/?view=due) and the today page's reassessment reminders
(the township drill-down, and the caseworker's own list) both read
``risk.selectors.review_due_cases``. A person whose measure still awaits their report is on
neither, and an assessment started for them anyway does not propose 低风险: M1 holds under
the decided measure (DOMAIN.md: nobody under a measure is low).
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from conftest import register, sign_in
from kangfu.cases import services as cases
from kangfu.policy import engine
from kangfu.risk import selectors as risk_selectors
from kangfu.risk import services as risk
from kangfu.risk.models import PersonRisk
from kangfu.risk.tests.conftest import approved, assess, under_measure
from kangfu.schedule import reminders
from kangfu.schedule import selectors as schedule_selectors
from kangfu.schedule.choices import ReminderKind
from kangfu.schedule.models import Reminder

pytestmark = pytest.mark.django_db

ON = dt.date(2024, 4, 10)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2024-04-10 10:00 +0800", tick=False):
        yield


def awaiting_report(worker, person, *, received="2024-04-05"):
    """Decision received, the person has not reported yet."""
    case = cases.case_open(actor=worker, person=person, responsible=person.township)
    received_on = dt.date.fromisoformat(received)
    cases.measure_record_decision(
        actor=worker,
        case=case,
        kind="community_treatment",
        decision_number="东公(禁)决字〔2024〕31号",
        deciding_authority="东川市公安局城关分局",
        decided_on=received_on - dt.timedelta(days=2),
        received_on=received_on,
    )
    return case


@pytest.fixture
def registry(personas, tree):
    w, sup = personas.worker_a, personas.supervisor
    named = {}

    def person(name):
        named[name] = register(w, tree.a, name=name)
        return named[name]

    # Due: review date passed.
    p = person("复评到期")
    under_measure(w, p)
    approved(w, sup, p)
    PersonRisk.objects.filter(person=p).update(next_review_on=ON - dt.timedelta(days=3))
    # Not due yet: review in 20 days (the look-ahead list only).
    p = person("二十天后")
    under_measure(w, p)
    approved(w, sup, p)
    PersonRisk.objects.filter(person=p).update(next_review_on=ON + dt.timedelta(days=20))
    # Due: under a measure, never assessed.
    under_measure(w, person("未评估"))
    # Due: marked for reassessment after an event.
    p = person("事件复评")
    under_measure(w, p)
    approved(w, sup, p)
    risk.reassessment_mark(actor=w, person=p, reason="新的违法记录", on=ON)
    # Not due: the decision was received, the person has not reported.
    awaiting_report(w, person("待报到"), received="2024-03-20")
    # Not due: assessed, but no case in the township's care (closed and reassessed).
    p = person("无案件")
    approved(w, sup, p)
    PersonRisk.objects.filter(person=p).update(next_review_on=ON - dt.timedelta(days=3))
    reminders.refresh(on=ON)
    return named


def _names(persons):
    return {p.name for p in persons}


def test_the_risk_list_and_the_reminders_name_the_same_persons(client, personas, tree, registry):
    sup = personas.supervisor
    listed = _names(risk_selectors.due_for_review(user=sup, on=ON))
    reminded = _names(
        r.case.person
        for r in schedule_selectors.reminders_for(user=sup, township_id=tree.a.pk).filter(
            kind=ReminderKind.REASSESSMENT_DUE
        )
    )
    assert listed == reminded == {"复评到期", "未评估", "事件复评"}
    # The caseworker's own today page says the same.
    own = _names(
        r.case.person
        for r in schedule_selectors.reminders_for(user=personas.worker_a).filter(
            kind=ReminderKind.REASSESSMENT_DUE
        )
    )
    assert own == listed
    # The look-ahead shows the one coming due, and nobody who is already due.
    assert _names(r.person for r in risk_selectors.review_soon(user=sup, on=ON)) == {"二十天后"}

    # And the pages a supervisor reads show those names.
    sign_in(client, sup)
    page = client.get(reverse("risk:overview") + "?view=due").content.decode()
    drill = client.get(reverse("schedule:today") + f"?township={tree.a.pk}").content.decode()
    rows = [row for row in drill.split("<tr ")[1:] if 'data-kind="reassessment_due"' in row]
    for name in ("复评到期", "未评估", "事件复评"):
        assert name in page
        assert sum(name in row for row in rows) == 1
    for name in ("待报到", "二十天后", "无案件"):
        assert name not in page
        assert not any(name in row for row in rows)
    assert len(rows) == 3


def test_a_person_awaiting_report_is_not_asked_for_a_review_nor_offered_low(
    personas, tree, registry
):
    person = registry["待报到"]
    assert not Reminder.objects.filter(
        case__person=person,
        kind__in=[ReminderKind.REASSESSMENT_DUE, ReminderKind.DOWNGRADE_POSSIBLE],
    ).exists()
    # The report is what is due.
    assert Reminder.objects.filter(
        case__person=person, kind__in=[ReminderKind.REPORT_DUE_SOON, ReminderKind.REPORT_OVERDUE]
    ).exists()
    # Assessed anyway: M1 holds under the decided measure, so the proposal is medium, not low.
    assessment = assess(personas.worker_a, person, submit=False)
    assert assessment.facts["active_measure"] == "community_treatment"
    assert "M1" in assessment.criteria
    assert assessment.category == engine.Category.MEDIUM.value


def test_a_medium_person_awaiting_report_is_not_offered_a_downgrade(personas, tree):
    """Assessed while awaiting the report (M1 holds, so medium): the daily check of the
    criteria does not find that they could come down to low before they even reported."""
    w, sup = personas.worker_a, personas.supervisor
    person = register(w, tree.a, name="新决定")
    awaiting_report(w, person)
    done = approved(w, sup, person)
    assert done.category == "medium"
    reminders.refresh(on=ON)
    assert not Reminder.objects.filter(
        case__person=person, kind=ReminderKind.DOWNGRADE_POSSIBLE
    ).exists()
