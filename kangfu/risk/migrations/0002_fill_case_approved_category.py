# Copy each person's approved category onto their unsealed cases (cases.Case.approved_category),
# the one value the schedule, agreement, case page and portal now read.

from django.db import migrations


def forward(apps, schema_editor):
    PersonRisk = apps.get_model("risk", "PersonRisk")
    Case = apps.get_model("cases", "Case")
    rows = PersonRisk.objects.filter(category__isnull=False).values_list("person_id", "category")
    for person_id, category in rows.iterator():
        Case.objects.filter(person_id=person_id).exclude(state="sealed").update(
            approved_category=category
        )


class Migration(migrations.Migration):
    dependencies = [
        ("risk", "0001_initial"),
        ("cases", "0004_approved_category"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
