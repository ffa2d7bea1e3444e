"""One person from decision to report to agreement to leave request to closure, in Chromium.

Screenshots go to test-results/<test name>/. Elements are found by URL and id, so the test
holds in either UI language.
"""

from __future__ import annotations

import subprocess

import time_machine

from conftest import PASSWORD
from kangfu.cases.choices import CaseState, LeaveState, MeasureState
from kangfu.cases.models import Case
from tests.browser.conftest import sign_in


def _open_panel(page, href_end: str) -> None:
    page.locator(f"a[href$='{href_end}']").first.click()
    page.locator("#panel #action-form").wait_for()


def _save(page) -> None:
    # htmx answers a valid form with HX-Redirect: the browser loads the case page again.
    with page.expect_navigation():
        page.locator("#action-form button[type=submit]").click()
    page.wait_for_load_state("networkidle")


def test_it_runs_one_person_from_decision_to_closure(page, personas, people, output_dir):
    person = people.in_a
    with time_machine.travel("2024-03-01 09:00 +0800", tick=True):
        sign_in(page, personas.worker_a.username, PASSWORD)
        page.goto(f"/people/{person.public_id}/")
        page.locator("a[href*='/cases/open/']").click()
        page.locator("#id_opened_on").fill("2024-03-01")
        page.locator("#action-form button[type=submit]").click()
        page.wait_for_url("**/cases/*-*/")

        _open_panel(page, "/decision/")
        page.locator("#id_decision_number").fill("东公(禁)决字〔2024〕12号")
        page.locator("#id_deciding_authority").fill("东川市公安局城关分局")
        page.locator("#id_decided_on").fill("2024-02-27")
        page.locator("#id_received_on").fill("2024-02-29")
        page.screenshot(path=output_dir / "01-decision-form.png", full_page=True)
        _save(page)
        page.screenshot(path=output_dir / "02-awaiting-report.png", full_page=True)

        _open_panel(page, "/report/")
        page.locator("#id_reported_on").fill("2024-03-01")
        _save(page)
        case = Case.objects.get(person=person)
        measure = case.measures.get()
        assert measure.state == MeasureState.ACTIVE
        assert str(measure.ends_on) == "2027-02-28"

        _open_panel(page, "/agreements/new/")
        _save(page)
        agreement = case.agreements.get()
        pdf = page.request.get(f"/cases/{case.public_id}/agreements/{agreement.pk}/pdf/")
        assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
        (output_dir / "agreement.pdf").write_bytes(pdf.body())
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "1",
                str(output_dir / "agreement.pdf"),
                str(output_dir / "03-agreement"),
            ],
            check=True,
        )
        _open_panel(page, "/sign/")
        page.locator("#id_signed_on").fill("2024-03-01")
        _save(page)

        _open_panel(page, "/leave/new/")
        page.locator("#id_leaves_on").fill("2024-04-25")
        page.locator("#id_returns_on").fill("2024-05-05")
        page.locator("#id_destination_county").fill("中华路12号")
        page.locator("#id_reason").fill("探望生病的母亲")
        page.locator("#action-form button[type=submit]").click()
        page.locator("#id_destination_county_error").wait_for()
        page.screenshot(path=output_dir / "04-leave-address-refused.png", full_page=True)
        page.locator("#id_destination_county").fill("遵义市红花岗区")
        _save(page)
        # The planned urine test and visit on 1 May (2 months after reporting) fall inside it.
        leave_row = page.locator("#leave tbody tr").first
        assert "2024-05-01" in leave_row.inner_text()
        page.screenshot(path=output_dir / "05-leave-with-overlapping-tests.png", full_page=True)
        _open_panel(page, "/decide/")
        page.locator("input[name=decision][value=approve]").check()
        _save(page)
        assert case.leave_requests.get().state == LeaveState.APPROVED

    with time_machine.travel("2027-03-01 09:00 +0800", tick=True):
        # Three years on the old session has long expired: sign in again.
        sign_in(page, personas.worker_a.username, PASSWORD)
        page.goto(f"/cases/{case.public_id}/")
        _open_panel(page, "/end/")
        _save(page)
        case.refresh_from_db()
        assert case.state == CaseState.CLOSED and str(case.closed_on) == "2027-02-28"
        page.locator("#timeline").scroll_into_view_if_needed()
        page.screenshot(path=output_dir / "06-closed-with-timeline.png", full_page=True)
        timeline = page.locator("#timeline li")
        # Opened, decision, report, agreement, signature, leave report and decision, end, closure.
        assert timeline.count() == 9
