"""Reads of the statistics: which nodes a user may open, and the figures of a node.

Every figure comes from ``TownshipDay`` rows summed by the child level's column (county,
city, province copied on each row), one grouped query for any number of days, so a
province over a million persons costs what a county costs. What a user sees is suppressed
(``suppression``) unless they work at that very township.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q, Sum
from django.http import Http404
from django.utils import timezone

from kangfu.access.choices import Level
from kangfu.access.models import Jurisdiction
from kangfu.access.permissions import Action, nodes_for
from kangfu.cases.models import Measure
from kangfu.core.dates import add_months
from kangfu.policy.packs import get_pack
from kangfu.reports import suppression
from kangfu.reports.figures import BY_KEY, FIGURES, FLOW_KEYS, KEYS, RATES, ROW_LINES
from kangfu.reports.models import NodeDay, ReceivedFigures, SnapshotDay, TownshipDay

# Who has a dashboard (Action.STATISTICS_VIEW): the anti-drug staff of a node; partners and
# administrators do not. Staff working *at* a township (Action.STATISTICS_RAW) see its own
# figures unsuppressed.
CHILD_COLUMN = {
    Level.NATIONAL: "province_id",
    Level.PROVINCE: "city_id",
    Level.CITY: "county_id",
    Level.COUNTY: "township_id",
}
OWN_COLUMN = {
    Level.PROVINCE: "province_id",
    Level.CITY: "city_id",
    Level.COUNTY: "county_id",
    Level.TOWNSHIP: "township_id",
}
SERIES_MONTHS = 24


def threshold() -> int:
    """The pack's small-cell threshold (default pack: 5)."""
    return get_pack(settings.KANGFU_DEFAULT_POLICY_PACK).statistics.suppress_below


def has_dashboard(user) -> bool:
    return bool(nodes_for(user, Action.STATISTICS_VIEW))


def home_nodes(user) -> list[Jurisdiction]:
    """The nodes of the user's dashboard grants (narrowest last dropped when covered)."""
    nodes = sorted(set(nodes_for(user, Action.STATISTICS_VIEW)), key=lambda j: j.path)
    kept: list[Jurisdiction] = []
    for node in nodes:
        if not any(node.path.startswith(k.path) for k in kept):
            kept.append(node)
    return kept


def node_for(user, code: str) -> Jurisdiction:
    """The node ``code`` when one of the user's dashboard grants covers it, else 404 (a
    sibling township looks exactly like a code that does not exist)."""
    paths = [n.path for n in nodes_for(user, Action.STATISTICS_VIEW)]
    if not paths:
        raise Http404
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    node = Jurisdiction.objects.filter(condition, code=code).first()
    if node is None:
        raise Http404
    return node


def sees_raw(user, node: Jurisdiction) -> bool:
    """Raw counts only for the staff of that township itself; everyone else, suppressed."""
    if node.level != Level.TOWNSHIP:
        return False
    return any(n.pk == node.pk for n in nodes_for(user, Action.STATISTICS_RAW))


def ancestors(node: Jurisdiction, user) -> list[Jurisdiction]:
    """The nodes above ``node`` the user may open too (for the breadcrumb)."""
    codes = [c for c in node.path.strip("/").split("/")][:-1]
    above = {j.code: j for j in Jurisdiction.objects.filter(code__in=codes)}
    allowed = [n.path for n in nodes_for(user, Action.STATISTICS_VIEW)]
    return [
        above[c] for c in codes if c in above and any(above[c].path.startswith(p) for p in allowed)
    ]


