"""The printed forms of a dossier (PDF text extracted with pypdf) and the dossier register (HTML, Excel, PDF)."""
from __future__ import annotations

import re

from datetime import datetime, timedelta
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from dossiers.printing import register
from dossiers.models import Dossier
from dossiers.printing.documents import control_context, moment_words
from dossiers.services import (
    Applicant, dossier_apologise, dossier_pause, dossier_receive, dossier_refuse, dossier_resolve, dossier_resume,
    dossier_return, dossier_start, dossier_stop, dossier_transfer,
)
from procedures.models import Procedure
from tests.factories import procedure_make, vn

pytestmark = pytest.mark.django_db

AN = Applicant(
    name="Nguyễn Văn An", id_number="030085001234", phone="0912345678", address="Thôn Đông, xã Ngọc Kỳ",
    email="an.nguyen@example.vn",
)
BIRTH = "Thủ tục đăng ký khai sinh"
FORMS = ["receipt-pdf", "supplement-pdf", "refusal-pdf", "control-pdf", "apology-pdf", "stop-pdf"]


def pdf_text(response) -> str:
    """The PDF's text with runs of white space made single, so a wrapped line still matches."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(BytesIO(response.content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def pdf_pages(response) -> list:
    return PdfReader(BytesIO(response.content)).pages


def form_url(name: str, dossier: Dossier) -> str:
    return reverse(f"forms:{name}", args=[dossier.code])


@pytest.fixture
def certification(db) -> Procedure:
    return procedure_make("2.000815", "Thủ tục chứng thực bản sao từ bản chính", field=("CT", "Chứng thực"), days=0,
                          fees=[("Phí chứng thực", 2000)])


@pytest.fixture
def desk(agency_a, desk_officer_a):
    """The desk officer of commune A (Nguyễn Thị Lan), whose unit has its electronic identifier."""
    return desk_officer_a


@pytest.fixture
def signed_in(client, desk):
    client.force_login(desk)
    return client


def receive(unit, procedure, by, at, applicant=AN) -> Dossier:
    return dossier_receive(unit=unit, procedure=procedure, applicant=applicant, by=by, received_at=at)


@pytest.fixture
def friday_dossier(commune_a, birth_registration, desk) -> Dossier:
    """Received Friday 16/01/2026 at 16:00 with 3 working days: due Wednesday 21/01/2026 at 16:00."""
    return receive(commune_a, birth_registration, desk, vn(2026, 1, 16, 16, 0))


# -- the receipt and appointment slip ----------------------------------------------------------------


def test_the_slip_of_a_dossier_received_on_friday_afternoon_gives_wednesday_at_four(signed_in, friday_dossier):
    response = signed_in.get(form_url("receipt-pdf", friday_dossier))
    text = pdf_text(response)
    assert len(pdf_pages(response)) == 1
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    # In 2026 the commune's desk is its public administration centre (the unit sets no name of its own).
    assert "UBND XÃ NGỌC KỲ TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG" in text
    assert "Trung tâm Phục vụ hành chính công xã Ngọc Kỳ tiếp nhận hồ sơ của: Nguyễn Văn An" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Ngọc Kỳ, ngày 16 tháng 01 năm 2026" in text
    assert f"Mã hồ sơ: {friday_dossier.code}" in text
    assert "Nguyễn Văn An" in text and "030085001234" in text and "0912345678" in text
    assert "an.nguyen@example.vn" in text and "Thôn Đông, xã Ngọc Kỳ" in text
    assert BIRTH in text and "Tờ khai đăng ký khai sinh" in text and "Giấy chứng sinh" in text
    assert "3 ngày làm việc" in text
    assert "Thời gian nhận hồ sơ: 16 giờ 00 phút, ngày 16 tháng 01 năm 2026" in text
    assert "Thời gian trả kết quả giải quyết hồ sơ: 16 giờ 00 phút, ngày 21 tháng 01 năm 2026" in text
    assert "Vào Sổ theo dõi hồ sơ, Quyển số: 2026, Số thứ tự 1" in text
    assert "Nguyễn Thị Lan" in text  # the receiving officer, family name first
    assert "Tra cứu tình trạng hồ sơ: quét mã QR hoặc nhập mã hồ sơ và 4 số cuối điện thoại" in text
    assert "no-store" in response["Cache-Control"]


def test_the_slip_numbers_the_dossier_in_the_units_register_of_the_year(signed_in, commune_a, birth_registration, desk):
    receive(commune_a, birth_registration, desk, vn(2025, 12, 31, 9, 0))
    receive(commune_a, birth_registration, desk, vn(2026, 1, 5, 9, 0))
    third = receive(commune_a, birth_registration, desk, vn(2026, 1, 6, 9, 0))
    assert "Quyển số: 2026, Số thứ tự 2" in pdf_text(signed_in.get(form_url("receipt-pdf", third)))


def test_the_slip_in_html_carries_the_qr_code_of_the_public_lookup(signed_in, friday_dossier):
    response = signed_in.get(form_url("receipt-pdf", friday_dossier), {"format": "html"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "<svg" in html
    assert f"http://testserver/tra-cuu/?code={friday_dossier.code}" in html
    assert "Nguyễn Văn An" in html and "16 giờ 00 phút, ngày 21 tháng 01 năm 2026" in html
    assert "<script" not in html and 'src="http' not in html and "style=" not in html and "<style" not in html
    # Its one outside file is the forms' own stylesheet (the Content-Security-Policy allows no inline style).
    assert re.findall(r"<link[^>]*>", html) == ['<link rel="stylesheet" href="/static/css/print-form.css">']
    assert "no-store" in response["Cache-Control"]


def test_a_refused_dossier_has_no_receipt_slip(signed_in, commune_a, birth_registration, desk):
    refused = dossier_refuse(unit=commune_a, procedure=birth_registration, applicant=AN, by=desk, reason="Không thuộc thẩm quyền")
    assert signed_in.get(form_url("receipt-pdf", refused)).status_code == 404


# -- the other forms --------------------------------------------------------------------------------


def test_the_request_for_supplements_prints_the_latest_reason(signed_in, friday_dossier, desk):
    dossier_pause(dossier=friday_dossier, by=desk, kind="verification", reason="Chờ Công an xác minh", at=vn(2026, 1, 19, 8, 0))
    dossier_resume(dossier=friday_dossier, by=desk, at=vn(2026, 1, 19, 10, 0))
    dossier_pause(dossier=friday_dossier, by=desk, kind="supplement", reason="Bản sao giấy chứng nhận kết hôn của cha mẹ",
                  at=vn(2026, 1, 20, 9, 0))
    text = pdf_text(signed_in.get(form_url("supplement-pdf", friday_dossier)))
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert friday_dossier.code in text and "Nguyễn Văn An" in text and BIRTH in text
    assert "Bản sao giấy chứng nhận kết hôn của cha mẹ" in text and "Chờ Công an xác minh" not in text
    assert "09 giờ 00 phút, ngày 20 tháng 01 năm 2026" in text
    assert "Ngọc Kỳ, ngày 20 tháng 01 năm 2026" in text
    assert "Nguyễn Thị Lan" in text


def test_there_is_no_request_for_supplements_without_a_supplement_pause(signed_in, friday_dossier, desk):
    dossier_pause(dossier=friday_dossier, by=desk, kind="verification", reason="Chờ Công an xác minh", at=vn(2026, 1, 19, 8, 0))
    assert signed_in.get(form_url("supplement-pdf", friday_dossier)).status_code == 404


def test_the_refusal_prints_the_reason_given_at_intake(signed_in, commune_a, birth_registration, desk):
    refused = dossier_refuse(
        unit=commune_a, procedure=birth_registration, applicant=AN, by=desk,
        reason="Trẻ sinh tại xã khác, không thuộc thẩm quyền giải quyết", at=vn(2026, 1, 16, 9, 30),
    )
    text = pdf_text(signed_in.get(form_url("refusal-pdf", refused)))
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
    assert refused.code in text and "Nguyễn Văn An" in text and BIRTH in text
    assert "Trẻ sinh tại xã khác, không thuộc thẩm quyền giải quyết" in text
    assert "09 giờ 30 phút, ngày 16 tháng 01 năm 2026" in text


def test_a_received_dossier_has_no_refusal_slip(signed_in, friday_dossier):
    assert signed_in.get(form_url("refusal-pdf", friday_dossier)).status_code == 404


def test_the_apology_prints_the_reason_and_the_new_appointment(signed_in, commune_a, birth_registration, desk):
    late = receive(commune_a, birth_registration, desk, timezone.now() - timedelta(days=20))
    new_due = timezone.localtime(timezone.now() + timedelta(days=3)).replace(hour=16, minute=30, second=0, microsecond=0)
    dossier_apologise(dossier=late, by=desk, reason="Chờ kết quả xác minh của Công an huyện", new_due_at=new_due)
    text = pdf_text(signed_in.get(form_url("apology-pdf", late)))
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
    assert late.code in text and "Nguyễn Văn An" in text and BIRTH in text
    assert "Chờ kết quả xác minh của Công an huyện" in text
    assert moment_words(new_due) in text and moment_words(late.due_at) in text
    assert f"ngày {new_due:%d} tháng {new_due:%m} năm {new_due:%Y}" in text


def test_there_is_no_apology_slip_without_an_apology(signed_in, friday_dossier):
    assert signed_in.get(form_url("apology-pdf", friday_dossier)).status_code == 404


@pytest.mark.parametrize("action", ["withdraw", "return_unresolved"])
def test_the_stop_notice_prints_the_closing_reason(action, signed_in, friday_dossier, desk):
    dossier_stop(dossier=friday_dossier, by=desk, action=action, reason="Công dân đề nghị rút hồ sơ để bổ sung giấy tờ",
                 at=vn(2026, 1, 19, 14, 15))
    text = pdf_text(signed_in.get(form_url("stop-pdf", friday_dossier)))
    assert "THÔNG BÁO" in text and "Dừng giải quyết hồ sơ" in text
    assert friday_dossier.code in text and "Nguyễn Văn An" in text and BIRTH in text
    assert "Công dân đề nghị rút hồ sơ để bổ sung giấy tờ" in text
    assert "14 giờ 15 phút, ngày 19 tháng 01 năm 2026" in text


def test_a_dossier_still_being_processed_has_no_stop_notice(signed_in, friday_dossier, desk):
    dossier_resolve(dossier=friday_dossier, by=desk, at=vn(2026, 1, 19, 9, 0))
    assert signed_in.get(form_url("stop-pdf", friday_dossier)).status_code == 404


# -- the control slip --------------------------------------------------------------------------------


@pytest.fixture
def journey(commune_a, birth_registration, desk) -> Dossier:
    """Received Monday 19/01 08:00 (due Thursday 22/01 08:00); resolved on the due moment, returned an hour late."""
    dossier = receive(commune_a, birth_registration, desk, vn(2026, 1, 19, 8, 0))
    dossier = dossier_transfer(dossier=dossier, by=desk, note="Chuyển công chức tư pháp - hộ tịch", at=vn(2026, 1, 19, 8, 30))
    dossier = dossier_start(dossier=dossier, by=desk, at=vn(2026, 1, 19, 9, 0))
    dossier = dossier_resolve(dossier=dossier, by=desk, at=vn(2026, 1, 22, 8, 0))
    return dossier_return(dossier=dossier, by=desk, at=vn(2026, 1, 22, 9, 0))


def test_the_control_slip_judges_each_step_against_the_due_moment(journey):
    assert journey.due_at == vn(2026, 1, 22, 8, 0)
    steps = control_context(journey)["steps"]
    assert [(s.step.split(",")[0], s.outcome) for s in steps] == [
        ("Tiếp nhận hồ sơ", ""),
        ("Chuyển hồ sơ giải quyết", "Trước hạn"),
        ("Nhận hồ sơ", "Trước hạn"),
        ("Có kết quả giải quyết", "Đúng hạn"),
        ("Trả kết quả cho tổ chức", "Quá hạn"),
    ]
    assert steps[1].note == "Chuyển công chức tư pháp - hộ tịch" and steps[1].by == "Nguyễn Thị Lan"


def test_the_control_slip_prints_on_a4_landscape_with_every_step(signed_in, journey):
    response = signed_in.get(form_url("control-pdf", journey))
    text = pdf_text(response)
    page = pdf_pages(response)[0]
    assert float(page.mediabox.width) > float(page.mediabox.height)  # landscape
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
    assert journey.code in text and "Nguyễn Văn An" in text and BIRTH in text
    assert "08 giờ 00 phút, ngày 19 tháng 01 năm 2026" in text and "08 giờ 00 phút, ngày 22 tháng 01 năm 2026" in text
    assert "08 giờ 30 phút, ngày 19 tháng 01 năm 2026" in text and "09 giờ 00 phút, ngày 22 tháng 01 năm 2026" in text
    for words in ("Trước hạn", "Đúng hạn", "Quá hạn", "Chuyển công chức tư pháp - hộ tịch"):
        assert words in text


def test_the_control_slip_shows_the_pause_and_the_new_appointment(signed_in, commune_a, birth_registration, desk):
    dossier = receive(commune_a, birth_registration, desk, timezone.now() - timedelta(days=20))
    dossier_pause(dossier=dossier, by=desk, kind="supplement", reason="Thiếu giấy chứng sinh", at=timezone.now() - timedelta(days=19))
    new_due = timezone.now() + timedelta(days=2)
    dossier_apologise(dossier=dossier, by=desk, reason="Chậm do chờ bổ sung", new_due_at=new_due)
    text = pdf_text(signed_in.get(form_url("control-pdf", dossier)))
    assert "Tạm dừng: yêu cầu bổ sung, hoàn thiện hồ sơ" in text and "Thiếu giấy chứng sinh" in text
    assert moment_words(new_due) in text


# -- access ----------------------------------------------------------------------------------------------


@pytest.fixture
def dossier_with_every_form(commune_a, birth_registration, desk) -> Dossier:
    dossier = receive(commune_a, birth_registration, desk, timezone.now() - timedelta(days=20))
    dossier_pause(dossier=dossier, by=desk, kind="supplement", reason="Thiếu tờ khai", at=timezone.now() - timedelta(days=19))
    dossier_apologise(dossier=dossier, by=desk, reason="Chậm", new_due_at=timezone.now() + timedelta(days=2))
    return dossier_stop(dossier=dossier, by=desk, action="withdraw", reason="Rút hồ sơ")


@pytest.mark.parametrize("name", [f for f in FORMS if f != "refusal-pdf"])
def test_an_officer_of_commune_b_gets_404_for_every_form_of_commune_a(name, client, officer_b, dossier_with_every_form):
    client.force_login(officer_b)
    assert client.get(form_url(name, dossier_with_every_form)).status_code == 404
    assert client.get(form_url(name, dossier_with_every_form), {"format": "html"}).status_code == 404


@pytest.mark.parametrize("name", [f for f in FORMS if f != "refusal-pdf"])
def test_the_district_prints_every_form_of_a_commune_below(name, client, district_officer, dossier_with_every_form):
    client.force_login(district_officer)
    response = client.get(form_url(name, dossier_with_every_form), {"format": "html"})
    assert response.status_code == 200 and dossier_with_every_form.code in response.content.decode()


def test_commune_b_cannot_print_commune_as_refusal(client, officer_b, commune_a, birth_registration, desk):
    refused = dossier_refuse(unit=commune_a, procedure=birth_registration, applicant=AN, by=desk, reason="Không thuộc thẩm quyền")
    client.force_login(officer_b)
    assert client.get(form_url("refusal-pdf", refused)).status_code == 404


def test_the_forms_ask_for_sign_in(client, friday_dossier):
    response = client.get(form_url("receipt-pdf", friday_dossier))
    assert response.status_code == 302 and "dang-nhap" in response["Location"]


# -- the register ----------------------------------------------------------------------------------------


@pytest.fixture
def march(commune_a, commune_b, agency_b, birth_registration, certification, desk) -> dict[str, Dossier]:
    """Dossiers around the period 01/03/2026 – 14/03/2026, in Vietnam time."""
    return {
        "before": receive(commune_a, birth_registration, desk, vn(2026, 2, 28, 23, 59)),
        "first_day": receive(commune_a, birth_registration, desk, vn(2026, 3, 1, 0, 0)),
        "certification": receive(commune_a, certification, desk, vn(2026, 3, 13, 10, 0),
                                 applicant=Applicant(name="Trần Thị Bình", phone="0987654321", address="Thôn Tây")),
        "late_evening": receive(commune_a, birth_registration, desk, vn(2026, 3, 14, 23, 30)),  # 16:30 UTC, still 14/03
        "after": receive(commune_a, birth_registration, desk, vn(2026, 3, 15, 0, 10)),
        "commune_b": receive(commune_b, birth_registration, desk, vn(2026, 3, 10, 9, 0)),
        "refused": dossier_refuse(unit=commune_a, procedure=birth_registration, applicant=AN, by=desk,
                                  reason="Thiếu giấy tờ", at=vn(2026, 3, 12, 9, 0)),
    }


PERIOD = {"from": "01/03/2026", "to": "14/03/2026"}


def workbook_rows(content: bytes) -> tuple[list[tuple], list[tuple]]:
    """(title rows, register lines) of the register workbook read back."""
    sheet = load_workbook(BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if row and row[0] == "STT")
    return rows[:header], [row for row in rows[header + 1:] if row and row[0] is not None]


def test_the_register_workbook_holds_the_period_in_vietnam_time(signed_in, march):
    response = signed_in.get(reverse("forms:register-xlsx"), PERIOD)
    assert response.status_code == 200 and response["Content-Type"] == register.XLSX_CONTENT_TYPE
    assert "no-store" in response["Cache-Control"]
    titles, lines = workbook_rows(response.content)
    assert [line[1] for line in lines] == [march["first_day"].code, march["certification"].code, march["late_evening"].code]
    assert [line[0] for line in lines] == [1, 2, 3]
    title_text = " ".join(str(cell) for row in titles for cell in row if cell)
    assert "SỔ THEO DÕI HỒ SƠ" in title_text and "Trung tâm Phục vụ hành chính công xã Ngọc Kỳ" in title_text
    assert "Từ ngày 01/03/2026 đến ngày 14/03/2026" in title_text
    late = lines[2]
    assert late[8] == datetime(2026, 3, 14, 23, 30)  # a real date, in Vietnam time
    assert (late[2], late[3], late[4], late[6]) == (BIRTH, 1, "Nguyễn Văn An", "0912345678")
    bình = lines[1]
    assert (bình[2], bình[4], bình[5]) == ("Thủ tục chứng thực bản sao từ bản chính", "Trần Thị Bình", "Thôn Tây")


def test_the_register_workbook_formats_dates_and_freezes_the_header(signed_in, march):
    content = signed_in.get(reverse("forms:register-xlsx"), PERIOD).content
    sheet = load_workbook(BytesIO(content)).active
    header_row = next(row[0].row for row in sheet.iter_rows() if row[0].value == "STT")
    assert sheet.freeze_panes == f"A{header_row + 1}"
    received = sheet.cell(row=header_row + 1, column=9)
    assert isinstance(received.value, datetime) and received.number_format == "dd/mm/yyyy hh:mm"
    assert sheet.column_dimensions["C"].width >= 40


def test_the_register_contains_nothing_of_another_commune(signed_in, march):
    response = signed_in.get(reverse("forms:register"), {"from": "01/03/2026", "to": "31/03/2026"})
    html = response.content.decode()
    assert march["late_evening"].code in html and march["after"].code in html
    assert march["commune_b"].code not in html and march["refused"].code not in html
    _, lines = workbook_rows(signed_in.get(reverse("forms:register-xlsx"), {"from": "01/03/2026", "to": "31/03/2026"}).content)
    assert march["commune_b"].code not in [line[1] for line in lines]


def test_the_district_filters_the_register_by_a_commune_below(client, district_officer, march, commune_b):
    client.force_login(district_officer)
    _, lines = workbook_rows(client.get(reverse("forms:register-xlsx"), {**PERIOD, "unit": commune_b.code}).content)
    assert [line[1] for line in lines] == [march["commune_b"].code]
    _, lines = workbook_rows(client.get(reverse("forms:register-xlsx"), PERIOD).content)
    assert len(lines) == 4


def test_a_unit_outside_the_scope_answers_404(signed_in, march, commune_b):
    for name in ("forms:register", "forms:register-xlsx", "forms:register-pdf"):
        assert signed_in.get(reverse(name), {**PERIOD, "unit": commune_b.code}).status_code == 404


def test_the_register_filters_by_field(signed_in, march):
    response = signed_in.get(reverse("forms:register-xlsx"), {**PERIOD, "field": "CT"})
    titles, lines = workbook_rows(response.content)
    assert [line[1] for line in lines] == [march["certification"].code]
    assert "Lĩnh vực: Chứng thực" in " ".join(str(cell) for row in titles for cell in row if cell)


def test_a_wrong_date_keeps_what_was_typed_and_says_so(signed_in, march):
    response = signed_in.get(reverse("forms:register"), {"from": "32/13/2026", "to": "14/03/2026"})
    assert response.status_code == 200
    form = response.context["form"]
    assert "from" in form.errors and "to" not in form.errors
    html = response.content.decode()
    assert 'value="32/13/2026"' in html and 'value="14/03/2026"' in html
    assert march["late_evening"].code not in html


def test_a_period_that_ends_before_it_starts_is_refused(signed_in, march):
    response = signed_in.get(reverse("forms:register"), {"from": "14/03/2026", "to": "01/03/2026"})
    assert response.context["form"].non_field_errors()
    assert signed_in.get(reverse("forms:register-xlsx"), {"from": "14/03/2026", "to": "01/03/2026"}).status_code == 400


def test_the_register_page_shows_at_most_the_limit_and_says_how_many(signed_in, march, monkeypatch):
    monkeypatch.setattr(register, "HTML_LIMIT", 2)
    response = signed_in.get(reverse("forms:register"), PERIOD)
    assert response.context["total"] == 3
    assert [row.code for row in response.context["rows"]] == [march["first_day"].code, march["certification"].code]
    _, lines = workbook_rows(signed_in.get(reverse("forms:register-xlsx"), PERIOD).content)
    assert len(lines) == 3  # the Excel file keeps every line


def test_the_register_page_reads_the_same_number_of_queries_whatever_the_lines(signed_in, march, commune_a, birth_registration, desk):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert signed_in.get(reverse("forms:register"), PERIOD).status_code == 200
        return len(captured)

    before = queries()
    for day in range(2, 8):
        dossier = receive(commune_a, birth_registration, desk, vn(2026, 3, day, 9, 0))
        dossier_transfer(dossier=dossier, by=desk, at=vn(2026, 3, day, 9, 30))
        dossier_pause(dossier=dossier, by=desk, kind="supplement", reason="Thiếu giấy", at=vn(2026, 3, day, 10, 0))
    assert queries() == before


def test_the_register_shows_transfer_supplement_result_and_return(signed_in, commune_a, birth_registration, desk):
    dossier = receive(commune_a, birth_registration, desk, vn(2026, 3, 2, 8, 0))
    dossier = dossier_transfer(dossier=dossier, by=desk, at=vn(2026, 3, 2, 9, 0))
    dossier_pause(dossier=dossier, by=desk, kind="supplement", reason="Thiếu giấy", at=vn(2026, 3, 3, 9, 0))
    _, lines = workbook_rows(signed_in.get(reverse("forms:register-xlsx"), PERIOD).content)
    assert (lines[0][10], lines[0][11], lines[0][12]) == (datetime(2026, 3, 2, 9, 0), datetime(2026, 3, 3, 9, 0), None)
    dossier = dossier_resume(dossier=dossier, by=desk, at=vn(2026, 3, 4, 9, 0))
    dossier = dossier_resolve(dossier=dossier, by=desk, at=vn(2026, 3, 5, 9, 0))
    dossier_return(dossier=dossier, by=desk, at=vn(2026, 3, 5, 10, 0))
    _, lines = workbook_rows(signed_in.get(reverse("forms:register-xlsx"), PERIOD).content)
    assert (lines[0][11], lines[0][12]) == (datetime(2026, 3, 5, 9, 0), datetime(2026, 3, 5, 10, 0))
    assert "Trước hạn" in lines[0][13]


def test_a_name_that_looks_like_a_formula_is_written_as_text(signed_in, commune_a, birth_registration, desk):
    receive(commune_a, birth_registration, desk, vn(2026, 3, 2, 8, 0), applicant=Applicant(name='=HYPERLINK("http://x.example","An")'))
    _, lines = workbook_rows(signed_in.get(reverse("forms:register-xlsx"), PERIOD).content)
    assert lines[0][4] == "'=HYPERLINK(\"http://x.example\",\"An\")"


def test_the_register_prints_on_a4_landscape(signed_in, march):
    response = signed_in.get(reverse("forms:register-pdf"), PERIOD)
    text = pdf_text(response)
    page = pdf_pages(response)[0]
    assert float(page.mediabox.width) > float(page.mediabox.height)
    assert "SỔ THEO DÕI HỒ SƠ" in text and "Trung tâm Phục vụ hành chính công xã Ngọc Kỳ" in text
    assert "UBND XÃ NGỌC KỲ TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG" in text
    codes = text.replace(" ", "")  # a code may wrap after its hyphen in the narrow column
    assert march["late_evening"].code in codes and march["after"].code not in codes and march["commune_b"].code not in codes
    assert "Nguyễn Văn An" in text and "Trần Thị Bình" in text and "14/03/2026" in text
    assert "no-store" in response["Cache-Control"]


def test_the_register_page_defaults_to_this_month(signed_in, commune_a, birth_registration, desk):
    dossier = receive(commune_a, birth_registration, desk, timezone.now())
    response = signed_in.get(reverse("forms:register"))
    assert response.status_code == 200
    assert dossier.code in response.content.decode()
    assert response.context["form"]["from"].value() == timezone.localdate().replace(day=1).strftime("%d/%m/%Y")


def test_the_slip_prints_an_email_only_when_the_citizen_gave_one(signed_in, friday_dossier):
    Dossier.objects.filter(pk=friday_dossier.pk).update(applicant_email="")
    assert "Email" not in pdf_text(signed_in.get(form_url("receipt-pdf", friday_dossier)))
    Dossier.objects.filter(pk=friday_dossier.pk).update(applicant_email="an.nguyen@example.vn")
    assert "Email: an.nguyen@example.vn" in pdf_text(signed_in.get(form_url("receipt-pdf", friday_dossier)))
