"""On PostgreSQL, one foreign key per appointment instead of two.

An appointment under a measure names its case and its measure, and Django declares a key for
each: two deferred checks per row at COMMIT, which for a ledger import of 50,000 persons
(1.75 million appointments) is 3.5 million look-ups. Here they become

- ``appointment_measure_of_case``: (measure, case) → the measure's (id, case), so an
  appointment's measure is one of its own case's (something the two keys never said); and
- ``appointment_consent_case``: a generated column holding the case only when there is no
  measure (an appointment on the basis of consent), → the case.

Each row is checked by exactly one of them (a key with a NULL column is not checked), and
every row's case is checked. SQLite keeps Django's two keys; the model still declares them,
so Django's collector deletes appointments with their case or measure as before.

Upgrade: adding the stored column rewrites the table and its indexes under an exclusive
lock, and the two keys are validated: 4.0 s for 1.75 million appointments on the 2-core
reference machine, so about 12 s at national scale (docs/operations.md "Upgrade").
"""

from django.db import migrations

TABLE = "schedule_appointment"


def _keys_of(cursor, connection, column: str) -> list[str]:
    constraints = connection.introspection.get_constraints(cursor, TABLE)
    return [
        name
        for name, info in constraints.items()
        if info["foreign_key"] and info["columns"] == [column]
    ]


def one_key(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for column in ("case_id", "measure_id"):
            for name in _keys_of(cursor, connection, column):
                cursor.execute(f'ALTER TABLE {TABLE} DROP CONSTRAINT "{name}"')
        cursor.execute(
            f"ALTER TABLE {TABLE} ADD COLUMN consent_case_id bigint GENERATED ALWAYS AS "
            "(CASE WHEN measure_id IS NULL THEN case_id END) STORED"
        )
        cursor.execute(
            f"ALTER TABLE {TABLE} ADD CONSTRAINT appointment_measure_of_case "
            "FOREIGN KEY (measure_id, case_id) REFERENCES cases_measure (id, case_id) "
            "DEFERRABLE INITIALLY DEFERRED"
        )
        cursor.execute(
            f"ALTER TABLE {TABLE} ADD CONSTRAINT appointment_consent_case "
            "FOREIGN KEY (consent_case_id) REFERENCES cases_case (id) "
            "DEFERRABLE INITIALLY DEFERRED"
        )


def two_keys(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT appointment_measure_of_case")
        cursor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT appointment_consent_case")
        cursor.execute(f"ALTER TABLE {TABLE} DROP COLUMN consent_case_id")
        for column, target in (("case_id", "cases_case"), ("measure_id", "cases_measure")):
            cursor.execute(
                f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_{column}_fk_{target} "
                f"FOREIGN KEY ({column}) REFERENCES {target} (id) DEFERRABLE INITIALLY DEFERRED"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0009_measure_of_case"),
        ("schedule", "0005_appointment_measure_no_own_index"),
    ]

    operations = [migrations.RunPython(one_key, two_keys, elidable=False)]
