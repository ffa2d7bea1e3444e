"""Every risk view: works for the township, 404 for another jurisdiction; the notice PDF;
lists paginate in a constant number of queries."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse

from conftest import register, sign_in
from kangfu.access.models import AuditEvent
from kangfu.risk import services
from kangfu.risk.models import Assessment
from kangfu.risk.tests.conftest import H3, H3_EVIDENCE, approved, assess, under_measure

pytestmark = pytest.mark.django_db
SHOTS = Path(__file__).resolve().parents[3] / "test-results" / "risk-notice"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2024-04-10 10:00 +0800", tick=False):
        yield


@pytest.fixture
def setup(personas, people):
    person = people.in_a
    under_measure(personas.worker_a, person)
    done = approved(personas.worker_a, personas.supervisor, person, H3, H3_EVIDENCE)
    review = services.review_request_create(
        actor=personas.worker_a, person=person, reason="不同意评估结果"
    )
    pending = assess(personas.worker_a, person, submit=False)
    return person, done, pending, review


def _urls(person, done, pending, review):
    pid, a = person.public_id, done.public_id
    return [
        reverse("risk:person", kwargs={"person_id": pid}),
        reverse("risk:purpose", kwargs={"person_id": pid}),
        reverse("risk:assessment-start", kwargs={"person_id": pid}),
        reverse("risk:review-create", kwargs={"person_id": pid}),
        reverse("risk:assessment", kwargs={"public_id": a}),
        reverse("risk:assessment-edit", kwargs={"public_id": pending.public_id}),
        reverse("risk:assessment-preview", kwargs={"public_id": pending.public_id}),
        reverse("risk:assessment-decide", kwargs={"public_id": a}),
        reverse("risk:notice-pdf", kwargs={"public_id": a}),
        reverse("risk:notice-handover", kwargs={"public_id": a}),
        reverse("risk:review-answer", kwargs={"public_id": review.public_id}),
        reverse("risk:review-notify", kwargs={"public_id": review.public_id}),
    ]


def test_a_user_of_another_jurisdiction_gets_404_on_every_risk_view(client, personas, setup):
    sign_in(client, personas.worker_b)
    for url in _urls(*setup):
        assert client.get(url).status_code in (404, 405), url
        assert client.post(url).status_code == 404, url


def test_partners_and_administrators_see_no_risk_data(client, personas, setup):
    for user in (personas.civil, personas.admin):
        sign_in(client, user)
        for url in _urls(*setup):
            assert client.get(url).status_code in (403, 404, 405), url


def test_the_caseworker_fills_in_submits_and_sees_the_proposal_live(client, personas, people):
    person = people.in_a
    under_measure(personas.worker_a, person)
    sign_in(client, personas.worker_a)
    response = client.post(reverse("risk:assessment-start", kwargs={"person_id": person.public_id}))
    assessment = Assessment.objects.get(person=person)
    edit = reverse("risk:assessment-edit", kwargs={"public_id": assessment.public_id})
    assert response.url == edit
    page = client.get(edit).content.decode()
    assert "东公(禁)决字〔2024〕12号" in page  # the measure, from the record
    assert 'id="proposal"' in page
    preview = reverse("risk:assessment-preview", kwargs={"public_id": assessment.public_id})
    partial = client.post(preview, {"mental_disorder": "on"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    html = partial.content.decode()
    assert "<html" not in html and "H3" in html and "cat-high" in html
    # Submitting without evidence for H3 is refused on the field.
    refused = client.post(edit, {"mental_disorder": "on", "submit": "1"})
    assert refused.status_code == 200
    assert 'id="criterion-H3"' in refused.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == "draft"
    ok = client.post(edit, {"mental_disorder": "on", "note_H3": "精神卫生中心诊断", "submit": "1"})
    assert ok.status_code == 302
    assessment.refresh_from_db()
    assert (assessment.status, assessment.category) == ("submitted", "high")


def test_the_supervisor_states_a_purpose_then_approves(client, personas, people):
    person = people.in_a
    under_measure(personas.worker_a, person)
    assessment = assess(personas.worker_a, person)
    sign_in(client, personas.supervisor)
    url = reverse("risk:assessment", kwargs={"public_id": assessment.public_id})
    prompt = client.get(url)
    assert prompt.status_code == 302 and "/purpose/" in prompt.url
    back = client.post(prompt.url, {"purpose": "approval"})
    assert back.url == url
    page = client.get(url).content.decode()
    assert 'id="decision"' in page
    decide = reverse("risk:assessment-decide", kwargs={"public_id": assessment.public_id})
    assert client.post(decide, {"decision": "approve", "comment": "同意"}).status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == "approved" and assessment.approver == personas.supervisor
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.purpose == "approval" and event.outside_caseload


def test_the_assessor_sees_no_approval_form_and_a_post_is_refused(client, personas, people):
    person = people.in_a
    under_measure(personas.officer_a, person)
    assessment = assess(personas.officer_a, person)
    sign_in(client, personas.officer_a)
    url = reverse("risk:assessment", kwargs={"public_id": assessment.public_id})
    client.post(
        reverse("risk:purpose", kwargs={"person_id": person.public_id}) + "?next=assessment",
        {"purpose": "approval"},
    )
    assert 'id="decision"' not in client.get(url).content.decode()
    decide = reverse("risk:assessment-decide", kwargs={"public_id": assessment.public_id})
    assert client.post(decide, {"decision": "approve"}).status_code == 403


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_notice_pdf_has_the_criteria_in_chinese_and_the_review_date(client, personas, setup):
    person, done, _pending, _review = setup
    sign_in(client, personas.worker_a)
    response = client.get(reverse("risk:notice-pdf", kwargs={"public_id": done.public_id}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content).replace("\n", "")
    assert "经诊断患有精神障碍" in text  # H3, as the pack words it
    assert "正在执行社区戒毒" in text  # M1
    assert "高风险" in text
    assert "2024年7月10日" in text  # next review: high, 3 months
    assert "张伟" in text
    SHOTS.mkdir(parents=True, exist_ok=True)
    pdf = SHOTS / "notice.pdf"
    pdf.write_bytes(response.content)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(SHOTS / "notice")],
        check=True,
    )
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.object_id) == ("print", str(person.public_id))


def test_the_handover_of_the_notice_is_recorded(client, personas, setup):
    _person, done, _pending, _review = setup
    sign_in(client, personas.worker_a)
    url = reverse("risk:notice-handover", kwargs={"public_id": done.public_id})
    response = client.post(url, {"handed_over_on": "2024-04-10", "delivery": "in_person"})
    assert response.status_code == 302
    done.notice.refresh_from_db()
    assert done.notice.handed_over_by == personas.worker_a


def test_the_original_assessor_cannot_answer_a_review_request(client, personas, setup):
    _person, _done, _pending, review = setup
    sign_in(client, personas.worker_a)
    url = reverse("risk:review-answer", kwargs={"public_id": review.public_id})
    page = client.get(url).content.decode()
    assert "someone else must answer" in page or "由其他工作人员答复" in page
    client.post(url, {"outcome": "upheld", "answer": "维持", "answered_on": "2024-04-10"})
    review.refresh_from_db()
    assert review.state == "open"


def test_the_person_page_lists_every_assessment_with_its_people(client, personas, setup):
    person, done, _pending, _review = setup
    sign_in(client, personas.worker_a)
    page = client.get(reverse("risk:person", kwargs={"person_id": person.public_id}))
    html = page.content.decode()
    assert "王社工" in html and "supervisor" in html
    assert "精神卫生中心诊断" in html or "市精神卫生中心诊断" in html
    assert reverse("risk:notice-pdf", kwargs={"public_id": done.public_id}) in html


def test_the_person_page_links_to_the_risk_history(client, personas, setup):
    person = setup[0]
    sign_in(client, personas.worker_a)
    html = client.get(reverse("people:person-detail", kwargs={"public_id": person.public_id}))
    assert reverse("risk:person", kwargs={"person_id": person.public_id}) in html.content.decode()


@pytest.mark.parametrize("view", ["due", "high", "approval", "reviews"])
def test_the_overview_paginates_in_constant_queries(
    client, personas, tree, view, django_assert_max_num_queries
):
    from kangfu.risk.models import PersonRisk, ReviewRequest

    def fill(n):
        for i in range(n):
            person = register(personas.worker_a, tree.a, name=f"测试{i}")
            # Under a measure: reviews are due for persons in the township's care.
            under_measure(personas.worker_a, person)
            done = approved(personas.worker_a, personas.supervisor, person, H3, H3_EVIDENCE)
            PersonRisk.objects.filter(person=person).update(next_review_on="2024-04-01")
            ReviewRequest.objects.create(
                person=person,
                assessment=done,
                original_assessor=personas.worker_a,
                reason="r",
                requested_on="2024-04-10",
                answer_by="2024-04-25",
                received_by=personas.worker_a,
            )
            assess(personas.worker_a, person)

    sign_in(client, personas.supervisor)
    url = reverse("risk:overview") + f"?view={view}"
    fill(2)
    client.get(url)
    with django_assert_max_num_queries(20) as few:
        assert client.get(url).status_code == 200
    fill(4)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count("测试") == 6
    sign_in(client, personas.worker_b)
    assert "测试" not in client.get(url).content.decode()


def test_it_refuses_a_stale_answers_form_and_names_what_changed(client, personas, people):
    import re

    person = people.in_a
    under_measure(personas.worker_a, person)
    assessment = services.assessment_start(actor=personas.worker_a, person=person)
    edit = reverse("risk:assessment-edit", kwargs={"public_id": assessment.public_id})
    sign_in(client, personas.worker_a)
    page = client.get(edit).content.decode()
    version = re.search(r'name="version" value="([^"]+)"', page).group(1)
    # Meanwhile, in another tab (or through the API), the assessor records H3.
    services.assessment_update(
        actor=personas.worker_a,
        assessment=Assessment.objects.get(pk=assessment.pk),
        answers=H3,
        evidence=H3_EVIDENCE,
    )
    stale = client.post(edit, {"note_H4": "旧页面上的备注", "version": version})
    assert stale.status_code == 200
    assert "已有他人修改了：" in stale.content.decode()
    stored = Assessment.objects.get(pk=assessment.pk)
    assert stored.facts["mental_disorder"] is True and "H4" not in stored.evidence
    # Reopened at the new version, a save goes through.
    page = client.get(edit).content.decode()
    version = re.search(r'name="version" value="([^"]+)"', page).group(1)
    saved = client.post(
        edit, {"mental_disorder": "on", "note_H3": "精神卫生中心诊断", "version": version}
    )
    assert saved.status_code == 302
