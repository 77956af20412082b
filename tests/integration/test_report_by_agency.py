"""The handling unit's figures by the agency holding each dossier, and the receiving desk's work for
other units kept apart from the official table (issue 17): Bình Sơn's late dossiers sat at the land
registration office, not at "the district" as a whole."""
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from motcua.models import AgencyKind
from motcua.periods import parse_period
from procedures.models import Procedure
from reports.consolidation import consolidate, consolidated_report
from reports.figures import NO_AGENCY, compute_figures, dossiers_behind, received_for_others
from reports.formatters import pdf_context, to_xlsx
from reports.report import build_report
from tests.factories import AgencyFactory, make_dossier, procedure_make, vn

pytestmark = pytest.mark.django_db

Q1 = parse_period("2023-Q1")


@pytest.fixture
def district_quarter(district, commune_a):
    land = AgencyFactory(unit=district, name="Văn phòng đăng ký đất đai - Chi nhánh Bình Sơn", kind=AgencyKind.LAND_REGISTRATION)
    justice = AgencyFactory(unit=district, name="Phòng Tư pháp", kind=AgencyKind.SPECIALISED_OFFICE)
    parcel = procedure_make("1.004227", "Đăng ký biến động đất đai", level="district", days=10)
    d = lambda **kw: make_dossier(procedure=parcel, unit=kw.pop("unit", district), **kw)
    for day in (3, 4, 5):  # the land office: three resolved late
        d(agency=land, received_at=vn(2023, 1, day, 9), due_at=vn(2023, 1, day + 14, 9), resolved_at=vn(2023, 2, 1, 9),
          outcome="late", status="returned")
    d(agency=land, received_at=vn(2023, 3, 1, 9), due_at=vn(2023, 3, 10, 9))  # pending, overdue at the end
    d(agency=justice, received_at=vn(2023, 1, 9, 9), due_at=vn(2023, 1, 20, 9), resolved_at=vn(2023, 1, 16, 9),
      outcome="early", status="returned")
    d(received_at=vn(2023, 1, 10, 9), due_at=vn(2023, 1, 20, 9), resolved_at=vn(2023, 1, 19, 9), outcome="on_time",
      status="returned")  # at the desk, no agency
    # received at Ngọc Kỳ's desk for the district (liên thông): the district's figure, Ngọc Kỳ's work
    d(unit=commune_a, handling_unit=district, agency=justice, received_at=vn(2023, 2, 6, 9), due_at=vn(2023, 2, 16, 9),
      resolved_at=vn(2023, 2, 14, 9), outcome="early", status="returned", returned_at=vn(2023, 2, 15, 9))
    d(unit=commune_a, handling_unit=district, received_at=vn(2023, 2, 7, 9), due_at=vn(2023, 2, 17, 9),
      resolved_at=vn(2023, 2, 16, 9), outcome="early", status="resolved")  # back at Ngọc Kỳ, not yet handed over
    return land, justice


def test_the_late_dossiers_are_named_at_the_agency_that_held_them(district, district_quarter):
    land, justice = district_quarter
    figures = compute_figures(district, Q1)
    rows = {row["agency_id"]: row for row in figures.by_agency}
    assert rows[land.pk]["resolved"]["late"] == 3 and rows[land.pk]["pending"]["overdue"] == 1
    assert rows[justice.pk]["resolved"] == {"total": 2, "early": 2, "on_time": 0, "late": 0, "returned_unresolved": 0,
                                            "withdrawn": 0}
    assert rows[None]["resolved"]["total"] == 2
    for key in ("received", "resolved", "pending"):
        assert sum(row[key]["total"] for row in figures.by_agency) == figures.totals[key]["total"]
    assert set(dossiers_behind(district, Q1, "late", agency=land.pk)) == set(dossiers_behind(district, Q1, "late"))
    assert dossiers_behind(district, Q1, "resolved", agency=NO_AGENCY).count() == 2


