"""Reading an uploaded ledger: streaming, bounded, and refusing a bad file with a clear message.

openpyxl's read-only mode parses the sheet as it goes (``iter_rows``), so memory does not
grow with the number of rows. Before openpyxl sees the file we check what it cannot be
trusted to refuse politely: the size, that it is a zip at all (an old .xls or a renamed CSV
is not), that it does not unpack to something enormous, and that the sheet merges no cells
(read-only mode cannot see merges: their cells just come back empty).
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext as _

from kangfu.ledger.columns import COLUMNS, HEADERS, SHEET

MAX_BYTES = 20 * 1024 * 1024  # 50,000 filled rows take about 5 MB
MAX_UNPACKED = 400 * 1024 * 1024  # what the zip may unpack to (a zip bomb is refused)
MAX_ROWS = 50_000
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+\d+:[A-Z]+\d+)"')


class LedgerFileError(Exception):
    """The file as a whole cannot be read; ``message`` says why, in the user's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class RawRow:
    number: int  # the row number Excel shows
    values: dict[str, Any]
    formulas: list[str] = field(default_factory=list)  # keys of cells holding a formula


@dataclass
class Sheet:
    rows: Iterator[RawRow]
    total: int | None  # rows announced by the sheet's dimension (an estimate)


def _size(handle: IO[bytes]) -> int:
    handle.seek(0, 2)
    size = handle.tell()
    handle.seek(0)
    return size


def _merged(archive: zipfile.ZipFile, path: str) -> str | None:
    """The first merged range of the sheet at ``path``, read in chunks."""
    tail = b""
    with archive.open(path) as stream:
        while chunk := stream.read(1 << 20):
            found = _MERGE.search(tail + chunk)
            if found:
                return found.group(1).decode()
            tail = chunk[-200:]
    return None


def open_sheet(handle: IO[bytes]) -> Sheet:
    """Check the file and return its rows as a stream. Raises LedgerFileError."""
    size = _size(handle)
    if size == 0:
        raise LedgerFileError(_("The file is empty."))
    if size > MAX_BYTES:
        raise LedgerFileError(
            _("The file is %(size)d MB; the most that can be imported at once is %(max)d MB.")
            % {"size": size // (1024 * 1024), "max": MAX_BYTES // (1024 * 1024)}
        )
    head = handle.read(8)
    handle.seek(0)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise LedgerFileError(
            _("This is an old Excel file (.xls). Save it as an Excel workbook (.xlsx) first.")
        )
    if not head.startswith(b"PK\x03\x04") or not zipfile.is_zipfile(handle):
        raise LedgerFileError(
            _("This is not an Excel workbook (.xlsx). Download the template and fill it in.")
        )
    handle.seek(0)
    try:
        archive = zipfile.ZipFile(handle)
        if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
            raise LedgerFileError(_("The workbook unpacks to too much data to be imported."))
        import openpyxl  # imported here: the app loads without parsing a workbook

        handle.seek(0)
        workbook = openpyxl.load_workbook(handle, read_only=True, data_only=False)
    except LedgerFileError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise LedgerFileError(
            _("This is not an Excel workbook (.xlsx). Download the template and fill it in.")
        ) from exc
    sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook.worksheets[0]
    merged = _merged(archive, sheet._worksheet_path)
    if merged:
        raise LedgerFileError(
            _("The sheet merges cells (%(range)s). Unmerge them and fill in every cell.")
            % {"range": merged}
        )
    rows = sheet.iter_rows()
    try:
        header_cells = next(rows)
    except StopIteration:
        raise LedgerFileError(_("The sheet is empty: it has no header row and no rows.")) from None
    headers = [str(c.value).strip() if c.value is not None else "" for c in header_cells]
    while headers and not headers[-1]:
        headers.pop()
    missing = [h for h in HEADERS if h not in headers]
    unknown = [h for h in headers if h and h not in HEADERS]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(_("missing columns: %(names)s") % {"names": "、".join(missing)})
        if unknown:
            parts.append(
                _("columns not in the template: %(names)s") % {"names": "、".join(unknown)}
            )
        raise LedgerFileError(
            _("The header row does not match the template (%(problems)s).")
            % {"problems": "; ".join(parts)}
        )
    position = {h: i for i, h in enumerate(headers) if h}
    keys = [(c.key, position[c.header]) for c in COLUMNS]
    total = sheet.max_row - 1 if sheet.max_row else None
    if total is not None and total > MAX_ROWS + 1000:
        raise LedgerFileError(
            _("The sheet has %(n)d rows; at most %(max)d can be imported at once.")
            % {"n": total, "max": MAX_ROWS}
        )
    return Sheet(rows=_rows(rows, keys), total=total)


def _rows(rows, keys) -> Iterator[RawRow]:
    seen = 0
    for cells in rows:
        values: dict[str, Any] = {}
        formulas: list[str] = []
        number = None
        for key, index in keys:
            cell = cells[index] if index < len(cells) else None
            value = getattr(cell, "value", None)
            if number is None and getattr(cell, "row", None):
                number = cell.row
            if getattr(cell, "data_type", None) == "f" or (
                isinstance(value, str) and value.startswith("=")
            ):
                formulas.append(key)
                value = None
            if isinstance(value, str):
                value = value.strip()
            values[key] = value
        if not formulas and all(v in (None, "") for v in values.values()):
            continue
        seen += 1
        if seen > MAX_ROWS:
            raise LedgerFileError(
                _("The sheet has more than %(max)d rows; split it into several files.")
                % {"max": MAX_ROWS}
            )
        if number is None:
            number = next((c.row for c in cells if getattr(c, "row", None)), 0)
        yield RawRow(number=number, values=values, formulas=formulas)


def as_date(value: Any) -> dt.date | None:
    """A date from a cell: an Excel date, or text like 2026-05-03, 2026/5/3, 2026.5.3 or
    2026年5月3日. Raises ValueError for anything else."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    found = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
    if not found:
        raise ValueError(text)
    return dt.date(*(int(g) for g in found.groups()))


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    return str(value).strip()
