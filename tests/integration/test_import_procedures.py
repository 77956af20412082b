"""Importing a catalogue: all rows or none, every bad line named, re-import updates by code."""
from datetime import datetime, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import Workbook

from motcua.tabular import TabularError
from procedures.importing import procedures_import
from procedures.models import Field, Posting, Procedure, ProcedureVersion
from procedures.services import procedure_save, procedure_terms_at

pytestmark = pytest.mark.django_db

HEADER = "code,name,field_code,field_name,level,processing_days,sector,fee,online_level,cutoff,components\n"
GOOD = HEADER + (
    '1.001193,Thủ tục đăng ký khai sinh,HT,Hộ tịch,xã,0,,Không,toàn trình,15:00,"Tờ khai (1 bản chính, 0 bản sao) ; Giấy chứng sinh (1 bản chính, 0 bản sao)"\n'
    "2.000908,Cấp bản sao từ sổ gốc,CT,Chứng thực,commune,0,,Lệ phí: 8.000 đồng,full,15:00,\n"
    "1.004194,Đăng ký thường trú,CTR,Cư trú,xã,7,Công an,Lệ phí: 20.000 đồng,một phần,,\n"
)


def run(text: str, **kwargs):
    return procedures_import(source=BytesIO(text.encode("utf-8")), filename="danh-muc.csv", **kwargs)


def test_a_good_file_creates_procedures_fields_fees_components_and_postings(commune_a):
    report = run(GOOD, unit=commune_a)
    assert report.ok and (report.created, report.updated) == (3, 0)
    birth = Procedure.objects.get(code="1.001193")
    assert (birth.field.name, birth.level, birth.processing_days, birth.cutoff_applies) == ("Hộ tịch", "commune", 0, True)
    assert [c.name for c in birth.components.all()] == ["Tờ khai", "Giấy chứng sinh"]
    assert Procedure.objects.get(code="2.000908").fees.get().amount == 8000
    assert Procedure.objects.get(code="1.004194").sector == "police"
    assert Posting.objects.filter(unit=commune_a, is_active=True).count() == 3
    assert ProcedureVersion.objects.filter(number=1, source="import").count() == 3


def test_a_dry_run_reports_and_writes_nothing(commune_a):
    report = run(GOOD, unit=commune_a, dry_run=True)
    assert report.ok and report.created == 3
    assert Procedure.objects.count() == Field.objects.count() == Posting.objects.count() == 0


def test_a_file_with_bad_lines_writes_nothing_and_names_each_line():
    bad = HEADER + (
        "1.001193,Thủ tục đăng ký khai sinh,HT,Hộ tịch,xã,0,,Không,full,,\n"
        ",Không có mã,HT,Hộ tịch,xã,1,,,,,\n"
        "1.000894,Đăng ký kết hôn,HT,Hộ tịch,thôn,ba ngày,,,,,\n"
        "1.001193,Trùng mã,HT,Hộ tịch,xã,1,,,,,\n"
        "2.000908,Cấp bản sao,CT,Chứng thực,xã,0,,Lệ phí: theo quy định,,,\n"
    )
    report = run(bad)
    assert not report.ok
    assert [e.split(":")[0] for e in report.errors] == ["Dòng 3", "Dòng 4", "Dòng 5", "Dòng 6"]
    assert "thôn" in report.errors[1] and "ba ngày" in report.errors[1]
    assert "1.001193" in report.errors[2] and report.errors[2].rstrip(".").endswith(" 2")  # names the first line
    assert Procedure.objects.count() == Field.objects.count() == 0


def test_reimport_updates_by_code_and_records_what_changed(focal_a):
    run(GOOD)
    changed = GOOD.replace("1.004194,Đăng ký thường trú,CTR,Cư trú,xã,7", "1.004194,Đăng ký thường trú,CTR,Cư trú,xã,5")
    report = run(changed, user=focal_a)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    residence = Procedure.objects.get(code="1.004194")
    assert residence.processing_days == 5 and residence.version == 2
    latest = residence.versions.get(number=2)
    assert latest.changes["processing_days"] == ["7", "5"] and latest.changed_by == focal_a


