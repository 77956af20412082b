"""The report as a district officer receives it: the Excel workbook (Biểu 06 and its companions)
read back with openpyxl, and the official PDF report read back with pypdf."""
from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from dossiers.ratings.services import rating_record

from dossiers.tickets.services import ticket_receive
from procedures.models import Field, Procedure
from procedures.services import posting_set, procedure_save
from reports.figures import Figures, shape
from reports.formatters import CONTENT_TYPES, EXTENSIONS, FORMATTERS, report_filename, to_pdf, to_xlsx
from motcua.periods import parse_period
from reports.report import ReportData, build_report, to_json
from tests.factories import make_dossier, vn

pytestmark = pytest.mark.django_db

Q1 = parse_period("2023-Q1")  # 15/12/2022 – 14/03/2023
SIGNING_DAY = date(2023, 3, 16)


def pdf_text(content: bytes) -> str:
    """The PDF's text, composed (NFC) and with every run of white space as one space."""
    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


@pytest.fixture
def quarter(district, commune_a, commune_b):
    """Q1 2023 in Tứ Kỳ: five dossiers at Ngọc Kỳ, two at the township, one at the district itself,
    in two fields; four ratings and one feedback ticket at Ngọc Kỳ; two posted procedures."""
    civil = Field.objects.create(code="HT", name="Hộ tịch")
    certs = Field.objects.create(code="CT", name="Chứng thực")
    birth = Procedure(code="1.001193", name="Đăng ký khai sinh", field=civil, level="commune", processing_days=Decimal(3))
    copy = Procedure(code="2.000908", name="Cấp bản sao từ sổ gốc", field=certs, level="commune", processing_days=Decimal(1))
    procedure_save(procedure=birth)
    procedure_save(procedure=copy)
    posting_set(unit=commune_a, procedure=birth, since=date(2022, 1, 3))  # posted before the window: counted in it
    posting_set(unit=commune_b, procedure=copy, since=date(2022, 1, 3))

    def d(procedure, unit, **kw):
        return make_dossier(procedure=procedure, unit=unit, **kw)

    # Ngọc Kỳ
    d(birth, commune_a, received_at=vn(2023, 1, 3, 9), due_at=vn(2023, 1, 6, 9), resolved_at=vn(2023, 1, 4, 9),
      outcome="early", status="returned", channel="online", components_digitised="full", paid_online=True,
      result_digitised=True)
    d(birth, commune_a, received_at=vn(2023, 1, 9, 9), due_at=vn(2023, 1, 12, 9), resolved_at=vn(2023, 1, 12, 9),
      outcome="on_time", status="returned")
    d(copy, commune_a, received_at=vn(2023, 2, 1, 9), due_at=vn(2023, 2, 2, 9), resolved_at=vn(2023, 2, 6, 9),
      outcome="late", status="returned", channel="postal")
    d(copy, commune_a, received_at=vn(2022, 12, 10, 9), due_at=vn(2023, 1, 10, 9))  # carried over, overdue
    d(birth, commune_a, received_at=vn(2023, 3, 13, 9), due_at=vn(2023, 3, 16, 9))  # pending within time
    # Thị trấn Tứ Kỳ
    d(copy, commune_b, received_at=vn(2023, 1, 16, 9), due_at=vn(2023, 1, 17, 9), resolved_at=vn(2023, 1, 16, 15),
      outcome="early", status="returned", channel="online")
    d(copy, commune_b, received_at=vn(2023, 2, 20, 9), due_at=vn(2023, 2, 21, 9), resolved_at=vn(2023, 2, 20, 16),
      outcome="early", status="returned")
    # the district's own desk
    d(birth, district, received_at=vn(2023, 2, 8, 9), due_at=vn(2023, 2, 13, 9), resolved_at=vn(2023, 2, 9, 9),
      outcome="early", status="returned")

    for level in ("very_satisfied", "very_satisfied", "satisfied", "unsatisfied"):
        rating_record(level=level, channel="paper", unit=commune_a, at=vn(2023, 2, 1, 10))
    ticket_receive(unit=commune_a, channel="phone", sender_name="Trần Văn Bình", sender_contact="0912345678",
                   content="Hồ sơ chứng thực trả chậm", at=vn(2023, 2, 10, 9))
    return build_report(district, Q1)


