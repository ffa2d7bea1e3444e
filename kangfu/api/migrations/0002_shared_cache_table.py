"""The table of the database cache (settings.CACHES["shared"]) that holds the API rate-limit
counters, so every worker process counts against the same budget. Created here rather than
by a separate ``createcachetable`` step, so ``migrate`` is the only set-up command."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    atomic = False  # the command opens its own schema editor

    dependencies = [("api", "0001_api_tokens_and_idempotency")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
