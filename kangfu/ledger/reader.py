"""Reading an uploaded ledger: streaming, bounded, and refusing a bad file with a clear message.

openpyxl's read-only mode parses the sheet as it goes (``iter_rows``), so memory does not
grow with the number of rows. Before openpyxl sees the file we check what it cannot be
trusted to refuse politely: the size, that it is a zip at all (an old .xls or a renamed CSV
is not), that it does not unpack to something enormous, and that the sheet merges no cells
(read-only mode cannot see merges: their cells just come back empty).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext as _

from kangfu.ledger.columns import COLUMNS, HEADERS, SHEET

MAX_BYTES = 20 * 1024 * 1024  # 50,000 filled rows take about 5 MB
MAX_UNPACKED = 400 * 1024 * 1024  # what the zip may unpack to (a zip bomb is refused)
MAX_ROWS = 50_000
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+\d+:[A-Z]+\d+)"')
_ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+(\d+)(?::[A-Z]+(\d+))?"')


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
    # Rows below the header, as the sheet's dimension states them or else as counted (an
    # estimate for the progress bar: formatted empty rows count too).
    total: int | None


def _size(handle: IO[bytes]) -> int:
    handle.seek(0, 2)
    size = handle.tell()
    handle.seek(0)
    return size


def _scan(archive: zipfile.ZipFile, path: str) -> tuple[str | None, int, int | None]:
    """One streaming pass over the sheet's XML, before any of it is parsed: its first merged
    range (read-only mode cannot see merges: their cells just come back empty), how many
    row elements it holds, and the last row its dimension states, if it states one (Excel
    and WPS do, near the top; openpyxl's own files do not)."""
    tail = b""
    rows = 0
    stated = None
    with archive.open(path) as stream:
        while chunk := stream.read(1 << 20):
            window = tail + chunk
            if not tail:
                dimension = _DIMENSION.search(window)
                if dimension:
                    stated = int(dimension.group(2) or dimension.group(1))
            found = _MERGE.search(window)
            if found:
                return found.group(1).decode(), rows, stated
            # A tag cut by the chunk's edge is counted in the next window, once.
            rows += sum(1 for m in _ROW.finditer(window) if m.end() > len(tail))
            tail = chunk[-200:]
    return None, rows, stated


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
        raise _not_excel()
    handle.seek(0)
    try:
        archive = zipfile.ZipFile(handle)
        if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
            raise LedgerFileError(_("The workbook unpacks to too much data to be imported."))
        handle.seek(0)
        workbook, sheets = _workbook(handle)
    except LedgerFileError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise _not_excel() from exc
    if not sheets:
        raise LedgerFileError(_("The sheet is empty: it has no header row and no rows."))
    path = sheets.get(SHEET) or next(iter(sheets.values()))
    try:
        merged, count, stated = _scan(archive, path)
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        OSError,
        NotImplementedError,
        RuntimeError,
    ) as exc:
        # The sheet's own entry is damaged (bad checksum, cut off) or encrypted.
        raise _not_excel() from exc
    if merged:
        raise LedgerFileError(
            _("The sheet merges cells (%(range)s). Unmerge them and fill in every cell.")
            % {"range": merged}
        )
    # The size the sheet states, as before a row is read; without one, the rows counted.
    # Only a stated size refuses the file here: row elements also stand for rows that are
    # merely formatted, and the rows that hold data are limited while they are read.
    total = (stated if stated is not None else count) - 1
    total = total if total > 0 else None
    if stated is not None and total is not None and total > MAX_ROWS + 1000:
        raise LedgerFileError(
            _("The sheet has %(n)d rows; at most %(max)d can be imported at once.")
            % {"n": total, "max": MAX_ROWS}
        )
    rows = _sheet_rows(workbook, path)
    try:
        _number, header_cells = next(rows)
    except StopIteration:
        raise LedgerFileError(_("The sheet is empty: it has no header row and no rows.")) from None
    width = max(header_cells, default=0)
    headers = [_header(header_cells.get(column)) for column in range(1, width + 1)]
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
    # Excel's columns count from 1.
    position = {h: i + 1 for i, h in enumerate(headers) if h}
    keys = [(c.key, position[c.header]) for c in COLUMNS]
    return Sheet(rows=_rows(rows, keys), total=total)


def _header(cell: dict | None) -> str:
    value = None if cell is None else cell["value"]
    return str(value).strip() if value is not None else ""


