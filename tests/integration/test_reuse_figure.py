"""Reuse counts in the figures (issue 18): a dossier that took in a file the citizen had given before,
instead of scanning it again, is counted once among the window's new dossiers, linked to its records."""
import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from dossiers.models import DossierFile, FileRole, ReceivedComponent
from motcua.periods import parse_period
from reports.figures import compute_figures, dossiers_behind
from tests.factories import make_dossier, procedure_make, vn

pytestmark = pytest.mark.django_db

Q1 = parse_period("2026-Q1")


def _file(dossier, component, reused_from=None) -> DossierFile:
    row = DossierFile(dossier=dossier, role=FileRole.COMPONENT, component=component, original_name="cccd.pdf",
                      content_type="application/pdf", size=10, sha256="a" * 64, uploaded_at=timezone.now(),
                      reused_from=reused_from)
    if reused_from is not None:
        row.file.name = reused_from.file.name  # the same stored file
        row.save()
    else:
        row.file.save("cccd.pdf", ContentFile(b"%PDF-1.4 scan"), save=True)
    return row


def test_a_dossier_reusing_an_earlier_scan_is_counted_once(commune_a, district):
    birth = procedure_make("1.001193", "Đăng ký khai sinh")
    first = make_dossier(procedure=birth, unit=commune_a, received_at=vn(2026, 1, 5, 9), due_at=vn(2026, 1, 8, 9))
    later = make_dossier(procedure=birth, unit=commune_a, received_at=vn(2026, 2, 2, 9), due_at=vn(2026, 2, 5, 9))
    plain = make_dossier(procedure=birth, unit=commune_a, received_at=vn(2026, 2, 3, 9), due_at=vn(2026, 2, 6, 9))
    made = [[ReceivedComponent.objects.create(dossier=dossier, position=n, name=name) for n, name in
             enumerate(["Tờ khai", "Giấy chứng sinh"])] for dossier in (first, later, plain)]
    original = _file(first, made[0][0])
    _file(later, made[1][0], reused_from=original)
    _file(later, made[1][1], reused_from=original)  # two papers reused: still one dossier
    _file(plain, made[2][0])
    totals = compute_figures(district, Q1).totals
    assert totals["reused"] == 1 and totals["received"]["new"] == 3
    assert list(dossiers_behind(district, Q1, "reused")) == [later]
