"""Preload Vietnam's days off and make-up working days for 2020–2030 from the holidays package.

Administrators edit them afterwards in the admin (each year's government decision may differ).
"""
from datetime import date

from django.db import migrations


def preload(apps, schema_editor):
    import holidays as holidays_lib

    Holiday = apps.get_model("motcua", "Holiday")
    years = range(2020, 2031)
    calendar = holidays_lib.country_holidays("VN", years=years, language="vi")
    rows = {day: Holiday(date=day, name=name, kind="off") for day, name in calendar.items()}
    for day in getattr(calendar, "weekend_workdays", ()):
        if isinstance(day, date) and day.year in years:
            rows[day] = Holiday(date=day, name="Ngày làm việc bù", kind="makeup")
    existing = set(Holiday.objects.values_list("date", flat=True))
    Holiday.objects.bulk_create([row for day, row in sorted(rows.items()) if day not in existing])


class Migration(migrations.Migration):
    dependencies = [("motcua", "0001_initial")]

    operations = [migrations.RunPython(preload, migrations.RunPython.noop)]