# -- Excel ------------------------------------------------------------------------------------------


@pytest.fixture
def workbook(quarter):
    return load_workbook(BytesIO(to_xlsx(quarter)))


def rows_of(sheet, first_row: int = 10) -> list[list]:
    """The table's rows, down to 'Tổng cộng' (the notes and the signature block follow it)."""
    rows = []
    for row in sheet.iter_rows(min_row=first_row, max_col=13, values_only=True):
        if any(row):
            rows.append(list(row))
        if row[1] == "Tổng cộng":
            break
    return rows


def test_the_workbook_holds_the_official_table_and_its_companions(workbook):
    assert workbook.sheetnames == ["Biểu 06", "Theo đơn vị", "Tỷ lệ", "Hài lòng - PAKN", "Rà soát - Quá hạn",
                                  "Theo cơ quan", "Kiểm tra - Khác"]


def test_biểu_06_names_the_reporting_and_receiving_units_and_the_window(workbook):
    sheet = workbook["Biểu 06"]
    texts = [cell.value for row in sheet.iter_rows(max_row=5) for cell in row if isinstance(cell.value, str)]
    assert "Biểu số 06/VPCP/KSTT" in texts
    assert "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in texts
    assert "Đơn vị báo cáo: UBND huyện Tứ Kỳ" in texts  # the kind of unit in lower case in running text
    assert "Đơn vị nhận báo cáo: UBND tỉnh Hải Dương" in texts
    assert "Ban hành kèm theo Thông tư số 01/2020/TT-VPCP ngày 21/10/2020 của Văn phòng Chính phủ" in texts
    assert "Kỳ báo cáo: quý I năm 2023 (từ ngày 15/12/2022 đến ngày 14/03/2023)" in texts


def test_biểu_06_has_merged_two_level_headings_and_numbered_columns(workbook):
    sheet = workbook["Biểu 06"]
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A6:A8", "B6:B8", "C6:F6", "G6:J6", "K6:M6", "C7:C8", "D7:F7", "G7:G8", "K7:K8"} <= merged
    assert [sheet.cell(6, c).value for c in (1, 2, 3, 7, 11)] == [
        "STT", "Lĩnh vực giải quyết", "Số hồ sơ nhận giải quyết", "Số hồ sơ đã giải quyết", "Số hồ sơ đang giải quyết",
    ]
    assert [sheet.cell(8, c).value for c in (4, 5, 6)] == [
        "Số mới tiếp nhận trực tuyến", "Số mới tiếp nhận trực tiếp và dịch vụ bưu chính", "Số kỳ trước chuyển qua",
    ]
    assert [sheet.cell(7, c).value for c in range(7, 14)] == [
        "Tổng số", "Trả trước hạn", "Trả đúng thời hạn", "Trả quá hạn", "Tổng số", "Trong hạn", "Quá hạn",
    ]
    assert [sheet.cell(9, c).value for c in range(1, 14)] == [f"({n})" for n in range(1, 14)]


def test_biểu_06_has_one_row_per_field_and_the_totals_as_numbers(workbook):
    rows = rows_of(workbook["Biểu 06"])
    assert rows == [
        # STT, field, received: total, online, direct+postal, carried; resolved: total, early, on time, late;
        # pending: total, within time, overdue
        [1, "Chứng thực", 4, 1, 2, 1, 3, 2, 0, 1, 1, 0, 1],
        [2, "Hộ tịch", 4, 1, 3, 0, 3, 2, 1, 0, 1, 1, 0],
        [None, "Tổng cộng", 8, 2, 5, 1, 6, 4, 1, 1, 2, 1, 1],
    ]
    total_row = workbook["Biểu 06"][12]
    assert all(type(cell.value) is int for cell in total_row[2:13])
    assert total_row[1].font.b and total_row[2].number_format == "#,##0"


def test_biểu_06_prints_on_a4_landscape_with_repeated_headings(workbook):
    sheet = workbook["Biểu 06"]
    assert sheet.page_setup.orientation == "landscape"
    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4 == "9"
    assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$6:$9"
    assert sheet.freeze_panes == "C10"


