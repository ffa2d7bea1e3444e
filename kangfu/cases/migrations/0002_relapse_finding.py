# A relapse (a confirmed positive test during a measure, recorded by the schedule app) is a
# finding with the same art. 21 duty; unlike a refusal or serious breach it may recur.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_cases_measures_agreements_transfers"),
    ]

    operations = [
        migrations.AlterField(
            model_name="finding",
            name="kind",
            field=models.CharField(
                choices=[
                    ("refusal", "Refused the measure (did not report in time)"),
                    ("serious_breach", "Serious breach of the agreement"),
                    ("relapse", "Drug use during the measure (confirmed positive test)"),
                ],
                max_length=20,
                verbose_name="kind",
            ),
        ),
        migrations.RemoveConstraint(model_name="finding", name="finding_once_per_measure"),
        migrations.AddConstraint(
            model_name="finding",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind__in", ["refusal", "serious_breach"])),
                fields=("measure", "kind"),
                name="finding_once_per_measure",
            ),
        ),
    ]
