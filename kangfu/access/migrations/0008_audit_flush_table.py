# PostgreSQL only: one row per database backend, written by kangfu.access.audit._wait_durable
# after an audit append, to wait for the log flush once the chain lock is released. Not a
# Django model: it holds nothing but a counter. Plain SQL, no app imports (DESIGN habit 11).

from django.db import migrations

TABLE = "kangfu_audit_flush"


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} "
            "(backend integer PRIMARY KEY, flushes bigint NOT NULL DEFAULT 0)",
            params=None,
        )


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0007_portal_signin_and_registration_match"),
    ]

    operations = [migrations.RunPython(install, remove)]
