"""Run `manage.py sweep` once a day, for hosts without cron (the compose `sweep` service).

    python deploy/sweep_loop.py            run now, then every day at SWEEP_AT (Asia/Shanghai)
    python deploy/sweep_loop.py --check    exit 0 when the last run succeeded within 26 hours

The first run at start-up catches up a day missed while the container was down (the sweep is
idempotent: a second run for the same day changes nothing). A failed run is retried after
RETRY minutes, not a day later. Standard library only; no broker, no cron daemon.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Asia/Shanghai")
STAMP = Path(os.environ.get("SWEEP_STAMP", "/tmp/kangfu-sweep-ok"))
RETRY = dt.timedelta(minutes=30)
MAX_AGE = dt.timedelta(hours=26)


def run_at() -> dt.time:
    text = os.environ.get("SWEEP_AT", "01:30")
    try:
        return dt.time.fromisoformat(text)
    except ValueError:
        sys.exit(f"SWEEP_AT must be HH:MM (Asia/Shanghai), not {text!r}")


def next_run(now: dt.datetime, at: dt.time) -> dt.datetime:
    """The next SWEEP_AT after ``now`` (both in Asia/Shanghai)."""
    candidate = now.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    return candidate if candidate > now else candidate + dt.timedelta(days=1)


def sweep_once() -> bool:
    result = subprocess.run([sys.executable, "manage.py", "sweep"], check=False)
    if result.returncode == 0:
        STAMP.write_text(dt.datetime.now(ZONE).isoformat(), encoding="utf-8")
        return True
    print(f"sweep failed with exit code {result.returncode}", file=sys.stderr, flush=True)
    return False


def check() -> int:
    try:
        last = dt.datetime.fromisoformat(STAMP.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return 1
    return 0 if dt.datetime.now(ZONE) - last < MAX_AGE else 1


def main() -> None:
    at = run_at()
    while True:
        ok = sweep_once()
        now = dt.datetime.now(ZONE)
        wake = next_run(now, at) if ok else now + RETRY
        print(f"next sweep at {wake.isoformat(timespec='minutes')}", flush=True)
        time.sleep(max(1.0, (wake - dt.datetime.now(ZONE)).total_seconds()))


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        sys.exit(check())
    main()
