"""A risk assessment from start to approval to the notice: the caseworker starts it with
the measure filled in from the record, answers H3 with evidence and sees the proposal change
live; the supervisor (second factor) states the purpose, approves; the notice is ready."""

from __future__ import annotations

from django.urls import reverse

from conftest import PASSWORD
from kangfu.people.models import Person
from kangfu.risk.models import Assessment, PersonRisk
from kangfu.risk.tests.conftest import under_measure
from tests.browser.conftest import sign_in, sign_in_with_code


def test_an_assessment_goes_from_start_to_approval_to_notice(page, personas, people, output_dir):
    person = Person.objects.get(pk=people.in_a.pk)
    under_measure(personas.worker_a, person)

    sign_in(page, personas.worker_a.username, PASSWORD)
    page.goto(reverse("people:person-detail", kwargs={"public_id": person.public_id}))
    page.locator(
        f"a[href='{reverse('risk:person', kwargs={'person_id': person.public_id})}']"
    ).click()
    page.wait_for_url("**/risk/person/**")
    page.screenshot(path=output_dir / "01-risk-history.png", full_page=True)
    page.locator("form[action$='/start/'] button").click()
    page.wait_for_url("**/edit/")
    # The measure comes from the record; the proposal is medium (M1).
    m1 = page.locator("#criterion-M1")
    assert "东公(禁)决字〔2024〕12号" in m1.inner_text()
    page.locator("#proposal.proposal .cat-medium").wait_for()
    page.screenshot(path=output_dir / "02-form-prefilled.png", full_page=True)

    page.locator("#id_mental_disorder").check()
    page.locator("#proposal .cat-high").wait_for()  # htmx: the engine's new proposal
    page.locator("#criterion-H3 summary").click()
    page.locator("#id_note_H3").fill("东川市精神卫生中心诊断为精神分裂症")
    page.locator("#id_doc_H3").fill("诊断证明 2024-017")
    page.screenshot(path=output_dir / "03-form-high.png", full_page=True)
    page.locator("button[name=submit]").click()
    page.wait_for_url("**/risk/a/*/")
    assessment = Assessment.objects.get(person=person)
    assert assessment.status == "submitted" and assessment.criteria == ["H3", "M1"]
    page.screenshot(path=output_dir / "04-submitted.png", full_page=True)
    page.locator("form[action$='/logout/'] button").click()

    sign_in_with_code(page, personas.supervisor, PASSWORD)
    page.goto(reverse("risk:overview") + "?view=approval")
    page.screenshot(path=output_dir / "05-approval-queue.png", full_page=True)
    page.locator("table.list a").first.click()
    page.wait_for_url("**/purpose/**")
    assert page.locator("input[name=purpose][value=approval]").is_checked()
    page.locator("form.form button[type=submit]").click()
    page.locator("#decision").wait_for()
    page.locator("input[name=decision][value=approve]").check()
    page.locator("#id_comment").fill("依据充分，同意。")
    page.screenshot(path=output_dir / "06-decision.png", full_page=True)
    page.locator("#decision button[type=submit]").click()
    page.locator("#notice").wait_for()
    page.screenshot(path=output_dir / "07-approved-notice.png", full_page=True)

    assessment.refresh_from_db()
    assert assessment.status == "approved" and assessment.approver == personas.supervisor
    assert PersonRisk.objects.get(person=person).category == "high"
    pdf = page.request.get(reverse("risk:notice-pdf", kwargs={"public_id": assessment.public_id}))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    (output_dir / "notice.pdf").write_bytes(pdf.body())
