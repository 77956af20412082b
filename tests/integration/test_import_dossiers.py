"""Importing historical dossiers: exact codes and times, due moments from the procedure's terms at
receipt, outcomes, one event per recorded moment, all rows or none, and 20.000 rows in one go."""
import csv
import io
import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from dossiers.importing import HEADER_ALIASES, IMPORT_NOTE, REQUIRED_COLUMNS, dossiers_import
from dossiers.models import Channel, DailyCounter, Digitisation, Dossier, DossierEvent, Outcome, Status
from dossiers.services import Applicant, dossier_receive
from motcua.tabular import read_rows
from procedures.services import procedure_save
from tests.factories import vn

pytestmark = pytest.mark.django_db

HEADER = ["code", "unit_code", "procedure_code", "channel", "received_at", "due_at", "resolved_at", "returned_at",
          "components_digitized", "result_digitized", "paid_online", "handling_unit_code", "applicant_name",
          "applicant_id_number", "applicant_phone", "closed_as", "closed_at"]


@pytest.fixture
def birth_registration(birth_registration):
    """The shared one (3 working days, an 8.000 đồng fee) until 31/03/2025 (vn), then 1 day without a fee."""
    birth_registration.processing_days = Decimal(1)
    procedure_save(procedure=birth_registration, fees=[], at=vn(2025, 4, 1, 0, 0))
    return birth_registration


@pytest.fixture
def units(commune_a, district, agency_a):
    return commune_a, district


def csv_rows(rows, header=HEADER):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    return read_rows(io.BytesIO(out.getvalue().encode("utf-8")), filename="dossiers.csv",
                     required=REQUIRED_COLUMNS, aliases=HEADER_ALIASES)


def row(code, **values):
    base = {"code": code, "unit_code": "11089", "procedure_code": "1.001193", "channel": "direct",
            "components_digitized": "full", "result_digitized": "0", "paid_online": "0"}
    return {**base, **values}


def error_lines(report) -> set[int]:
    return {int(re.match(r"^(?:Row|Dòng) (\d+):", message)[1]) for message in report.errors}


GOOD = [
    # ISO with offset, due computed: Monday 09:15:27 + 3 days → Thursday 09:15:27; resolved Wednesday: early.
    row("HS-2025-000001", received_at="2025-03-03T09:15:27+07:00", resolved_at="05/03/2025 10:00",
        returned_at="05/03/2025 14:00", applicant_name="Nguyễn Văn An", applicant_id_number="030085001234",
        applicant_phone="0912345678"),
    # dd/mm/yyyy with the due given; resolved after it: late.
    row("HS-2025-000002", channel="Trực tuyến", received_at="06/03/2025 16:30", due_at="11/03/2025 16:30",
        resolved_at="11/03/2025 17:00", components_digitized="một phần", result_digitized="có", paid_online="1"),
    # UTC offset, still pending; 'buu chinh' without diacritics.
    row("HS-2025-000003", channel="buu chinh", received_at="2025-03-07T02:00:00Z"),
    # withdrawn by the citizen, classified by the same time rule: on the due day, before the due moment.
    row("HS-2025-000004", channel="TRỰC TIẾP", received_at="10/03/2025 08:00", closed_as="withdrawn",
        closed_at="13/03/2025 07:45", components_digitized="none"),
    # received after the new terms (1 day, no fee): due computed from them.
    row("HS-2025-000005", received_at="01/04/2025 08:00", resolved_at="01/04/2025 15:00",
        returned_at="02/04/2025 09:00", handling_unit_code="298"),
]


