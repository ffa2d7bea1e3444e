"""The county supervisor opens the statistics, drills down to a township and downloads the
monthly Excel, whose small counts are suppressed."""

import io

from openpyxl import load_workbook

from conftest import PASSWORD
from kangfu.reports.services import snapshot_backfill
from kangfu.reports.tests.conftest import TODAY, at
from kangfu.reports.tests.conftest import county as county  # the hand-built county (fixture)
from tests.browser.conftest import sign_in_with_code


def test_the_supervisor_drills_down_and_downloads_the_monthly_excel(
    page, personas, tree, county, output_dir
):
    with at("2026-11-20"):
        snapshot_backfill(months=24, on=TODAY)
    errors = []  # script errors (a CSP refusal shows here too); a missing favicon is not one
    page.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and "404" not in m.text else None,
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in_with_code(page, personas.supervisor, PASSWORD)

    page.get_by_role("link", name="统计", exact=True).click()
    page.wait_for_url("**/reports/520102/")
    page.get_by_role("heading", level=1, name="城关区统计").wait_for()
    table = page.locator("#group-people table")
    assert "<5" in table.inner_text()
    page.locator("#chart-node svg").first.wait_for()
    page.screenshot(path=output_dir / "01-county-dashboard.png", full_page=True)

    table.get_by_role("link", name="城东街道").click()
    page.wait_for_url("**/reports/520102001/**")
    page.get_by_role("heading", level=1, name="城东街道统计").wait_for()
    page.screenshot(path=output_dir / "02-township-dashboard.png", full_page=True)
    assert errors == [], errors

    with page.expect_download() as download_info:
        page.get_by_role("link", name="月报（Excel）").click()
    download = download_info.value
    assert download.suggested_filename == "kangfu-520102001-2026-11.xlsx"
    path = output_dir / download.suggested_filename
    download.save_as(path)
    book = load_workbook(io.BytesIO(path.read_bytes()))
    values = [c.value for row in book.worksheets[0].iter_rows() for c in row]
    assert "城东街道统计月报（2026-11）" in values
    assert "<5" in values
