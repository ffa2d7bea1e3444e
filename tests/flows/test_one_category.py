"""Issue 12's two wrong screens: the document the person signs and the case page show what
the schedule holds them to — one category, one plan."""

import pytest
import time_machine
from django.urls import reverse

from conftest import sign_in
from kangfu.cases import selectors as case_selectors
from kangfu.cases import services as cases
from kangfu.cases.models import Agreement
from kangfu.policy import engine
from kangfu.policy.packs import get_pack
from kangfu.risk.tests.conftest import H3, H3_EVIDENCE, approved, day, under_measure
from kangfu.schedule.models import Appointment

pytestmark = pytest.mark.django_db


def _rhythm(category: str) -> list[dict]:
    pack = get_pack("cn-2016")
    return [
        {"kind": e.kind, "every_months": e.every_months}
        for e in pack.schedule_for(engine.Category(category))
        if e.requires == "measure"
    ]


def test_a_high_persons_agreement_lists_the_high_rhythm_of_tests(client, personas, people):
    person = people.in_a
    with time_machine.travel("2024-03-05 10:00 +0800", tick=False):
        case, _measure = under_measure(personas.worker_a, person)
    with time_machine.travel("2024-04-10 10:00 +0800", tick=False):
        approved(personas.worker_a, personas.supervisor, person, H3, H3_EVIDENCE)
        sign_in(client, personas.worker_a)
        response = client.post(
            reverse("cases:agreement-create", kwargs={"public_id": case.public_id}), {"go": "1"}
        )
    assert response.status_code == 302, response.content.decode()[-1500:]
    agreement = Agreement.objects.get(case=case)
    assert _rhythm("high") != _rhythm("medium")
    assert agreement.content["schedule"] == _rhythm("high")
    # The same category the case page, the plan and the portal read.
    case.refresh_from_db()
    assert case_selectors.category_of(case) is engine.Category.HIGH


def test_the_case_pages_leave_row_lists_what_the_schedule_holds(client, personas, people):
    person = people.in_a
    with time_machine.travel("2024-01-31 10:00 +0800", tick=False):
        case, _measure = under_measure(
            personas.worker_a, person, received="2024-01-25", reported="2024-01-31"
        )
    with time_machine.travel("2024-03-20 10:00 +0800", tick=False):
        leave = cases.leave_request_record(
            actor=personas.worker_a,
            case=case,
            submitted_on=day("2024-03-20"),
            leaves_on=day("2024-03-25"),
            returns_on=day("2024-04-05"),
            destination_county="贵州省遵义市红花岗区",
            reason="探望生病的母亲",
        )
        pending = case_selectors.leave_overview(case, leave)
        # Before the decision: what falls due in the leave, as booked.
        assert {(a.on, a.kind) for a in pending.overlapping} == {
            (day("2024-03-31"), "urine_test"),
            (day("2024-03-31"), "visit"),
        }
        cases.leave_decide(actor=personas.worker_a, leave=leave, approve=True)
        leave.refresh_from_db()
        approved_view = case_selectors.leave_overview(case, leave)
        sign_in(client, personas.worker_a)
        page = client.get(reverse("cases:case-detail", kwargs={"public_id": case.public_id}))
    # The schedule moved them after the return: the row shows none, like the plan.
    assert approved_view.overlapping == ()
    moved = Appointment.objects.filter(case=case, due_on=day("2024-03-31"))
    assert moved.exists() and all(a.on > leave.returns_on for a in moved)
    assert "2024-03-31" not in page.content.decode().split("leave", 1)[-1].split("</table>")[0]