def _workbook(handle: IO[bytes]):
    """openpyxl's reader of the workbook's own parts (the manifest, the shared strings, the
    workbook with its date system, the styles that tell a date from a number), and the
    worksheets' paths by name. Its sheets are not opened: opening one in read-only mode
    parses the whole sheet for its size when the file states none, a pass of its own
    (a fifth of the reading time of a 50,000-row file written by openpyxl); the rows are
    read by ``_sheet_rows`` instead."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet

    parts = ExcelReader(handle, read_only=True, data_only=False)
    parts.read_manifest()
    parts.read_strings()
    parts.read_workbook()
    apply_stylesheet(parts.archive, parts.wb)
    sheets = {
        sheet.name: rel.target
        for sheet, rel in parts.parser.find_sheets()
        if rel.target in parts.valid_files and "chartsheet" not in rel.Type
    }
    return parts, sheets


def _sheet_rows(parts, path: str) -> Iterator[tuple[int, dict[int, dict]]]:
    """The sheet's rows as (Excel's row number, {column: cell}), each cell openpyxl's own
    parse of it (value, data_type, style_id), straight from its worksheet parser.

    openpyxl's read-only cells (``iter_rows``) build a cell object for every position of
    every row on top of that parse and stop at the row count the sheet's dimension claims;
    here rows come as the XML has them (a sheet whose dimension is short loses none), and
    an inline string (what openpyxl and some converters write; Excel and WPS write shared
    strings) is read in one step instead of through openpyxl's rich-text model: together
    about half the reading time of a 50,000-row file (docs/data.md). A sheet whose XML
    breaks off is a damaged file, with its message, not an error of the run."""
    with parts.archive.open(path) as source:
        parser = _fast_parser()(
            source,
            parts.shared_strings,
            data_only=False,
            epoch=parts.wb.epoch,
            date_formats=parts.wb._date_formats,
            timedelta_formats=parts.wb._timedelta_formats,
        )
        parsed = parser.parse()
        last = 0
        while True:
            try:
                number, cells = next(parsed)
            except StopIteration:
                return
            except Exception as exc:  # ParseError, a bad number, a damaged zip member
                raise _damaged(parser.row_counter) from exc
            if number <= last:
                # Excel writes rows in order, once each; a file that repeats one is damaged.
                raise _damaged(last)
            last = number
            yield number, {cell["column"]: cell for cell in cells}


def _not_excel() -> LedgerFileError:
    return LedgerFileError(
        _("This is not an Excel workbook (.xlsx). Download the template and fill it in.")
    )


def _damaged(row: int) -> LedgerFileError:
    return LedgerFileError(
        _(
            "The sheet is damaged after row %(row)d and cannot be read. "
            "Save it again in Excel and upload it once more."
        )
        % {"row": row}
    )


@functools.cache
def _fast_parser():
    """openpyxl's worksheet parser with inline strings read in one step (made on first use:
    the app loads without importing openpyxl)."""
    from openpyxl.utils import coordinate_to_tuple
    from openpyxl.worksheet._reader import FORMULA_TAG, INLINE_STRING, WorkSheetParser
    from openpyxl.xml.constants import SHEET_MAIN_NS

    text_tag = f"{{{SHEET_MAIN_NS}}}t"

    class FastParser(WorkSheetParser):
        def parse_cell(self, element):
            if element.get("t") == "inlineStr" and element.find(FORMULA_TAG) is None:
                string = element.find(INLINE_STRING)
                # Plain text only (one <t>, no runs); anything else as openpyxl reads it.
                if string is not None and len(string) == 1 and string[0].tag == text_tag:
                    coordinate = element.get("r")
                    if coordinate:
                        row, column = coordinate_to_tuple(coordinate)
                        self.col_counter = column
                    else:
                        self.col_counter += 1
                        row, column = self.row_counter, self.col_counter
                    style_id = element.get("s", 0)
                    return {
                        "row": row,
                        "column": column,
                        "value": string[0].text or "",
                        "data_type": "s",
                        "style_id": int(style_id) if style_id else 0,
                    }
            return super().parse_cell(element)

    return FastParser


def _rows(rows, keys) -> Iterator[RawRow]:
    seen = 0
    for number, cells in rows:
        values: dict[str, Any] = {}
        formulas: list[str] = []
        for key, column in keys:
            cell = cells.get(column)
            if cell is None:
                values[key] = None
                continue
            value = cell["value"]
            if cell["data_type"] == "f" or (isinstance(value, str) and value.startswith("=")):
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