def test_an_excel_file_with_title_rows_vietnamese_headings_and_excel_cells_loads(commune_a):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["DANH MỤC THỦ TỤC HÀNH CHÍNH CẤP XÃ"])
    sheet.merge_cells("A1:H1")
    sheet.append(["(Kèm theo Quyết định số 123/QĐ-UBND)"])
    sheet.append([])
    sheet.append(["Mã TTHC", "Tên TTHC ", "Mã lĩnh vực", "Lĩnh vực", "Cấp thực hiện", "Thời hạn giải quyết", "Phí, lệ phí", "Ngày quyết định"])
    sheet.append(["1.001193 ", " Thủ tục đăng ký khai sinh\u00a0", "HT", "Hộ tịch", "Cấp xã", 0, "Không", datetime(2024, 1, 5)])
    sheet.append(["1.000894", "Thủ tục đăng ký kết hôn", "HT", "Hộ tịch", "Cấp xã", 0.5, "Không", "05/01/2024"])
    buffer = BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    report = procedures_import(source=buffer, filename="danh-muc.xlsx", unit=commune_a)
    assert report.ok, report.errors
    assert [row.line for row in report.rows] == [5, 6]
    birth = Procedure.objects.get(code="1.001193")
    assert birth.name == "Thủ tục đăng ký khai sinh" and birth.decision_date.isoformat() == "2024-01-05"
    assert Procedure.objects.get(code="1.000894").processing_days == Decimal("0.5")


def test_a_csv_from_windows_with_bom_and_crlf_loads():
    data = ("\ufeff" + GOOD.replace("\n", "\r\n")).encode("utf-8")
    report = procedures_import(source=BytesIO(data), filename="tthc.csv")
    assert report.ok and report.created == 3


def test_a_file_without_the_required_columns_is_refused_with_their_names():
    with pytest.raises(TabularError) as raised:
        run("code,name,level\n1.001193,Khai sinh,xã\n")
    assert "field_code" in str(raised.value) and "processing_days" in str(raised.value)


def test_an_old_excel_file_gets_a_clear_message():
    with pytest.raises(TabularError) as raised:
        procedures_import(source=BytesIO(b"\xd0\xcf\x11\xe0" + b"\0" * 100), filename="tthc.xls")
    assert ".xlsx" in str(raised.value)


def test_the_command_imports_and_posts_at_a_unit(tmp_path, commune_a, capsys):
    path = tmp_path / "tthc.csv"
    path.write_text(GOOD, encoding="utf-8")
    call_command("import_procedures", str(path), "--unit", commune_a.code)
    assert Posting.objects.filter(unit=commune_a).count() == 3
    assert "3" in capsys.readouterr().out


def test_the_command_refuses_a_bad_file_and_lists_the_lines(tmp_path, capsys):
    path = tmp_path / "tthc.csv"
    path.write_text(HEADER + "1.001193,,HT,Hộ tịch,xã,0,,,,,\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_procedures", str(path))
    assert "Dòng 2" in capsys.readouterr().err
    assert Procedure.objects.count() == 0


def test_the_shared_sample_file_reports_its_incomplete_rows(tmp_path):
    """The 51 real procedures of DOMAIN.md: rows without a level or a time are named, nothing saved."""
    from pathlib import Path

    sample = Path(__file__).resolve().parents[1] / "data" / "procedures-sample.csv"
    report = procedures_import(source=str(sample))
    assert not report.ok and len(report.errors) == 37
    assert Procedure.objects.count() == 0


