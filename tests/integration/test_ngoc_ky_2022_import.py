"""Ngọc Kỳ's 2022 table reproduced through the real import (issue 16).

The commune's report (seeds: "Báo cáo kết quả thực hiện công tác cải cách thủ tục hành chính tại UBND xã
Ngọc Kỳ", năm 2022): received 1.639; resolved 1.637 — 1.635 "trước hạn", 2 "đúng hạn", 0 late (Bảo trợ xã
hội 47, chứng thực 1.197, hộ tịch 386, người có công 4, xử lý đơn 3); 2 civil-status dossiers still being
processed within time; online 1.164 (Hộ tịch 327/388, Chứng thực 817/1.197, BTXH 17/47, xử lý đơn 3/3);
components digitised 1.161, fully 1.132; results digitised 453.

The file below is what the previous software would export for that year: the 1.197 certifications
(processing time 0 days, the appointment the end of the day) received in the morning and finished in the
afternoon of the same day, every other dossier finished before its appointment's day, and two exactly at
their appointment's minute. Under ``OUTCOME_RULE=moment`` that is the commune's table; under ``day`` a
same-day certification can never be early, so the same file gives 1.199 "đúng hạn".
"""
import csv
from datetime import date, time, timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings

from dossiers.models import Dossier, Outcome
from motcua.calendar import VN_TZ
from motcua.deadlines import compute_due
from motcua.periods import parse_period
from motcua.selectors import work_calendar
from motcua.services import holidays_preload
from reports.figures import compute_figures, dossiers_behind
from tests.factories import procedure_make, vn

pytestmark = pytest.mark.django_db

HEADER = ["Mã hồ sơ", "Mã đơn vị", "Mã thủ tục", "Kênh", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày giải quyết",
          "Ngày trả kết quả", "Số hoá thành phần", "Số hoá kết quả", "Thanh toán trực tuyến", "Người nộp",
          "Số CCCD"]
CERTIFICATION = "2.000815"
BIRTH = "1.001193"
# code → (field, name, working days, received / resolved / online in 2022)
PROCEDURES = {
    CERTIFICATION: (("CT", "Chứng thực"), "Chứng thực bản sao từ bản chính giấy tờ, văn bản", 0, 1197, 1197, 817),
    BIRTH: (("HT", "Hộ tịch"), "Thủ tục đăng ký khai sinh", 3, 388, 386, 327),
    "1.001699": (("BTXH", "Bảo trợ xã hội"), "Xác định, xác định lại mức độ khuyết tật và Giấy xác nhận khuyết tật",
                 20, 47, 47, 17),
    "2.002755": (("NCC", "Người có công"), "Thủ tục giải quyết chế độ trợ cấp một lần", 12, 4, 4, 0),
    "2.002501": (("XLD", "Xử lý đơn thư"), "Thủ tục xử lý đơn tại cấp xã", 10, 3, 3, 3),
}
SURNAMES = ("Nguyễn Văn", "Trần Thị", "Phạm Văn", "Vũ Thị", "Đỗ Văn", "Bùi Thị", "Hoàng Văn", "Đinh Thị")
GIVEN = ("An", "Bình", "Cường", "Dung", "Hà", "Hùng", "Lan", "Minh", "Nga", "Tuấn")


@pytest.fixture
def ngoc_ky(commune_a, agency_a):
    holidays_preload(first_year=2021, last_year=2023)  # Tết 2022 and the other days off are not working days
    for code, (field, name, days, *_counts) in PROCEDURES.items():
        terms = {"cutoff_applies": True, "cutoff_time": time(15, 0)} if days == 0 else {}
        procedure_make(code, name, field=field, days=days, at=vn(2021, 1, 1, 7, 0), post_at=[commune_a], **terms)
    return commune_a


def working_days(calendar, first: date, last: date) -> list[date]:
    days, day = [], first
    while day <= last:
        if calendar.is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def moment(value) -> str:
    return value.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")


