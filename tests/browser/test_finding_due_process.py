"""A proposed serious breach walked through due process in a real browser: the caseworker
records the third unreported trip and gives the notice; the person explains in the portal on
a phone; another township officer reads the explanation and decides.

Screenshots go to test-results/<test name>/.
"""

from __future__ import annotations

import datetime as dt

import time_machine

from conftest import PASSWORD
from kangfu.cases import services as cases
from kangfu.cases.models import Finding
from kangfu.portal import services as portal
from kangfu.portal.tests.conftest import PORTAL_PASSWORD, under_measure
from tests.browser.conftest import sign_in

PHONE = {"width": 390, "height": 844}


def test_a_proposed_breach_is_noticed_explained_and_decided(
    browser, live_server, personas, people, output_dir
):
    person = people.in_a
    with time_machine.travel("2026-11-24 10:00 +0800", tick=True):
        case, _measure = under_measure(personas.worker_a, person)
        for first, last in [
            (dt.date(2026, 4, 1), dt.date(2026, 4, 5)),
            (dt.date(2026, 6, 1), dt.date(2026, 6, 5)),
        ]:
            cases.absence_record(actor=personas.worker_a, case=case, first_day=first, last_day=last)
        _account, code = portal.portal_code_issue(actor=personas.worker_a, person=person)

        # 1. The caseworker records the third trip; Kangfu proposes, it does not decide.
        staff = browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="zh-CN"
        )
        page = staff.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, personas.worker_a.username, PASSWORD)
        page.goto(f"/cases/{case.public_id}/absences/new/")
        page.locator("#id_first_day").fill("2026-09-01")
        page.locator("#id_last_day").fill("2026-09-05")
        page.screenshot(path=output_dir / "01-absence-form.png", full_page=True)
        with page.expect_navigation():
            page.locator("form button[type=submit]").last.click()
        finding = Finding.objects.get(case=case, kind="serious_breach")
        assert finding.state == "proposed"
        page.goto(f"/cases/{case.public_id}/#findings")
        assert page.locator(f"#finding-{finding.pk}").get_by_text("已提出，待决定").count() == 1
        page.locator(f"#finding-{finding.pk}").screenshot(path=output_dir / "02-proposed.png")
        # The printable notice, then the record that it was handed over.
        response = page.request.get(f"/cases/{case.public_id}/findings/{finding.pk}/notice.pdf")
        assert response.ok and response.body().startswith(b"%PDF")
        (output_dir / "03-notice.pdf").write_bytes(response.body())
        page.goto(f"/cases/{case.public_id}/findings/{finding.pk}/notice/")
        page.locator("#id_notified_on").fill("2026-11-24")
        with page.expect_navigation():
            page.locator("form button[type=submit]").last.click()
        staff.close()

        # 2. The person, on a phone, activates the portal and explains.
        phone = browser.new_context(
            base_url=live_server.url, viewport=PHONE, locale="zh-CN", is_mobile=True
        )
        page = phone.new_page()
        page.set_default_timeout(15_000)
        page.goto("/portal/activate/")
        page.locator("#id_id_number").fill(person.id_number)
        page.locator("#id_code").fill(code)
        page.locator("#id_password").fill(PORTAL_PASSWORD)
        page.locator("#id_password2").fill(PORTAL_PASSWORD)
        page.locator("#activate").click()
        page.wait_for_url("**/portal/")
        page.goto("/portal/findings/")
        assert page.get_by_text("已提出，尚未决定。").count() == 1
        page.screenshot(path=output_dir / "04-portal-notice.png", full_page=True)
        page.goto(f"/portal/findings/{finding.pk}/explain/")
        page.locator("#id_text").fill("三次外出都是去省人民医院照顾住院的母亲，有住院证明。")
        page.screenshot(path=output_dir / "05-portal-explain.png", full_page=True)
        page.locator("#submit").click()
        page.wait_for_url("**/portal/findings/")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        phone.close()

        # 3. The township officer, who entered none of the facts, reads it and decides.
        officer = browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="zh-CN"
        )
        page = officer.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, personas.officer_a.username, PASSWORD)
        page.goto(f"/cases/{case.public_id}/")
        if "/purpose/" in page.url:
            page.locator("input[value=approval]").check()
            with page.expect_navigation():
                page.locator("form button[type=submit]").last.click()
            page.goto(f"/cases/{case.public_id}/")
        card = page.locator(f"#finding-{finding.pk}")
        assert card.get_by_text("住院证明").count() == 1
        card.screenshot(path=output_dir / "06-officer-reads.png")
        page.goto(f"/cases/{case.public_id}/findings/{finding.pk}/decide/")
        page.locator("input[value=reject]").check()
        page.locator("#id_reason").fill("本人提供了住院证明，三次外出均有正当理由，不予认定。")
        page.locator("#id_decided_on").fill("2026-11-24")
        page.screenshot(path=output_dir / "07-decide.png", full_page=True)
        with page.expect_navigation():
            page.locator("form button[type=submit]").last.click()
        page.goto(f"/cases/{case.public_id}/#findings")
        page.locator("#findings").screenshot(path=output_dir / "08-decided.png")
        officer.close()
    finding.refresh_from_db()
    assert finding.state == "rejected" and finding.decided_by == personas.officer_a
    assert finding.explained_by_person
