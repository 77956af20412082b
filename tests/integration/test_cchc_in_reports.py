"""Inspections reach the reports without reports importing cchc (reports.extensions): the periodic
report's section on inspection, and overdue requests to fix on the dashboard and in the daily digest."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from cchc.models import Finding, FixRequest, FixStatus, Inspection, InspectionPlan, InspectionStatus, PlanKind
from motcua.periods import parse_period
from reports.formatters import pdf_context
from reports.notify import digest_send_all
from reports.report import build_report
from tests.factories import vn

pytestmark = pytest.mark.django_db

Q3 = parse_period("2026-Q3")  # 15/06 – 14/09/2026


@pytest.fixture
def inspected(district, commune_a, commune_b):
    plan = InspectionPlan.objects.create(unit=district, year=2026, kind=PlanKind.INSPECTION, title="Kiểm tra CCHC 2026")
    done = Inspection.objects.create(plan=plan, unit=commune_a, topics="Công khai TTHC", starts_on=vn(2026, 9, 9).date(),
                                     ends_on=vn(2026, 9, 10).date(), status=InspectionStatus.CLOSED)
    running = Inspection.objects.create(plan=plan, unit=commune_b, topics="Giải quyết hồ sơ", starts_on=vn(2026, 9, 11).date(),
                                        ends_on=vn(2026, 9, 11).date(), status=InspectionStatus.OPEN)
    own = InspectionPlan.objects.create(unit=commune_a, year=2026, kind=PlanKind.SELF_CHECK, title="Tự kiểm tra 2026")
    Inspection.objects.create(plan=own, unit=commune_a, topics="Tự kiểm tra", starts_on=vn(2026, 7, 1).date(),
                              ends_on=vn(2026, 7, 2).date())
    for inspection, status, due in ((done, FixStatus.ACCEPTED, vn(2026, 9, 17, 17, 30)),
                                    (running, FixStatus.OPEN, vn(2026, 9, 12, 17, 30))):
        finding = Finding.objects.create(inspection=inspection, description="Chưa niêm yết đủ TTHC", recorded_at=vn(2026, 9, 10, 9))
        FixRequest.objects.create(finding=finding, request="Niêm yết bổ sung", working_days=Decimal(2),
                                  issued_at=vn(2026, 9, 10, 9), due_at=due, status=status)
    return plan


def test_the_report_has_a_section_on_inspection(district, commune_a, inspected):
    data = build_report(district, Q3)
    section = data.sections["inspections"]
    assert section["figures"] == {"Số cuộc kiểm tra": 2, "Số cuộc tự kiểm tra": 1, "Đã kết thúc": 1,
                                  "Tồn tại phát hiện": 2, "Nội dung yêu cầu khắc phục": 2, "Đã khắc phục": 1,
                                  "Quá hạn chưa khắc phục": 1}  # due 12/09, nothing reported by the window's end
    assert data.sections["inspections"] == build_report(district, Q3).sections["inspections"]
    assert build_report(commune_a, Q3).sections["inspections"]["figures"]["Số cuộc kiểm tra"] == 1
    assert any("2 cuộc kiểm tra, 1 cuộc tự kiểm tra" in line for section in pdf_context(data)["sections"]
               for line in section["lines"])


def test_overdue_fixes_show_on_the_dashboard_and_in_the_daily_digest(client, district, district_office, inspected, settings):
    client.force_login(district_office)
    page = client.get(reverse("reports:dashboard"), {"unit": district.code, "period": "2026-Q4"})
    assert 'data-testid="pending-work"' in page.content.decode()
    assert page.context["pending_work"][0]["count"] == 1 and page.context["pending_work"][0]["url"] == reverse("cchc:overdue")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    district_office.email = "vanphong@tuky.gov.vn"
    district_office.save(update_fields=["email"])
    digest_send_all(force=True)
    sent = [m for m in mail.outbox if "vanphong@tuky.gov.vn" in m.to]
    assert sent and reverse("cchc:overdue") in sent[0].body
