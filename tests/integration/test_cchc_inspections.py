"""Inspections and self-checks (seed 004: Tứ Kỳ inspected 12 of its 23 communes and every commune checked
itself): an inspection followed from plan to closing by both units' staff, the deadline of a fix in working
days from the working calendar, the overdue fixes, a self-check, and the other commune kept out."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cchc import services
from cchc.models import Finding, FixRequest, FixStatus, Inspection, InspectionPlan, InspectionStatus, PlanKind
from motcua.selectors import work_calendar
from procedures.models import Posting
from tests.factories import make_dossier, procedure_make, vn

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossier_a(commune_a):
    procedure = procedure_make("1.001193", "Đăng ký khai sinh", post_at=[commune_a])
    return make_dossier(procedure=procedure, unit=commune_a, received_at=vn(2026, 3, 2, 8), due_at=vn(2026, 3, 5, 17),
                        status="resolved", resolved_at=vn(2026, 3, 9, 9), outcome="late")


def test_an_inspection_is_followed_from_plan_to_closing_by_both_units(client, district, commune_a, commune_b, dossier_a,
                                                                     district_office, focal_a, focal_b):
    # The district plans the year's inspections (Kế hoạch số 145/KH-UBND).
    client.force_login(district_office)
    response = client.post(reverse("cchc:plan-create"), {"year": 2026, "kind": PlanKind.INSPECTION,
                                                        "title": "Kiểm tra công tác CCHC năm 2026",
                                                        "decision": "Kế hoạch số 145/KH-UBND ngày 30/8/2026"})
    plan = InspectionPlan.objects.get()
    assert response.status_code == 302 and plan.unit == district
    # An inspection cannot end before it starts: the form keeps what was typed.
    bad = client.post(reverse("cchc:inspection-add", args=[plan.pk]), {"unit": commune_a.code, "topics": "Công khai TTHC",
                                                                      "starts_on": "10/09/2026", "ends_on": "09/09/2026"})
    assert bad.status_code == 200 and "Công khai TTHC" in bad.content.decode() and not Inspection.objects.exists()
    client.post(reverse("cchc:inspection-add", args=[plan.pk]),
                {"unit": commune_a.code, "topics": "Công khai TTHC; giải quyết hồ sơ đúng hạn", "starts_on": "09/09/2026",
                 "ends_on": "10/09/2026", "team": "Phòng Nội vụ, Văn phòng HĐND-UBND"})
    inspection = Inspection.objects.get()
    assert inspection.unit == commune_a and inspection.status == InspectionStatus.PLANNED

    # A finding linked to the late dossier, the procedure and its posting, with a fix due in 5 working days.
    before = timezone.now()
    response = client.post(reverse("cchc:finding-add", args=[inspection.pk]), {
        "description": "Hồ sơ giải quyết quá hạn chưa có phiếu xin lỗi", "dossiers": dossier_a.code,
        "procedures": "1.001193", "request": "Lập phiếu xin lỗi và hẹn lại ngày trả kết quả", "working_days": "5"})
    assert response.status_code == 302
    finding = Finding.objects.get()
    assert list(finding.dossiers.all()) == [dossier_a] and finding.procedures.get().code == "1.001193"
    assert list(finding.postings.all()) == list(Posting.objects.filter(unit=commune_a))
    fix = FixRequest.objects.get()
    assert fix.due_at == work_calendar().add_working_time(fix.issued_at, days=Decimal(5)) and fix.issued_at >= before
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.OPEN

    # The other commune sees nothing of it and can fix nothing.
    client.force_login(focal_b)
    assert client.get(reverse("cchc:inspection", args=[inspection.pk])).status_code == 404
    assert client.get(reverse("cchc:plan-detail", args=[plan.pk])).status_code == 404
    assert client.post(reverse("cchc:fix-report", args=[inspection.pk, fix.pk]), {f"f{fix.pk}-report": "x"}).status_code == 404

    # The inspected commune reports what it fixed; it may not close or accept.
    client.force_login(focal_a)
    page = client.get(reverse("cchc:inspection", args=[inspection.pk]))
    assert page.status_code == 200 and "Lập phiếu xin lỗi" in page.content.decode()
    assert client.post(reverse("cchc:inspection-close", args=[inspection.pk]), {"conclusion": "x"}).status_code == 403
    assert client.post(reverse("cchc:fix-report", args=[inspection.pk, fix.pk]),
                       {f"f{fix.pk}-report": "Đã lập phiếu xin lỗi ngày 12/9/2026"}).status_code == 302
    assert client.post(reverse("cchc:fix-accept", args=[inspection.pk, fix.pk])).status_code == 403
    fix.refresh_from_db()
    assert fix.status == FixStatus.REPORTED and fix.reported_by == focal_a

    # The district cannot close before accepting every fix; then accepts and closes.
    client.force_login(district_office)
    early = client.post(reverse("cchc:inspection-close", args=[inspection.pk]), {"conclusion": "Đạt yêu cầu"})
    assert early.status_code == 200
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.OPEN
    assert client.post(reverse("cchc:fix-accept", args=[inspection.pk, fix.pk])).status_code == 302
    assert client.post(reverse("cchc:inspection-close", args=[inspection.pk]),
                       {"conclusion": "Đơn vị đã khắc phục đầy đủ các tồn tại"}).status_code == 302
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.CLOSED and inspection.closed_by == district_office
    # Closed: nothing more is recorded.
    assert client.post(reverse("cchc:finding-add", args=[inspection.pk]), {"description": "Thêm"}).status_code == 200
    assert Finding.objects.count() == 1


def test_overdue_fixes_are_listed_for_the_unit_above_and_the_unit(client, district, commune_a, commune_b, district_office,
                                                                focal_a, focal_b):
    plan = services.plan_create(unit=district, year=2026, kind=PlanKind.INSPECTION, title="Kiểm tra", decision="",
                                by=district_office)
    inspection = services.inspection_add(plan=plan, unit=commune_a, topics="Niêm yết TTHC", starts_on=vn(2026, 9, 9).date(),
                                         ends_on=vn(2026, 9, 9).date(), team="")
    long_ago = timezone.now() - timedelta(days=60)
    services.finding_record(inspection=inspection, description="Chưa niêm yết đủ TTHC", by=district_office,
                            request="Niêm yết đủ 138 TTHC", working_days=Decimal(3), now=long_ago)
    services.finding_record(inspection=inspection, description="Sổ theo dõi chưa cập nhật", by=district_office,
                            request="Cập nhật sổ theo dõi hồ sơ", working_days=Decimal(10))
    for user, seen in ((district_office, True), (focal_a, True), (focal_b, False)):
        client.force_login(user)
        page = client.get(reverse("cchc:overdue")).content.decode()
        assert ("Niêm yết đủ 138 TTHC" in page) is seen, user
        assert "Cập nhật sổ theo dõi hồ sơ" not in page


def test_a_self_check_is_the_unit_inspecting_itself(client, commune_a, commune_b, leader_a):
    client.force_login(leader_a)
    client.post(reverse("cchc:plan-create"), {"year": 2026, "kind": PlanKind.SELF_CHECK, "title": "Tự kiểm tra CCHC năm 2026"})
    plan = InspectionPlan.objects.get()
    assert plan.unit == commune_a and plan.kind == PlanKind.SELF_CHECK
    refused = client.post(reverse("cchc:inspection-add", args=[plan.pk]),
                          {"unit": commune_b.code, "topics": "x", "starts_on": "01/10/2026", "ends_on": "02/10/2026"})
    assert refused.status_code == 200 and not Inspection.objects.exists()
    client.post(reverse("cchc:inspection-add", args=[plan.pk]),
                {"unit": commune_a.code, "topics": "Tự kiểm tra", "starts_on": "01/10/2026", "ends_on": "02/10/2026"})
    assert Inspection.objects.get().unit == commune_a


def test_the_index_criterion_on_inspections_counts_fixes_made_by_their_deadline(district, commune_a, commune_b,
                                                                              district_office, focal_a):
    from io import BytesIO

    from cchc.importing import scheme_import
    from cchc.models import Score
    from tests.integration.test_cchc_index import workbook_bytes

    plan = services.plan_create(unit=district, year=2026, kind=PlanKind.INSPECTION, title="Kiểm tra", decision="",
                                by=district_office)
    inspection = services.inspection_add(plan=plan, unit=commune_a, topics="CCHC", starts_on=vn(2026, 5, 5).date(),
                                         ends_on=vn(2026, 5, 5).date(), team="")
    issued = vn(2026, 5, 5, 9)
    on_time = services.finding_record(inspection=inspection, description="A", by=district_office, request="Sửa A",
                                      working_days=Decimal(5), now=issued).fixes.get()
    services.finding_record(inspection=inspection, description="B", by=district_office, request="Sửa B",
                            working_days=Decimal(5), now=issued)
    services.fix_report(fix=on_time, report="Đã sửa A", by=focal_a, now=issued + timedelta(days=2))

    scheme = services.scheme_create(unit=district, year=2026, by=district_office)
    rows = [["1", "Công tác chỉ đạo, điều hành", 2, "", "", ""],
            ["1.1", "Khắc phục tồn tại sau kiểm tra", 2, "Tự động", "fixes_on_time", "100"]]
    assert scheme_import(scheme=scheme, source=BytesIO(workbook_bytes(rows)), filename="t.xlsx").ok
    services.scheme_open(scheme=scheme, by=district_office)
    score = Score.objects.get(scorecard__unit=commune_a, criterion__code="1.1")
    assert score.value == Decimal("50.00") and score.inputs["part"] == 1 and score.inputs["whole"] == 2
    assert score.self_points == Decimal("1.00")
    assert Score.objects.get(scorecard__unit=commune_b, criterion__code="1.1").value is None
