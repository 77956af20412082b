"""Cut-over from the previous software (issue 16): ``import_dossiers`` brings the dossiers still open that
day, with their appointment ahead, their pauses and their handler, and they land where a dossier taken in
here would be: on the desk's board, in the processing queue and in the figures of the current window. An
open dossier of a commune that has since merged gets the handover steps its reorganisation recorded."""
import csv
import io
import re
from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from dossiers.importing import HEADER_ALIASES, IMPORT_NOTE, REQUIRED_COLUMNS, dossiers_import
from dossiers.models import Dossier, DossierEvent, Pause, PauseKind, Status
from dossiers.selectors import board_panels, desk_counts, my_dossiers, time_state
from dossiers.services import Applicant, dossier_pause, dossier_receive, dossier_resume
from motcua import deadlines
from motcua.calendar import VN_TZ
from motcua.demo import UNITS_FILE
from motcua.models import AdministrativeUnit, Agency, AgencyKind, Role
from motcua.periods import local_day, parse_period
from motcua.selectors import work_calendar
from motcua.services import units_import
from motcua.tabular import read_rows
from reports.figures import compute_figures, counted, dossiers_behind
from tests.factories import make_dossier, procedure_make, staff, vn

pytestmark = pytest.mark.django_db

BENEFIT = "2.002755"  # Người có công: 12 working days


@pytest.fixture
def benefit(commune_a, agency_a):
    return procedure_make(BENEFIT, "Thủ tục giải quyết chế độ trợ cấp một lần", field=("NCC", "Người có công"),
                          days=12, at=vn(2020, 1, 1, 7, 0), post_at=[commune_a])


def ago(days: int, hour: int, minute: int = 0) -> datetime:
    """``days`` calendar days before today (negative: after), at hour:minute, Vietnam time."""
    day = local_day(timezone.now()) - timedelta(days=days)
    return vn(day.year, day.month, day.day, hour, minute)


def text(moment: datetime) -> str:
    return moment.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")


def row(code, **values):
    return {"code": code, "unit_code": "11089", "procedure_code": BENEFIT, "channel": "Trực tiếp", **values}


def csv_rows(rows):
    header = list(dict.fromkeys(column for r in rows for column in r))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for r in rows:
        writer.writerow([r.get(column, "") for column in header])
    return read_rows(io.BytesIO(out.getvalue().encode("utf-8")), filename="cut-over.csv",
                     required=REQUIRED_COLUMNS, aliases=HEADER_ALIASES)


def current_window():
    """The annual reporting window holding today (15/12 of the year before … 14/12), counted as of now."""
    today = local_day(timezone.now())
    year = today.year + 1 if today >= date(today.year, 12, 15) else today.year
    return counted(parse_period(str(year)))


def codes(dossiers) -> set[str]:
    return {d.code for d in dossiers}


