"""Units that merge, split and disappear: Tứ Kỳ's 23 communes (until 30/11/2024), 20 (from 1/12/2024),
then six communes of Thành phố Hải Phòng (from 1/7/2025), with every old dossier still counted where it
belongs and the open ones on the successor's desk.

The bundled files are replayed in order with their effective dates, dossiers are placed in all three
periods, and each report is checked against a count made here by hand from the rows created.
"""
import json
import unicodedata
from datetime import date, timedelta
from io import BytesIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from dossiers.models import DossierEvent
from motcua.demo import UNITS_FILE
from motcua.models import AdministrativeUnit, Agency, AgencyKind, Role, UnitLineage, UnitSuccession
from motcua.periods import parse_period
from motcua.permissions import can
from motcua.scope import Scope
from motcua.services import UnitImportError, units_import
from motcua.tabular import read_rows
from reports.figures import compute_figures
from reports.services import report_export
from tests.factories import PASSWORD, make_dossier, procedure_make, staff, vn

pytestmark = pytest.mark.django_db

DATA = UNITS_FILE.parent
TREE_2024 = (DATA / "units-tu-ky-2024-12.csv", date(2024, 12, 1))
TREE_2025 = (DATA / "units-tu-ky-2025-07.csv", date(2025, 7, 1))


def replay(*trees):
    for path, effective in trees:
        units_import(rows=read_rows(path), effective=effective)


def unit(code, on):
    return AdministrativeUnit.objects.by_key(code, on=on)


@pytest.fixture
def tu_ky_2023():
    units_import(rows=read_rows(DATA / "units-tu-ky-2023.csv"))


@pytest.fixture
def procedure(tu_ky_2023):
    return procedure_make("1.001193", "Thủ tục đăng ký khai sinh", days=3)


def resolved(procedure, at, code=None, *, received, handling=None):
    """A dossier received and resolved the same week, on time."""
    return make_dossier(procedure=procedure, unit=at, handling_unit=handling, code=code, received_at=received,
                        due_at=received + timedelta(days=3), status="returned", resolved_at=received + timedelta(days=1),
                        outcome="on_time")


def report_json(unit_, period):
    data = json.loads(report_export(unit=unit_, period=period, fmt="json"))
    data.pop("generated_at")
    return data


# -- the tree over time ------------------------------------------------------------------------------


def test_replaying_the_three_files_keeps_every_unit_with_the_days_it_was_in_force(tu_ky_2023):
    replay(TREE_2024, TREE_2025)
    in_force = lambda day: AdministrativeUnit.objects.in_force(day).count()  # noqa: E731
    assert in_force(date(2024, 11, 30)) == 25  # province, district, 23 communes
    assert in_force(date(2024, 12, 1)) == 22  # province, district, 20 communes
    assert in_force(date(2025, 7, 1)) == 7  # Thành phố Hải Phòng and six communes
    ngoc_ky = AdministrativeUnit.objects.get(code="11089")
    assert (ngoc_ky.name, ngoc_ky.valid_to, ngoc_ky.key) == ("Xã Ngọc Kỳ", date(2024, 11, 30), "11089~20241130")
    assert ngoc_ky.parent.name == "Huyện Tứ Kỳ"  # its old superior stays


def test_a_reused_code_is_a_new_unit_and_the_old_one_keeps_its_name(tu_ky_2023):
    replay(TREE_2024, TREE_2025)
    assert unit("11074", date(2024, 10, 1)).name == "Thị trấn Tứ Kỳ"
    assert unit("11074", date(2025, 8, 1)).name == "Xã Tứ Kỳ"
    assert unit("11074", None).name == "Xã Tứ Kỳ"
    assert unit("11074~20250630", None).name == "Thị trấn Tứ Kỳ"
    # Tái Sơn became Kỳ Sơn on 1/12/2024 under the same code: two units, one after the other.
    assert [u.name for u in AdministrativeUnit.objects.filter(code="11098").order_by("valid_to")] == ["Xã Tái Sơn", "Xã Kỳ Sơn"]


