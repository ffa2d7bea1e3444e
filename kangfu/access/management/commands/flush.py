"""Django's ``flush``, able to empty the append-only audit table on PostgreSQL.

``flush`` wipes every table (the test runner calls it after each transactional test). The
audit table's trigger refuses TRUNCATE, so the trigger is disabled for the flush only, in
the same transaction: if the flush fails, the trigger stays on. This needs the table
owner's rights, which anyone able to wipe the whole database has anyway.
"""

from __future__ import annotations

from django.core.management.commands.flush import Command as FlushCommand
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from kangfu.access.models import AuditEvent

TRIGGER = "access_auditevent_append_only"


class Command(FlushCommand):
    def handle(self, **options):
        database = options.get("database") or DEFAULT_DB_ALIAS
        connection = connections[database]
        if connection.vendor != "postgresql" or not self._has_trigger(connection):
            return super().handle(**options)
        table = connection.ops.quote_name(AuditEvent._meta.db_table)
        with transaction.atomic(using=database):
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {TRIGGER}")
            super().handle(**options)
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {TRIGGER}")

    @staticmethod
    def _has_trigger(connection) -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_trigger WHERE tgname = %s", [TRIGGER])
            return cursor.fetchone() is not None