def test_a_good_file_imports_with_exact_codes_times_due_moments_outcomes_and_events(units, birth_registration):
    commune, district = units
    report = dossiers_import(rows=csv_rows(GOOD))
    assert report.ok, report.errors
    assert report.created == 5 and report.due_computed == 4
    by_code = {d.code: d for d in Dossier.objects.all()}
    assert set(by_code) == {r["code"] for r in GOOD}

    first = by_code["HS-2025-000001"]
    assert first.imported and first.status == Status.RETURNED and first.channel == Channel.DIRECT
    assert first.received_at == vn(2025, 3, 3, 9, 15, 27)
    assert first.due_at == vn(2025, 3, 6, 9, 15, 27)
    assert (first.resolved_at, first.returned_at) == (vn(2025, 3, 5, 10, 0), vn(2025, 3, 5, 14, 0))
    assert first.outcome == Outcome.EARLY
    assert (first.processing_days, first.fee_total, first.procedure_version) == (3, 8000, 1)
    assert (first.applicant_name, first.applicant_id_number, first.applicant_phone) == ("Nguyễn Văn An", "030085001234", "0912345678")
    events = list(first.events.values_list("action", "from_status", "to_status", "at", "by", "note", "unit"))
    assert events == [
        ("receive", "", Status.RECEIVED, vn(2025, 3, 3, 9, 15, 27), None, IMPORT_NOTE, commune.id),
        ("resolve", Status.RECEIVED, Status.RESOLVED, vn(2025, 3, 5, 10, 0), None, IMPORT_NOTE, commune.id),
        ("return", Status.RESOLVED, Status.RETURNED, vn(2025, 3, 5, 14, 0), None, IMPORT_NOTE, commune.id),
    ]

    second = by_code["HS-2025-000002"]
    assert (second.status, second.outcome, second.channel) == (Status.RESOLVED, Outcome.LATE, Channel.ONLINE)
    assert second.due_at == vn(2025, 3, 11, 16, 30)
    assert (second.components_digitised, second.result_digitised, second.paid_online) == (Digitisation.PARTIAL, True, True)

    third = by_code["HS-2025-000003"]
    assert (third.status, third.outcome, third.channel) == (Status.RECEIVED, "", Channel.POSTAL)
    assert third.received_at == vn(2025, 3, 7, 9, 0)
    assert third.due_at == vn(2025, 3, 12, 9, 0)  # Friday 09:00 + 3 days → Wednesday 09:00
    assert list(third.events.values_list("action", flat=True)) == ["receive"]

    fourth = by_code["HS-2025-000004"]
    assert (fourth.status, fourth.resolved_at, fourth.outcome) == (Status.WITHDRAWN, vn(2025, 3, 13, 7, 45), Outcome.ON_TIME)
    assert list(fourth.events.values_list("action", "to_status")) == [("receive", Status.RECEIVED), ("withdraw", Status.WITHDRAWN)]

    fifth = by_code["HS-2025-000005"]
    assert (fifth.processing_days, fifth.fee_total, fifth.procedure_version) == (1, 0, 2)
    assert fifth.due_at == vn(2025, 4, 2, 8, 0) and fifth.outcome == Outcome.EARLY
    assert fifth.handling_unit == district and fifth.receiving_unit == commune
    assert DossierEvent.objects.count() == 3 + 2 + 1 + 2 + 3


def test_an_excel_file_with_vietnamese_headings_and_date_cells_imports(units, birth_registration, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["DANH SÁCH HỒ SƠ CHUYỂN ĐỔI"])
    sheet.append(["Mã hồ sơ", "Mã đơn vị", "Mã thủ tục", "Kênh", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày giải quyết",
                  "Ngày trả kết quả", "Số hoá thành phần", "Số hoá kết quả", "Thanh toán trực tuyến"])
    sheet.append(["HS-X-1", "11089", "1.001193", "Trực tiếp", datetime(2025, 3, 3, 14, 5), None,
                  datetime(2025, 3, 4, 9, 30), datetime(2025, 3, 4, 10, 0), "Toàn bộ", 1, 0])
    path = tmp_path / "ho-so.xlsx"
    workbook.save(path)
    call_command("import_dossiers", str(path))
    dossier = Dossier.objects.get(code="HS-X-1")
    assert dossier.received_at == vn(2025, 3, 3, 14, 5) and dossier.due_at == vn(2025, 3, 6, 14, 5)
    assert (dossier.status, dossier.outcome, dossier.components_digitised) == (Status.RETURNED, Outcome.EARLY, Digitisation.FULL)


def test_a_file_with_bad_rows_writes_nothing_and_names_each_bad_row(units, birth_registration):
    rows = [
        row("OK-1", received_at="03/03/2025 09:00"),                                            # line 2: good
        row("BAD-UNIT", unit_code="99999", received_at="03/03/2025 09:00"),                      # 3
        row("BAD-PROC", procedure_code="9.999999", received_at="03/03/2025 09:00"),              # 4
        row("BAD-CHANNEL", channel="fax", received_at="03/03/2025 09:00"),                       # 5
        row("BAD-DATE", received_at="32/13/2025 09:00"),                                         # 6
        row("BEFORE", received_at="05/03/2025 09:00", resolved_at="04/03/2025 09:00"),            # 7
        row("NO-RESOLVED", received_at="05/03/2025 09:00", returned_at="06/03/2025 09:00"),       # 8
        row("BAD-CCCD", received_at="05/03/2025 09:00", applicant_id_number="03008500123"),      # 9
        row("OK-1", received_at="05/03/2025 09:00"),                                             # 10: duplicate
        row("BAD-FLAG", received_at="05/03/2025 09:00", paid_online="maybe"),                    # 11
        row("NO-TIME", received_at="05/03/2025"),                                                # 12
        row("CLOSED?", received_at="05/03/2025 09:00", closed_as="lost", closed_at="06/03/2025 09:00"),  # 13
    ]
    report = dossiers_import(rows=csv_rows(rows))
    assert not report.ok and report.created == 0
    assert error_lines(report) == set(range(3, 14))
    text = "\n".join(report.errors)
    for value in ("99999", "9.999999", "fax", "32/13/2025 09:00", "OK-1", "maybe", "lost"):
        assert value in text
    assert Dossier.objects.count() == 0 and DossierEvent.objects.count() == 0


