"""Demo catalogue: 76 real procedures (national codes, times, fees, components; sources in the
file's last column), posted at Tứ Kỳ district and at every one of its communes."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from django.db import transaction

from motcua.demo import DISTRICT_CODE
from motcua.models import AdministrativeUnit, UnitLevel

from .importing import procedures_import
from .models import Posting, Procedure

CATALOGUE_FILE = Path(__file__).resolve().parent / "data" / "demo-catalogue.csv"
POSTED_ON = date(2025, 1, 6)


@transaction.atomic
def demo_seed() -> dict[str, int]:
    report = procedures_import(source=str(CATALOGUE_FILE))
    if not report.ok:  # the bundled file is tested; this only guards against local edits
        raise ValueError("\n".join(report.errors))
    district = AdministrativeUnit.objects.get(code=DISTRICT_CODE)
    by_level = {
        level: list(Procedure.objects.in_force().filter(level=level).values_list("id", flat=True))
        for level in (UnitLevel.DISTRICT, UnitLevel.COMMUNE)
    }
    wanted = [(district.id, pid) for pid in by_level[UnitLevel.DISTRICT]]
    for commune_id in district.descendants().filter(level=UnitLevel.COMMUNE).values_list("id", flat=True):
        wanted += [(commune_id, pid) for pid in by_level[UnitLevel.COMMUNE]]
    existing = set(Posting.objects.values_list("unit_id", "procedure_id"))
    Posting.objects.bulk_create(
        Posting(unit_id=unit_id, procedure_id=pid, posted_at_desk=POSTED_ON, posted_on_website=POSTED_ON)
        for unit_id, pid in wanted
        if (unit_id, pid) not in existing
    )
    return {"procedures": Procedure.objects.count(), "postings": Posting.objects.count()}