def test_each_successor_holds_what_its_predecessors_held_transitively(tu_ky_2023):
    replay(TREE_2024, TREE_2025)
    held = lambda code: set(  # noqa: E731
        UnitLineage.objects.filter(unit=unit(code, None)).values_list("predecessor__name", flat=True)
    )
    assert held("11074") == {"Thị trấn Tứ Kỳ", "Xã Minh Đức", "Xã Quang Khải", "Xã Quang Phục"}
    # Ngọc Kỳ → Kỳ Sơn (1/12/2024) → Xã Tân Kỳ (1/7/2025); Hưng Đạo, split, goes to Đại Sơn, which lists it first.
    assert {"Xã Ngọc Kỳ", "Xã Tái Sơn", "Xã Kỳ Sơn", "Xã Dân Chủ", "Xã Quảng Nghiệp"} <= held("11113")
    assert "Xã Hưng Đạo" not in held("11113") and "Xã Hưng Đạo" in held("11086")
    assert held("31") == {"Tỉnh Hải Dương", "Huyện Tứ Kỳ"}
    hung_dao = AdministrativeUnit.objects.get(code="11086", valid_to=date(2025, 6, 30))
    assert set(UnitSuccession.objects.filter(predecessor=hung_dao).values_list("successor__name", "primary")) == {
        ("Xã Đại Sơn", True), ("Xã Tân Kỳ", False)}


def test_a_unit_left_out_of_the_file_and_listed_by_no_one_refuses_the_whole_file(tu_ky_2023, tmp_path):
    text = (DATA / "units-tu-ky-2024-12.csv").read_text(encoding="utf-8").replace("11140,Xã Lạc Phượng,commune,298,11140;11137",
                                                                                     "11140,Xã Lạc Phượng,commune,298,")
    path = tmp_path / "2024-12.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UnitImportError) as refused:
        units_import(rows=read_rows(path), effective=date(2024, 12, 1))
    assert any("Xã Phượng Kỳ" in message and "11137" in message for message in refused.value.errors)
    assert AdministrativeUnit.objects.in_force(date(2024, 12, 1)).count() == 25  # nothing changed
    assert not UnitSuccession.objects.exists()


def test_the_vietnamese_headings_and_the_command_work(tu_ky_2023, tmp_path, capsys):
    path = tmp_path / "2024-12.csv"
    lines = (DATA / "units-tu-ky-2024-12.csv").read_text(encoding="utf-8").splitlines()
    lines[0] = "Mã đơn vị,Tên đơn vị,Cấp,Mã đơn vị cha,Đơn vị tiền thân"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    call_command("import_units", str(path), "--effective", "2024-12-01")
    out = capsys.readouterr().out
    assert "Xã Ngọc Kỳ (11089)" in out and "Xã Kỳ Sơn" in out
    assert unit("11140", None).name == "Xã Lạc Phượng" and unit("11140", None).valid_from == date(2024, 12, 1)


def test_a_change_dated_in_the_future_or_before_the_last_one_is_refused(tu_ky_2023):
    with pytest.raises(UnitImportError):
        units_import(rows=read_rows(TREE_2024[0]), effective=date.today() + timedelta(days=30))
    replay(TREE_2024, TREE_2025)
    with pytest.raises(UnitImportError) as refused:
        units_import(rows=read_rows(TREE_2024[0]), effective=date(2024, 12, 1))
    assert "01/07/2025" in refused.value.errors[0]


# -- figures across a change ---------------------------------------------------------------------------


