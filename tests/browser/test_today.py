"""A caseworker opens the today page, records the urine test due today from it, and the
reminder is gone. Screenshots go to test-results/<test name>/."""

from __future__ import annotations

import time_machine

from conftest import PASSWORD
from kangfu.schedule.models import DrugTest
from kangfu.schedule.tests.conftest import active_case, planned
from tests.browser.conftest import sign_in


def test_it_records_a_test_result_from_the_today_page(page, personas, people, output_dir):
    case, _ = active_case(personas.worker_a, people.in_a, reported="2024-03-01")
    due = planned(case, "urine_test")[0]
    with time_machine.travel("2024-05-01 09:00 +0800", tick=True):
        sign_in(page, personas.worker_a.username, PASSWORD)
        page.goto("/schedule/today/")
        row = page.locator(f"tr.reminder-due_today:has(a[href*='/appointment/{due.pk}/result/'])")
        row.wait_for()
        page.screenshot(path=output_dir / "01-today.png", full_page=True)
        row.locator("a.button").click()
        page.locator("#action-form").wait_for()
        page.locator("#id_taken_on").fill("2024-05-01")
        page.locator("#id_sample").select_option("urine")
        page.locator("input[name=screen_result][value=negative]").check()
        page.screenshot(path=output_dir / "02-result-form.png", full_page=True)
        with page.expect_navigation():
            page.locator("#action-form button[type=submit]").click()
        page.wait_for_url("**/schedule/today/")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=output_dir / "03-today-after.png", full_page=True)
        assert page.locator(f"a[href*='/appointment/{due.pk}/result/']").count() == 0
    test = DrugTest.objects.get(appointment=due)
    assert test.screen_result == "negative" and test.taken_by == personas.worker_a
