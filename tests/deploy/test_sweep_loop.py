"""deploy/sweep_loop.py: when the compose sweep container runs next, and its healthcheck."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import time_machine

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("sweep_loop", ROOT / "deploy" / "sweep_loop.py")
sweep_loop = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sweep_loop)
ZONE = sweep_loop.ZONE


def test_it_runs_later_the_same_day_before_the_hour_and_tomorrow_after_it():
    at = dt.time(2, 30)
    before = dt.datetime(2026, 12, 2, 1, 0, tzinfo=ZONE)
    after = dt.datetime(2026, 12, 2, 2, 30, tzinfo=ZONE)
    assert sweep_loop.next_run(before, at) == dt.datetime(2026, 12, 2, 2, 30, tzinfo=ZONE)
    assert sweep_loop.next_run(after, at) == dt.datetime(2026, 12, 3, 2, 30, tzinfo=ZONE)


def test_it_reports_healthy_only_within_26_hours_of_a_successful_sweep(tmp_path, monkeypatch):
    stamp = tmp_path / "ok"
    monkeypatch.setattr(sweep_loop, "STAMP", stamp)
    assert sweep_loop.check() == 1  # never ran
    stamp.write_text(dt.datetime(2026, 12, 2, 2, 31, tzinfo=ZONE).isoformat())
    with time_machine.travel(dt.datetime(2026, 12, 3, 3, 0, tzinfo=ZONE), tick=False):
        assert sweep_loop.check() == 0
    with time_machine.travel(dt.datetime(2026, 12, 3, 5, 0, tzinfo=ZONE), tick=False):
        assert sweep_loop.check() == 1
