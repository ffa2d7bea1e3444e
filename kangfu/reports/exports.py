"""The monthly (月报) and quarterly report: the same figures as the dashboard, always
suppressed, as an Excel workbook (openpyxl: a summary sheet, then one sheet per level
below the node) and as a PDF (WeasyPrint). Both name who produced them and when."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kangfu.access.choices import Level
from kangfu.access.models import Jurisdiction
from kangfu.reports import selectors
from kangfu.reports.figures import FIGURES, GROUPS, RATES

LEVEL_ORDER = [Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWNSHIP]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Document:
    content: bytes
    content_type: str
    filename: str


def _levels_below(node: Jurisdiction) -> list[str]:
    if node.level == Level.NATIONAL:
        return LEVEL_ORDER
    index = LEVEL_ORDER.index(node.level)
    return LEVEL_ORDER[index + 1 :]


def tables_by_level(tree: selectors.Tree) -> list[tuple[str, list]]:
    """[(level, [(parent table)])]: for each level below the tree's node, the table of every
    parent one level up, whose children are the rows of that level's sheet. All tables come
    from one suppression over the whole tree, so the sheets cannot be read against each
    other."""
    out = []
    parents = [tree.node]
    for level in _levels_below(tree.node):
        tables = [tree.table(p) for p in parents]
        out.append((level, tables))
        parents = [row.node for t in tables for row in t.children]
    return out


def _produced_by(user) -> str:
    when = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    return _("Produced by %(user)s on %(when)s (Asia/Shanghai)") % {
        "user": getattr(user, "display_name", "") or user.get_username(),
        "when": when,
    }


def _title(node, period) -> str:
    if period.kind == "quarter":
        return _("Quarterly statistics report of %(node)s, %(period)s") % {
            "node": node.name,
            "period": period.label,
        }
    return _("Monthly statistics report of %(node)s, %(period)s") % {
        "node": node.name,
        "period": period.label,
    }


def _note(threshold: int) -> str:
    return _(
        'Counts of 1 to %(n)s persons are shown as "<%(t)s"; cells marked "*" are hidden '
        "so that a small count cannot be worked out from the totals."
    ) % {"n": threshold - 1, "t": threshold}


def _columns():
    return [(f.key, str(f.label), False) for f in FIGURES] + [
        (r.key, str(r.label), True) for r in RATES
    ]


def _cell_text(row: selectors.Row, key: str, is_rate: bool) -> str | int:
    if is_rate:
        return row.rates[key]
    cell = row.cells[key]
    # Numbers stay numbers in Excel (so offices can add them up); suppressed cells are text.
    return cell.value if cell.value is not None and not cell.suppressed else cell.shown


def xlsx(node, period, user) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    head_font = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE7EA")
    wrap = Alignment(wrap_text=True, vertical="top")
    tree = selectors.figures_tree(node, period)
    summary = tree.table(node)
    threshold = summary.threshold
    workbook = Workbook()

    def sheet(ws, title_rows, tables, name_header):
        for line in title_rows:
            ws.append([line])
        ws["A1"].font = Font(bold=True, size=14)
        ws.append([])
        columns = _columns()
        ws.append([name_header, _("Part of")] + [label for _k, label, _r in columns])
        header = ws.max_row
        for cell in ws[header]:
            cell.font, cell.fill, cell.alignment = head_font, fill, wrap
        for table in tables:
            for row in [*table.children] if table.children else [table.total]:
                ws.append(
                    [row.node.name, table.node.name]
                    + [_cell_text(row, key, is_rate) for key, _l, is_rate in columns]
                )
            ws.append(
                [_("Total: %(node)s") % {"node": table.node.name}, ""]
                + [_cell_text(table.total, key, is_rate) for key, _l, is_rate in columns]
            )
            ws.cell(row=ws.max_row, column=1).font = head_font
        ws.freeze_panes = ws.cell(row=header + 1, column=3)
        ws.column_dimensions["A"].width = 22
        ws.column_dimensions["B"].width = 16
        for index in range(3, len(columns) + 3):
            ws.column_dimensions[get_column_letter(index)].width = 12
        ws.row_dimensions[header].height = 48

    titles = [_title(node, period), _produced_by(user), _note(threshold)]
    first = workbook.active
    first.title = _("Summary")
    sheet(first, titles, [summary], _("Jurisdiction"))
    for level, tables in tables_by_level(tree):
        label = str(dict(Level.choices)[level])
        sheet(workbook.create_sheet(title=label[:31]), titles, tables, label)
    glossary = workbook.create_sheet(title=_("Definitions"))
    glossary.append([_("Figure"), _("Definition")])
    for cell in glossary[1]:
        cell.font, cell.fill = head_font, fill
    for figure in FIGURES:
        glossary.append([str(figure.label), str(figure.definition)])
    for rate in RATES:
        glossary.append([str(rate.label), str(rate.definition)])
    glossary.column_dimensions["A"].width = 28
    glossary.column_dimensions["B"].width = 100
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def pdf(node, period, user) -> bytes:
    from weasyprint import HTML

    below = _levels_below(node)
    summary = selectors.figures_tree(node, period, down_to=below[0] if below else node.level)
    summary = summary.table(node)
    groups = []
    for key, label in GROUPS.items():
        figs = [f for f in FIGURES if f.group == key]
        rates = [r for r in RATES if r.group == key]
        groups.append((label, figs, rates))
    html = render_to_string(
        "reports/report_pdf.html",
        {
            "title": _title(node, period),
            "produced_by": _produced_by(user),
            "note": _note(summary.threshold),
            "table": summary,
            "groups": groups,
        },
    )
    return HTML(string=html).write_pdf()


def build(*, node, period, user, fmt: str) -> Document:
    # Chinese headers: the report is an official document of a Chinese office, whatever
    # language the page was in.
    with translation.override("zh-hans"):
        stem = f"kangfu-{node.code}-{period.label}"
        if fmt == "xlsx":
            return Document(xlsx(node, period, user), XLSX, f"{stem}.xlsx")
        return Document(pdf(node, period, user), "application/pdf", f"{stem}.pdf")