def test_the_receiving_desk_work_is_its_own_and_is_never_counted_twice(district, commune_a, district_quarter):
    assert received_for_others(commune_a, Q1) == {"received_for_others": 2, "returned_for_others": 1, "waiting_to_return": 1}
    assert compute_figures(commune_a, Q1).totals["received"]["total"] == 0  # not Ngọc Kỳ's figures
    assert compute_figures(district, Q1).totals["received"]["total"] == 8
    assert received_for_others(district, Q1) == {"received_for_others": 0, "returned_for_others": 0, "waiting_to_return": 0}
    assert consolidate(district, Q1).figures.totals["received"]["total"] == 8


def test_the_documents_and_the_screen_carry_the_agency_rows(client, district, district_office, district_quarter):
    land, _ = district_quarter
    data = build_report(district, Q1)
    assert any("theo cơ quan giải quyết (chi tiết tại biểu theo cơ quan): Văn phòng đăng ký đất đai - Chi nhánh Bình Sơn: "
               "quá hạn 3, đang giải quyết quá hạn 1." in line for line in pdf_context(data)["agencies"])
    sheet = load_workbook(BytesIO(to_xlsx(data)))["Theo cơ quan"]
    late = {row[1]: row[6] for row in sheet.iter_rows(values_only=True) if row[1]}
    assert late["Văn phòng đăng ký đất đai - Chi nhánh Bình Sơn (Huyện Tứ Kỳ)"] == 3  # a district names the unit too
    client.force_login(district_office)
    page = client.get(reverse("reports:index"), {"unit": district.code, "period": Q1.key}).content.decode()
    assert f'data-agency="{land.pk}"' in page
    listing = client.get(reverse("reports:dossiers"), {"unit": district.code, "period": Q1.key, "figure": "late",
                                                       "agency": land.pk})
    assert listing.context["page"].paginator.count == 3


def test_the_commune_desk_lists_what_it_received_for_others(client, commune_a, leader_a, district_quarter):
    client.force_login(leader_a)
    listing = client.get(reverse("reports:dossiers"), {"unit": commune_a.code, "period": Q1.key, "figure": "waiting_to_return"})
    assert listing.context["page"].paginator.count == 1


def test_the_consolidated_report_breaks_the_district_own_dossiers_down_by_its_agencies(district, commune_a, district_quarter):
    """A consolidated district report's by-agency table is the district's own agencies (and the
    dossiers no agency holds) over the dossiers the district handles itself: it adds up to the
    district's own row of the by-unit table, and the note says where it comes from."""
    land, justice = district_quarter
    commune_office = AgencyFactory(unit=commune_a, name="Ủy ban nhân dân Xã Ngọc Kỳ")
    parcel = Procedure.objects.get(code="1.004227")
    make_dossier(procedure=parcel, unit=commune_a, agency=commune_office, received_at=vn(2023, 2, 1, 9),
                 due_at=vn(2023, 2, 6, 9), resolved_at=vn(2023, 2, 3, 9), outcome="early", status="returned")
    data = consolidated_report(build_report(district, Q1))
    rows = data.figures.by_agency
    assert {row["agency_id"] for row in rows} == {land.pk, justice.pk, None}  # not the commune's agency
    own = next(row for row in data.figures.by_unit if row["own"])
    for key in ("received", "resolved", "pending"):
        assert sum(row[key]["total"] for row in rows) == own[key]["total"]
    assert {row["agency_id"]: row["resolved"]["late"] for row in rows}[land.pk] == 3
    assert data.figures.totals["received"]["total"] == own["received"]["total"] + 1  # the commune's dossier, once
    notes = pdf_context(data)["consolidation_notes"]
    assert any(note.startswith("Biểu theo cơ quan giải quyết: các cơ quan của Huyện Tứ Kỳ") for note in notes)
    sheet = load_workbook(BytesIO(to_xlsx(data)))["Theo cơ quan"]
    late = {row[1]: row[6] for row in sheet.iter_rows(values_only=True) if row[1]}
    assert late["Văn phòng đăng ký đất đai - Chi nhánh Bình Sơn (Huyện Tứ Kỳ)"] == 3
