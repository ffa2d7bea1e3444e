"""Re-encrypt every encrypted column with the active key (the first of KANGFU_FIELD_KEYS)."""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from kangfu.core import crypto
from kangfu.core.fields import EncryptedTextField

BATCH = 500


class Command(BaseCommand):
    help = "Re-encrypt values written under an older key with the active field key."

    def handle(self, *args, **options):
        active = crypto.keyring().active_id
        total = 0
        for model in apps.get_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            if not fields:
                continue
            stale = self._stale_pks(model, fields, active)
            for start in range(0, len(stale), BATCH):
                with transaction.atomic():
                    for obj in model._base_manager.filter(pk__in=stale[start : start + BATCH]):
                        # Saving re-encrypts every listed field under the active key.
                        obj.save(update_fields=[f.name for f in fields])
            total += len(stale)
            self.stdout.write(f"{model._meta.label}: {len(stale)} row(s) re-encrypted")
        for model in apps.get_models():
            # Encrypted files outside the database (kangfu.documents): a model that keeps
            # some offers ``rekey_stored_files()`` and answers how many it re-encrypted.
            rekey = getattr(model, "rekey_stored_files", None)
            if callable(rekey):
                self.stdout.write(f"{model._meta.label}: {rekey()} file(s) re-encrypted")
        self.stdout.write(self.style.SUCCESS(f"Done: {total} row(s) now under key {active}."))

    def _stale_pks(self, model, fields, active: str) -> list:
        qn = connection.ops.quote_name
        columns = ", ".join(qn(f.column) for f in fields)
        sql = f"SELECT {qn(model._meta.pk.column)}, {columns} FROM {qn(model._meta.db_table)}"
        stale = []
        with connection.cursor() as cursor:
            cursor.execute(sql)
            while rows := cursor.fetchmany(2000):
                stale.extend(
                    pk
                    for pk, *values in rows
                    if any(v and crypto.key_id_of(v) != active for v in values)
                )
        return stale
