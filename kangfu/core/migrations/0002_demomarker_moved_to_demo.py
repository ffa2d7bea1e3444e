# The model moved to the demo app; its table stays (kangfu/demo/migrations/0001).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("core", "0001_demo_marker")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="DemoMarker")],
            database_operations=[],
        )
    ]
