import datetime as dt

import time_machine

from conftest import PASSWORD
from kangfu.ledger.tests.factories import ledger, row, rows
from kangfu.people.models import Person
from tests.browser.conftest import sign_in


def test_it_imports_a_ledger_after_showing_its_problems(page, personas, tree, output_dir):
    with time_machine.travel(dt.datetime(2026, 11, 20, 2, tzinfo=dt.UTC), tick=True):
        sign_in(page, personas.officer_a.username, PASSWORD)
        page.get_by_role("link", name="导入").first.click()
        page.get_by_role("heading", name="导入台账").wait_for()
        with page.expect_download() as download:
            page.get_by_role("link", name="下载模板").click()
        template = output_dir / "template.xlsx"
        download.value.save_as(template)
        assert template.read_bytes()[:2] == b"PK"
        page.screenshot(path=output_dir / "01-import-page.png", full_page=True)

        good = rows(5)
        bad = [list(r) for r in good]
        bad[1][1] = bad[1][1][:-1] + ("0" if bad[1][1][-1] != "0" else "1")
        bad[3] = row(4, risk_category="低")
        with_errors = output_dir / "ledger-with-errors.xlsx"
        with_errors.write_bytes(ledger(bad).getvalue())
        page.get_by_label("填好的台账（.xlsx）").set_input_files(str(with_errors))
        page.get_by_role("button", name="上传并检查").click()
        problems = page.locator("#problems")
        problems.wait_for()
        text = problems.inner_text()
        assert "公民身份号码" in text and "风险等级" in text
        assert "发现 2 个问题" in page.locator("#problems-summary").inner_text()
        assert page.get_by_role("button", name="导入").count() == 0
        page.screenshot(path=output_dir / "02-problems.png", full_page=True)
        assert not Person.objects.exists()

        page.get_by_role("link", name="上传其他文件").click()
        fixed = output_dir / "ledger-fixed.xlsx"
        fixed.write_bytes(ledger(good).getvalue())
        page.get_by_label("填好的台账（.xlsx）").set_input_files(str(fixed))
        page.get_by_role("button", name="上传并检查").click()
        page.get_by_role("heading", name="所有行均已通过检查").wait_for()
        page.screenshot(path=output_dir / "03-checked.png", full_page=True)
        page.get_by_role("button", name="导入").click()
        page.get_by_role("heading", name="已导入").wait_for()
        page.screenshot(path=output_dir / "04-imported.png", full_page=True)
        assert Person.objects.filter(township=tree.a).count() == 5
