"""Small-cell suppression: primary "<5", complementary "*", nothing derivable per line."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from kangfu.reports.suppression import (
    Line,
    Mark,
    count_of,
    possible_values,
    shown_value,
    suppress,
    table_lines,
)


def column(values: list[int], threshold: int = 5):
    cells = {("row", i): v for i, v in enumerate(values)} | {("total", 0): sum(values)}
    line = Line(total=("total", 0), members=tuple(("row", i) for i in range(len(values))))
    return cells, [line], suppress(cells, [line], threshold=threshold)


def test_it_hides_the_next_smallest_sibling_when_one_small_cell_could_be_derived():
    cells, _lines, marks = column([3, 12, 40, 7])
    shown = [shown_value(cells[("row", i)], marks[("row", i)]) for i in range(4)]
    # 62 − 12 − 40 would give 10 = 3 + 7: with 7 hidden too, 3 could be 1, 2, 3 or 4.
    assert shown == ["<5", "12", "40", "*"]
    assert shown_value(62, marks[("total", 0)]) == "62"


def test_it_shows_zero_and_large_counts_as_they_are():
    _cells, _lines, marks = column([0, 5, 120])
    assert all(mark is Mark.SHOWN for mark in marks.values())


def test_it_hides_two_ones_that_the_total_would_pin_down():
    # 1 + 1 + 10 = 12: knowing both hidden cells are 1..4 and sum to 2 pins both to 1.
    _cells, _lines, marks = column([1, 1, 10])
    assert marks[("row", 2)] is Mark.COMPLEMENT


def test_it_takes_the_threshold_from_the_caller():
    _cells, _lines, marks = column([7, 30], threshold=10)
    assert marks[("row", 0)] is Mark.SMALL


def brute_force(marks: list[Mark], remainder: int, threshold: int) -> list[set[int]]:
    """Every value each hidden cell can take, by enumeration (small cases only)."""
    domains = [
        range(1, threshold) if m is Mark.SMALL else [0, *range(threshold, remainder + 1)]
        for m in marks
    ]
    seen: list[set[int]] = [set() for _ in marks]
    for combo in itertools.product(*domains):
        if sum(combo) == remainder:
            for i, v in enumerate(combo):
                seen[i].add(v)
    return seen


@given(
    st.lists(st.sampled_from([Mark.SMALL, Mark.COMPLEMENT]), min_size=1, max_size=4),
    st.integers(min_value=0, max_value=30),
)
def test_it_works_out_possible_values_as_enumeration_does(marks, remainder):
    fast = possible_values(marks, remainder, 5)
    slow = brute_force(marks, remainder, 5)
    assert [count_of(f) for f in fast] == [len(s) for s in slow]


counts = st.one_of(st.integers(0, 6), st.integers(0, 60))


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 5).flatmap(
        lambda n_rows: st.lists(
            st.lists(counts, min_size=3, max_size=3), min_size=n_rows, max_size=n_rows
        )
    ),
    st.integers(2, 6),
)
def test_it_lets_no_suppressed_cell_be_derived_from_any_line(rows, threshold):
    """A table of child rows × 3 columns, with column totals and a row sum column."""
    cells = {}
    n = len(rows)
    for r, values in enumerate(rows):
        for c, v in enumerate(values):
            cells[(r, c)] = v
        cells[(r, "sum")] = sum(values)
    for c in (0, 1, 2, "sum"):
        cells[("T", c)] = sum(cells[(r, c)] for r in range(n))
    lines = table_lines(
        list(range(n)), [0, 1, 2, "sum"], total_row="T", row_sums={"sum": (0, 1, 2)}
    )
    marks = suppress(cells, lines, threshold=threshold)
    for key, value in cells.items():
        if 1 <= value < threshold:
            assert marks[key] is not Mark.SHOWN, "a small count is shown"
    for line in lines:
        hidden = [k for k in line.members if marks[k] is not Mark.SHOWN]
        if marks[line.total] is Mark.SHOWN:
            assert len(hidden) != 1, "a single hidden cell next to a shown total"
            if hidden:
                remainder = cells[line.total] - sum(
                    cells[k] for k in line.members if marks[k] is Mark.SHOWN
                )
                # possible_values is checked against enumeration above.
                options = possible_values([marks[k] for k in hidden], remainder, threshold)
                assert all(count_of(o) >= 2 for o in options), "a hidden cell is pinned down"
        else:
            assert hidden, "a hidden total is the sum of its shown members"
