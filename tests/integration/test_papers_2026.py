"""The papers of both sides of 1/7/2025, read back as the desk and the district receive them.

Tứ Kỳ before: Thị trấn Tứ Kỳ under Huyện Tứ Kỳ, Tỉnh Hải Dương, with a "Bộ phận Tiếp nhận và Trả kết quả"
(the township ended on 30/6/2025). Tứ Kỳ after: Xã Tứ Kỳ of Thành phố Hải Phòng, whose desk is its
"Trung tâm Phục vụ hành chính công xã Tứ Kỳ". Each slip, report and workbook names the units as they stood
on its date and cites the instruments then in force (motcua.documents): Nghị định 61/2018 (amended by
107/2021) and Thông tư 01/2018 before, Nghị định 118/2025 after; the reporting regime of Thông tư 01/2020
on both sides. PDFs are read back with pypdf, workbooks with openpyxl.
"""
from __future__ import annotations

import unicodedata
from datetime import date
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from motcua.periods import parse_period
from procedures.exports import posting_groups, posting_pdf_bytes
from procedures.selectors import postings_of_unit
from procedures.services import posting_set
from reports.formatters import to_pdf, to_xlsx
from reports.report import build_report
from tests.factories import BIRTH_REGISTRATION_COMPONENTS, UnitFactory, make_dossier, procedure_make, vn

pytestmark = pytest.mark.django_db

LAST_DAY_OF_THREE_TIERS = date(2025, 6, 30)
FIRST_DAY_OF_TWO_TIERS = date(2025, 7, 1)
SIGNING_DAY = date(2026, 3, 16)  # both reports are signed in 2026, whatever window they cover

OLD_DECREE = ("Nghị định số 61/2018/NĐ-CP ngày 23/4/2018 của Chính phủ (được sửa đổi, bổ sung bởi Nghị định số "
              "107/2021/NĐ-CP ngày 06/12/2021)")
NEW_DECREE = "Nghị định số 118/2025/NĐ-CP ngày 09/6/2025 của Chính phủ"
OLD_FORMS = "Thông tư số 01/2018/TT-VPCP ngày 23/11/2018 của Văn phòng Chính phủ"
NEW_FORMS = "Thông tư số 03/2025/TT-VPCP ngày 15/9/2025 của Văn phòng Chính phủ"
REPORTING = "Thông tư số 01/2020/TT-VPCP ngày 21/10/2020 của Văn phòng Chính phủ"


def text_of(content: bytes) -> str:
    """A PDF's text, composed (NFC), every run of white space one space (a wrapped line still matches)."""
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


@pytest.fixture
def township(district):
    """Thị trấn Tứ Kỳ as it was until 30/6/2025, under Huyện Tứ Kỳ of Tỉnh Hải Dương."""
    return UnitFactory(code="11074", name="Thị trấn Tứ Kỳ", level="commune", kind="thi_tran", parent=district,
                       valid_to=LAST_DAY_OF_THREE_TIERS)


@pytest.fixture
def hai_phong(db):
    return UnitFactory(code="31", name="Thành phố Hải Phòng", level="province", kind="thanh_pho_tw",
                       valid_from=FIRST_DAY_OF_TWO_TIERS)


@pytest.fixture
def xa_tu_ky(township, hai_phong):
    """Xã Tứ Kỳ from 1/7/2025 (the township's code reused), with the name of its desk set."""
    return UnitFactory(code="11074", name="Xã Tứ Kỳ", level="commune", kind="xa", parent=hai_phong,
                       valid_from=FIRST_DAY_OF_TWO_TIERS, desk_name="Trung tâm Phục vụ hành chính công xã Tứ Kỳ")


@pytest.fixture
def birth(db):
    return procedure_make("1.001193", "Thủ tục đăng ký khai sinh", days=3, components=BIRTH_REGISTRATION_COMPONENTS)


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


