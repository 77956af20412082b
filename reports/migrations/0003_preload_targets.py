"""The province's targets for 2022–2030, as the one-stop plans state them (DOMAIN.md, Reporting; the
2024 plan for satisfaction): online dossiers ≥ 55 % at a district and ≥ 50 % at a commune, online
payment ≥ 45 %, digitisation of components and results 100 %, satisfaction ≥ 90 % overall and
≥ 85 % for land, construction and investment. An administrator edits them per year in the admin;
rows already there are left as they are."""
from decimal import Decimal

from django.db import migrations

YEARS = range(2022, 2031)
NOTE = "Chỉ tiêu mặc định theo kế hoạch của UBND tỉnh (sửa theo kế hoạch từng năm)"
TARGETS = [  # (key, level, value %)
    ("online_dossiers", "district", Decimal(55)),
    ("online_dossiers", "commune", Decimal(50)),
    ("online_payment", "", Decimal(45)),
    ("components_digitised", "", Decimal(100)),
    ("results_digitised", "", Decimal(100)),
    ("satisfaction", "", Decimal(90)),
    ("land_group_satisfaction", "", Decimal(85)),
]


def preload(apps, schema_editor):
    Target = apps.get_model("reports", "Target")
    for year in YEARS:
        for key, level, value in TARGETS:
            Target.objects.get_or_create(year=year, level=level, key=key, defaults={"value": value, "note": NOTE})


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0002_target"),
    ]

    operations = [
        migrations.RunPython(preload, migrations.RunPython.noop),
    ]