def test_the_by_unit_sheet_adds_up_to_the_totals(workbook, quarter):
    rows = rows_of(workbook["Theo đơn vị"])
    assert [row[1] for row in rows] == ["Huyện Tứ Kỳ (trực tiếp)", "Thị trấn Tứ Kỳ", "Xã Ngọc Kỳ", "Tổng cộng"]
    *units, total = rows
    assert [sum(row[c] for row in units) for c in range(2, 13)] == total[2:]
    assert [row[2] for row in units] == [1, 2, 5]


def test_the_rates_sheet_sets_each_rate_beside_the_provinces_target(workbook):
    sheet = workbook["Tỷ lệ"]
    lines = {row[1]: row for row in sheet.iter_rows(min_row=5, max_row=12, max_col=7, values_only=True)}
    online = lines["Hồ sơ tiếp nhận trực tuyến"]
    assert online[2:] == (2, 7, pytest.approx(28.57), 55, "Chưa đạt")  # a district: ≥ 55 %
    assert lines["Hồ sơ thanh toán phí, lệ phí trực tuyến"][2:] == (1, 7, pytest.approx(14.29), 45, "Chưa đạt")
    assert lines["Hồ sơ có số hoá kết quả giải quyết"][2:5] == (1, 6, pytest.approx(16.67))
    assert lines["Hồ sơ có số hoá kết quả giải quyết"][5] == 100
    satisfied = lines["Tổ chức, cá nhân hài lòng (rất hài lòng và hài lòng)"]
    assert satisfied[2:] == (3, 4, 75, 90, "Chưa đạt")
    assert sheet.cell(5, 5).number_format == '0.00"%"'  # 71,02% as the seeds write it


def test_the_satisfaction_and_feedback_sheet(workbook):
    sheet = workbook["Hài lòng - PAKN"]
    values = {row[1]: row[2] for row in sheet.iter_rows(min_row=5, max_col=3, values_only=True) if row[1]}
    assert values["Tổng số lượt đánh giá"] == 4
    assert values["Rất hài lòng"] == 2 and values["Không hài lòng"] == 1
    assert values["Tổng số phản ánh, kiến nghị tiếp nhận"] == 1
    assert values["Số phiếu xin lỗi và hẹn lại ngày trả kết quả đã phát hành"] == 0


def test_a_field_name_that_looks_like_a_formula_is_written_as_text(quarter):
    quarter.figures.by_field[0]["field_name"] = "=HYPERLINK(\"http://x\")"
    sheet = load_workbook(BytesIO(to_xlsx(quarter)))["Biểu 06"]
    assert sheet.cell(10, 2).value == "'=HYPERLINK(\"http://x\")"
    assert sheet.cell(10, 2).data_type == "s"


# -- PDF ------------------------------------------------------------------------------------------------


@pytest.fixture
def narrative():
    return {
        "assessment": "Bộ phận Một cửa các xã thực hiện tốt việc tiếp nhận hồ sơ.\nCòn 01 hồ sơ chứng thực quá hạn.",
        "tasks": "Đẩy mạnh nộp hồ sơ trực tuyến tại Ngọc Kỳ.",
        "number": "125",
        "signer_name": "Đào Văn Soái",
    }


@pytest.fixture
def report_pdf(quarter, narrative):
    return pdf_text(to_pdf(quarter, narrative=narrative, today=SIGNING_DAY))


def test_the_report_opens_with_the_national_motto_and_the_issuing_body(report_pdf):
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in report_pdf
    assert "Độc lập - Tự do - Hạnh phúc" in report_pdf
    # Nghị định 30/2020: a People's Committee issues under its own name, with no superior line above it.
    assert report_pdf.startswith("ỦY BAN NHÂN DÂN HUYỆN TỨ KỲ Số: 125/BC-UBND")
    assert "UBND TỈNH HẢI DƯƠNG" not in report_pdf
    assert "Số: 125/BC-UBND" in report_pdf
    assert "Tứ Kỳ, ngày 16 tháng 3 năm 2023" in report_pdf


