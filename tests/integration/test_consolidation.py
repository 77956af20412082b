"""The district's consolidated report made of what its communes sent (issue 16).

Ngọc Kỳ sent its first-quarter report on time, then resolved a dossier late in the records (a
correction after sending); Thị trấn Tứ Kỳ sent nothing. The district's consolidation takes Ngọc Kỳ's
figures as sent, says they now differ, takes Thị trấn's from the records and says so; the officer may
take Ngọc Kỳ's as they are now instead, and the documents say which.
"""
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from motcua.periods import parse_period
from reports.consolidation import NOW, SENT, consolidate, format_sources, parse_sources
from reports.figures import compute_figures
from reports.formatters import pdf_context
from reports.report import build_report
from reports.consolidation import consolidated_report
from reports.models import ReportSubmission
from reports.services import report_export, report_submit
from tests.factories import make_dossier, procedure_make, vn

pytestmark = pytest.mark.django_db

Q1 = parse_period("2023-Q1")


@pytest.fixture
def quarter(district, commune_a, commune_b):
    birth = procedure_make("1.001193", "Đăng ký khai sinh", days=3)
    d = lambda unit, **kw: make_dossier(procedure=birth, unit=unit, **kw)
    for day in (3, 4, 5):
        d(commune_a, received_at=vn(2023, 1, day, 9), due_at=vn(2023, 1, day + 3, 9), resolved_at=vn(2023, 1, day + 1, 9),
          outcome="early", status="returned")
    late_one = d(commune_a, received_at=vn(2023, 3, 1, 9), due_at=vn(2023, 3, 6, 9))  # pending when A sends
    d(commune_b, received_at=vn(2023, 2, 1, 9), due_at=vn(2023, 2, 6, 9), resolved_at=vn(2023, 2, 3, 9),
      outcome="early", status="returned")
    d(district, received_at=vn(2023, 2, 2, 9), due_at=vn(2023, 2, 9, 9), resolved_at=vn(2023, 2, 8, 9),
      outcome="on_time", status="returned")
    return late_one


@pytest.fixture
def sent_then_corrected(quarter, commune_a, leader_a):
    submission = report_submit(unit=commune_a, period=Q1, by=leader_a,
                               narrative={"assessment": "Xã đã giải quyết đúng hạn 100% hồ sơ."})
    ReportSubmission.objects.filter(pk=submission.pk).update(submitted_at=vn(2023, 3, 16, 10))  # before the 17th
    quarter.resolved_at, quarter.outcome, quarter.status = vn(2023, 3, 10, 9), "late", "returned"
    quarter.save(update_fields=["resolved_at", "outcome", "status"])  # entered after the report was sent
    return submission


def test_the_consolidation_takes_what_was_sent_and_marks_what_changed_since(district, sent_then_corrected):
    consolidation = consolidate(district, Q1)
    lines = {line.code: line for line in consolidation.lines}
    a, b = lines["11089"], lines["11074"]
    assert (a.source, a.state, a.submission.version) == (SENT, "on_time", 1)
    assert a.sent["resolved"]["total"] == 3 and a.now["resolved"]["total"] == 4
    assert {key for key, _, _ in a.changes} == {"resolved", "late", "pending", "overdue"}
    assert (b.source, b.state, b.submission) == (NOW, "missing", None)

    totals = consolidation.figures.totals
    assert totals["resolved"]["total"] == 3 + 1 + 1  # A as sent, B and the district's own from the records
    assert totals["resolved"]["late"] == 0 and totals["pending"]["total"] == 1
    assert sum(row["resolved"]["total"] for row in consolidation.figures.by_unit) == totals["resolved"]["total"]
    assert sum(row["resolved"]["total"] for row in consolidation.figures.by_field) == totals["resolved"]["total"]
    assert sum(row["pending"]["total"] for row in consolidation.figures.by_field) == totals["pending"]["total"]


def test_choosing_the_records_now_gives_the_live_report(district, sent_then_corrected):
    live = compute_figures(district, Q1).totals
    consolidation = consolidate(district, Q1, sources={"11089": NOW})
    assert consolidation.figures.totals == live
    assert consolidation.sources() == {"11089": NOW, "11074": NOW}


def test_a_unit_that_sent_nothing_cannot_be_taken_as_sent(district, sent_then_corrected):
    consolidation = consolidate(district, Q1, sources={"11074": SENT})
    assert {line.code: line.source for line in consolidation.lines}["11074"] == NOW


def test_the_sources_travel_in_one_field():
    assert parse_sources(format_sources({"11089": NOW, "11074": SENT})) == {"11089": NOW, "11074": SENT}
    assert parse_sources("11089:now,11074:forged,:sent") == {"11089": NOW}


def test_the_documents_say_whose_figures_are_as_sent_and_whose_are_from_the_records(district, sent_then_corrected):
    data = consolidated_report(build_report(district, Q1))
    context = pdf_context(data)
    notes = " ".join(context["consolidation_notes"])
    assert "theo báo cáo đã gửi của: Xã Ngọc Kỳ (phiên bản 1, gửi đúng hạn)" in notes
    assert "dữ liệu hiện tại trên Hệ thống của: Thị trấn Tứ Kỳ (chưa gửi báo cáo)" in notes
    assert "thay đổi sau khi gửi báo cáo: Xã Ngọc Kỳ" in notes
    assert context["unit_assessments"] == [("Xã Ngọc Kỳ", ["Xã đã giải quyết đúng hạn 100% hồ sơ."])]
    assert "Số hồ sơ đã giải quyết: 5 hồ sơ" in " ".join(context["dossiers"])

    workbook = load_workbook(BytesIO(report_export(unit=district, period=Q1, fmt="xlsx", parameters={"consolidated": {}})))
    texts = [str(cell.value) for row in workbook["Biểu 06"].iter_rows() for cell in row if cell.value]
    assert any("theo báo cáo đã gửi của: Xã Ngọc Kỳ" in text for text in texts)
    total = next(row for row in workbook["Theo đơn vị"].iter_rows(values_only=True) if row[1] == "Tổng cộng")
    assert total[2] == 5 + 1  # received: A's 4 as sent (3 + the pending one), B's 1, the district's 1


def test_the_district_composes_the_consolidation_beside_the_submissions(client, district, district_officer,
                                                                          sent_then_corrected):
    client.force_login(district_officer)
    page = client.get(reverse("reports:submissions"), {"unit": district.code, "period": Q1.key})
    content = page.content.decode()
    assert 'name="src-11089"' in content and 'data-testid="differs"' in content
    assert page.context["consolidation"].figures.totals["resolved"]["total"] == 5
    assert page.context["export_form"].initial["sources"] == "11074:now,11089:sent"

    now = client.get(reverse("reports:submissions"), {"unit": district.code, "period": Q1.key, "src-11089": NOW})
    assert now.context["consolidation"].figures.totals["resolved"]["total"] == 6
    assert now.context["export_form"].initial["sources"] == "11074:now,11089:now"