def test_a_dossier_keeps_the_terms_of_the_version_in_force_when_it_was_received():
    run(GOOD)
    residence = Procedure.objects.get(code="1.004194")
    received_before_the_change = timezone.now()
    later = received_before_the_change + timedelta(days=30)
    residence.processing_days = Decimal(5)
    procedure_save(procedure=residence, fees=[], at=later)
    before = procedure_terms_at(procedure=residence, moment=received_before_the_change)
    after = procedure_terms_at(procedure=residence, moment=later + timedelta(minutes=1))
    assert (before.processing_days, before.fee_total, before.version) == (Decimal(7), 20000, 1)
    assert (after.processing_days, after.fee_total, after.version) == (Decimal(5), 0, 2)


def test_saving_without_a_change_records_no_version():
    run(GOOD)
    birth = Procedure.objects.get(code="1.001193")
    assert procedure_save(procedure=birth) is False
    assert birth.versions.count() == 1


def test_search_finds_vietnamese_names_typed_without_diacritics():
    run(GOOD)
    assert list(Procedure.objects.search("dang ky khai sinh").values_list("code", flat=True)) == ["1.001193"]
    assert list(Procedure.objects.search("ĐĂNG KÝ").order_by("code").values_list("code", flat=True)) == ["1.001193", "1.004194"]
    assert list(Procedure.objects.search("1.0011").values_list("code", flat=True)) == ["1.001193"]


def test_counts_come_in_the_seeds_form():
    run(GOOD)
    counts = Procedure.objects.counts()
    assert (counts["total"], counts["commune"], counts["police"], counts["district"]) == (3, 2, 1, 0)


def test_a_zip_bomb_disguised_as_xlsx_is_refused_before_it_is_opened():
    import zipfile

    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (300 * 1024 * 1024))
    with pytest.raises(TabularError) as raised:
        procedures_import(source=BytesIO(buffer.getvalue()), filename="bom.xlsx")
    assert "vượt xa giới hạn của một bảng" in str(raised.value)  # said in Vietnamese, not a crash
    assert Procedure.objects.count() == 0


def test_an_xml_entity_bomb_inside_an_xlsx_is_refused():
    import zipfile

    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&lol2;</workbook>')
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", bomb)
        archive.writestr("xl/workbook.xml", bomb)
    with pytest.raises(TabularError):
        procedures_import(source=BytesIO(buffer.getvalue()), filename="entity.xlsx")
    assert Procedure.objects.count() == 0


def test_the_internal_process_column_is_imported_all_rows_or_none_and_kept_when_absent():
    """'Quy trình nội bộ': the stages of each row, their hours adding up to its time; one row whose stages do
    not is refused with the whole file, named; a later file without the column keeps the stages."""
    header = "Mã TTHC,Tên TTHC,Mã lĩnh vực,Lĩnh vực,Cấp thực hiện,Thời hạn giải quyết,Quy trình nội bộ\n"
    good = header + (
        '1.004194,Đăng ký thường trú,CTR,Cư trú,xã,3,"Tiếp nhận [Bộ phận một cửa] 4 giờ ; Xác minh [Công an] 16 giờ ; '
        'Trả kết quả [Bộ phận một cửa] 4 giờ"\n'
        "1.001193,Đăng ký khai sinh,HT,Hộ tịch,xã,0,\n"
    )
    bad = good.replace("Xác minh [Công an] 16 giờ", "Xác minh [Công an] 12 giờ")
    report = run(bad)
    assert not report.ok and report.errors[0].startswith("Dòng 2") and "20 giờ làm việc" in report.errors[0]
    assert Procedure.objects.count() == 0
    assert run(good).ok
    residence = Procedure.objects.get(code="1.004194")
    assert [(s["holder"], s["hours"]) for s in residence.stages] == [("desk", "4"), ("cong_an", "16"), ("desk", "4")]
    assert Procedure.objects.get(code="1.001193").stages == []
    without = "Mã TTHC,Tên TTHC,Mã lĩnh vực,Lĩnh vực,Cấp thực hiện,Thời hạn giải quyết\n1.004194,Đăng ký thường trú,CTR,Cư trú,xã,3\n"
    assert run(without).ok
    residence.refresh_from_db()
    assert len(residence.stages) == 3 and residence.version == 1