# --- periods --------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A month or a quarter, and the snapshot days that stand for it (one per month: the
    latest built day of that month). Stocks come from the last day, flows add up."""

    kind: str  # "month" | "quarter"
    first: dt.date
    days: tuple[dt.date, ...]

    @property
    def last_day(self) -> dt.date | None:
        return self.days[-1] if self.days else None

    @property
    def label(self) -> str:
        if self.kind == "quarter":
            return f"{self.first.year}Q{(self.first.month - 1) // 3 + 1}"
        return self.first.strftime("%Y-%m")


def _month_days(months: list[dt.date]) -> dict[dt.date, dt.date]:
    """{first of month: the latest snapshot day in it} for the months that have one."""
    if not months:
        return {}
    start, end = min(months), add_months(max(months), 1)
    found: dict[dt.date, dt.date] = {}
    for day in SnapshotDay.objects.filter(on__gte=start, on__lt=end).values_list("on", flat=True):
        first = day.replace(day=1)
        if first in months and day > found.get(first, dt.date.min):
            found[first] = day
    return found


def latest_day() -> dt.date | None:
    return SnapshotDay.objects.order_by("-on").values_list("on", flat=True).first()


def parse_month(text: str | None) -> dt.date | None:
    """ "2026-11" → 2026-11-01; None when empty; ValueError when malformed."""
    if not text:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}", text):
        raise ValueError(text)
    year, month = text.split("-")
    return dt.date(int(year), int(month), 1)


def period_of(kind: str, first: dt.date | None) -> Period:
    if first is None:
        latest = latest_day()
        first = latest or timezone.localdate()
    first = first.replace(day=1)
    if kind == "quarter":
        first = first.replace(month=(first.month - 1) // 3 * 3 + 1)
        months = [add_months(first, i) for i in range(3)]
    else:
        months = [first]
    days = _month_days(months)
    return Period(kind, first, tuple(days[m] for m in months if m in days))


# --- figures --------------------------------------------------------------------------


@dataclass
class Cell:
    value: int | None
    shown: str
    suppressed: bool = False


@dataclass
class Row:
    node: Jurisdiction | None
    cells: dict[str, Cell] = field(default_factory=dict)
    rates: dict[str, str] = field(default_factory=dict)


@dataclass
class Table:
    node: Jurisdiction
    period: Period
    raw: bool
    total: Row
    children: list[Row]
    threshold: int


def _sums(node: Jurisdiction, days: tuple[dt.date, ...], keys=KEYS, by_day=False) -> dict:
    """{(child id or None, day or None): {figure: value}} in one grouped query."""
    if not days:
        return {}
    qs = TownshipDay.objects.filter(on__in=days)
    if node.level != Level.NATIONAL:
        qs = qs.filter(**{OWN_COLUMN[node.level]: node.pk})
    group = [CHILD_COLUMN[node.level]] if node.level in CHILD_COLUMN else []
    if by_day or len(days) > 1:
        group.append("on")
    rows = qs.order_by().values(*group).annotate(**{f"s_{k}": Sum(k) for k in keys})
    out = {}
    for row in rows:
        child = row.get(group[0]) if node.level in CHILD_COLUMN else None
        out[(child, row.get("on"))] = {k: row[f"s_{k}"] for k in keys}
    return out


def _period_values(per_day: dict[dt.date | None, dict], period: Period) -> dict:
    """Stocks of the period's last day; flows added over its days."""
    last = per_day.get(period.last_day) or per_day.get(None) or {}
    values = {}
    for key in KEYS:
        if key in FLOW_KEYS:
            parts = [d.get(key) for d in per_day.values() if d]
            known = [p for p in parts if p is not None]
            values[key] = sum(known)
        else:
            values[key] = last.get(key, 0)
        if BY_KEY[key].nullable and last.get(key) is None:
            values[key] = None
    return values


def _rate(numerator: Cell, denominator: Cell) -> str:
    if numerator.suppressed or denominator.suppressed:
        return "*"
    if not denominator.value:
        return "—"
    return f"{100 * (numerator.value or 0) / denominator.value:.1f}%"


def _row(row_key, node, values: dict, marks: dict, limit: int) -> Row:
    row = Row(node)
    for figure in FIGURES:
        value = values[figure.key]
        mark = marks.get((row_key, figure.key), suppression.Mark.SHOWN)
        row.cells[figure.key] = Cell(
            value=None if mark is not suppression.Mark.SHOWN else value,
            shown=suppression.shown_value(value, mark, threshold=limit),
            suppressed=mark is not suppression.Mark.SHOWN,
        )
    for rate in RATES:
        row.rates[rate.key] = _rate(row.cells[rate.numerator], row.cells[rate.denominator])
    return row


def _add_up(rows: list[dict]) -> dict:
    return {
        key: (
            None
            if BY_KEY[key].nullable and all(r[key] is None for r in rows)
            else sum(r[key] or 0 for r in rows)
        )
        for key in KEYS
    }


LEVEL_ORDER = (Level.NATIONAL, Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWNSHIP)


