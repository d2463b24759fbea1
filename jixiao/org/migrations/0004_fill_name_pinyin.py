"""Fill Employee.name_pinyin for the people already there; new writes keep it from now on."""

from typing import Any

from django.db import migrations

from jixiao.org.pinyin import name_pinyin

BATCH = 2000


def fill_name_pinyin(apps: Any, schema_editor: Any) -> None:
    Employee = apps.get_model("org", "Employee")
    last_pk = 0
    while True:
        # Keyset batches of id and name: a company of 50,000 never sits in memory at once, and no
        # cursor stays open over the table while it is written (SQLite gives no isolation there).
        batch = list(Employee.objects.filter(pk__gt=last_pk).order_by("pk").only("id", "name")[:BATCH])
        if not batch:
            return
        for employee in batch:
            employee.name_pinyin = name_pinyin(employee.name)
        Employee.objects.bulk_update(batch, ["name_pinyin"], batch_size=BATCH)
        last_pk = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0003_employee_name_pinyin"),
    ]

    operations = [
        # Backwards there is nothing to undo: 0003's reversal drops the column.
        migrations.RunPython(fill_name_pinyin, migrations.RunPython.noop),
    ]
