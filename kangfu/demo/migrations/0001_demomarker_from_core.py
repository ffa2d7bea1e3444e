# Takes over DemoMarker and its existing table from core (core/0002 drops it from core's state).

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [("core", "0002_demomarker_moved_to_demo")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DemoMarker",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("seed", models.IntegerField()),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={"db_table": "core_demomarker"},
                )
            ],
            database_operations=[],
        )
    ]