def ngoc_ky_2022_rows():
    """The year's 1.639 dossiers as rows of the previous software's export (one list per row, HEADER's order)."""
    calendar = work_calendar()
    # Receipts from 15/12/2021 to 30/11/2022 are all resolved inside the window (ends 14/12/2022).
    days = working_days(calendar, date(2021, 12, 15), date(2022, 11, 30))
    rows, number, on_time_left = [], 0, 2
    for code, (_field, _name, processing_days, received, resolved, online) in PROCEDURES.items():
        for index in range(received):
            number += 1
            pending = index >= resolved  # the two civil-status dossiers still being processed on 14/12/2022
            day = date(2022, 12, 13) if pending else days[(number * 7) % len(days)]
            slot = number % 16
            received_at = vn(day.year, day.month, day.day, 7, 40) + timedelta(minutes=12 * slot)
            _start, due_at = compute_due(received_at=received_at, processing_days=processing_days,
                                         cutoff=time(15, 0) if processing_days == 0 else None, calendar=calendar)
            due_at = due_at.astimezone(VN_TZ)
            if processing_days == 0:
                # A same-day certification: finished in the afternoon, before the day's appointment (17:30).
                resolved_at = vn(day.year, day.month, day.day, 14, 0) + timedelta(minutes=10 * slot)
                assert resolved_at.date() == due_at.date() and resolved_at < due_at
            elif code == BIRTH and on_time_left and not pending:
                on_time_left -= 1
                resolved_at = due_at  # finished in the appointment's very minute: "đúng hạn" under both rules
            else:
                # Finished the next working day, before the appointment's day.
                next_day = calendar.next_working_day(received_at.date())
                resolved_at = vn(next_day.year, next_day.month, next_day.day, 15, 0)
                assert resolved_at.date() < due_at.date()
            if pending:
                resolved_at = vn(2022, 12, 15, 9, 0)  # after the window: pending within time on 14/12/2022
            serial = len(rows)
            components = "Toàn bộ" if serial < 1132 else "Một phần" if serial < 1161 else "Chưa số hoá"
            rows.append([
                f"NK-2022-{number:05d}", "11089", code, "Trực tuyến" if index < online else "Trực tiếp",
                moment(received_at), moment(due_at), moment(resolved_at), moment(resolved_at + timedelta(minutes=20)),
                components, "1" if serial < 453 else "0", "0",
                f"{SURNAMES[number % len(SURNAMES)]} {GIVEN[number % len(GIVEN)]}", f"030{number:09d}",
            ])
    assert len(rows) == 1639
    return rows


def import_year(tmp_path, rule: str):
    path = tmp_path / "ngoc-ky-2022.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["DANH SÁCH HỒ SƠ NĂM 2022 - UBND XÃ NGỌC KỲ"])
        writer.writerow(HEADER)
        writer.writerows(ngoc_ky_2022_rows())
    with override_settings(OUTCOME_RULE=rule):
        call_command("import_dossiers", str(path), unit="11089")


def test_under_the_moment_rule_the_import_reproduces_ngoc_ky_2022(ngoc_ky, tmp_path):
    import_year(tmp_path, "moment")
    assert Dossier.objects.filter(imported=True).count() == 1639
    figures = compute_figures(ngoc_ky, parse_period("2022")).totals
    assert figures["received"] == {"total": 1639, "new": 1639, "online": 1164, "direct": 475, "postal": 0,
                                   "carried_over": 0}
    assert figures["resolved"] == {"total": 1637, "early": 1635, "on_time": 2, "late": 0,
                                   "returned_unresolved": 0, "withdrawn": 0}
    assert figures["pending"] == {"total": 2, "within_time": 2, "overdue": 0}
    assert figures["digitized"] == {"components_any": 1161, "components_full": 1132, "results": 453}
    assert str(figures["rates"]["online"]) == "71.02"
    # The 1.197 same-day certifications are all "trước hạn".
    period = parse_period("2022")
    assert dossiers_behind(ngoc_ky, period, "early").filter(procedure__code=CERTIFICATION).count() == 1197
    assert set(dossiers_behind(ngoc_ky, period, "on_time").values_list("procedure__code", flat=True)) == {BIRTH}


def test_under_the_day_rule_the_same_file_counts_same_day_certifications_on_time(ngoc_ky, tmp_path):
    import_year(tmp_path, "day")
    figures = compute_figures(ngoc_ky, parse_period("2022")).totals
    assert figures["resolved"]["total"] == 1637
    assert (figures["resolved"]["early"], figures["resolved"]["on_time"], figures["resolved"]["late"]) == (438, 1199, 0)
    # Why the rule matters: finished at 14:00–16:40 of their one day, none can be early by the calendar day.
    certifications = Dossier.objects.filter(procedure__code=CERTIFICATION)
    assert certifications.filter(outcome=Outcome.ON_TIME).count() == 1197
    assert not certifications.exclude(outcome=Outcome.ON_TIME).exists()