def test_open_dossiers_land_on_the_board_and_in_the_figures_as_if_taken_in_here(commune_a, benefit, agency_a, desk_a,
                                                                                processing_a):
    received = ago(3, 9, 0)
    next_week = ago(-7, 16, 0)
    taken_in = dossier_receive(unit=commune_a, procedure=benefit, applicant=Applicant(name="Lê Văn Tám"), by=desk_a,
                               received_at=received)
    report = dossiers_import(rows=csv_rows([
        row("CU-OPEN-1", received_at=text(received)),  # the appointment computed as the desk computes it
        row("CU-OPEN-2", received_at=text(received), due_at=text(next_week), status="Đang xử lý",
            agency=agency_a.identifier, officer="cm.a"),
        row("CU-OPEN-3", received_at=text(ago(25, 8, 0)), due_at=text(ago(2, 16, 0))),  # fell due two days ago
    ]))
    assert report.ok, report.errors
    assert report.statuses == {Status.RECEIVED: 2, Status.IN_PROGRESS: 1} and report.handed_over == 0
    first, second, third = (Dossier.objects.get(code=f"CU-OPEN-{n}") for n in (1, 2, 3))

    assert (first.status, first.counting_from, first.due_at) == (taken_in.status, taken_in.counting_from, taken_in.due_at)
    assert first.imported and first.resolved_at is None and first.outcome == ""
    assert list(first.events.values_list("action", "from_status", "to_status", "at", "by", "note", "unit")) == [
        ("receive", "", Status.RECEIVED, received, None, IMPORT_NOTE, commune_a.id)]
    assert (second.status, second.due_at, second.agency, second.officer) == (
        Status.IN_PROGRESS, next_week, agency_a, processing_a)
    assert second in my_dossiers(processing_a)  # on the officer's own list, as the old software had it

    now = timezone.now()
    assert {time_state(d, now) for d in (first, second, taken_in)} == {deadlines.WITHIN_TIME}
    assert time_state(third, now) == deadlines.OVERDUE
    panels = {panel.key: panel for panel in board_panels(desk_a, now=now)}
    assert codes(panels["overdue"].rows) == {"CU-OPEN-3"}
    assert desk_counts(desk_a, now=now)["overdue"] == 1

    period = current_window()
    figures = compute_figures(commune_a, period).totals
    assert figures["pending"] == {"total": 4, "within_time": 3, "overdue": 1}
    assert codes(dossiers_behind(commune_a, period, "within_time")) == {"CU-OPEN-1", "CU-OPEN-2", taken_in.code}
    assert codes(dossiers_behind(commune_a, period, "overdue")) == {"CU-OPEN-3"}


def test_pauses_come_with_their_moments_and_an_open_one_stops_the_clock(commune_a, benefit, desk_a, processing_a):
    calendar = work_calendar()
    received = ago(12, 8, 0)
    paused = calendar.next_working_moment(ago(9, 8, 0))
    resumed = calendar.add_working_time(paused, days=1)  # one working day of pause
    twin = dossier_receive(unit=commune_a, procedure=benefit, applicant=Applicant(name="Lê Văn Tám"), by=desk_a,
                           received_at=received)
    dossier_pause(dossier=twin, by=processing_a, kind=PauseKind.SUPPLEMENT, reason="Thiếu giấy tờ", at=paused)
    twin = dossier_resume(dossier=twin, by=processing_a, at=resumed)

    report = dossiers_import(rows=csv_rows([
        # Paused three days ago, before it fell due yesterday, and still waiting for papers.
        row("CU-PAUSED", received_at=text(ago(20, 8, 0)), due_at=text(ago(1, 16, 0)), paused_at=text(ago(3, 10, 0)),
            pause_kind="Chờ bổ sung", pause_reason="Thiếu bản sao giấy chứng nhận"),
        # Paused and resumed: the appointment moves by the pause's working time, as at the desk.
        row("CU-RESUMED", received_at=text(received), paused_at=text(paused), resumed_at=text(resumed)),
    ]))
    assert report.ok, report.errors
    waiting, resumed_one = Dossier.objects.get(code="CU-PAUSED"), Dossier.objects.get(code="CU-RESUMED")

    assert waiting.status == Status.PAUSED
    assert list(waiting.pauses.values_list("kind", "reason", "started_at", "ended_at")) == [
        (PauseKind.SUPPLEMENT, "Thiếu bản sao giấy chứng nhận", ago(3, 10, 0), None)]
    assert list(waiting.events.values_list("action", "to_status")) == [("receive", Status.RECEIVED),
                                                                       ("pause", Status.PAUSED)]
    assert (resumed_one.status, resumed_one.due_at) == (Status.IN_PROGRESS, twin.due_at)
    assert resumed_one.due_at > deadlines.due_moment(received, benefit.processing_days, calendar)
    assert list(resumed_one.events.values_list("action", flat=True)) == list(twin.events.values_list("action", flat=True))
    assert list(resumed_one.pauses.values_list("started_at", "ended_at")) == [(paused, resumed)]

    now = timezone.now()
    panels = {panel.key: panel for panel in board_panels(desk_a, now=now)}
    assert "CU-PAUSED" not in codes(panels["overdue"].rows)  # the clock stopped before it fell due
    assert "CU-PAUSED" in codes(panels["supplements"].rows)
    period = current_window()
    assert "CU-PAUSED" in codes(dossiers_behind(commune_a, period, "within_time"))


