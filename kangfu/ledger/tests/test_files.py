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


# --- files as Excel and WPS save them, and sheets openpyxl's read-only cells would misread ---


SHEET_XML = "xl/worksheets/sheet1.xml"


def rewritten(
    content: bytes,
    changes: dict,
    *,
    added: dict[str, str] | None = None,
    compression: int | None = None,
) -> bytes:
    """``content`` with the entries ``changes`` names passed through their function
    (bytes → bytes), the ``added`` entries written after them, every entry compressed with
    ``compression`` (zipfile's constant; by default as it was)."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename in changes:
                data = changes[info.filename](data)
            if compression is not None:
                info = zipfile.ZipInfo(info.filename, info.date_time)
                info.compress_type = compression
            target.writestr(info, data)
        for name, text in (added or {}).items():
            target.writestr(name, text, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def as_excel_saves_it(content: bytes, *, dimension: str) -> bytes:
    """The workbook as Excel writes one: every text in a shared-strings part (openpyxl writes
    inline strings) and the sheet's dimension stated before its rows."""
    import re
    from xml.sax.saxutils import escape

    strings: dict[str, int] = {}

    def shared(match) -> bytes:
        text = match.group(2).decode()
        index = strings.setdefault(text, len(strings))
        return b'<c%s t="s"><v>%d</v></c>' % (match.group(1), index)

    def sheet(xml: bytes) -> bytes:
        xml = re.sub(rb'<c([^>]*?) t="inlineStr"><is><t>(.*?)</t></is></c>', shared, xml)
        return xml.replace(
            b"<sheetViews>", b'<dimension ref="%s"/><sheetViews>' % dimension.encode()
        )

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    relation = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
    part = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{kind}"/>'
    rel = f'<Relationship Id="rIdStrings" Type="{relation}" Target="sharedStrings.xml"/>'
    # The sheet first: its strings make the shared-strings part.
    converted = rewritten(content, {SHEET_XML: sheet})
    items = "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
    table = f'<sst xmlns="{main}" uniqueCount="{len(strings)}">{items}</sst>'
    return rewritten(
        converted,
        {
            "[Content_Types].xml": lambda xml: xml.replace(
                b"</Types>", part.encode() + b"</Types>"
            ),
            "xl/_rels/workbook.xml.rels": lambda xml: xml.replace(
                b"</Relationships>", rel.encode() + b"</Relationships>"
            ),
        },
        added={"xl/sharedStrings.xml": table},
    )


def test_a_ledger_saved_by_excel_with_shared_strings_imports_like_the_template(personas, tree):
    content = as_excel_saves_it(ledger(rows(4)).getvalue(), dimension="A1:T5")
    outcome = ledger_import(
        actor=personas.officer_a, township=tree.a, handle=io.BytesIO(content), commit=True
    )
    assert outcome.committed, outcome.problems
    assert outcome.created["persons"] == 4 and outcome.created["tests"] == 8
    assert sorted(Person.objects.values_list("id_number", flat=True)) == sorted(
        r[1] for r in rows(4)
    )


def test_rows_below_a_dimension_that_claims_fewer_are_imported_too(personas, tree):
    # A converter that states the header row alone as the sheet's size: the rows are read
    # as the XML holds them, not as the dimension claims (none is silently left out).
    content = as_excel_saves_it(ledger(rows(3)).getvalue(), dimension="A1:T1")
    outcome = ledger_import(
        actor=personas.officer_a, township=tree.a, handle=io.BytesIO(content), commit=True
    )
    assert outcome.committed, outcome.problems
    assert Person.objects.count() == 3


def test_the_progress_knows_the_row_count_of_a_file_that_states_no_dimension(personas, tree):
    seen = []
    ledger_import(
        actor=personas.officer_a,
        township=tree.a,
        handle=ledger(rows(3)),
        commit=False,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen == [(3, 3)]


def test_a_sheet_that_breaks_off_is_refused_naming_the_last_row_read(personas, tree):
    def cut(xml: bytes) -> bytes:
        return xml[: xml.index(b'<row r="4"') + 20]  # rows 1-3 whole, row 4 broken off

    message = refused(personas, tree, rewritten(ledger(rows(5)).getvalue(), {SHEET_XML: cut}))
    assert "损坏" in message and "第 3 行" in message


def test_date_cells_as_excel_stores_them_are_read_as_dates(personas, tree):
    # Excel keeps a date as a serial number with a date format: the styles decide.
    values = dict(
        decided_on=dt.date(2026, 6, 1),
        received_on=dt.datetime(2026, 6, 3, 0, 0),
        reported_on=dt.date(2026, 6, 10),
        assessed_on=dt.date(2026, 6, 15),
    )
    outcome = ledger_import(
        actor=personas.officer_a, township=tree.a, handle=ledger([row(1, **values)]), commit=True
    )
    assert outcome.committed, outcome.problems
    from kangfu.cases.models import Measure

    measure = Measure.objects.get()
    assert (measure.decided_on, measure.received_on, measure.reported_on) == (
        dt.date(2026, 6, 1),
        dt.date(2026, 6, 3),
        dt.date(2026, 6, 10),
    )


def test_a_sheet_whose_zip_entry_fails_its_checksum_is_refused(personas, tree):
    import zipfile

    # Stored, not deflated: the sheet's bytes stand in the file as they are.
    data = bytearray(rewritten(ledger(rows(3)).getvalue(), {}, compression=zipfile.ZIP_STORED))
    at = data.index("陈晓东".encode())
    data[at : at + 3] = "王".encode()  # the same length, another checksum
    assert "不是 Excel" in refused(personas, tree, bytes(data))


def test_a_sheet_that_repeats_a_row_number_is_refused(personas, tree):
    import re

    def repeat(xml: bytes) -> bytes:
        third = re.search(rb'<row r="3".*?</row>', xml).group(0)
        return xml.replace(third, third + third)

    message = refused(personas, tree, rewritten(ledger(rows(4)).getvalue(), {SHEET_XML: repeat}))
    assert "损坏" in message and "第 3 行" in message
