"""No lost decision behind the purpose prompt (issue 14, item 2).

A township officer decides a leave report of a person outside their own caseload before
stating a purpose of access, through htmx as the case page does. The decision must neither
be written without the purpose nor be dropped: the answer is something htmx handles (a full
navigation to the prompt, never a blank fragment), the prompt returns to the decision form
with what was typed, and the decision is written only once the officer saves it.
"""

from __future__ import annotations

import re

import pytest
import time_machine
from django.urls import reverse

from conftest import sign_in
from kangfu.access.choices import AccessPurpose
from kangfu.access.models import AuditEvent
from kangfu.cases import services
from kangfu.cases.choices import LeaveState
from kangfu.cases.tests.conftest import day, decide, open_case

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
REASON = "行程与协议冲突，请改期"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2024-04-10 10:00 +0800", tick=False):
        yield


@pytest.fixture
def leave(personas, people):
    case = open_case(personas.worker_a, people.in_a)
    measure = decide(personas.worker_a, case, received="2024-03-01")
    services.measure_report(actor=personas.worker_a, measure=measure, reported_on=day("2024-03-05"))
    return services.leave_request_record(
        actor=personas.worker_a,
        case=case,
        submitted_on=day("2024-04-10"),
        leaves_on=day("2024-04-12"),
        returns_on=day("2024-04-20"),
        destination_county="河口县",
        reason="探亲",
    )


def _decide_url(leave):
    return reverse("cases:leave-decide", kwargs={"public_id": leave.case.public_id, "pk": leave.pk})


def test_an_htmx_decision_without_purpose_is_kept_and_saved_only_after_it(client, personas, leave):
    sign_in(client, personas.officer_a)
    url = _decide_url(leave)
    audit_before = AuditEvent.objects.count()

    # 1. The officer refuses the leave through htmx before stating any purpose.
    response = client.post(url, {"decision": "refuse", "reason": REASON}, **HTMX)

    # htmx gets a navigation it follows (HX-Redirect), never a redirect it would swap into
    # the form's place as a blank fragment.
    assert response.status_code == 200
    prompt_url = response["HX-Redirect"]
    assert prompt_url.startswith(
        reverse("people:person-purpose", kwargs={"public_id": leave.case.person.public_id})
    )
    # Nothing was written: the leave is still pending, no audit row about the person.
    leave.refresh_from_db()
    assert leave.state == LeaveState.PENDING and leave.decision_reason == ""
    assert AuditEvent.objects.count() == audit_before

    # 2. The prompt shows no person data; the officer states a purpose.
    page = client.get(prompt_url)
    assert page.status_code == 200
    assert leave.case.person.name not in page.content.decode()
    stated = client.post(prompt_url, {"purpose": AccessPurpose.APPROVAL, "note": ""})
    # ... and is sent back to the decision form, not to the person's page.
    assert stated.status_code == 302 and stated["Location"] == url
    leave.refresh_from_db()
    assert leave.state == LeaveState.PENDING

    # 3. The form opens with what was typed, unsaved.
    form = client.get(url)
    body = form.content.decode()
    assert form.status_code == 200
    assert REASON in body
    assert re.search(r'value="refuse"[^>]*checked', body)
    leave.refresh_from_db()
    assert leave.state == LeaveState.PENDING
    # The kept entries are given back once: a reload shows an empty form.
    assert REASON not in client.get(url).content.decode()

    # 4. The officer saves: now, and only now, the decision is written, with the purpose.
    saved = client.post(url, {"decision": "refuse", "reason": REASON}, **HTMX)
    assert saved.status_code == 200 and "HX-Redirect" in saved
    leave.refresh_from_db()
    assert leave.state == LeaveState.REFUSED and leave.decision_reason == REASON
    event = AuditEvent.objects.filter(object_id=str(leave.case.person.public_id)).latest("seq")
    assert event.purpose == AccessPurpose.APPROVAL


def test_the_form_asks_for_the_purpose_before_it_opens(client, personas, leave):
    sign_in(client, personas.officer_a)
    url = _decide_url(leave)
    # A plain GET is sent to the prompt, which comes back to this form.
    response = client.get(url)
    assert response.status_code == 302
    stated = client.post(response["Location"], {"purpose": AccessPurpose.APPROVAL})
    assert stated["Location"] == url
    assert client.get(url).status_code == 200
    # htmx (the case page opens the form into a panel) gets HX-Redirect, not a fragment.
    client.logout()
    sign_in(client, personas.officer_a)
    opened = client.get(url, **HTMX)
    assert opened.status_code == 200 and "HX-Redirect" in opened
    assert opened.content == b""


def test_a_kept_decision_is_not_given_back_before_the_purpose_or_to_another_user(
    client, personas, leave, tree
):
    from conftest import make_user
    from kangfu.access.choices import Role

    sign_in(client, personas.officer_a)
    url = _decide_url(leave)
    response = client.post(url, {"decision": "refuse", "reason": REASON}, **HTMX)
    prompt_url = response["HX-Redirect"]
    # Without a purpose, the form page is the prompt again, never the kept data.
    again = client.get(url)
    assert again.status_code == 302 and REASON not in again.content.decode()
    # A token that is not this session's sends the user to the named target, not elsewhere.
    other = make_user("officer_a2", Role.TOWNSHIP_OFFICER, tree.a)
    client.logout()
    sign_in(client, other)
    stated = client.post(prompt_url, {"purpose": AccessPurpose.APPROVAL})
    assert stated["Location"] == reverse(
        "people:person-detail", kwargs={"public_id": leave.case.person.public_id}
    )
    assert REASON not in client.get(url).content.decode()
    leave.refresh_from_db()
    assert leave.state == LeaveState.PENDING