@dataclass
class Tree:
    """Every node of a subtree with its suppressed row, suppressed *together*: one set of
    lines for all parents at once, so a value hidden in one table cannot be read from
    another (a city's total in the province's table, the city's own table, its counties)."""

    node: Jurisdiction
    period: Period
    rows: dict[int, Row]
    children: dict[int, list[Jurisdiction]]
    threshold: int

    def table(self, node: Jurisdiction) -> Table:
        return Table(
            node=node,
            period=self.period,
            raw=False,
            total=self.rows[node.pk],
            children=[self.rows[c.pk] for c in self.children.get(node.pk, [])],
            threshold=self.threshold,
        )


def _stored_row(node: Jurisdiction, shown: dict) -> Row:
    row = Row(node)
    for figure in FIGURES:
        text = shown.get(figure.key, "—")
        hidden = text == "*" or text.startswith("<")
        row.cells[figure.key] = Cell(
            value=int(text) if text.isdigit() else None, shown=text, suppressed=hidden
        )
    for rate in RATES:
        row.rates[rate.key] = shown.get(f"rate:{rate.key}", "—")
    return row


def stored_shown(row: Row) -> dict:
    """What ``NodeDay.shown`` keeps of a row."""
    shown = {key: cell.shown for key, cell in row.cells.items()}
    shown.update({f"rate:{key}": value for key, value in row.rates.items()})
    return shown


def _stored(period: Period, nodes: list[Jurisdiction]) -> dict[int, Row] | None:
    """Rows of ``nodes`` from the whole-tree suppression of the period's day, when the
    period is a month and that day's marks are stored for every one of them."""
    if period.kind != "month" or not period.days:
        return None
    found = dict(
        NodeDay.objects.filter(on=period.last_day, node__in=[n.pk for n in nodes]).values_list(
            "node_id", "shown"
        )
    )
    if len(found) < len(nodes):
        return None
    return {n.pk: _stored_row(n, found[n.pk]) for n in nodes}


def figures_tree(
    node: Jurisdiction,
    period: Period,
    *,
    down_to: str = Level.TOWNSHIP,
    use_stored: bool = True,
) -> Tree:
    """The suppressed figures of ``node`` and every node below it down to ``down_to``:
    one grouped query per level, then one suppression over all the lines of the tree.
    For a month whose snapshot day has stored marks (``NodeDay``, suppressed over the
    whole instance's tree at once) those are used, so every page, sheet and package shows
    the same strings for a month."""
    depth = LEVEL_ORDER.index(down_to)
    levels = [lv for lv in LEVEL_ORDER[LEVEL_ORDER.index(node.level) + 1 : depth + 1]]
    nodes = [
        j
        for j in Jurisdiction.objects.filter(path__startswith=node.path, level__in=levels).order_by(
            "path"
        )
    ]
    children: dict[int, list[Jurisdiction]] = {}
    for j in nodes:
        children.setdefault(j.parent_id, []).append(j)
    for kids in children.values():
        kids.sort(key=lambda j: j.code)
    limit = threshold()
    stored = _stored(period, [node, *nodes]) if use_stored else None
    if stored is not None:
        return Tree(node=node, period=period, rows=stored, children=children, threshold=limit)
    values: dict[int, dict] = {}
    if period.days:
        base = TownshipDay.objects.filter(on__in=period.days)
        if node.level != Level.NATIONAL:
            base = base.filter(**{OWN_COLUMN[node.level]: node.pk})
        for level in levels:
            column = OWN_COLUMN[level]
            per: dict[int, dict] = {}
            for row in (
                base.order_by().values(column, "on").annotate(**{f"s_{k}": Sum(k) for k in KEYS})
            ):
                per.setdefault(row[column], {})[row["on"]] = {k: row[f"s_{k}"] for k in KEYS}
            for pk, per_day in per.items():
                values[pk] = _period_values(per_day, period)
    empty = _period_values({}, period)
    for j in nodes:
        values.setdefault(j.pk, dict(empty))
    if node.level == Level.TOWNSHIP:
        own = _sums(node, period.days)
        per_day = {d or period.last_day: v for (_c, d), v in own.items()}
        values[node.pk] = _period_values(per_day, period)
    else:
        values[node.pk] = _add_up([values[c.pk] for c in children.get(node.pk, [])])
    person_keys = [f.key for f in FIGURES if f.persons]
    cells = {(pk, k): (v[k] or 0) for pk, v in values.items() for k in person_keys}
    lines = []
    for parent, kids in children.items():
        if parent not in values:
            continue
        for key in person_keys:
            lines.append(
                suppression.Line(total=(parent, key), members=tuple((c.pk, key) for c in kids))
            )
    for total, parts in ROW_LINES:
        for pk in values:
            lines.append(suppression.Line(total=(pk, total), members=tuple((pk, p) for p in parts)))
    marks = suppression.suppress(cells, lines, threshold=limit)
    by_pk = {j.pk: j for j in nodes} | {node.pk: node}
    rows = {pk: _row(pk, by_pk[pk], v, marks, limit) for pk, v in values.items()}
    return Tree(node=node, period=period, rows=rows, children=children, threshold=limit)