def receipt(client, dossier) -> tuple[str, int]:
    response = client.get(reverse("forms:receipt-pdf", args=[dossier.code]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return text_of(response.content), len(PdfReader(BytesIO(response.content)).pages)


# -- the receipt and appointment slip -----------------------------------------------------------------------


def test_a_2026_slip_is_issued_by_the_communes_public_administration_centre_under_decree_118(
    admin_client, xa_tu_ky, birth
):
    dossier = make_dossier(procedure=birth, unit=xa_tu_ky, received_at=vn(2026, 1, 16, 16, 0),
                           due_at=vn(2026, 1, 21, 16, 0))
    text, pages = receipt(admin_client, dossier)
    assert pages == 1
    assert text.startswith("UBND XÃ TỨ KỲ TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG Số: 1/2026")
    assert "Tứ Kỳ, ngày 16 tháng 01 năm 2026" in text
    assert "Trung tâm Phục vụ hành chính công xã Tứ Kỳ tiếp nhận hồ sơ của: Nguyễn Văn An" in text
    assert "Đăng ký nhận kết quả tại: Trung tâm Phục vụ hành chính công xã Tứ Kỳ" in text
    assert f"Biểu mẫu thực hiện theo {NEW_DECREE} và {NEW_FORMS}." in text
    for earlier in ("BỘ PHẬN TIẾP NHẬN", "Bộ phận Tiếp nhận", "61/2018", "01/2018", "Huyện", "huyện"):
        assert earlier not in text, earlier


def test_a_2024_slip_reprinted_today_keeps_the_reception_desk_the_township_and_the_2018_instruments(
    admin_client, township, xa_tu_ky, birth
):
    dossier = make_dossier(procedure=birth, unit=township, received_at=vn(2024, 5, 6, 9, 0),
                           due_at=vn(2024, 5, 9, 9, 0))
    text, pages = receipt(admin_client, dossier)
    assert pages == 1
    assert text.startswith("UBND THỊ TRẤN TỨ KỲ BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ Số: 1/2024")
    assert "Tứ Kỳ, ngày 06 tháng 5 năm 2024" in text
    assert "Bộ phận Tiếp nhận và Trả kết quả UBND thị trấn Tứ Kỳ tiếp nhận hồ sơ của: Nguyễn Văn An" in text
    assert f"Biểu mẫu thực hiện theo {OLD_DECREE} và {OLD_FORMS}." in text
    for later in ("TRUNG TÂM", "Trung tâm", "118/2025", "03/2025", "Xã Tứ Kỳ", "Hải Phòng"):
        assert later not in text, later


def test_the_control_slip_of_a_2024_dossier_names_the_desk_of_each_step(admin_client, township, birth):
    dossier = make_dossier(procedure=birth, unit=township, received_at=vn(2024, 5, 6, 9, 0),
                           due_at=vn(2024, 5, 9, 9, 0))
    dossier.events.create(action="receive", to_status="received", at=dossier.received_at, unit=township)
    dossier.events.create(action="resolve", to_status="resolved", at=vn(2024, 5, 8, 9, 0), unit=township)
    response = admin_client.get(reverse("forms:control-pdf", args=[dossier.code]))
    text = text_of(response.content)
    assert "UBND THỊ TRẤN TỨ KỲ BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ" in text
    assert "Bộ phận Tiếp nhận và Trả kết quả UBND thị trấn Tứ Kỳ" in text
    assert "Có kết quả giải quyết, chuyển Bộ phận Tiếp nhận và Trả kết quả" in text
    assert "01/2018/TT-VPCP" in text and "118/2025" not in text


# -- the report: PDF and workbook ------------------------------------------------------------------------------


@pytest.fixture
def report_2025_q1(district, township, birth):
    """The district's first quarter of 2025 (15/12/2024 – 14/03/2025), under the 2018 decree."""
    make_dossier(procedure=birth, unit=township, received_at=vn(2025, 1, 6, 9, 0), due_at=vn(2025, 1, 9, 9, 0))
    return build_report(district, parse_period("2025-Q1"))


@pytest.fixture
def report_2026_q1(xa_tu_ky, birth):
    """Xã Tứ Kỳ's first quarter of 2026 (15/12/2025 – 14/03/2026), under the 2025 decree."""
    make_dossier(procedure=birth, unit=xa_tu_ky, received_at=vn(2026, 1, 16, 9, 0), due_at=vn(2026, 1, 21, 9, 0))
    return build_report(xa_tu_ky, parse_period("2026-Q1"))


def test_a_report_on_a_window_before_july_2025_cites_the_2018_decree_even_when_signed_in_2026(report_2025_q1):
    text = text_of(to_pdf(report_2025_q1, today=SIGNING_DAY))
    assert text.startswith("ỦY BAN NHÂN DÂN HUYỆN TỨ KỲ Số:")
    assert "Tứ Kỳ, ngày 16 tháng 3 năm 2026" in text
    assert (f"Thực hiện {OLD_DECREE} và chế độ báo cáo định kỳ theo quy định tại {REPORTING}, Ủy ban nhân dân "
            "huyện Tứ Kỳ báo cáo") in text
    assert "- UBND tỉnh Hải Dương;" in text
    assert "118/2025" not in text


def test_a_report_on_a_2026_window_of_a_commune_of_haiphong_cites_decree_118(report_2026_q1):
    text = text_of(to_pdf(report_2026_q1, today=SIGNING_DAY))
    assert text.startswith("ỦY BAN NHÂN DÂN XÃ TỨ KỲ Số:")
    assert "Tứ Kỳ, ngày 16 tháng 3 năm 2026" in text
    assert (f"Thực hiện {NEW_DECREE} và chế độ báo cáo định kỳ theo quy định tại {REPORTING}, Ủy ban nhân dân "
            "xã Tứ Kỳ báo cáo") in text
    assert "- UBND thành phố Hải Phòng;" in text and "Trên đây là báo cáo" in text
    assert "61/2018" not in text and "UBND Xã" not in text and "Ủy ban nhân dân Xã" not in text


def header_texts(data) -> list[str]:
    """The texts of the first five rows of sheet "Biểu 06" (the form, the units, the title, the window, the basis)."""
    sheet = load_workbook(BytesIO(to_xlsx(data)))["Biểu 06"]
    return [cell.value for row in sheet.iter_rows(max_row=5) for cell in row if isinstance(cell.value, str)]


def test_the_workbook_of_each_window_cites_the_decree_of_its_window(report_2025_q1, report_2026_q1):
    before, after = header_texts(report_2025_q1), header_texts(report_2026_q1)
    for texts in (before, after):
        assert "Biểu số 06/VPCP/KSTT" in texts and f"Ban hành kèm theo {REPORTING}" in texts
    assert f"Căn cứ: {OLD_DECREE}; chế độ báo cáo định kỳ theo {REPORTING}." in before
    assert f"Căn cứ: {NEW_DECREE}; chế độ báo cáo định kỳ theo {REPORTING}." in after
    assert {"Đơn vị báo cáo: UBND huyện Tứ Kỳ", "Đơn vị nhận báo cáo: UBND tỉnh Hải Dương"} <= set(before)
    assert {"Đơn vị báo cáo: UBND xã Tứ Kỳ", "Đơn vị nhận báo cáo: UBND thành phố Hải Phòng"} <= set(after)


# -- the posting list -----------------------------------------------------------------------------------------


def test_the_2026_posting_list_is_issued_by_the_commune_and_posted_at_its_centre(xa_tu_ky, birth):
    posting_set(unit=xa_tu_ky, procedure=birth)
    groups = posting_groups(list(postings_of_unit(xa_tu_ky)))
    text = text_of(posting_pdf_bytes(xa_tu_ky, groups, date(2026, 3, 5)))
    assert text.startswith("ỦY BAN NHÂN DÂN XÃ TỨ KỲ CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    assert "Tứ Kỳ, ngày 05 tháng 3 năm 2026" in text
    assert "Niêm yết công khai tại Trung tâm Phục vụ hành chính công xã Tứ Kỳ" in text
