"""Audit overhead: median time of a person-detail request with and without the audit write.

    python bench/audit_overhead.py [--requests 300]

Runs against a fresh temporary SQLite database with config.settings_test, through Django's
test client (middleware, session, templates: the whole request). "Without audit" replaces
the chain append with a no-op *inside this process only*: production code has no switch
that turns auditing off. Both variants run interleaved in one process so that caches,
CPU frequency and disk state affect them alike.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _setup import fresh_sqlite, one_township  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per variant")
    args = parser.parse_args()

    tmp = fresh_sqlite()
    from django.test import Client
    from django.urls import reverse

    from conftest import make_user, register, sign_in
    from kangfu.access import audit
    from kangfu.access.choices import Role
    from kangfu.access.models import AuditEvent

    town = one_township()
    worker = make_user("bench_worker", Role.CASEWORKER, town, display_name="王社工")
    person = register(worker, town, name="张伟")
    client = sign_in(Client(), worker)
    url = reverse("people:person-detail", args=[person.public_id])

    def no_audit(**kwargs):
        return None

    def timed(with_audit: bool) -> float:
        patch = mock.patch.object(audit, "audit_record", no_audit)
        views_patch = mock.patch("kangfu.people.views.audit_record", no_audit)
        if with_audit:
            start = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - start
        else:
            with patch, views_patch:
                start = time.perf_counter()
                response = client.get(url)
                elapsed = time.perf_counter() - start
        assert response.status_code == 200, response.status_code
        return elapsed

    for _ in range(20):  # warm-up: templates, translations, connection
        timed(True)
        timed(False)
    on: list[float] = []
    off: list[float] = []
    for _ in range(args.requests):
        on.append(timed(True))
        off.append(timed(False))
    ms_on, ms_off = statistics.median(on) * 1000, statistics.median(off) * 1000
    print(f"person-detail requests: {args.requests} per variant, temporary SQLite database")
    print(f"  audit log rows at the end: {AuditEvent.objects.count()}")
    print(f"  median with audit:    {ms_on:7.2f} ms")
    print(f"  median without audit: {ms_off:7.2f} ms")
    print(f"  overhead:             {ms_on - ms_off:7.2f} ms ({(ms_on / ms_off - 1) * 100:.1f} %)")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