def figures_table(node: Jurisdiction, period: Period, *, raw: bool) -> Table:
    """The node's figures and its children's, for ``period``, suppressed unless ``raw``:
    from the stored whole-tree marks for a month when they exist, else as one table."""
    children = (
        list(Jurisdiction.objects.filter(parent=node).order_by("code"))
        if node.level in CHILD_COLUMN
        else []
    )
    stored = None if raw else _stored(period, [node, *children])
    if stored is not None:
        return Table(
            node=node,
            period=period,
            raw=False,
            total=stored[node.pk],
            children=[stored[c.pk] for c in children],
            threshold=threshold(),
        )
    sums = _sums(node, period.days)
    by_child: dict = {}
    for (child, day), values in sums.items():
        by_child.setdefault(child, {})[day if len(period.days) > 1 else period.last_day] = values
    rows: dict = {}
    if children:
        for child in children:
            rows[child.pk] = _period_values(by_child.get(child.pk, {}), period)
        total_values = {
            key: (
                None
                if BY_KEY[key].nullable and all(r[key] is None for r in rows.values())
                else sum(r[key] or 0 for r in rows.values())
            )
            for key in KEYS
        }
    else:
        total_values = _period_values(by_child.get(None, {}), period)
    limit = threshold()
    person_keys = [f.key for f in FIGURES if f.persons]
    cells = {("T", k): total_values[k] or 0 for k in person_keys}
    for pk, values in rows.items():
        for key in person_keys:
            cells[(pk, key)] = values[key] or 0
    if raw:
        marks = {key: suppression.Mark.SHOWN for key in cells}
    else:
        lines = suppression.table_lines(
            list(rows), person_keys, total_row="T", row_sums=dict(ROW_LINES)
        )
        marks = suppression.suppress(cells, lines, threshold=limit)

    def row_of(row_key, child, values) -> Row:
        return _row(row_key, child, values, marks, limit)

    return Table(
        node=node,
        period=period,
        raw=raw,
        total=row_of("T", node, total_values),
        children=[row_of(c.pk, c, rows[c.pk]) for c in children],
        threshold=limit,
    )


SERIES_KEYS = ("registered", "treatment", "recovery", "tests_planned", "tests_done", "positives")


