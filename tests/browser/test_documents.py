"""The caseworker attaches the signed agreement in Chromium: the agreement is then signed,
and the case page shows the scan's first page as a preview. Screenshots in test-results/."""

from __future__ import annotations

import time_machine

from conftest import PASSWORD
from kangfu.documents.models import Document
from kangfu.documents.tests import samples
from kangfu.documents.tests.conftest import reported_case
from tests.browser.conftest import sign_in


def test_the_caseworker_uploads_a_signed_agreement(page, personas, people, output_dir):
    with time_machine.travel("2026-11-24 09:00 +0800", tick=True):
        case = reported_case(personas.worker_a, people.in_a)
        agreement = case.agreements.get()
        assert agreement.signed_on is None
        sign_in(page, personas.worker_a.username, PASSWORD)
        page.goto(f"/cases/{case.public_id}/")
        page.locator("#documents a[href$='?kind=signed_agreement']").click()
        page.wait_for_url("**/documents/case/*/new/?kind=signed_agreement")
        assert page.locator("#id_kind").input_value() == "signed_agreement"

        # First a renamed program: refused by its content, naming the field, nothing kept.
        page.locator("#id_file").set_input_files(
            files=[{"name": "协议.pdf", "mimeType": "application/pdf", "buffer": samples.EXE}]
        )
        page.locator("#upload-form button[type=submit]").click()
        page.locator("#id_file_error").wait_for()
        assert "不是 PDF、JPEG 或 PNG" in page.locator("#id_file_error").inner_text()
        page.screenshot(path=output_dir / "01-renamed-exe-refused.png", full_page=True)
        assert not Document.objects.exists()

        page.locator("#id_kind").select_option("signed_agreement")
        page.locator("#id_signed_on").fill("2026-03-06")
        page.locator("#id_note").fill("签字页原件已归档")
        page.locator("#id_file").set_input_files(
            files=[
                {
                    "name": "协议签字页.pdf",
                    "mimeType": "application/pdf",
                    "buffer": samples.weasyprint_pdf(),
                }
            ]
        )
        page.screenshot(path=output_dir / "02-upload-form.png", full_page=True)
        page.locator("#upload-form button[type=submit]").click()
        page.wait_for_url(f"**/documents/case/{case.public_id}/")
        page.wait_for_load_state("networkidle")
        assert "已登记为已签订" in page.locator("body").inner_text()
        page.screenshot(path=output_dir / "03-documents-list.png", full_page=True)

        agreement.refresh_from_db()
        assert str(agreement.signed_on) == "2026-03-06"
        document = Document.objects.get()
        assert document.kind == "signed_agreement" and document.agreement_id == agreement.pk

        page.goto(f"/cases/{case.public_id}/")
        page.locator("#documents img").wait_for()
        page.wait_for_load_state("networkidle")
        # The preview loaded (a broken image has no natural width).
        assert page.locator("#documents img").evaluate("img => img.naturalWidth") > 0
        page.locator("#agreements").scroll_into_view_if_needed()
        assert "2026-03-06" in page.locator("#agreements").inner_text()
        page.locator("#documents").screenshot(path=output_dir / "04-case-page-section.png")
        page.screenshot(path=output_dir / "05-case-page.png", full_page=True)
