"""Small-cell suppression of a table of counts of persons (pure, no database).

A cell is a count; a *line* is a total cell and the member cells that add up to it (a
column of children and its node total; a row of categories and its sum). Primary
suppression hides every count from 1 to ``threshold - 1`` ("<5"). Complementary suppression
then makes sure nothing hidden can be worked out from what is shown, line by line:

* a line whose total is shown must not let any hidden member be pinned to one value: the
  hidden members add up to ``total - shown``, and a reader knows a "<5" cell lies in
  1..threshold-1 and a "*" cell is 0 or at least ``threshold``. While some hidden member
  has a single possible value, the smallest shown non-zero member (else the smallest shown
  zero, else the total) is hidden too;
* a line whose total is hidden must hide at least one member, else the total is the sum.

This repeats until nothing changes (it only ever hides more, so it stops); after a cell is
hidden, only the lines through it are checked again. Zero is shown:
a 0 reveals only that nobody is counted, and a line of zeros has a zero total; a zero is
hidden only as a complement when no non-zero cell is left to hide.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

Key = Hashable


class Mark(StrEnum):
    SHOWN = "shown"
    SMALL = "small"  # primary: 1..threshold-1, shown as "<5"
    COMPLEMENT = "complement"  # hidden so that a small cell cannot be derived, shown as "*"


@dataclass(frozen=True)
class Line:
    total: Key
    members: tuple[Key, ...]


Intervals = list[tuple[int, int]]


def _domain(mark: Mark, threshold: int, cap: int) -> Intervals:
    """What a reader knows of a hidden cell, as closed intervals, capped at ``cap``."""
    if mark is Mark.SMALL:
        return [(1, min(threshold - 1, cap))] if cap >= 1 else []
    return [(0, 0)] + ([(threshold, cap)] if cap >= threshold else [])


def _merge(intervals: Intervals) -> Intervals:
    merged: Intervals = []
    for lo, hi in sorted(intervals):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def _add(a: Intervals, b: Intervals, cap: int) -> Intervals:
    return _merge([(x + y, min(p + q, cap)) for x, p in a for y, q in b if x + y <= cap])


def possible_values(hidden: Sequence[Mark], remainder: int, threshold: int) -> list[Intervals]:
    """For each hidden member (by its mark), the values it can take when the hidden members
    add up to ``remainder``: what a reader can work out from one line. Interval arithmetic,
    so it costs the same for a count of 3 as for one of a million."""
    domains = [_domain(m, threshold, remainder) for m in hidden]
    result = []
    for i, domain in enumerate(domains):
        reach: Intervals = [(0, 0)]
        for j, other in enumerate(domains):
            if j != i:
                reach = _add(reach, other, remainder)
        # v is possible when remainder - v is a reachable sum of the others.
        mirrored = [(remainder - hi, remainder - lo) for lo, hi in reach]
        result.append(
            _merge(
                [
                    (max(lo, a), min(hi, b))
                    for lo, hi in domain
                    for a, b in mirrored
                    if max(lo, a) <= min(hi, b)
                ]
            )
        )
    return result


def count_of(intervals: Intervals) -> int:
    return sum(hi - lo + 1 for lo, hi in intervals)


def suppress(
    cells: Mapping[Key, int], lines: Sequence[Line], *, threshold: int = 5
) -> dict[Key, Mark]:
    """The mark of every cell: shown, small ("<5") or complement ("*")."""
    if threshold < 2:
        return {key: Mark.SHOWN for key in cells}
    marks = {
        key: Mark.SMALL if 1 <= value < threshold else Mark.SHOWN for key, value in cells.items()
    }
    # A work list of lines to (re)check: a line changes only when one of its cells does, so
    # after a cell is hidden only the lines through it are looked at again. Every line once,
    # in order, to begin with.
    through: dict[Key, list[int]] = {}
    for index, line in enumerate(lines):
        for key in (line.total, *line.members):
            through.setdefault(key, []).append(index)
    queue = deque(range(len(lines)))
    queued = set(queue)
    while queue:
        index = queue.popleft()
        queued.discard(index)
        line = lines[index]
        hidden = [k for k in line.members if marks[k] is not Mark.SHOWN]
        shown = [k for k in line.members if marks[k] is Mark.SHOWN]
        if marks[line.total] is Mark.SHOWN:
            if not hidden:
                continue
            remainder = cells[line.total] - sum(cells[k] for k in shown)
            options = possible_values([marks[k] for k in hidden], remainder, threshold)
            if all(count_of(values) > 1 for values in options):
                continue
        elif hidden:
            continue
        # Hide one more cell of this line: the smallest non-zero shown member, then a zero,
        # and when no member is left, the total itself.
        candidates = sorted(shown, key=lambda k: (cells[k] == 0, cells[k], str(k)))
        target = candidates[0] if candidates else line.total
        if marks[target] is Mark.SHOWN:
            marks[target] = Mark.COMPLEMENT
            for other in through[target]:
                if other not in queued:
                    queue.append(other)
                    queued.add(other)
    return marks


def shown_value(value: int | None, mark: Mark, *, threshold: int = 5) -> str:
    """What a user or an export sees for a cell."""
    if value is None:
        return "—"
    if mark is Mark.SMALL:
        return f"<{threshold}"
    if mark is Mark.COMPLEMENT:
        return "*"
    return str(value)


def table_lines(
    rows: Sequence[Key], columns: Sequence[Key], *, total_row: Key, row_sums: Mapping
) -> list[Line]:
    """Lines of a table of child rows × figure columns: each column adds up to the total
    row; ``row_sums`` maps a sum column to the columns that add up to it in every row."""
    lines = [Line(total=(total_row, c), members=tuple((r, c) for r in rows)) for c in columns]
    for sum_column, parts in row_sums.items():
        for r in (*rows, total_row):
            lines.append(Line(total=(r, sum_column), members=tuple((r, p) for p in parts)))
    return lines
