"""Bad files get a clear message, never a 500 and never a partial write."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from openpyxl import Workbook

from kangfu.ledger import reader
from kangfu.ledger.columns import HEADERS
from kangfu.ledger.services import ledger_import
from kangfu.ledger.template import template_bytes
from kangfu.ledger.tests.factories import ledger, row, rows
from kangfu.people.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 11, 20, 2, tzinfo=dt.UTC), tick=False):
        yield


def refused(personas, tree, data: bytes) -> str:
    with pytest.raises(reader.LedgerFileError) as exc:
        ledger_import(
            actor=personas.officer_a, township=tree.a, handle=io.BytesIO(data), commit=True
        )
    assert not Person.objects.exists()
    return exc.value.message


def book(fill) -> bytes:
    wb = Workbook()
    fill(wb.active)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_it_refuses_a_file_that_is_not_excel(personas, tree):
    assert "不是 Excel" in refused(personas, tree, "姓名,公民身份号码\n张三,1\n".encode())


def test_it_refuses_an_old_xls_file_naming_the_fix(personas, tree):
    assert ".xlsx" in refused(personas, tree, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)


def test_it_refuses_a_damaged_zip(personas, tree):
    assert "不是 Excel" in refused(personas, tree, b"PK\x03\x04" + b"\0" * 400)


def test_it_refuses_wrong_headers_naming_them(personas, tree):
    message = refused(personas, tree, book(lambda ws: ws.append(["名字", "身份证", *HEADERS[2:]])))
    assert "姓名" in message and "名字" in message


def test_it_refuses_an_empty_sheet(personas, tree):
    assert "空" in refused(personas, tree, book(lambda ws: None))


def test_it_refuses_a_sheet_with_headers_but_no_rows(personas, tree):
    assert "没有" in refused(personas, tree, template_bytes())


def test_it_refuses_a_100_mb_file_before_reading_it(personas, tree):
    assert "100 MB" in refused(personas, tree, b"PK\x03\x04" + b"\0" * (100 * 1024 * 1024))


def test_it_refuses_merged_cells_naming_the_range(personas, tree):
    def fill(ws):
        ws.append(list(HEADERS))
        ws.append(row(1))
        ws.append(row(2))
        ws.merge_cells("F2:F3")

    assert "F2:F3" in refused(personas, tree, book(fill))


def test_it_reports_a_formula_by_row_and_column(personas, tree):
    def fill(ws):
        ws.append(list(HEADERS))
        ws.append(row(1, phone="=A1&B1"))

    outcome = ledger_import(
        actor=personas.officer_a, township=tree.a, handle=io.BytesIO(book(fill)), commit=True
    )
    [problem] = outcome.problems
    assert (problem.row, problem.column) == (2, "联系电话")
    assert "公式" in problem.message
    assert not Person.objects.exists()


def test_the_template_has_chinese_headers_and_a_help_sheet():
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(template_bytes()), read_only=True)
    assert wb.sheetnames == ["台账", "说明"]
    assert next(wb["台账"].iter_rows(values_only=True))[:2] == ("姓名", "公民身份号码")


def test_the_command_checks_then_imports_with_a_progress_line(personas, tree, tmp_path, capsys):
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(ledger(rows(3)).getvalue())
    args = [str(path), "--township", tree.a.code, "--user", personas.officer_a.username]
    call_command("import", *args)
    out = capsys.readouterr()
    assert "3 rows checked, nothing written" in out.out
    assert "persons 3" in out.out
    assert "3 rows checked" in out.err
    assert not Person.objects.exists()
    call_command("import", *args, "--commit")
    assert Person.objects.count() == 3


def test_the_command_lists_problems_and_exits_1(personas, tree, tmp_path, capsys):
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(ledger([row(1, sex="未知")]).getvalue())
    with pytest.raises(SystemExit) as exc:
        call_command(
            "import", str(path), "--township", tree.a.code, "--user", "officer_a", "--commit"
        )
    assert exc.value.code == 1
    assert "2\t性别\t" in capsys.readouterr().out
