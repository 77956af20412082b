"""The report's figures against hand-built dossier sets (counted at the handling unit)."""
from datetime import timedelta
from decimal import Decimal

import pytest

from dossiers.models import Pause
from procedures.models import Field, Procedure
from procedures.services import procedure_save
from reports.figures import compute_figures
from motcua.periods import parse_period
from tests.factories import UnitFactory, make_dossier, vn

pytestmark = pytest.mark.django_db

Q1 = parse_period("2023-Q1")  # 15/12/2022 – 14/03/2023


@pytest.fixture
def procedures(db):
    civil = Field.objects.create(code="HT", name="Hộ tịch")
    certs = Field.objects.create(code="CT", name="Chứng thực")
    birth = Procedure(code="1.001193", name="Đăng ký khai sinh", field=civil, level="commune", processing_days=Decimal(3))
    copy = Procedure(code="2.000908", name="Cấp bản sao từ sổ gốc", field=certs, level="commune", processing_days=Decimal(0))
    procedure_save(procedure=birth)
    procedure_save(procedure=copy)
    return birth, copy


def test_a_hand_built_quarter_adds_up(commune_a, commune_b, district, procedures):
    birth, copy = procedures
    d = lambda **kw: make_dossier(procedure=kw.pop("procedure", birth), unit=kw.pop("unit", commune_a), **kw)
    # carried over: received before the window, resolved inside it (late)
    d(received_at=vn(2022, 12, 1, 9), due_at=vn(2022, 12, 20, 9), resolved_at=vn(2023, 1, 3, 9), outcome="late", status="returned")
    # carried over and still pending at the end: overdue
    d(received_at=vn(2022, 12, 10, 9), due_at=vn(2023, 1, 10, 9))
    # resolved before the window: not counted at all
    d(received_at=vn(2022, 11, 1, 9), due_at=vn(2022, 11, 5, 9), resolved_at=vn(2022, 11, 4, 9), outcome="early", status="returned")
    # new: online early with full digitisation and online payment; direct on time; postal withdrawn early
    d(received_at=vn(2022, 12, 15, 0, 0), due_at=vn(2022, 12, 20, 9), resolved_at=vn(2022, 12, 16, 9), outcome="early",
      status="returned", channel="online", components_digitised="full", paid_online=True, result_digitised=True)
    d(procedure=copy, received_at=vn(2023, 2, 1, 9), due_at=vn(2023, 2, 1, 17, 30), resolved_at=vn(2023, 2, 1, 16), outcome="on_time",
      status="resolved", components_digitised="partial")
    d(received_at=vn(2023, 2, 2, 9), due_at=vn(2023, 2, 7, 9), resolved_at=vn(2023, 2, 3, 9), outcome="early",
      status="withdrawn", channel="postal")
    # new, pending at the end within time (due after the end), and one received on the last day at 23:30
    d(received_at=vn(2023, 3, 10, 9), due_at=vn(2023, 3, 15, 9))
    d(received_at=vn(2023, 3, 14, 23, 30), due_at=vn(2023, 3, 17, 17, 30), channel="online")
    # received after the window: not counted
    d(received_at=vn(2023, 3, 15, 0, 0), due_at=vn(2023, 3, 20, 9))
    # resolved after the window's end: pending at the end, overdue
    d(received_at=vn(2023, 3, 1, 9), due_at=vn(2023, 3, 6, 9), resolved_at=vn(2023, 3, 20, 9), outcome="late", status="resolved")
    # refused at intake: never counted
    d(received_at=vn(2023, 1, 5, 9), due_at=vn(2023, 1, 5, 9), status="refused")
    # commune B: one new online, resolved early
    d(unit=commune_b, received_at=vn(2023, 1, 9, 9), due_at=vn(2023, 1, 12, 9), resolved_at=vn(2023, 1, 10, 9),
      outcome="early", status="returned", channel="online")

    a = compute_figures(commune_a, Q1).totals
    assert a["received"] == {"total": 8, "new": 6, "online": 2, "direct": 3, "postal": 1, "carried_over": 2}
    assert a["resolved"] == {"total": 4, "early": 2, "on_time": 1, "late": 1, "returned_unresolved": 0, "withdrawn": 1}
    assert a["pending"] == {"total": 4, "within_time": 2, "overdue": 2}
    assert a["digitized"] == {"components_any": 2, "components_full": 1, "results": 1}
    assert a["paid_online"] == 1
    assert a["rates"]["online"] == Decimal("33.33")  # 2 / 6

    figures = compute_figures(district, Q1)
    assert figures.totals["received"]["total"] == 9
    assert [row["unit_code"] for row in figures.by_unit] == ["11074", "11089"]  # by name: Thị trấn …, Xã …
    for key in ("received", "resolved", "pending"):
        assert sum(row[key]["total"] for row in figures.by_unit) == figures.totals[key]["total"]
        assert sum(row[key]["total"] for row in figures.by_field) == figures.totals[key]["total"]
    certs = next(row for row in figures.by_field if row["field_code"] == "CT")
    assert certs["resolved"]["on_time"] == 1


