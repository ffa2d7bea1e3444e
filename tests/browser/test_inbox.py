"""The township officer opens the inbox, clears three items of different kinds (a delegated
test, a transfer, a leave report) from it, and the inbox is empty. Screenshots go to
test-results/<test name>/."""

from __future__ import annotations

import time_machine

from conftest import PASSWORD
from kangfu.cases import services as cases
from kangfu.cases.models import LeaveRequest, Transfer
from kangfu.cases.tests.conftest import day
from kangfu.schedule import services as schedule
from kangfu.schedule.models import DelegatedTestRequest
from kangfu.schedule.tests.conftest import active_case
from tests.browser.conftest import sign_in


def _decide(page, output_dir, name: str) -> None:
    page.screenshot(path=output_dir / f"{name}.png", full_page=True)
    with page.expect_navigation():
        page.locator("#action-form button[type=submit]").click()


def test_the_officer_clears_three_kinds_from_the_inbox(page, personas, people, tree, output_dir):
    case_a, _ = active_case(personas.worker_a, people.in_a, reported="2024-03-01")
    case_b, _ = active_case(personas.worker_b, people.in_b, reported="2024-03-01")
    with time_machine.travel("2024-06-28 10:00 +0800", tick=False):
        leave = cases.leave_request_record(
            actor=personas.worker_a,
            case=case_a,
            submitted_on=day("2024-06-28"),
            leaves_on=day("2024-07-05"),
            returns_on=day("2024-07-10"),
            destination_county="贵州省遵义市红花岗区",
            reason="探望生病的母亲",
        )
        schedule.delegation_request(
            actor=personas.worker_b,
            case=case_b,
            to_township=tree.a,
            sample="urine",
            due_by=day("2024-07-03"),
        )
        cases.transfer_propose(
            actor=personas.worker_b, case=case_b, to_township=tree.a, reason="residence"
        )
    with time_machine.travel("2024-06-30 09:00 +0800", tick=True):
        sign_in(page, personas.officer_a.username, PASSWORD)
        page.goto("/inbox/")
        assert page.locator("#nav-inbox .count").inner_text() == "3"
        page.screenshot(path=output_dir / "01-inbox.png", full_page=True)

        # 1. The test another township asked for: the person no longer works here.
        page.locator("#inbox-delegated_test a.button").click()
        page.locator("#decline-form").wait_for()
        page.locator("#decline-form textarea, #decline-form input[type=text]").first.fill(
            "本人已于六月离职，不在本街道工作"
        )
        page.screenshot(path=output_dir / "02-delegated-test.png", full_page=True)
        with page.expect_navigation():
            page.locator("#decline-form button[type=submit]").click()

        # 2. The transfer: declined, with the reason.
        page.goto("/inbox/")
        page.locator("#inbox-transfer a.button").click()
        page.locator("#action-form").wait_for()
        page.locator("#action-form input[value=refuse]").check()
        page.locator("#action-form #id_reason").fill("经走访核实，本人未在本街道居住")
        _decide(page, output_dir, "03-transfer")

        # 3. The leave report: approved, from the case page it opens.
        page.goto("/inbox/")
        page.locator("#inbox-leave a.button").click()
        if "/purpose/" in page.url:
            page.locator("input[value=approval]").check()
            with page.expect_navigation():
                page.locator("form button[type=submit]").last.click()
        page.goto(f"/cases/{case_a.public_id}/leave/{leave.pk}/decide/")
        page.locator("#action-form input[value=approve]").check()
        _decide(page, output_dir, "04-leave")

        page.goto("/inbox/")
        page.locator("p.empty").wait_for()
        page.screenshot(path=output_dir / "05-inbox-empty.png", full_page=True)
        assert page.locator("#nav-inbox .count").count() == 0
    assert DelegatedTestRequest.objects.get().state == "declined"
    assert Transfer.objects.get().state == "declined"
    assert LeaveRequest.objects.get().state == "approved"
