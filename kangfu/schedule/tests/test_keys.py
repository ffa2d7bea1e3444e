"""The appointments' keys on PostgreSQL (migration 0006): one check per row, and an
appointment's measure must be one of its own case's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from kangfu.schedule.models import Appointment
from kangfu.schedule.tests.conftest import active_case

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"
    ),
]


def _checked_now() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _appointment(case_id: int, measure_id: int | None) -> None:
    Appointment.objects.create(
        case_id=case_id,
        measure_id=measure_id,
        kind="urine_test",
        basis="measure" if measure_id else "consent",
        due_on=dt.date(2024, 3, 2),
        on=dt.date(2024, 3, 2),
    )


@pytest.fixture
def two_cases(personas, people):
    return (
        active_case(personas.worker_a, people.in_a),
        active_case(personas.worker_b, people.in_b),
    )


def test_an_appointment_of_one_case_cannot_name_another_cases_measure(two_cases):
    (case_a, _measure_a), (_case_b, measure_b) = two_cases
    with pytest.raises(IntegrityError, match="appointment_measure_of_case"):
        with transaction.atomic():
            _appointment(case_a.pk, measure_b.pk)
            _checked_now()


def test_an_appointment_without_a_measure_still_has_its_case_checked(two_cases):
    with pytest.raises(IntegrityError, match="appointment_consent_case"):
        with transaction.atomic():
            _appointment(2_000_000_000, None)
            _checked_now()


def test_an_appointment_of_its_own_measure_is_accepted(two_cases):
    (case_a, measure_a), _b = two_cases
    with transaction.atomic():
        _appointment(case_a.pk, measure_a.pk)
        _checked_now()
    assert Appointment.objects.filter(case=case_a, due_on=dt.date(2024, 3, 2)).exists()


def test_each_row_has_one_key_to_check():
    keys = connection.introspection.get_constraints(connection.cursor(), "schedule_appointment")
    foreign = sorted(tuple(info["columns"]) for info in keys.values() if info["foreign_key"])
    assert foreign == [("consent_case_id",), ("measure_id", "case_id")]
