"""The caseworker records a disclosure from the person's page: the form is fetched when the
section is opened (htmx), saved, and the disclosure is listed on the page. Screenshots go to
test-results/<test name>/."""

from __future__ import annotations

import time_machine

from conftest import PASSWORD
from kangfu.access.models import Disclosure
from tests.browser.conftest import sign_in


def test_the_caseworker_records_a_disclosure_from_the_record(page, personas, people, output_dir):
    with time_machine.travel("2026-11-24 09:00 +0800", tick=True):
        sign_in(page, personas.worker_a.username, PASSWORD)
        page.goto(f"/people/{people.in_a.public_id}/")
        section = page.locator("#disclosures")
        section.wait_for()
        assert section.locator("input[name=recipient]").count() == 0  # not until opened
        section.get_by_text("登记信息提供").click()
        form = section.locator("form")
        form.wait_for()
        form.get_by_label("接收单位或部门").fill("城关区民政局")
        form.get_by_label("法律依据").select_option("consent")
        form.get_by_label("条款或同意书编号").fill("同意书 2026-017")
        form.locator("input[name=categories][value=identity]").check()
        form.locator("input[name=categories][value=support]").check()
        form.get_by_label("提供日期").fill("2026-11-23")
        form.scroll_into_view_if_needed()
        page.screenshot(path=output_dir / "01-disclosure-form.png", full_page=True)
        with page.expect_navigation():
            form.get_by_role("button", name="保存提供记录").click()
        page.locator(".messages").wait_for()
        assert "信息提供记录已保存。" in page.locator(".messages").inner_text()
        listed = page.locator("#disclosures table").inner_text()
        assert "城关区民政局" in listed and "2026-11-23" in listed
        page.screenshot(path=output_dir / "02-disclosure-listed.png", full_page=True)
    disclosure = Disclosure.objects.get()
    assert disclosure.person_id == people.in_a.pk
    assert disclosure.categories == ["identity", "support"]