# -- a commune that merged after the dossier was received ---------------------------------------------

DATA = UNITS_FILE.parent


def test_an_open_dossier_of_a_commune_that_merged_is_handed_over_as_the_merger_would_have(tmp_path, capsys):
    units_import(rows=read_rows(DATA / "units-tu-ky-2023.csv"))
    birth = procedure_make("1.001193", "Thủ tục đăng ký khai sinh", days=3, at=vn(2020, 1, 1, 7, 0))
    ngoc_ky = AdministrativeUnit.objects.by_key("11089")
    committee = Agency.objects.create(unit=ngoc_ky, name="Ủy ban nhân dân xã Ngọc Kỳ", kind=AgencyKind.PEOPLES_COMMITTEE,
                                      identifier="000.11.89.H26")
    # Open in the portal before the mergers: handed over by them.
    before = make_dossier(procedure=birth, unit=ngoc_ky, code="NK-PORTAL-1", received_at=vn(2024, 11, 18, 8, 0),
                          due_at=vn(2024, 11, 21, 8, 0), status="received")
    for name, effective in (("units-tu-ky-2024-12.csv", date(2024, 12, 1)), ("units-tu-ky-2025-07.csv", date(2025, 7, 1))):
        units_import(rows=read_rows(DATA / name), effective=effective)
    assert DossierEvent.objects.filter(dossier=before, action="handover").count() == 2

    path = tmp_path / "ngoc-ky-open.csv"
    path.write_text(
        "code,unit_code,procedure_code,channel,received_at,due_at,resolved_at,returned_at,status,agency\n"
        "NK-CU-1,11089,1.001193,direct,20/11/2024 08:00,25/11/2024 17:00,,,Đang xử lý,000.11.89.H26\n"
        "NK-CU-2,11089,1.001193,direct,21/11/2024 08:00,,22/11/2024 10:00,22/11/2024 15:00,,\n"
        "NK-CU-3,11089~20241130,1.001193,online,29/11/2024 08:00,,,,,\n",  # the ended unit named by its key
        encoding="utf-8",
    )
    call_command("import_dossiers", str(path))
    assert capsys.readouterr().out.splitlines()[-1].endswith(": 2.")  # two open dossiers handed over

    still_open = Dossier.objects.get(code="NK-CU-1")
    steps = list(still_open.events.order_by("at").values_list("action", "unit__name", "by", "at"))
    assert steps == [("receive", "Xã Ngọc Kỳ", None, vn(2024, 11, 20, 8, 0)),
                     ("handover", "Xã Kỳ Sơn", None, vn(2024, 12, 1, 0, 0)),
                     ("handover", "Xã Tân Kỳ", None, vn(2025, 7, 1, 0, 0))]
    assert (still_open.receiving_unit, still_open.due_at, still_open.status) == (
        ngoc_ky, vn(2024, 11, 25, 17, 0), Status.IN_PROGRESS)
    assert still_open.agency is None and committee.pk  # Ngọc Kỳ's committee is gone with it
    assert not DossierEvent.objects.filter(dossier__code="NK-CU-2", action="handover").exists()  # closed then
    by_key = Dossier.objects.get(code="NK-CU-3")
    assert (by_key.receiving_unit, by_key.status) == (ngoc_ky, Status.RECEIVED)
    assert list(by_key.events.filter(action="handover").values_list("unit__name", flat=True)) == ["Xã Kỳ Sơn", "Xã Tân Kỳ"]
    assert DossierEvent.objects.filter(dossier=before, action="handover").count() == 2  # not handed over twice

    tan_ky = AdministrativeUnit.objects.by_key("11113")
    desk = staff(tan_ky, Role.DESK_OFFICER, "tanky.motcua")
    now = timezone.now()
    panels = {panel.key: panel for panel in board_panels(desk, now=now)}
    assert codes(panels["overdue"].rows) == {"NK-CU-1", "NK-CU-3", "NK-PORTAL-1"}
    assert codes(dossiers_behind(tan_ky, current_window(), "overdue")) == {"NK-CU-1", "NK-CU-3", "NK-PORTAL-1"}