def series(node: Jurisdiction, *, until: dt.date, raw: bool, months: int = SERIES_MONTHS):
    """Monthly series over the last ``months`` months up to ``until``'s month: the node's
    totals per month for SERIES_KEYS, and persons registered per child per month. Suppressed
    as a table (each month's children add up to the month's total) unless ``raw``."""
    first = until.replace(day=1)
    month_list = [add_months(first, -i) for i in range(months - 1, -1, -1)]
    days = _month_days(month_list)
    day_list = tuple(days[m] for m in month_list if m in days)
    sums = _sums(node, day_list, keys=SERIES_KEYS, by_day=True)
    children = (
        list(Jurisdiction.objects.filter(parent=node).order_by("code"))
        if node.level in CHILD_COLUMN
        else []
    )
    labels = [m.strftime("%Y-%m") for m in month_list if m in days]
    totals = {k: [] for k in SERIES_KEYS}
    per_child = {c.pk: [] for c in children}
    for day in day_list:
        day_rows = {child: v for (child, d), v in sums.items() if d == day}
        for key in SERIES_KEYS:
            totals[key].append(sum((v[key] or 0) for v in day_rows.values()))
        for child in children:
            per_child[child.pk].append((day_rows.get(child.pk) or {}).get("registered") or 0)
    limit = threshold()
    cells = {}
    for i in range(len(day_list)):
        cells[("T", i)] = totals["registered"][i]
        for pk, values in per_child.items():
            cells[(pk, i)] = values[i]
    if raw:
        marks = {}
    else:
        lines = suppression.table_lines(
            list(per_child), list(range(len(day_list))), total_row="T", row_sums={}
        )
        # The node's other person series (treatment, recovery, positives) stand alone: each
        # value is one cell, suppressed when small.
        marks = suppression.suppress(cells, lines, threshold=limit)

    def shown(value, key):
        mark = marks.get(key, suppression.Mark.SHOWN)
        return suppression.shown_value(value, mark, threshold=limit)

    def plain(value, persons=True):
        if raw or not persons or not 1 <= value < limit:
            return str(value)
        return f"<{limit}"

    def chart_value(text):
        return int(text) if text.isdigit() else None

    rows_registered = [
        {
            "name": c.name,
            "code": c.code,
            "shown": [shown(v, (c.pk, i)) for i, v in enumerate(per_child[c.pk])],
        }
        for c in children
    ]
    node_rows = {key: [plain(v, BY_KEY[key].persons) for v in totals[key]] for key in SERIES_KEYS}
    if children:
        # The node's registered series is the total line of the children's table: it must
        # show what that table's suppression decided (a complement "*" included).
        node_rows["registered"] = [shown(v, ("T", i)) for i, v in enumerate(totals["registered"])]
    if not raw and day_list:
        # Months whose marks are stored for the node and all its children show those.
        wanted = [node.pk, *(c.pk for c in children)]
        stored: dict = {}
        for on, pk, shown_values in NodeDay.objects.filter(
            on__in=day_list, node__in=wanted
        ).values_list("on", "node_id", "shown"):
            stored.setdefault(on, {})[pk] = shown_values
        for i, day in enumerate(day_list):
            got = stored.get(day, {})
            if len(got) < len(wanted):
                continue
            for key in SERIES_KEYS:
                node_rows[key][i] = got[node.pk].get(key, node_rows[key][i])
            for child_row, child in zip(rows_registered, children, strict=True):
                child_row["shown"][i] = got[child.pk].get("registered", "—")

    return {
        "labels": labels,
        "node_table": [(BY_KEY[key].label, node_rows[key]) for key in SERIES_KEYS],
        "children": rows_registered,
        "node": node_rows,
        # What the charts draw: the same shown values, suppressed ones as gaps.
        "chart": {
            "labels": labels,
            "children": [
                {"name": r["name"], "data": [chart_value(s) for s in r["shown"]]}
                for r in rows_registered
            ],
            "node": {key: [chart_value(s) for s in values] for key, values in node_rows.items()},
            "names": {key: str(BY_KEY[key].label) for key in SERIES_KEYS},
        },
    }


def defects(user, node: Jurisdiction, on: dt.date):
    """Measures past their legal end at ``node``, for its own staff only (a list of cases,
    never names): each one is a record to fix."""
    if not sees_raw(user, node):
        return Measure.objects.none()
    return (
        Measure.objects.visible_to(user)
        .filter(case__township=node, state="active", ends_on__lt=on)
        .select_related("case")
        .order_by("ends_on")
    )


# --- figures received from province instances ----------------------------------------


def national_node(user) -> Jurisdiction | None:
    """The national node, when the user supervises it (only they see received figures)."""
    # Only a supervisor is granted at national level (access.services.ROLE_LEVELS).
    for node in nodes_for(user, Action.STATISTICS_VIEW):
        if node.level == Level.NATIONAL:
            return node
    return None


def received_months() -> list[dt.date]:
    return list(
        ReceivedFigures.objects.order_by("-month").values_list("month", flat=True).distinct()
    )


def received_figures(*, month: dt.date | None, code: str | None):
    """(node or None, rows): a received node and its children, or all provinces."""
    if month is None:
        return None, []
    qs = ReceivedFigures.objects.filter(month=month).select_related("sender")
    if code is None:
        return None, list(qs.filter(level=Level.PROVINCE).order_by("code"))
    node = qs.filter(code=code).first()
    if node is None:
        return None, []
    return node, list(qs.filter(parent_code=code).order_by("code"))