def test_the_command_refuses_a_bad_file_and_prints_every_bad_row(units, birth_registration, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("code,unit_code,procedure_code,channel,received_at\n"
                    "A,11089,1.001193,direct,03/03/2025 09:00\nB,00000,1.001193,direct,03/03/2025 09:00\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_dossiers", str(path))
    assert "00000" in capsys.readouterr().err
    assert Dossier.objects.count() == 0


def test_codes_already_in_the_database_are_refused(units, birth_registration):
    assert dossiers_import(rows=csv_rows(GOOD[:2])).ok
    report = dossiers_import(rows=csv_rows(GOOD))
    assert error_lines(report) == {2, 3}
    assert Dossier.objects.count() == 2


def test_a_dry_run_checks_everything_and_writes_nothing(units, birth_registration, tmp_path, capsys):
    path = tmp_path / "ok.csv"
    path.write_text("code,unit_code,procedure_code,channel,received_at\nA,11089,1.001193,online,03/03/2025 09:00\n", encoding="utf-8")
    call_command("import_dossiers", str(path), "--dry-run")
    assert Dossier.objects.count() == 0
    report = dossiers_import(rows=read_rows(path, required=REQUIRED_COLUMNS, aliases=HEADER_ALIASES), dry_run=True)
    assert report.ok and report.created == 0 and report.statuses == {Status.RECEIVED: 1}


def test_imported_codes_in_the_portal_format_move_the_daily_counter(units, birth_registration, desk_officer_a):
    commune, _ = units
    report = dossiers_import(rows=csv_rows([row("000.01.12.H23-250303-0007", received_at="03/03/2025 09:00")]))
    assert report.ok, report.errors
    assert DailyCounter.objects.get(unit=commune, day=datetime(2025, 3, 3).date()).last == 7
    taken_in = dossier_receive(unit=commune, procedure=birth_registration, applicant=Applicant(name="Trần Thị Bình"),
                               by=desk_officer_a, received_at=vn(2025, 3, 3, 10, 0))
    assert taken_in.code == "000.01.12.H23-250303-0008"


def test_twenty_thousand_rows_import_in_one_go(units, birth_registration, tmp_path, trust):
    start = vn(2024, 1, 2, 7, 30)
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for number in range(20_000):
            received = start + timedelta(minutes=37 * number)
            resolved = received + timedelta(days=2) if number % 4 else None
            returned = resolved + timedelta(hours=3) if resolved and number % 3 else None
            writer.writerow([
                f"CU-{number:06d}", "11089", "1.001193", ("direct", "online", "Bưu chính")[number % 3],
                received.strftime("%d/%m/%Y %H:%M") if number % 2 else received.isoformat(), "",
                resolved.strftime("%d/%m/%Y %H:%M") if resolved else "",
                returned.strftime("%d/%m/%Y %H:%M") if returned else "", "full", str(number % 2), "0",
                "", f"Công dân {number}", f"030{number:09d}", f"09{number:08d}", "", "",
            ])
    call_command("import_dossiers", str(path))
    assert Dossier.objects.filter(imported=True).count() == 20_000
    resolved = Dossier.objects.filter(resolved_at__isnull=False).count()
    returned = Dossier.objects.filter(status=Status.RETURNED).count()
    assert DossierEvent.objects.count() == 20_000 + resolved + returned
    assert not Dossier.objects.filter(resolved_at__isnull=False, outcome="").exists()
    trust("import: dossiers imported from one CSV in one go, each with its events", 20_000)


def test_a_communes_history_with_a_row_of_another_commune_is_refused_whole(units, commune_b, birth_registration, tmp_path, capsys):
    commune_a, _district = units
    path = tmp_path / "ngoc-ky.csv"
    path.write_text(
        "code,unit_code,procedure_code,channel,received_at,handling_unit_code\n"
        "A-1,11089,1.001193,direct,03/03/2025 09:00,\n"
        f"B-1,{commune_b.code},1.001193,direct,03/03/2025 09:00,\n"       # line 3: received by commune B
        f"A-2,11089,1.001193,direct,03/03/2025 09:00,{commune_b.code}\n",  # line 4: handled by commune B
        encoding="utf-8",
    )
    with pytest.raises(CommandError):
        call_command("import_dossiers", str(path), unit=commune_a.code)
    errors = capsys.readouterr().err
    assert f"Dòng 3: đơn vị “{commune_b.code}” không phải {commune_a.name}" in errors
    assert "Dòng 4:" in errors and "Dòng 2:" not in errors
    assert Dossier.objects.count() == 0

    call_command("import_dossiers", str(path), unit="298")  # the district's history may hold both communes
    assert Dossier.objects.count() == 3


def test_an_unknown_unit_for_the_scope_is_refused(tmp_path, db):
    path = tmp_path / "x.csv"
    path.write_text("code,unit_code,procedure_code,channel,received_at\n", encoding="utf-8")
    with pytest.raises(CommandError, match="00000"):
        call_command("import_dossiers", str(path), unit="00000")