def test_xa_tu_ky_2025_counts_its_four_predecessors_until_june_and_itself_after(procedure):
    replay(TREE_2024)
    old = {code: unit(code, date(2025, 3, 1)) for code in ["11074", "11128", "11116", "11101", "11113"]}
    counted = [
        resolved(procedure, old["11074"], received=vn(2025, 1, 6, 8, 0)),
        resolved(procedure, old["11128"], received=vn(2025, 3, 10, 9, 0)),
        resolved(procedure, old["11116"], received=vn(2025, 5, 12, 9, 0)),
        resolved(procedure, old["11101"], received=vn(2025, 6, 30, 15, 0)),
    ]
    elsewhere = resolved(procedure, old["11113"], received=vn(2025, 2, 3, 8, 0))  # Tân Kỳ: another successor
    replay(TREE_2025)
    xa_tu_ky = unit("11074", None)
    counted.append(resolved(procedure, xa_tu_ky, received=vn(2025, 8, 4, 8, 0)))
    before_window = resolved(procedure, old["11074"], received=vn(2024, 12, 2, 8, 0))  # before 15/12/2024

    figures = compute_figures(xa_tu_ky, parse_period("2025"))
    assert figures.totals["received"]["new"] == len(counted) == 5
    assert figures.totals["resolved"]["on_time"] == 5
    behind = set(Scope.below(xa_tu_ky, on=date(2025, 12, 14)).filter(
        procedure.dossiers.filter(received_at__year=2025), "handling_unit").values_list("pk", flat=True))
    assert behind == {d.pk for d in counted} and elsewhere.pk not in behind and before_window.pk not in behind


def test_the_province_rows_are_its_communes_in_force_each_with_its_predecessors_and_its_own_row(procedure):
    replay(TREE_2024)
    district = unit("298", date(2025, 3, 1))
    ky_son = unit("11098", date(2025, 3, 1))
    resolved(procedure, district, received=vn(2025, 2, 3, 8, 0))  # the district's own dossier
    resolved(procedure, ky_son, received=vn(2025, 2, 4, 8, 0))
    hung_dao = unit("11086", date(2025, 3, 1))
    resolved(procedure, hung_dao, received=vn(2025, 4, 1, 8, 0))
    replay(TREE_2025)
    hai_phong = unit("31", None)
    figures = compute_figures(hai_phong, parse_period("2025"))
    rows = {row["unit_name"]: row["received"]["new"] for row in figures.by_unit}
    assert rows == {"Thành phố Hải Phòng": 1, "Xã Chí Minh": 0, "Xã Đại Sơn": 1, "Xã Lạc Phượng": 0,
                    "Xã Nguyên Giáp": 0, "Xã Tân Kỳ": 1, "Xã Tứ Kỳ": 0}
    assert figures.totals["received"]["new"] == 3 == sum(rows.values())


def test_the_query_count_does_not_grow_with_the_number_of_predecessors(procedure, django_assert_max_num_queries):
    replay(TREE_2024, TREE_2025)
    with django_assert_max_num_queries(4):
        compute_figures(unit("31", None), parse_period("2025"))
    with django_assert_max_num_queries(4):
        compute_figures(unit("11089", date(2024, 6, 1)), parse_period("2024"))


def test_a_report_of_a_window_that_ended_before_a_change_is_the_same_byte_for_byte(procedure):
    ngoc_ky, district = unit("11089", None), unit("298", None)
    resolved(procedure, ngoc_ky, received=vn(2024, 8, 5, 8, 0))
    make_dossier(procedure=procedure, unit=ngoc_ky, received_at=vn(2024, 9, 3, 8, 0), due_at=vn(2024, 9, 6, 17, 0))
    reports = lambda: [report_json(u, p) for u in (ngoc_ky, district) for p in ("2024-Q3", "2024")]  # noqa: E731
    before = reports()
    replay(TREE_2024)
    ngoc_ky.refresh_from_db(), district.refresh_from_db()
    after_first = reports()
    replay(TREE_2025)
    ngoc_ky.refresh_from_db(), district.refresh_from_db()
    assert before[0] == after_first[0] == reports()[0]  # Ngọc Kỳ 2024-Q3: name, rows and figures
    assert before[2] == after_first[2] == reports()[2]  # Huyện Tứ Kỳ 2024-Q3, with its 23 communes
    assert before[2]["unit"]["name"] == "Huyện Tứ Kỳ" and len(before[2]["by_unit"]) == 23