# -- refused ---------------------------------------------------------------------------------------------


def error_lines(report) -> set[int]:
    return {int(re.match(r"^(?:Row|Dòng) (\d+):", message)[1]) for message in report.errors}


def test_bad_rows_of_a_cut_over_file_are_each_named_and_nothing_is_written(commune_a, commune_b, agency_b, benefit,
                                                                          processing_a):
    past, future = ago(5, 9, 0), timezone.now() + timedelta(days=2)
    rows = [
        row("OK", received_at=text(past), due_at=text(ago(-7, 9, 0)), status="Đang xử lý"),               # 2
        row("FUTURE-RECEIPT", received_at=text(future)),                                                 # 3
        row("FUTURE-RESOLUTION", received_at=text(past), resolved_at=text(future)),                      # 4
        row("DUE-BEFORE", received_at=text(past), due_at=text(ago(6, 9, 0))),                             # 5
        row("OPEN-RESOLVED", received_at=text(past), resolved_at=text(ago(1, 9, 0)), status="Đang xử lý"),  # 6
        row("CLOSED-PAUSED", received_at=text(past), resolved_at=text(ago(1, 9, 0)), paused_at=text(ago(2, 9, 0))),  # 7
        row("PAUSED-NO-PAUSE", received_at=text(past), status="Tạm dừng"),                                # 8
        row("PAUSE-BEFORE", received_at=text(past), paused_at=text(ago(7, 9, 0)), resumed_at=text(ago(4, 9, 0))),  # 9
        row("NO-OFFICER", received_at=text(past), officer="khong.co.ai"),                                # 10
        row("OTHER-AGENCY", received_at=text(past), agency=agency_b.identifier),                         # 11
        row("RESUMED-FIRST", received_at=text(past), paused_at=text(ago(2, 9, 0)), resumed_at=text(ago(3, 9, 0))),  # 12
        row("NOT-RETURNED", received_at=text(past), resolved_at=text(ago(1, 9, 0)), status="Đã trả kết quả"),  # 13
        row("FUTURE-PAUSE", received_at=text(past), paused_at=text(future)),                              # 14
    ]
    with translation.override("vi"):
        report = dossiers_import(rows=csv_rows(rows))
    assert not report.ok and report.created == 0
    assert error_lines(report) == set(range(3, 15))
    by_line = {int(re.match(r"^Dòng (\d+):", message)[1]): message for message in report.errors}
    assert "received_at sau thời điểm hiện tại" in by_line[3]
    assert "resolved_at sau thời điểm hiện tại" in by_line[4]
    assert "ngày hẹn trả kết quả trước thời điểm tiếp nhận" in by_line[5]
    assert "khong.co.ai" in by_line[10] and agency_b.identifier in by_line[11]
    assert not any("due_at" in message for message in report.errors)  # an appointment ahead is no error
    assert (Dossier.objects.count(), DossierEvent.objects.count(), Pause.objects.count()) == (0, 0, 0)

    report = dossiers_import(rows=csv_rows(rows[:1]))  # the good row alone goes in
    assert report.ok, report.errors
    assert Dossier.objects.get(code="OK").status == Status.IN_PROGRESS
