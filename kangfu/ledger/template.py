"""The downloadable template: the 台账 sheet with its headers and one example row, and a
说明 sheet that explains every column."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from kangfu.ledger.columns import COLUMNS, HELP_SHEET, SHEET

ID_COLUMN = next(i for i, c in enumerate(COLUMNS, start=1) if c.key == "id_number")


def template_bytes() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append([c.header for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(COLUMNS, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(12, len(column.header) * 2 + 4)
        # ID numbers are text: a number would lose its last digits and the X.
        if index == ID_COLUMN:
            sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"
    notes = book.create_sheet(HELP_SHEET)
    notes.append(["列名", "必填", "说明", "示例"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        notes.append([column.header, "是" if column.required else "", column.help, column.example])
    notes.append([])
    notes.append(["每行一人。第一行是列名，请勿改动、合并单元格或使用公式。"])
    notes.append(
        ["同一文件可以重复导入：已登记的人员按身份号码匹配，已录入的决定书按文号匹配，不会重复。"]
    )
    notes.append(["文件须为 .xlsx 格式，最多 50,000 行、20 MB。"])
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["C"].width = 60
    notes.column_dimensions["D"].width = 40
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def workbook_bytes(rows: list[list], *, headers: list[str] | None = None) -> bytes:
    """A ledger workbook holding ``rows`` under the template's headers, written in
    write-only mode (streams, so 50,000 rows stay small in memory). For tests, the bench
    and offices converting other files."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET)
    sheet.append(headers if headers is not None else [c.header for c in COLUMNS])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