def test_export_report_names_the_unit_in_force_on_the_windows_last_day(procedure, tmp_path):
    replay(TREE_2024, TREE_2025)
    for period, name in [("2024-Q4", "Thị trấn Tứ Kỳ"), ("2025-Q4", "Xã Tứ Kỳ")]:
        out = tmp_path / f"{period}.json"
        call_command("export_report", "--unit", "11074", "--period", period, "--format", "json", "--output", str(out))
        assert json.loads(out.read_text(encoding="utf-8"))["unit"]["name"] == name


def test_import_dossiers_reads_a_code_as_the_unit_in_force_at_the_receipt_moment(procedure, tmp_path):
    replay(TREE_2024, TREE_2025)
    rows = ["code,unit_code,procedure_code,channel,received_at,due_at,resolved_at,returned_at,"
            "components_digitized,result_digitized,paid_online",
            "CU-2024-1,11074,1.001193,direct,10/10/2024 08:00,,11/10/2024 09:00,11/10/2024 10:00,none,no,no",
            "CU-2025-1,11074,1.001193,direct,05/08/2025 08:00,,06/08/2025 09:00,06/08/2025 10:00,none,no,no"]
    path = tmp_path / "dossiers.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    call_command("import_dossiers", str(path))
    from dossiers.models import Dossier

    placed = dict(Dossier.objects.values_list("code", "receiving_unit__name"))
    assert placed == {"CU-2024-1": "Thị trấn Tứ Kỳ", "CU-2025-1": "Xã Tứ Kỳ"}


# -- the desk after a change -------------------------------------------------------------------------------


def test_an_open_dossier_of_a_dissolved_commune_is_on_its_successors_desk_with_the_handover_step(procedure, client):
    ngoc_ky = unit("11089", None)
    committee = Agency.objects.create(unit=ngoc_ky, name="Ủy ban nhân dân xã Ngọc Kỳ", kind=AgencyKind.PEOPLES_COMMITTEE,
                                      identifier="000.11.89.H26")
    late = make_dossier(procedure=procedure, unit=ngoc_ky, code="NK-OPEN-1", received_at=vn(2024, 11, 20, 8, 0),
                        due_at=vn(2024, 11, 25, 17, 0), status="in_progress", agency=committee)
    old_desk = staff(ngoc_ky, Role.DESK_OFFICER, "nk.motcua")
    replay(TREE_2024, TREE_2025)
    steps = list(DossierEvent.objects.filter(dossier=late, action="handover").order_by("at"))
    assert [(step.unit.name, step.by, step.at) for step in steps] == [
        ("Xã Kỳ Sơn", None, vn(2024, 12, 1, 0, 0)), ("Xã Tân Kỳ", None, vn(2025, 7, 1, 0, 0))]
    late.refresh_from_db()
    assert (late.due_at, late.receiving_unit.name) == (vn(2024, 11, 25, 17, 0), "Xã Ngọc Kỳ")  # unchanged
    assert late.agency is None  # Ngọc Kỳ's committee is gone: Tân Kỳ assigns it again

    tan_ky = unit("11113", None)
    tan_ky_committee = Agency.objects.create(unit=tan_ky, name="Ủy ban nhân dân xã Tân Kỳ",
                                             kind=AgencyKind.PEOPLES_COMMITTEE, identifier="000.02.00.H26")
    desk = staff(tan_ky, Role.DESK_OFFICER, "tanky.motcua")
    desk.membership.agency = tan_ky_committee
    desk.membership.save()
    client.login(username="tanky.motcua", password=PASSWORD)
    board = client.get(reverse("dossiers:board")).content.decode()
    assert "NK-OPEN-1" in board and "Trung tâm Phục vụ hành chính công xã Tân Kỳ" in board
    assert can(desk, "dossier.pause", late) and can(desk, "dossier.return_unresolved", late)
    assert client.get(reverse("dossiers:detail", args=["NK-OPEN-1"])).status_code == 200
    control = client.get(reverse("forms:control-pdf", args=["NK-OPEN-1"]))
    text = unicodedata.normalize("NFC", " ".join(
        "\n".join(page.extract_text() for page in PdfReader(BytesIO(control.content)).pages).split()))
    assert text.count("Chuyển giao hồ sơ do sắp xếp đơn vị hành chính") == 2

    # The desk of a commune that did not take Ngọc Kỳ over sees nothing of it.
    staff(unit("11074", None), Role.DESK_OFFICER, "tuky.motcua")
    client.login(username="tuky.motcua", password=PASSWORD)
    assert client.get(reverse("dossiers:detail", args=["NK-OPEN-1"])).status_code == 404
    # Ngọc Kỳ's own people wait for the administrator: no scope, a clear 403.
    assert Scope.of(old_desk).is_empty
    client.login(username="nk.motcua", password=PASSWORD)
    refused = client.get(reverse("dossiers:board"))
    assert refused.status_code == 403 and "Xã Ngọc Kỳ" in refused.content.decode() and "30/11/2024" in refused.content.decode()