def test_the_report_title_names_the_period(report_pdf):
    assert "BÁO CÁO" in report_pdf
    assert ("Tình hình, kết quả thực hiện công tác kiểm soát thủ tục hành chính, thực hiện cơ chế một cửa, "
            "một cửa liên thông quý I năm 2023") in report_pdf
    assert "từ ngày 15/12/2022 đến ngày 14/03/2023" in report_pdf


def test_the_figures_are_written_into_the_sentences(report_pdf):
    assert "I. KẾT QUẢ THỰC HIỆN" in report_pdf
    assert "Tổng số TTHC đang thực hiện: 2 thủ tục, trong đó: cấp xã 2." in report_pdf
    assert ("Tổng số hồ sơ tiếp nhận: 8 hồ sơ, trong đó số mới tiếp nhận trong kỳ 7 hồ sơ (trực tuyến 2 hồ sơ, "
            "đạt 28,57 %; trực tiếp 4 hồ sơ; qua dịch vụ bưu chính công ích 1 hồ sơ), số từ kỳ trước chuyển qua 1 hồ sơ."
            ) in report_pdf
    assert "Số hồ sơ đã giải quyết: 6 hồ sơ (trước hạn 4, đúng hạn 1, quá hạn 1)" in report_pdf
    assert "Số hồ sơ đang giải quyết: 2 hồ sơ (trong hạn 1, quá hạn 1)." in report_pdf
    assert "Chứng thực 1/3 = 33,33 %; Hộ tịch 1/4 = 25,00 %" in report_pdf
    assert "Số hồ sơ thanh toán phí, lệ phí trực tuyến: 1/7 hồ sơ, đạt 14,29 %." in report_pdf
    assert "Tổng số lượt đánh giá sự hài lòng: 4 lượt (rất hài lòng 2, hài lòng 1, không hài lòng 1)" in report_pdf
    assert "Tiếp nhận 1 phản ánh, kiến nghị" in report_pdf


def test_the_report_carries_both_tables_for_a_district(report_pdf):
    assert "Biểu 1. Tình hình, kết quả giải quyết thủ tục hành chính theo lĩnh vực" in report_pdf
    assert "Biểu 2. Tình hình, kết quả giải quyết thủ tục hành chính theo đơn vị" in report_pdf
    assert "Huyện Tứ Kỳ (trực tiếp)" in report_pdf and "Thị trấn Tứ Kỳ" in report_pdf and "Xã Ngọc Kỳ" in report_pdf
    assert "Tổng cộng 8 2 5 1 6 4 1 1 2 1 1" in report_pdf


def test_the_officers_narrative_and_the_signature_block(report_pdf):
    assert "II. ĐÁNH GIÁ CHUNG" in report_pdf and "III. PHƯƠNG HƯỚNG, NHIỆM VỤ" in report_pdf
    assert "Bộ phận Một cửa các xã thực hiện tốt việc tiếp nhận hồ sơ." in report_pdf
    assert "Còn 01 hồ sơ chứng thực quá hạn." in report_pdf
    assert "Đẩy mạnh nộp hồ sơ trực tuyến tại Ngọc Kỳ." in report_pdf
    assert "Nơi nhận:" in report_pdf and "- UBND tỉnh Hải Dương;" in report_pdf and "- Lưu: VT." in report_pdf
    assert "TM. ỦY BAN NHÂN DÂN" in report_pdf and "KT. CHỦ TỊCH" in report_pdf and "PHÓ CHỦ TỊCH" in report_pdf
    assert "Đào Văn Soái" in report_pdf


def test_a_commune_report_without_narrative_has_neutral_defaults_and_no_unit_table(commune_a):
    text = pdf_text(to_pdf(build_report(commune_a, Q1), today=SIGNING_DAY))
    assert text.startswith("ỦY BAN NHÂN DÂN XÃ NGỌC KỲ") and "UBND HUYỆN TỨ KỲ" not in text
    assert "Ngọc Kỳ, ngày 16 tháng 3 năm 2023" in text
    assert "Số: /BC-UBND" in text
    assert "Biểu 1." in text and "Biểu 2." not in text
    assert "Tổng số hồ sơ tiếp nhận: 0 hồ sơ" in text
    assert "Trong kỳ không tiếp nhận phản ánh, kiến nghị nào" in text
    assert "- UBND huyện Tứ Kỳ;" in text
    assert "II. ĐÁNH GIÁ CHUNG Trong kỳ báo cáo" in text


