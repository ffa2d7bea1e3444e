"""The person's portal on a phone (390×844): activation with the printed code, the schedule,
the category with its reasons, a leave report and a request for review.

Screenshots go to test-results/<test name>/. Elements are found by id and URL, so the test
holds in either UI language.
"""

from __future__ import annotations

import time_machine

from kangfu.cases.models import LeaveRequest
from kangfu.portal import services
from kangfu.portal.models import ReviewAsk
from kangfu.portal.tests.conftest import assessed, under_measure

PHONE = {"width": 390, "height": 844}


def test_a_person_uses_the_portal_on_a_phone(browser, live_server, personas, people, output_dir):
    person = people.in_a
    with time_machine.travel("2026-11-24 10:00 +0800", tick=True):
        under_measure(personas.worker_a, person)
        assessed(personas.worker_a, personas.officer_a, person)
        _account, code = services.portal_code_issue(actor=personas.worker_a, person=person)

        context = browser.new_context(
            base_url=live_server.url,
            viewport=PHONE,
            locale="zh-CN",
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
        )
        page = context.new_page()
        page.set_default_timeout(10_000)

        page.goto("/portal/")
        page.wait_for_url("**/portal/login/**")
        page.screenshot(path=output_dir / "01-sign-in.png", full_page=True)
        page.locator("a[href='/portal/activate/']").click()
        page.locator("#id_id_number").fill(person.id_number)
        page.locator("#id_code").fill(code)
        page.locator("#id_password").fill("my-own-pass-2026")
        page.locator("#id_password2").fill("my-own-pass-2026")
        page.screenshot(path=output_dir / "02-activate.png", full_page=True)
        page.locator("#activate").click()
        page.wait_for_url("**/portal/")
        page.screenshot(path=output_dir / "03-home.png", full_page=True)
        # Nothing is wider than the phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        page.goto("/portal/schedule/")
        assert page.locator(".p-schedule li").count() > 0
        page.screenshot(path=output_dir / "04-schedule.png", full_page=True)

        page.goto("/portal/category/")
        assert page.locator("#reasons li").count() > 0
        page.screenshot(path=output_dir / "05-category.png", full_page=True)

        page.locator("#ask-review").click()
        page.locator("#id_reason").fill("我一直按时尿检，没有违反协议，请求复核。")
        page.locator("#submit").click()
        page.wait_for_url("**/portal/category/")
        assert page.locator("#reviews li").count() == 1
        page.screenshot(path=output_dir / "06-review-asked.png", full_page=True)

        page.goto("/portal/leave/")
        page.locator("#new-leave").click()
        page.locator("#id_leaves_on").fill("2026-12-01")
        page.locator("#id_returns_on").fill("2026-12-05")
        page.locator("#id_destination_county").fill("遵义市红花岗区")
        page.locator("#id_reason").fill("探望母亲")
        page.screenshot(path=output_dir / "07-leave-form.png", full_page=True)
        page.locator("#submit").click()
        page.wait_for_url("**/portal/leave/")
        assert page.locator("#leaves li").count() == 1
        page.screenshot(path=output_dir / "08-leave-sent.png", full_page=True)

        page.goto("/portal/record/")
        page.screenshot(path=output_dir / "09-record.png", full_page=True)

        # Keyboard: the skip link is the first stop and leads to the main landmark.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip"
        context.close()

    assert LeaveRequest.objects.get().created_by is None
    assert ReviewAsk.objects.get().person == person