def test_an_administrator_cannot_place_anyone_in_a_unit_that_ended(procedure):
    from django.core.exceptions import ValidationError

    replay(TREE_2024)
    person = staff(unit("11098", None), Role.DESK_OFFICER, "kyson.motcua").membership
    person.unit = unit("11089~20241130", None)
    with pytest.raises(ValidationError) as refused:
        person.full_clean()
    assert "unit" in refused.value.message_dict


def test_a_unit_that_ended_receives_nothing_new_even_from_the_administrator(procedure, admin_user):
    replay(TREE_2024)
    ngoc_ky = unit("11089~20241130", None)
    assert not can(admin_user, "dossier.receive", ngoc_ky)
    assert not can(admin_user, "kiosk.manage", ngoc_ky)
    assert can(admin_user, "dossier.receive", unit("11098", None))


def test_the_district_still_sees_the_commune_that_merged_away_and_its_page_says_so(procedure, client):
    replay(TREE_2024)
    staff(unit("298", None), Role.DISTRICT_OFFICE, "tuky.vanphong")
    client.login(username="tuky.vanphong", password=PASSWORD)
    page = client.get(reverse("motcua:unit-detail", args=["11089~20241130"])).content.decode()
    assert "Xã Ngọc Kỳ" in page and "30/11/2024" in page and "Xã Kỳ Sơn" in page
    successor_page = client.get(reverse("motcua:unit-detail", args=["11098"])).content.decode()
    assert "Xã Tái Sơn" in successor_page and "Xã Ngọc Kỳ" in successor_page


def test_postings_and_agencies_are_what_a_unit_has_not_what_it_took_over(procedure):
    from procedures.models import Posting, Procedure

    ngoc_ky = unit("11089", None)
    Posting.objects.create(unit=ngoc_ky, procedure=procedure)
    committee = Agency.objects.create(unit=ngoc_ky, name="Ủy ban nhân dân xã Ngọc Kỳ", kind=AgencyKind.PEOPLES_COMMITTEE,
                                      identifier="000.11.89.H26")
    old_count = Procedure.objects.posted_in(unit("298", None), on=date(2024, 9, 14)).count()
    replay(TREE_2024)
    ky_son = unit("11098", None)
    assert not Procedure.objects.posted_in(ky_son).exists()  # Kỳ Sơn posts its own list
    assert Procedure.objects.posted_in(unit("298", None), on=date(2024, 9, 14)).count() == old_count == 1
    committee.refresh_from_db()
    assert not committee.is_active  # Ngọc Kỳ's People's Committee ended with it
