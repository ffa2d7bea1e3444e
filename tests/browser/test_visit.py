"""The caseworker records a home visit with a follow-up task from the case page (the htmx
panel); the overdue planned visit is done, the task stands on the today page and leaves it
when marked done. Screenshots go to test-results/<test name>/."""

from __future__ import annotations

import datetime as dt

import time_machine

from conftest import PASSWORD
from kangfu.schedule.models import Appointment
from kangfu.visits.models import Visit
from kangfu.visits.tests.conftest import under_measure
from tests.browser.conftest import sign_in


def test_the_caseworker_records_a_visit_with_a_follow_up(page, personas, people, output_dir):
    with time_machine.travel("2026-11-24 09:00 +0800", tick=False):
        case = under_measure(personas.worker_a, people.in_a)
    planned = Appointment.objects.get(case=case, kind="visit", on=dt.date(2026, 11, 5))
    with time_machine.travel("2026-11-24 09:00 +0800", tick=True):
        sign_in(page, personas.worker_a.username, PASSWORD)
        page.goto(f"/cases/{case.public_id}/")
        page.locator("#visits").wait_for()
        page.locator("#record-visit").click()
        form = page.locator("#panel #action-form")
        form.wait_for()
        form.locator("#id_visited_on").fill("2026-11-24")
        form.locator("input[name=place][value=home]").check()
        form.locator("#id_others_present").fill("母亲")
        form.locator("#id_note").fill("入户走访，本人在家，谈到找工作的困难，愿意参加技能培训。")
        form.locator("#id_follow_up_task").fill("联系街道就业服务站推荐岗位")
        form.locator("#id_follow_up_due").fill("2026-11-27")
        form.scroll_into_view_if_needed()
        page.screenshot(path=output_dir / "01-record-visit-form.png", full_page=True)
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        page.wait_for_url("**/visits/*/")
        page.locator("#note").wait_for()
        page.screenshot(path=output_dir / "02-visit-page.png", full_page=True)
        assert "谈到找工作的困难" in page.locator("#note").inner_text()
        assert "2026-11-05" in page.locator("#visit").inner_text()  # the planned visit done

        page.goto("/schedule/today/")
        section = page.locator("#today-follow-ups")
        section.wait_for()
        assert "联系街道就业服务站推荐岗位" in section.inner_text()
        page.screenshot(path=output_dir / "03-today-follow-up.png", full_page=True)
        with page.expect_navigation():
            section.get_by_role("button", name="标记完成").click()
        page.wait_for_url("**/schedule/today/")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=output_dir / "04-today-after.png", full_page=True)
        assert page.locator("#today-follow-ups").count() == 0

        page.goto(f"/cases/{case.public_id}/")
        page.locator("#visits").scroll_into_view_if_needed()
        page.screenshot(path=output_dir / "05-case-page.png", full_page=True)
    visit = Visit.objects.get()
    planned.refresh_from_db()
    assert visit.appointment == planned and planned.state == "done"
    assert visit.follow_ups.get().done_on == dt.date(2026, 11, 24)
