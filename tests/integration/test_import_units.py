"""`import_units`: all rows or none, each bad row named, re-import updates by code."""
from io import BytesIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from motcua.models import AdministrativeUnit, UnitKind
from motcua.services import UnitImportError, units_import
from motcua.tabular import TabularError, read_rows

pytestmark = pytest.mark.django_db

GOOD = """code,name,level,parent_code
30,Tỉnh Hải Dương,tỉnh,
298,Huyện Tứ Kỳ,huyện,30
11074,Thị trấn Tứ Kỳ,thị trấn,298
11089,Xã Ngọc Kỳ,commune,298
"""


def write(tmp_path, text, name="units.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_good_file_loads_every_row_with_its_kind(tmp_path, capsys):
    call_command("import_units", write(tmp_path, GOOD))
    units = {u.code: u for u in AdministrativeUnit.objects.all()}
    assert set(units) == {"30", "298", "11074", "11089"}
    assert units["11074"].kind == UnitKind.TOWNSHIP
    assert units["11089"].kind == UnitKind.COMMUNE  # read off "Xã …" when the level is English
    assert units["11089"].path == "30/298/11089/"
    assert "4" in capsys.readouterr().out


def test_children_may_come_before_their_parents_in_the_file(tmp_path):
    shuffled = "code,name,level,parent_code\n11089,Xã Ngọc Kỳ,xã,298\n298,Huyện Tứ Kỳ,huyện,30\n30,Tỉnh Hải Dương,tỉnh,\n"
    call_command("import_units", write(tmp_path, shuffled))
    assert AdministrativeUnit.objects.get(code="11089").depth == 2


def test_an_excel_file_with_vietnamese_headers_loads(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Mã đơn vị", "Tên đơn vị", "Cấp", "Mã đơn vị cha"])
    sheet.append([30, "Tỉnh Hải Dương", "Tỉnh", None])
    sheet.append([298, "Huyện Tứ Kỳ", "Huyện", 30])
    sheet.append([11152, "Xã Hà Thanh", "Xã", 298])
    path = tmp_path / "units.xlsx"
    workbook.save(path)
    call_command("import_units", str(path))
    assert AdministrativeUnit.objects.get(code="11152").path == "30/298/11152/"


def test_a_file_with_bad_rows_writes_nothing_and_names_each_bad_row(tmp_path, capsys):
    bad = """code,name,level,parent_code
30,Tỉnh Hải Dương,tỉnh,
298,Huyện Tứ Kỳ,huyện,30
11074,,xã,298
11089,Xã Ngọc Kỳ,thôn,298
11092,Xã Bình Lăng,xã,999
298,Huyện trùng,huyện,30
11095,Xã Chí Minh,huyện,11089
"""
    with pytest.raises(CommandError) as raised:
        call_command("import_units", write(tmp_path, bad))
    assert AdministrativeUnit.objects.count() == 0
    errors = capsys.readouterr().err
    for line in (4, 5, 6, 7, 8):  # 8: its parent 11089 is itself a bad row
        assert f"Dòng {line}:" in errors
    assert "Dòng 2:" not in errors and "Dòng 3:" not in errors
    assert "999" in errors
    assert "5" in str(raised.value)


def test_errors_come_in_row_order_and_in_vietnamese(tmp_path):
    rows = read_rows(write(tmp_path, "code,name,level,parent_code\n1,,xã,\n2,Xã B,xx,\n"), required=["code"])
    with pytest.raises(UnitImportError) as raised:
        units_import(rows=rows)
    assert [e.split(":")[0] for e in raised.value.errors] == ["Dòng 2", "Dòng 3"]
    assert "tên" in raised.value.errors[0]


def test_a_district_under_a_commune_is_refused(tmp_path):
    text = "code,name,level,parent_code\n30,Tỉnh A,tỉnh,\n1,Xã A,xã,30\n2,Huyện B,huyện,1\n"
    with pytest.raises(UnitImportError) as raised:
        units_import(rows=read_rows(write(tmp_path, text)))
    assert len(raised.value.errors) == 1 and raised.value.errors[0].startswith("Dòng 4")


def test_a_cycle_is_refused(tmp_path):
    call_command("import_units", write(tmp_path, GOOD))
    text = "code,name,level,parent_code\n30,Tỉnh Hải Dương,tỉnh,11089\n"
    with pytest.raises(UnitImportError):
        units_import(rows=read_rows(write(tmp_path, text, "cycle.csv")))
    assert AdministrativeUnit.objects.get(code="30").parent is None


def test_reimport_updates_by_code_and_moves_subtrees(tmp_path):
    call_command("import_units", write(tmp_path, GOOD))
    # July 2025: the district is dissolved, Tứ Kỳ commune sits directly under Hải Phòng.
    after = "code,name,level,parent_code\n31,Thành phố Hải Phòng,province,\n11074,Xã Tứ Kỳ,xã,31\n"
    rows = read_rows(write(tmp_path, after, "2025.csv"))
    result = units_import(rows=rows)
    assert result.created == ["31"] and result.updated == ["11074"]
    tu_ky = AdministrativeUnit.objects.get(code="11074")
    assert (tu_ky.name, tu_ky.kind, tu_ky.path, tu_ky.depth) == ("Xã Tứ Kỳ", UnitKind.COMMUNE, "31/11074/", 1)
    assert AdministrativeUnit.objects.count() == 5


def test_reimporting_the_same_file_changes_nothing(tmp_path):
    call_command("import_units", write(tmp_path, GOOD))
    result = units_import(rows=read_rows(write(tmp_path, GOOD)))
    assert (result.created, result.updated, len(result.unchanged)) == ([], [], 4)


def test_a_unit_with_communes_cannot_become_a_commune(tmp_path):
    call_command("import_units", write(tmp_path, GOOD))
    text = "code,name,level,parent_code\n298,Xã Tứ Kỳ,xã,30\n"
    with pytest.raises(UnitImportError) as raised:
        units_import(rows=read_rows(write(tmp_path, text, "demote.csv")))
    assert "11074" in raised.value.errors[0] or "11089" in raised.value.errors[0]


def test_a_file_without_the_header_is_refused_whole(tmp_path):
    with pytest.raises(CommandError) as raised:
        call_command("import_units", write(tmp_path, "30,Tỉnh Hải Dương,tỉnh,\n"))
    assert "code" in str(raised.value)
    assert AdministrativeUnit.objects.count() == 0


def test_a_damaged_excel_file_is_refused(tmp_path):
    with pytest.raises(TabularError):
        read_rows(BytesIO(b"PK\x03\x04not really a zip"), filename="units.xlsx")


def test_predecessors_without_an_effective_date_are_refused(tmp_path):
    """A correction in place has no predecessors: taking units over is a change with a date."""
    call_command("import_units", write(tmp_path, GOOD))
    text = "code,name,level,parent_code,predecessors\n11074,Thị trấn Tứ Kỳ,thị trấn,298,11089\n"
    with pytest.raises(UnitImportError) as refused:
        units_import(rows=read_rows(write(tmp_path, text, "merge.csv")))
    assert "--effective" in refused.value.errors[0]
