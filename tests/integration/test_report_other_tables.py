"""The periodic report's other tables that the portal's own records fill (issue 16): the year's review
of procedures and the reasons of the late dossiers, each figure linked to its records."""
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dossiers.models import Apology
from motcua.periods import parse_period
from procedures.models import ReviewItem, ReviewRound
from reports.formatters import pdf_context, to_xlsx
from reports.report import build_report
from tests.factories import make_dossier, procedure_make, vn

pytestmark = pytest.mark.django_db

Q1 = parse_period("2023-Q1")


@pytest.fixture
def late_quarter(commune_a, commune_b):
    birth = procedure_make("1.001193", "Đăng ký khai sinh", days=3)
    reasons = ["Chờ xác minh tại địa phương khác", "Chờ xác minh tại địa phương khác ", "Cán bộ nghỉ ốm"]
    for number, reason in enumerate(reasons):
        dossier = make_dossier(procedure=birth, unit=commune_a, received_at=vn(2023, 2, 1 + number, 9),
                               due_at=vn(2023, 2, 6 + number, 9), resolved_at=vn(2023, 2, 10 + number, 9),
                               outcome="late", status="returned")
        Apology.objects.create(dossier=dossier, reason=reason, new_due_at=vn(2023, 2, 10 + number, 9),
                               issued_at=vn(2023, 2, 6 + number, 8))
    other = make_dossier(procedure=birth, unit=commune_b, received_at=vn(2023, 2, 1, 9), due_at=vn(2023, 2, 6, 9))
    Apology.objects.create(dossier=other, reason="Cán bộ nghỉ ốm", new_due_at=vn(2023, 2, 9, 9), issued_at=vn(2023, 2, 6, 8))
    return birth


@pytest.fixture
def review_2023(commune_a, late_quarter):
    round_ = ReviewRound.objects.create(unit=commune_a, year=2023, status=ReviewRound.Status.SUBMITTED)
    ReviewItem.objects.create(round=round_, procedure=late_quarter, decision=ReviewItem.Decision.SIMPLIFY,
                              current_days=Decimal(3), proposed_days=Decimal(2), yearly_saving=1_500_000)
    return round_


def test_the_reasons_of_the_late_dossiers_are_counted_from_the_apologies(commune_a, late_quarter):
    data = build_report(commune_a, Q1)
    assert data.late_reasons == [{"reason": "Chờ xác minh tại địa phương khác", "count": 2},
                                 {"reason": "Cán bộ nghỉ ốm", "count": 1}]
    assert data.apologies == 3
    district = build_report(commune_a.parent, Q1)
    assert {row["reason"]: row["count"] for row in district.late_reasons}["Cán bộ nghỉ ốm"] == 2


def test_the_review_of_the_year_is_in_the_report(commune_a, review_2023):
    review = build_report(commune_a, parse_period("2023")).review
    assert (review["rounds"], review["rounds_submitted"], review["items"], review["proposals"]) == (1, 1, 1, 1)
    assert review["days_shortened"] == Decimal(1) and review["yearly_saving"] == 1_500_000


def test_the_pdf_and_the_workbook_carry_the_other_tables(commune_a, review_2023):
    data = build_report(commune_a, Q1)
    context = pdf_context(data)
    assert "1 đợt rà soát, đánh giá thủ tục hành chính (1 đợt đã gửi kết quả)" in context["review"][0]
    assert "Chờ xác minh tại địa phương khác (2 hồ sơ)" in context["late"][1]
    sheet = load_workbook(BytesIO(to_xlsx(data)))["Rà soát - Quá hạn"]
    values = {row[1]: row[2] for row in sheet.iter_rows(values_only=True) if row[1]}
    assert values["TTHC đề xuất đơn giản hóa"] == 1
    assert values["Chờ xác minh tại địa phương khác"] == 2
    assert values["Phiếu xin lỗi và hẹn lại ngày trả kết quả đã phát hành"] == 3


def test_each_reason_links_to_its_dossiers(client, leader_a, commune_a, late_quarter):
    client.force_login(leader_a)
    page = client.get(reverse("reports:index"), {"unit": commune_a.code, "period": Q1.key})
    assert 'data-testid="late-reasons"' in page.content.decode()
    listing = client.get(reverse("reports:dossiers"), {"unit": commune_a.code, "period": Q1.key, "figure": "apologies",
                                                       "reason": "Chờ xác minh tại địa phương khác"})
    assert listing.context["page"].paginator.count == 2
    assert 'data-testid="reason"' in listing.content.decode()


def test_the_catalogue_sentence_counts_each_level_with_its_vertical_sector_procedures():
    from reports.formatters import procedures_sentence

    counts = {"total": 503, "by_level": {
        "district": {"total": 340, "local": 269, "social_insurance": 63, "police": 8, "military": 0},
        "commune": {"total": 163, "local": 137, "military": 14, "police": 12},
    }}
    assert procedures_sentence(counts) == (
        "Tổng số TTHC đang thực hiện: 503 thủ tục, trong đó: cấp huyện 340 (cấp huyện 269, Bảo hiểm xã hội 63, "
        "Công an 8); cấp xã 163 (cấp xã 137, Quân sự 14, Công an 12).")
    assert procedures_sentence({"total": 2, "by_level": {"commune": {"total": 2, "local": 2}}}) == (
        "Tổng số TTHC đang thực hiện: 2 thủ tục, trong đó: cấp xã 2.")
