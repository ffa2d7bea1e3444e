"""Each figure's definition on the hand-built county of conftest.py, with exact numbers."""

import datetime as dt

import pytest

from kangfu.cases.models import Measure
from kangfu.reports.figures import KEYS
from kangfu.reports.models import SnapshotDay, TownshipDay
from kangfu.reports.services import snapshot_backfill, snapshot_build
from kangfu.reports.tests.conftest import TODAY, at

pytestmark = pytest.mark.django_db


def figures(township, on=TODAY):
    row = TownshipDay.objects.get(township=township, on=on)
    return {key: getattr(row, key) for key in KEYS if getattr(row, key)}


def test_it_counts_every_figure_of_the_day_exactly(county, tree):
    with at("2026-11-20"):
        assert snapshot_build(on=TODAY) == 3
    assert figures(tree.a) == {
        "registered": 4,  # p1–p4: p5 moved to B, p6's case is closed
        "treatment": 1,  # p1 (p3 is suspended, p4's measure terminated)
        "awaiting_report": 1,  # p2
        "suspended": 1,  # p3
        "external": 2,  # p3 detained, p4 in compulsory isolation
        "risk_medium": 1,  # p1
        "risk_none": 3,  # p2, p3, p4
        "report_due": 1,  # p1's deadline fell on 11-16 (p2's falls on 11-25)
        "reported_on_time": 1,
        "agreements_signed": 1,
        "tests_planned": 2,  # p3's and p4's, due 11-01 (p1's first falls in January)
        "tests_done": 1,  # p3's (p4 refused)
        "positives": 1,  # p4, confirmed by the lab
        "relapses": 1,
        "transfers_out": 1,  # p5
        "three_year_due": 1,  # p6: last day 2023-11-09, three years completed 11-10
        "three_year_clean": 1,
    }
    assert figures(tree.b) == {
        "registered": 1,
        "recovery": 1,
        "risk_none": 1,
        "transfers_in": 1,
    }
    assert figures(tree.c) == {}


def test_it_rebuilds_a_past_month_end_from_the_dates_in_the_record(county, tree):
    with at("2026-11-20"):
        days = snapshot_backfill(months=2, on=TODAY)
    assert days == [dt.date(2026, 9, 30), dt.date(2026, 10, 31), TODAY]
    assert SnapshotDay.objects.get(on=dt.date(2026, 10, 31)).from_history
    october = figures(tree.a, dt.date(2026, 10, 31))
    # p3 and p4 were under 社区戒毒; nothing else happened at A in October.
    assert october == {"registered": 2, "treatment": 2, "risk_none": 2}
    # p5's case is counted where it is now (B), from its reporting in October.
    assert figures(tree.b, dt.date(2026, 10, 31)) == {
        "registered": 1,
        "recovery": 1,
        "risk_none": 1,
        "report_due": 1,
        "reported_on_time": 1,
    }
    # Reminders exist only for today: a rebuilt day does not pretend to know them.
    row = TownshipDay.objects.get(township=tree.a, on=dt.date(2026, 10, 31))
    assert row.downgrades_overdue is None
    assert TownshipDay.objects.get(township=tree.a, on=TODAY).downgrades_overdue == 0


def test_it_gives_the_same_rows_when_run_twice_for_a_day(county, tree):
    with at("2026-11-20"):
        snapshot_build(on=TODAY)
        first = figures(tree.a)
        snapshot_build(on=TODAY)
    assert TownshipDay.objects.filter(on=TODAY).count() == 3
    assert figures(tree.a) == first


def test_it_counts_a_measure_kept_past_its_last_day_as_a_defect(county, tree):
    # A record left behind: p1's measure still says active after its last day.
    Measure.objects.filter(person=county[1]).update(ends_on=dt.date(2026, 11, 18))
    with at("2026-11-20"):
        snapshot_build(on=TODAY)
    counted = figures(tree.a)
    assert counted["past_legal_end"] == 1
    assert "treatment" not in counted


def test_it_builds_a_day_and_backfills_months_from_the_command(county, capsys):
    from django.core.management import call_command

    with at("2026-11-20"):
        call_command("reports", "snapshot", "--date", "2026-11-20")
        assert capsys.readouterr().out.strip() == "snapshot 2026-11-20: 3 townships"
        call_command("reports", "snapshot", "--backfill", "24")
    out = capsys.readouterr().out.strip()
    assert out == "snapshots built for 25 days, 2024-11-30 to 2026-11-20"
    assert SnapshotDay.objects.count() == 25


def test_it_refuses_a_malformed_date_naming_the_option(db):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--date: not a YYYY-MM-DD date: 2026-13-01"):
        call_command("reports", "snapshot", "--date", "2026-13-01")