def test_interconnected_dossiers_count_at_the_handling_unit(commune_a, district, procedures):
    birth, _ = procedures
    make_dossier(procedure=birth, unit=commune_a, handling_unit=district, received_at=vn(2023, 1, 9, 9),
                 due_at=vn(2023, 1, 20, 9))
    assert compute_figures(commune_a, Q1).totals["received"]["total"] == 0
    district_figures = compute_figures(district, Q1)
    assert district_figures.totals["received"]["total"] == 1
    assert district_figures.by_unit[0] == {**district_figures.by_unit[0], "unit_code": "298", "own": True}


def test_a_dossier_paused_at_the_end_is_within_time(commune_a, procedures):
    birth, _ = procedures
    dossier = make_dossier(procedure=birth, unit=commune_a, received_at=vn(2023, 3, 1, 9), due_at=vn(2023, 3, 6, 9), status="paused")
    Pause.objects.create(dossier=dossier, kind="supplement", reason="Thiếu giấy tờ", started_at=vn(2023, 3, 3, 9))
    pending = compute_figures(commune_a, Q1).totals["pending"]
    assert (pending["within_time"], pending["overdue"]) == (1, 0)


def test_the_query_count_does_not_grow_with_the_dossiers(commune_a, district, procedures, django_assert_max_num_queries):
    birth, _ = procedures
    for i in range(40):
        make_dossier(procedure=birth, unit=commune_a, received_at=vn(2023, 1, 2, 9) + timedelta(hours=i), due_at=vn(2023, 1, 9, 9))
    for extra in range(5):
        UnitFactory(code=f"3{extra:04d}", level="commune", parent=district)
    with django_assert_max_num_queries(4):
        figures = compute_figures(district, Q1)
    assert figures.totals["received"]["new"] == 40


def test_the_real_ngoc_ky_2022_table_comes_out_exactly(commune_a):
    """DOMAIN.md: received 1.639; resolved 1.637 (early 1.635, on time 2); pending 2 within time;
    online 1.164 = 71,02 %; components 1.161 (70,84 %), fully 1.132 (69,07 %); results 453/1.637 (27,67 %)."""
    from dossiers.models import Dossier

    fields = {  # field: (dossiers, online)
        "Hộ tịch": (388, 327), "Chứng thực": (1197, 817), "Bảo trợ xã hội": (47, 17), "Xử lý đơn": (3, 3), "Khác": (4, 0),
    }
    rows, n = [], 0
    for code, (name, (count, online)) in enumerate(fields.items()):
        field = Field.objects.create(code=f"F{code}", name=name)
        procedure = Procedure(code=f"9.00000{code}", name=f"Thủ tục {name}", field=field, level="commune", processing_days=Decimal(3))
        procedure_save(procedure=procedure)
        for i in range(count):
            received = vn(2022, 1, 10, 8) + timedelta(hours=n % 4000)
            pending = n in (0, 1)
            resolved_at = None if pending else received + timedelta(hours=1)
            outcome = "" if pending else ("on_time" if n in (2, 3) else "early")
            rows.append(Dossier(
                code=f"NK-{n:05d}", receiving_unit=commune_a, handling_unit=commune_a, procedure=procedure,
                processing_days=3, applicant_name="Công dân", channel="online" if i < online else "direct",
                received_at=received, counting_from=received, due_at=vn(2023, 1, 1, 17, 30) if pending else received + timedelta(days=3),
                status="received" if pending else "returned", resolved_at=resolved_at, outcome=outcome,
                components_digitised="full" if n < 1132 else ("partial" if n < 1161 else "none"),
                result_digitised=(not pending) and 2 <= n < 455,
            ))
            n += 1
    Dossier.objects.bulk_create(rows)
    totals = compute_figures(commune_a, parse_period("2022")).totals
    assert totals["received"]["total"] == 1639 and totals["received"]["online"] == 1164
    assert totals["resolved"] == {"total": 1637, "early": 1635, "on_time": 2, "late": 0, "returned_unresolved": 0, "withdrawn": 0}
    assert totals["pending"] == {"total": 2, "within_time": 2, "overdue": 0}
    assert totals["rates"]["online"] == Decimal("71.02")
    assert totals["rates"]["components_digitized"] == Decimal("70.84")
    assert totals["rates"]["components_fully_digitized"] == Decimal("69.07")
    assert totals["digitized"]["results"] == 453 and totals["rates"]["results_digitized"] == Decimal("27.67")
