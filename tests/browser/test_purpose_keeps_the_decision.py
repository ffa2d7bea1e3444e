"""A township officer's leave decision survives the purpose prompt (issue 14, item 2).

The officer opens a person's case (stating a purpose), opens the leave decision in the
case page's panel (htmx) and fills it in. Meanwhile the stated purpose is gone (it lapsed
with an emergency opening, or the form was opened before a new sign-in): the officer saves.
The browser is taken to the purpose prompt — no blank panel — and after the purpose is
stated, back to the decision form with the decision and the reason still there; nothing is
written until the officer saves it. Screenshots go to test-results/<test name>/.
"""

from __future__ import annotations

import time_machine
from django.contrib.sessions.backends.db import SessionStore

from conftest import PASSWORD
from kangfu.access.purpose import PURPOSES_KEY
from kangfu.cases import services as cases
from kangfu.cases.models import LeaveRequest
from kangfu.cases.tests.conftest import day
from kangfu.schedule.tests.conftest import active_case
from tests.browser.conftest import sign_in

REASON = "出行时间与尿检安排冲突，请改期后重新报告"


def _forget_purposes(page) -> None:
    """What a lapse does: the session no longer holds a purpose for the record."""
    key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    session = SessionStore(session_key=key)
    session.pop(PURPOSES_KEY, None)
    session.save()


def test_a_decision_sent_without_purpose_comes_back_filled_in(page, personas, people, output_dir):
    case, _ = active_case(personas.worker_a, people.in_a, reported="2024-03-01")
    with time_machine.travel("2024-06-28 10:00 +0800", tick=False):
        leave = cases.leave_request_record(
            actor=personas.worker_a,
            case=case,
            submitted_on=day("2024-06-28"),
            leaves_on=day("2024-07-05"),
            returns_on=day("2024-07-10"),
            destination_county="贵州省遵义市红花岗区",
            reason="探望生病的母亲",
        )
    with time_machine.travel("2024-06-30 09:00 +0800", tick=True):
        sign_in(page, personas.officer_a.username, PASSWORD)
        page.goto(f"/cases/{case.public_id}/")
        assert "/purpose/" in page.url
        page.locator("input[value=approval]").check()
        with page.expect_navigation():
            page.locator("form button[type=submit]").last.click()
        page.goto(f"/cases/{case.public_id}/")

        # The decision form opens in the case page's panel (htmx) and is filled in.
        page.locator(f"a[href$='/leave/{leave.pk}/decide/']").click()
        page.locator("#panel #action-form").wait_for()
        page.locator("#action-form input[value=refuse]").check()
        page.locator("#action-form #id_reason").fill(REASON)
        page.screenshot(path=output_dir / "01-filled-in.png", full_page=True)

        _forget_purposes(page)
        with page.expect_navigation():
            page.locator("#action-form button[type=submit]").click()
        # Not a blank panel: the browser is at the purpose prompt, and nothing was written.
        page.wait_for_url("**/purpose/**")
        assert page.get_by_role("heading", name="查阅目的").is_visible()
        page.screenshot(path=output_dir / "02-purpose-prompt.png", full_page=True)
        leave.refresh_from_db()
        assert leave.state == "pending"

        page.locator("input[value=approval]").check()
        with page.expect_navigation():
            page.locator("form button[type=submit]").last.click()
        # Back at the decision form, with what was typed, and a notice saying so.
        assert page.url.endswith(f"/leave/{leave.pk}/decide/")
        assert page.locator("#action-form input[value=refuse]").is_checked()
        assert page.locator("#action-form #id_reason").input_value() == REASON
        assert page.get_by_text("您填写的内容已保留，请核对后保存。").is_visible()
        page.screenshot(path=output_dir / "03-back-with-the-data.png", full_page=True)
        leave.refresh_from_db()
        assert leave.state == "pending"

        with page.expect_navigation():
            page.locator("#action-form button[type=submit]").click()
        page.screenshot(path=output_dir / "04-decided.png", full_page=True)
    leave = LeaveRequest.objects.get(pk=leave.pk)
    assert leave.state == "refused" and leave.decision_reason == REASON
