"""Backup → restore of the demo province (fewer persons than `make demo`, every kind of
record it loads) on SQLite and on PostgreSQL (issue 16 item 3). The demo builder is a
higher app than the ledger, so this round trip lives here, not in the ledger's tests."""

import pytest
import time_machine
from django.db import connection

from kangfu.ledger.tests.test_backup import on_postgres, round_trip


def _demo_round_trip(tmp_path, capsys):
    from kangfu.demo import builder as demo

    with time_machine.travel("2026-12-02 10:00 +0800", tick=False):
        demo.build(persons=60)
    counts = round_trip(tmp_path, capsys)
    assert counts["people_person"] >= 60
    for table in ("cases_case", "schedule_appointment", "risk_assessment", "referrals_referral"):
        assert counts[table] > 0, table


@pytest.mark.django_db(transaction=True)
def test_it_round_trips_the_demo_province_on_sqlite(tmp_path, capsys):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite round trip")
    _demo_round_trip(tmp_path, capsys)


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db(transaction=True)
def test_it_round_trips_the_demo_province_on_postgresql(tmp_path, capsys):
    _demo_round_trip(tmp_path, capsys)