def test_the_real_ngoc_ky_2022_figures_read_as_in_the_seed(commune_a):
    """DOMAIN.md: received 1.639 (online 1.164 = 71,02 %); resolved 1.637 (early 1.635, on time 2, late 0);
    pending 2 within time; components 1.161 (70,84 %), fully 1.132 (69,07 %); results 453/1.637 (27,67 %)."""
    counts = {
        "new": 1639, "new_online": 1164, "new_direct": 475, "resolved": 1637, "early": 1635, "on_time": 2,
        "pending": 2, "within_time": 2, "components_any": 1161, "components_full": 1132, "results": 453,
    }
    year = parse_period("2022")
    data = ReportData(
        unit=commune_a, period=year,
        figures=Figures(unit=commune_a, period=year, totals=shape(counts), by_field=[],
                        by_unit=[{"unit_code": "11089", "unit_name": "Xã Ngọc Kỳ", "own": True, **shape(counts)}]),
        satisfaction={"ratings": 1639, "very_satisfied": 1200, "satisfied": 439, "unsatisfied": 0, "rate": Decimal("100.00"),
                      "target": Decimal(90),
                      "land_construction_investment": {"ratings": 0, "rate": None, "target": Decimal(85)}},
        feedback={"received": 0, "handled_on_time": 0, "handled_late": 0, "pending_within_time": 0, "pending_overdue": 0,
                  "regulation": 0, "handling": 0, "out_of_scope": 0, "unclassified": 0, "on_time_rate": None},
        procedures={"total": 163, "province": 0, "district": 0, "commune": 137, "police": 12, "social_insurance": 0,
                    "military": 14, "land_registration": 0},
        apologies=0,
    )
    text = pdf_text(to_pdf(data, today=date(2022, 12, 16)))
    assert "Tổng số TTHC đang thực hiện: 163 thủ tục, trong đó: cấp xã 137, Quân sự 14, Công an 12." in text
    assert "Tổng số hồ sơ tiếp nhận: 1.639 hồ sơ" in text
    assert "(trực tuyến 1.164 hồ sơ, đạt 71,02 %" in text
    assert "Số hồ sơ đã giải quyết: 1.637 hồ sơ (trước hạn 1.635, đúng hạn 2, quá hạn 0)" in text
    assert "Số hồ sơ đang giải quyết: 2 hồ sơ (trong hạn 2, quá hạn 0)." in text
    assert "Số hồ sơ có số hoá thành phần hồ sơ: 1.161/1.639 hồ sơ, đạt 70,84 %" in text
    assert "số hoá toàn bộ thành phần hồ sơ: 1.132/1.639 hồ sơ, đạt 69,07 %" in text
    assert "Số hồ sơ có số hoá kết quả giải quyết: 453/1.637 hồ sơ, đạt 27,67 %." in text
    assert "một cửa liên thông năm 2022" in text and "Ngọc Kỳ, ngày 16 tháng 12 năm 2022" in text

    sheet = load_workbook(BytesIO(to_xlsx(data)))["Biểu 06"]
    assert [c.value for c in sheet[10]][1:13] == ["Tổng cộng", 1639, 1164, 475, 0, 1637, 1635, 2, 0, 2, 2, 0]


# -- the registry the views and tasks choose from -------------------------------------------------------


def test_every_format_has_a_formatter_a_content_type_and_an_extension(quarter):
    assert set(FORMATTERS) == set(CONTENT_TYPES) == set(EXTENSIONS) == {"json", "xlsx", "pdf"}
    assert FORMATTERS["json"] is to_json
    assert FORMATTERS["pdf"](quarter, narrative=None, today=SIGNING_DAY).startswith(b"%PDF")
    assert FORMATTERS["xlsx"](quarter, narrative={"tasks": "…"}).startswith(b"PK")
    assert report_filename(quarter, "xlsx") == "bao-cao-298-2023-Q1.xlsx"
