"""Issue 13: one calendar, one due-moment function, one set of targets, one percentage rounding.

Each test here stood for a place where two copies of a rule disagreed: the working-calendar page
against intake (the 0-day rule), the province's targets in the table against constants in the
documents, the holidays admin's bulk delete against the calendar cache, and percentages rounded
three ways."""
from __future__ import annotations

import unicodedata
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from dossiers.ratings.services import rating_record
from motcua.calendar import VN_TZ
from motcua.models import Holiday, HolidayKind
from motcua.periods import parse_period
from motcua.selectors import work_calendar
from procedures.models import Field, Procedure
from procedures.services import posting_set, procedure_save
from reports.formatters import to_pdf, to_xlsx
from reports.models import Target
from reports.report import build_report
from tests.factories import PASSWORD, birth_registration_make, make_dossier

pytestmark = pytest.mark.django_db

Q1 = parse_period("2023-Q1")  # 15/12/2022 – 14/03/2023


def vn(*args) -> datetime:
    return datetime(*args, tzinfo=VN_TZ)


def pdf_text(content: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


# -- a. one due moment: the calendar page and intake ----------------------------------------------------


def test_the_calendar_page_shows_the_due_moment_intake_saves_for_a_0_day_procedure(client, desk_officer_a):
    from motcua.deadlines import compute_due

    _start, due = compute_due(received_at=vn(2026, 1, 16, 8, 0), processing_days=Decimal(0), cutoff=None)
    assert due == vn(2026, 1, 16, 17, 30)  # 0 days: the end of the working day counting starts in
    client.login(username="desk.a", password=PASSWORD)
    page = client.get(
        reverse("motcua:working-calendar"), {"received_at": "16/01/2026 08:00", "processing_days": "0"}
    ).content.decode()
    assert "17:30 ngày 16/01/2026" in page
    assert "08:00 ngày 16/01/2026" not in page


def test_a_0_day_dossier_received_at_the_desk_is_due_at_the_end_of_the_day(agency_a, commune_a, desk_officer_a):
    from dossiers.services import Applicant, dossier_receive

    same_day = birth_registration_make(days=0, post_at=[commune_a])
    dossier = dossier_receive(
        unit=commune_a, procedure=same_day, by=desk_officer_a, received_at=vn(2026, 1, 16, 8, 0),
        applicant=Applicant(name="Nguyễn Văn An", phone="0912345678"),
    )
    assert dossier.due_at == vn(2026, 1, 16, 17, 30)


# -- b. one source for the province's targets -----------------------------------------------------------


@pytest.fixture
def commune_quarter(commune_a):
    """Q1 2023 at Ngọc Kỳ: eight new dossiers, one received online (12,50 %); three ratings, two
    satisfied (66,67 %)."""
    civil = Field.objects.create(code="HT", name="Hộ tịch")
    birth = Procedure(code="1.001193", name="Đăng ký khai sinh", field=civil, level="commune", processing_days=Decimal(3))
    procedure_save(procedure=birth)
    posting_set(unit=commune_a, procedure=birth)
    for day in range(1, 9):
        make_dossier(procedure=birth, unit=commune_a, received_at=vn(2023, 2, day, 9), due_at=vn(2023, 2, day + 5, 9),
                     channel="online" if day == 1 else "direct")
    for level in ("very_satisfied", "satisfied", "unsatisfied"):
        rating_record(level=level, channel="paper", unit=commune_a, at=vn(2023, 2, 1, 10))
    return commune_a


def _set_target(key: str, value: int, level: str = "") -> None:
    Target.objects.update_or_create(year=2023, level=level, key=key, defaults={"value": Decimal(value)})


def test_a_target_changed_by_the_administrator_reaches_every_screen_and_document(client, commune_quarter, leader_a):
    _set_target("satisfaction", 60)
    _set_target("land_group_satisfaction", 70)
    _set_target("online_dossiers", 12, level="commune")
    _set_target("online_payment", 33)

    # the satisfaction page
    client.force_login(leader_a)
    response = client.get(reverse("ratings:figures"), {"from": "15/12/2022", "to": "14/03/2023"})
    assert response.context["overall"].target == Decimal(60)
    assert response.context["overall"].achieved is True  # 66,67 % ≥ 60 %
    assert response.context["land"].target == Decimal(70)

    # the report: the data, the PDF's sentences and the Excel's rates sheet
    data = build_report(commune_quarter, Q1)
    assert data.satisfaction["target"] == Decimal(60)
    text = pdf_text(to_pdf(data))
    assert "tỷ lệ hài lòng đạt 66,67 % (chỉ tiêu ≥ 60 %)" in text
    sheet = load_workbook(BytesIO(to_xlsx(data)))["Tỷ lệ"]
    lines = {row[1]: row for row in sheet.iter_rows(min_row=5, max_row=12, max_col=7, values_only=True)}
    assert lines["Hồ sơ tiếp nhận trực tuyến"][2:] == (1, 8, pytest.approx(12.5), 12, "Đạt")
    assert lines["Hồ sơ thanh toán phí, lệ phí trực tuyến"][5] == 33
    assert lines["Tổ chức, cá nhân hài lòng (rất hài lòng và hài lòng)"][5:] == (60, "Đạt")

    # the leaders' dashboard
    content = client.get(reverse("reports:dashboard"), {"unit": "11089", "period": "2023-Q1"}).content.decode()
    assert 'data-target="online_dossiers" data-achieved="yes" data-actual="12.50"' in content
    assert 'data-target="satisfaction" data-achieved="yes"' in content


def test_a_year_without_targets_shows_none_rather_than_a_constant(commune_quarter):
    Target.objects.filter(year=2023).delete()
    data = build_report(commune_quarter, Q1)
    assert data.satisfaction["target"] is None
    assert "chỉ tiêu" not in pdf_text(to_pdf(data))


# -- c. the holidays admin's bulk delete invalidates the cached calendar -------------------------------


def test_deleting_holidays_in_bulk_in_the_admin_moves_due_moments_at_once(client, administrator):
    friday = vn(2027, 3, 5, 16, 0)
    holiday = Holiday.objects.create(date=date(2027, 3, 8), name="Nghỉ bù", kind=HolidayKind.DAY_OFF)
    assert work_calendar().add_working_time(friday, days=1) == vn(2027, 3, 9, 16, 0)  # now cached
    client.force_login(administrator)
    response = client.post(reverse("admin:motcua_holiday_changelist"),
                           {"action": "delete_selected", "_selected_action": [holiday.pk], "post": "yes"})
    assert response.status_code == 302
    assert not Holiday.objects.filter(pk=holiday.pk).exists()
    assert work_calendar().add_working_time(friday, days=1) == vn(2027, 3, 8, 16, 0)


def test_a_queryset_delete_of_holidays_invalidates_the_cached_calendar(db):
    friday = vn(2027, 3, 5, 16, 0)
    Holiday.objects.create(date=date(2027, 3, 8), name="Nghỉ bù", kind=HolidayKind.DAY_OFF)
    assert work_calendar().add_working_time(friday, days=1) == vn(2027, 3, 9, 16, 0)
    Holiday.objects.filter(date=date(2027, 3, 8)).delete()
    assert work_calendar().add_working_time(friday, days=1) == vn(2027, 3, 8, 16, 0)


# -- d. one rounding for every percentage ---------------------------------------------------------------


def test_a_half_hundredth_rounds_up_in_every_chart():
    from reports.dashboard_views import _split
    from reports.views import _split_bar

    # 1/32 = 3,125 %: half up is 3,13 (a float round or a bare quantize gave 3,12)
    parts = [("early", "Early", 1), ("late", "Late", 31)]
    assert _split_bar(parts)["bars"][0].percent == Decimal("3.13")
    assert _split(parts)["bars"][0].percent == Decimal("3.13")


def test_percentages_read_the_same_on_the_report_page_and_in_the_pdf(client, commune_quarter, leader_a):
    client.force_login(leader_a)
    page = client.get(reverse("reports:index"), {"unit": "11089", "period": "2023-Q1"}).content.decode()
    text = pdf_text(to_pdf(build_report(commune_quarter, Q1)))
    assert "12,50 %" in page and "đạt 12,50 %" in text  # 1/8 online
    assert "66,67 %" in page and "hài lòng đạt 66,67 %" in text  # 2/3 satisfied
