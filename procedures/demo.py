"""Demo catalogue: 76 real procedures (national codes, times, fees, components; sources in the
file's last column), posted where the demo tree receives dossiers today.

- ``2023``: the district's procedures at Tứ Kỳ district, the commune's at every one of its communes.
- ``2025``: both at every commune of Thành phố Hải Phòng (from 01/07/2025 the communes took over the
  district's procedures; the districts are gone), posted on the day they started. The units that ended
  keep no posting: what they handled then was the catalogue of their level (dossiers.demo).

A posting's first day (``valid_from``) is the day its unit started in the 2025 tree; in the 2023 tree
the units have handled their catalogue since before the records (empty), so that the demo's reports of
past windows count it too, while the lists are dated as posted at the desk on 06/01/2025.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from django.db import transaction

from motcua.demo import CITY_CODE, DEFAULT_TREE, DISTRICT_CODE
from motcua.models import AdministrativeUnit, UnitLevel

from .importing import procedures_import
from .models import Posting, Procedure

CATALOGUE_FILE = Path(__file__).resolve().parent / "data" / "demo-catalogue.csv"
POSTED_ON = date(2025, 1, 6)


@transaction.atomic
def demo_seed(tree: str = DEFAULT_TREE) -> dict[str, int]:
    report = procedures_import(source=str(CATALOGUE_FILE))
    if not report.ok:  # the bundled file is tested; this only guards against local edits
        raise ValueError("\n".join(report.errors))
    by_level = {
        level: list(Procedure.objects.in_force().filter(level=level).values_list("id", flat=True))
        for level in (UnitLevel.DISTRICT, UnitLevel.COMMUNE)
    }
    posted_on, since = POSTED_ON, None
    if tree == "2025":
        city = AdministrativeUnit.objects.by_key(CITY_CODE)
        posted_on = since = city.valid_from
        communes = AdministrativeUnit.objects.children_in_force(city).filter(level=UnitLevel.COMMUNE)
        procedures = by_level[UnitLevel.COMMUNE] + by_level[UnitLevel.DISTRICT]
        wanted = [(commune_id, pid) for commune_id in communes.values_list("id", flat=True) for pid in procedures]
    else:
        district = AdministrativeUnit.objects.by_key(DISTRICT_CODE)
        wanted = [(district.id, pid) for pid in by_level[UnitLevel.DISTRICT]]
        for commune_id in district.descendants().filter(level=UnitLevel.COMMUNE).values_list("id", flat=True):
            wanted += [(commune_id, pid) for pid in by_level[UnitLevel.COMMUNE]]
    existing = set(Posting.objects.filter(is_active=True).values_list("unit_id", "procedure_id"))
    Posting.objects.bulk_create(
        Posting(unit_id=unit_id, procedure_id=pid, valid_from=since, posted_at_desk=posted_on, posted_on_website=posted_on)
        for unit_id, pid in wanted
        if (unit_id, pid) not in existing
    )
    return {"procedures": Procedure.objects.count(), "postings": Posting.objects.count()}
