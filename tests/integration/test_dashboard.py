"""The leaders' dashboard: the service-quality index checked by hand on a small quarter, every number
linked to exactly its records, the units ranked, the province's targets, the early warnings and the
data-quality checks finding exactly what was planted, the scope, the query counts and the daily digest.

The interface is translated by the lead after the fact: these tests assert on data, codes and numbers.
"""
from __future__ import annotations

import html
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dossiers.models import Apology, DossierEvent, FeedbackTicket, Rating
from motcua.models import Role
from motcua.selectors import work_calendar
from procedures.models import Field, Procedure
from procedures.parsing import FeeSpec
from procedures.services import posting_set, procedure_save
from reports import notify
from reports.dashboard import compare_children, compute_index, records
from reports.models import Target
from motcua.periods import parse_period
from reports.schedule import CELERY_BEAT_SCHEDULE
from reports.targets import target_rows
from reports.warnings import (
    apology_due_again,
    due_soon,
    overdue_without_apology,
    pending_too_long,
    postings_without_dates,
    procedures_not_posted,
    quality_counts,
    returned_not_closed,
    times_out_of_order,
    warning_counts,
    without_return_channel,
)
from tests.factories import MembershipFactory, UnitFactory, make_dossier, vn

pytestmark = pytest.mark.django_db

Q1 = parse_period("cal:2023-Q1")  # 01/01/2023 – 31/03/2023, calendar (the national index's periods)
D = Decimal
INPUT_LINK = re.compile(r'href="(?P<href>[^"]+)" data-input="(?P<input>\w+)" data-value="(?P<value>\d+)"')


def codes(queryset) -> set[str]:
    return set(queryset.values_list("code", flat=True))


@pytest.fixture
def catalogue(commune_a, commune_b):
    """Six procedures: four in force posted at commune A (three online, two with a fee), one abolished
    at A, one posted only at commune B."""
    civil = Field.objects.create(code="HT", name="Hộ tịch")
    certs = Field.objects.create(code="CT", name="Chứng thực")
    land = Field.objects.create(code="DD", name="Đất đai")
    social = Field.objects.create(code="BTXH", name="Bảo trợ xã hội")

    def procedure(code, name, field, *, online="none", days=3, fees=None, **extra):
        p = Procedure(code=code, name=name, field=field, level="commune", processing_days=D(days), online_level=online, **extra)
        procedure_save(procedure=p, fees=fees)
        return p

    birth = procedure("1.001193", "Đăng ký khai sinh", civil, online="full", effective_from=date(2022, 12, 1))
    copy = procedure("2.000908", "Cấp bản sao từ sổ gốc", certs, online="partial", days=0,
                     fees=[FeeSpec("Phí cấp bản sao", 2000)], decision_date=date(2023, 1, 3))
    parcel = procedure("1.003003", "Đăng ký biến động đất đai", land, fees=[FeeSpec("Lệ phí", 50000)])
    allowance = procedure("1.000894", "Trợ cấp xã hội hằng tháng", social, online="full")
    abolished = procedure("1.000001", "Thủ tục đã bãi bỏ", civil, online="full", status="abolished")
    elsewhere = procedure("1.009999", "Thủ tục chỉ ở thị trấn", civil, online="full")
    # 5 working days after 01/12/2022: 08/12 (desk on time, website late)
    posting_set(unit=commune_a, procedure=birth, posted_at_desk=date(2022, 12, 5), posted_on_website=date(2022, 12, 20),
                since=date(2022, 12, 5))
    # decision 03/01/2023 (02/01 is a day off): deadline 10/01, both on time
    posting_set(unit=commune_a, procedure=copy, posted_at_desk=date(2023, 1, 5), posted_on_website=date(2023, 1, 6),
                since=date(2023, 1, 5))
    # no decision or effective date: a dated posting counts; the website one is missing
    posting_set(unit=commune_a, procedure=parcel, posted_at_desk=date(2023, 1, 10), since=date(2023, 1, 10))
    posting_set(unit=commune_a, procedure=allowance, since=date(2022, 12, 1))
    posting_set(unit=commune_a, procedure=abolished, posted_at_desk=date(2022, 1, 5), posted_on_website=date(2022, 1, 5),
                since=date(2022, 1, 5))
    posting_set(unit=commune_b, procedure=elsewhere, since=date(2022, 12, 1))
    return {"birth": birth, "copy": copy, "parcel": parcel, "allowance": allowance, "elsewhere": elsewhere}


@pytest.fixture
def quarter(commune_a, commune_b, catalogue):
    """The first calendar quarter of 2023 at commune A (and one dossier at commune B)."""
    birth, copy, parcel = catalogue["birth"], catalogue["copy"], catalogue["parcel"]

    def d(code, procedure=birth, unit=commune_a, **kw):
        return make_dossier(code=code, procedure=procedure, unit=unit, **kw)

    dossiers = {
        "d1": d("A-01", channel="online", received_at=vn(2023, 1, 5, 9), due_at=vn(2023, 1, 10, 9), resolved_at=vn(2023, 1, 9, 9),
                outcome="early", status="returned", returned_at=vn(2023, 1, 9, 10), return_channel="desk",
                result_digitised=True, components_digitised="full"),
        "d2": d("A-02", channel="online", received_at=vn(2023, 2, 1, 9), due_at=vn(2023, 2, 6, 9), resolved_at=vn(2023, 2, 6, 9),
                outcome="on_time", status="returned", returned_at=vn(2023, 2, 6, 10), return_channel="online",
                components_digitised="partial"),
        "d3": d("A-03", procedure=copy, received_at=vn(2023, 2, 10, 9), due_at=vn(2023, 2, 10, 17, 30),
                resolved_at=vn(2023, 2, 13, 9), outcome="late", status="resolved", fee_total=2000, paid_online=True),
        "d4": d("A-04", procedure=copy, channel="online", received_at=vn(2023, 3, 1, 9), due_at=vn(2023, 3, 6, 9), fee_total=2000),
        "d5": d("A-05", procedure=parcel, received_at=vn(2023, 3, 20, 9), due_at=vn(2023, 4, 10, 9), fee_total=50000),
        "d6": d("A-06", received_at=vn(2022, 12, 20, 9), due_at=vn(2022, 12, 23, 9), resolved_at=vn(2023, 1, 3, 9), outcome="late",
                status="returned", returned_at=vn(2023, 1, 3, 10), return_channel="desk"),
        "d9": d("A-09", received_at=vn(2023, 3, 1, 9), due_at=vn(2023, 3, 6, 9), resolved_at=vn(2023, 3, 2, 9), outcome="early",
                status="returned", returned_at=vn(2023, 3, 2, 10), return_channel="desk"),
        "d10": d("A-10", received_at=vn(2023, 3, 2, 9), due_at=vn(2023, 3, 7, 9), resolved_at=vn(2023, 3, 3, 9), outcome="early",
                 status="returned", returned_at=vn(2023, 3, 3, 10), return_channel="desk"),
        # never counted: refused at intake, received after the window
        "refused": d("A-11", received_at=vn(2023, 1, 6, 9), due_at=vn(2023, 1, 6, 9), status="refused"),
        "later": d("A-12", received_at=vn(2023, 4, 3, 9), due_at=vn(2023, 4, 6, 9), channel="online"),
        "b1": d("B-01", procedure=catalogue["elsewhere"], unit=commune_b, channel="online", received_at=vn(2023, 2, 1, 9),
                due_at=vn(2023, 2, 6, 9), resolved_at=vn(2023, 2, 2, 9), outcome="early", status="returned",
                returned_at=vn(2023, 2, 2, 10), return_channel="online", result_digitised=True, components_digitised="full"),
    }
    # d4's last recorded step is before the last ten working days (from 20/03); one after the window is ignored
    DossierEvent.objects.create(dossier=dossiers["d4"], action="transfer", to_status="transferred", at=vn(2023, 3, 10, 9))
    DossierEvent.objects.create(dossier=dossiers["d4"], action="start", to_status="in_progress", at=vn(2023, 4, 5, 9))
    # ratings: d9 unsatisfied, d10 satisfied, d1 very satisfied, and a paper form about land (satisfied)
    Rating.objects.create(unit=commune_a, dossier=dossiers["d9"], channel="online", level="unsatisfied", rated_at=vn(2023, 3, 3, 9))
    Rating.objects.create(unit=commune_a, dossier=dossiers["d10"], channel="online", level="satisfied", rated_at=vn(2023, 3, 4, 9))
    Rating.objects.create(unit=commune_a, dossier=dossiers["d1"], channel="kiosk", level="very_satisfied", rated_at=vn(2023, 1, 9, 10))
    Rating.objects.create(unit=commune_a, procedure=parcel, field=parcel.field, channel="paper", level="satisfied",
                          rated_at=vn(2023, 3, 21, 9))
    # tickets: one answered on time, one late (about d2), one pending within time at the end
    ticket = dict(unit=commune_a, channel="phone", sender_name="Trần Văn Bình", sender_contact="0912000000", content="Phản ánh")
    FeedbackTicket.objects.create(code="PAKN-1", received_at=vn(2023, 1, 10, 9), due_at=vn(2023, 1, 31, 9),
                                  answered_at=vn(2023, 1, 20, 9), status="answered", **ticket)
    FeedbackTicket.objects.create(code="PAKN-2", dossier=dossiers["d2"], received_at=vn(2023, 2, 1, 9), due_at=vn(2023, 2, 15, 9),
                                  answered_at=vn(2023, 2, 20, 9), status="answered", **ticket)
    FeedbackTicket.objects.create(code="PAKN-3", received_at=vn(2023, 3, 25, 9), due_at=vn(2023, 4, 8, 9), **ticket)
    return dossiers


def values(index) -> dict[str, Decimal | None]:
    return {i.key: i.value for g in index.groups for i in g.indicators}


# -- the index by hand ----------------------------------------------------------------------------


def test_each_group_of_the_index_comes_out_as_computed_by_hand(commune_a, quarter):
    index = compute_index(commune_a, Q1)
    v = values(index)
    groups = {g.key: g for g in index.groups}
    # new 7 (online 3), carried over 1; resolved 6 (early 3, on time 1, late 2); pending 2 (within time 1)
    # Tiến độ: (3 + 1 + 1) / (6 + 2) × 20
    assert v["progress"] == D("12.50")
    # Dịch vụ công trực tuyến: A = 3/4 → 1,875; B = 2/3 → 2,67; C = 3/7 → 6 × 0,4286 / 0,5 = 5,14
    assert (v["online_service_offered"], v["online_service_used"], v["online_service_dossiers"]) == (D("1.88"), D("2.67"), D("5.14"))
    assert groups["online_service"].value == D("9.69")
    # Thanh toán: A = 1/3 dossiers with a fee paid online → 2; B = C = 1/2 procedures with a fee → 1,25 + 1,25
    assert (v["online_payment_dossiers"], v["online_payment_procedures"], v["online_payment_procedures_c"]) == (
        D("2.00"), D("1.25"), D("1.25"))
    assert groups["online_payment"].value == D("4.50")
    # Số hoá: results 1/6 × 6 = 1; components 2/7 × 4 = 1,14; five indicators without data
    assert (v["digitisation_results"], v["digitisation_components"]) == (D("1.00"), D("1.14"))
    assert [i.key for i in groups["digitisation"].indicators if not i.measured] == [
        "digitisation_certified_copies", "digitisation_reuse", "digitisation_shared", "digitisation_use_per_dossier",
        "digitisation_use_per_procedure"]
    assert (groups["digitisation"].value, groups["digitisation"].measured_maximum) == (D("2.14"), D(10))
    # Hài lòng: tickets 1 on time of 2 due → 3; ticket handling no data; dossiers (6 − 4) / 6 / 0,9 × 6 = 2,22
    assert (v["satisfaction_tickets_on_time"], v["satisfaction_tickets"], v["satisfaction_dossiers"]) == (
        D("3.00"), None, D("2.22"))
    assert (groups["satisfaction"].value, groups["satisfaction"].measured_maximum) == (D("5.22"), D(12))
    # Công khai: desk 3/4 × 6; website 1/4 × 6; pending with a step in the last 10 working days 1/2 × 6
    assert (v["transparency_desk"], v["transparency_website"], v["transparency_status"]) == (D("4.50"), D("1.50"), D("3.00"))
    assert index.value == D("12.50") + D("9.69") + D("4.50") + D("2.14") + D("5.22") + D("9.00") == D("43.05")
    assert (index.measured_maximum, index.maximum) == (D(82), D(100))


def test_every_input_lists_exactly_the_records_it_counts(commune_a, quarter):
    index = compute_index(commune_a, Q1)
    for group in index.groups:
        for indicator in group.indicators:
            for item in indicator.inputs:
                if item.records:
                    _kind, rows = records(commune_a, Q1, item.records)
                    assert rows.count() == item.value, (indicator.key, item.key)
    assert codes(records(commune_a, Q1, "resolved_dissatisfied")[1]) == {"A-02", "A-03", "A-06", "A-09"}
    assert codes(records(commune_a, Q1, "pending_current")[1]) == {"A-05"}
    assert codes(records(commune_a, Q1, "procedures_online_used")[1]) == {"1.001193", "2.000908"}
    assert codes(records(commune_a, Q1, "paid_online_with_fee")[1]) == {"A-03"}
    assert codes(records(commune_a, Q1, "tickets_on_time")[1]) == {"PAKN-1"}
    desk = records(commune_a, Q1, "postings_desk_on_time")[1]
    assert set(desk.values_list("procedure__code", flat=True)) == {"1.001193", "2.000908", "1.003003"}
    with pytest.raises(KeyError):
        records(commune_a, Q1, "nonsense")


def test_the_dashboard_links_every_number_to_a_list_of_exactly_that_many_records(client, leader_a, quarter):
    client.force_login(leader_a)
    response = client.get(reverse("reports:dashboard"), {"unit": "11089", "period": "cal:2023-Q1"})
    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-testid="index-total" data-value="43.05" data-measured="82"' in content
    assert "43,05" in content and "không có dữ liệu" in content
    found = {(html.unescape(m["href"]), m["input"], int(m["value"])) for m in INPUT_LINK.finditer(content)}
    assert len({key for _h, key, _v in found}) >= 20
    for href, key, value in found:
        listed = client.get(href)
        assert listed.status_code == 200, href
        assert f'data-count="{value}"' in listed.content.decode(), (href, key, value)
    # a dossier in a list links to the dossier, a procedure to the procedure
    page = client.get(reverse("reports:index-detail", args=["satisfaction_dossiers"]),
                      {"unit": "11089", "period": "cal:2023-Q1", "input": "resolved_dissatisfied"}).content.decode()
    assert reverse("dossiers:detail", args=["A-09"]) in page
    page = client.get(reverse("reports:index-detail", args=["online_service_offered"]),
                      {"unit": "11089", "period": "cal:2023-Q1"}).content.decode()
    assert reverse("procedures:procedure-detail", args=["1.000894"]) in page
    assert client.get(reverse("reports:index-detail", args=["nonsense"]), {"unit": "11089"}).status_code == 404
    assert client.get(reverse("reports:index-detail", args=["progress"]), {"unit": "11089", "input": "tickets"}).status_code == 404


def test_the_units_are_ranked_side_by_side(client, district, district_officer, commune_a, commune_b, quarter):
    quiet = UnitFactory(code="11095", name="Xã Hà Kỳ", level="commune", parent=district)
    rows = compare_children(district, Q1)
    # B: progress 20 + online 12 + payment no data + digitisation 10 + satisfaction 12 + transparency 0 = 54
    # A: 43,05; the quiet commune only scores "tickets handled on time: none, so full" = 6
    assert [(row.unit.code, row.value) for row in rows] == [("11074", D("54.00")), ("11089", D("43.05")), (quiet.code, D("6.00"))]
    b = {g.key: g.value for g in rows[0].groups}
    assert b["online_payment"] is None and b["transparency"] == D("0.00")

    client.force_login(district_officer)
    content = client.get(reverse("reports:dashboard"), {"unit": "298", "period": "cal:2023-Q1", "compare": "1"}).content.decode()
    order = re.findall(r'<tr data-unit="(\w+)" data-value="([\d.]+)"', content)
    assert order == [("11074", "54.00"), ("11089", "43.05"), ("11095", "6.00")]


def plant(unit, catalogue, k: int) -> None:
    """Records of every kind at a unit, different for each k (0, 1, 2…): postings, resolved and pending
    dossiers (with a fee, online, digitised), a step, a rating and tickets."""
    birth, copy, parcel = catalogue["birth"], catalogue["copy"], catalogue["parcel"]
    posting_set(unit=unit, procedure=birth, posted_at_desk=date(2022, 12, 2 + 2 * k), posted_on_website=date(2022, 12, 6 + k),
                since=date(2022, 12, 2 + 2 * k))
    if k % 2:
        posting_set(unit=unit, procedure=copy, posted_at_desk=date(2023, 1, 5), posted_on_website=date(2023, 1, 20),
                    since=date(2023, 1, 5))
    resolved = [
        make_dossier(procedure=birth, unit=unit, channel="online" if i % 2 else "direct", received_at=vn(2023, 1, 5 + i, 9),
                     due_at=vn(2023, 1, 12, 9), resolved_at=vn(2023, 1, 9 + 2 * i, 9), outcome="early" if i < 2 else "late",
                     status="returned", result_digitised=i == 0, components_digitised="full" if i % 2 else "none")
        for i in range(k + 1)
    ]
    pending = make_dossier(procedure=copy, unit=unit, channel="online" if k % 2 else "direct", received_at=vn(2023, 3, 1, 9),
                           due_at=vn(2023, 3, 6, 9) + timedelta(days=10 * k), fee_total=2000, paid_online=k % 2 == 1)
    if k >= 2:
        make_dossier(procedure=parcel, unit=unit, received_at=vn(2023, 3, 20, 9), due_at=vn(2023, 4, 10, 9), fee_total=50000)
        DossierEvent.objects.create(dossier=pending, action="start", to_status="in_progress", at=vn(2023, 3, 27, 9))
    if k % 2:
        Rating.objects.create(unit=unit, dossier=resolved[0], channel="online", level="unsatisfied", rated_at=vn(2023, 1, 10, 9))
    ticket = dict(unit=unit, channel="phone", sender_name="Trần Văn Bình", sender_contact="0912000000", content="Phản ánh")
    for i in range(k):
        FeedbackTicket.objects.create(code=f"PAKN-{unit.code}-{i}", received_at=vn(2023, 2, 1 + i, 9), due_at=vn(2023, 2, 15, 9),
                                      answered_at=vn(2023, 2, 10 + 4 * i, 9) if i < 2 else None, **ticket)


def _index_numbers(index) -> tuple:
    """Everything a ServiceIndex says: the total, each indicator with its inputs, and the raw facts."""
    groups = [(g.key, g.value, [(i.key, i.value, i.share, [(n.key, n.value) for n in i.inputs]) for i in g.indicators])
              for g in index.groups]
    return index.unit.code, index.value, index.measured_maximum, index.at, groups, index.facts, index.figures.totals


def _ranked_one_by_one(parent, period, now) -> list:
    indexes = [compute_index(child, period, now=now) for child in parent.children.filter(valid_to__isnull=True).order_by("name")]
    return sorted(indexes, key=lambda row: (row.value is None, -(row.value or D(0)), row.unit.name))


def test_the_comparison_gives_each_child_exactly_its_own_index(province, district, commune_a, commune_b, catalogue, quarter):
    third = UnitFactory(code="11101", name="Xã Quang Phục", level="commune", parent=district)
    plant(third, catalogue, 2)
    plant(commune_b, catalogue, 1)
    closed = UnitFactory(code="11102", name="Xã Đã Sáp Nhập", level="commune", parent=district, valid_to=date(2022, 12, 1))
    plant(closed, catalogue, 3)  # an inactive child is not compared
    plant(district, catalogue, 1)  # the district's own records belong to no child
    other = UnitFactory(code="299", name="Huyện Thanh Hà", level="district", parent=province)
    plant(UnitFactory(code="11200", name="Xã Thanh Hồng", level="commune", parent=other), catalogue, 3)
    now = vn(2023, 5, 2, 9)
    for parent in (district, province):  # communes, then districts with the communes below them
        rows = compare_children(parent, Q1, now=now)
        expected = _ranked_one_by_one(parent, Q1, now)
        assert [_index_numbers(row) for row in rows] == [_index_numbers(index) for index in expected]
    rows = compare_children(district, Q1, now=now)
    assert {row.unit.code for row in rows} == {"11074", "11089", "11101"}
    assert len({row.value for row in rows}) == 3  # three communes with different records
    assert compare_children(commune_a, Q1, now=now) == []


def _comparison_queries(parent, now) -> int:
    compare_children(parent, Q1, now=now)  # the working calendar's cache
    with CaptureQueriesContext(connection) as captured:
        compare_children(parent, Q1, now=now)
    return len(captured)


def test_the_comparison_costs_the_same_queries_for_two_children_or_six(district, commune_a, commune_b, catalogue, quarter):
    now = vn(2023, 5, 2, 9)
    plant(commune_b, catalogue, 1)
    two = _comparison_queries(district, now)
    for k in range(4):
        plant(UnitFactory(code=f"1130{k}", name=f"Xã Thử {k}", level="commune", parent=district), catalogue, k)
    six = _comparison_queries(district, now)
    assert district.children.filter(valid_to__isnull=True).count() == 6
    assert six == two, (two, six)


def test_targets_are_read_per_year_and_level_and_marked_achieved_or_not(commune_a, district, quarter):
    rows = {row.key: row for row in target_rows(compute_index(commune_a, Q1))}
    # the preloaded 2023 targets for a commune
    assert {key: row.target for key, row in rows.items()} == {
        "online_dossiers": D(50), "online_payment": D(45), "components_digitised": D(100), "results_digitised": D(100),
        "satisfaction": D(90), "land_group_satisfaction": D(85)}
    assert (rows["online_dossiers"].actual, rows["online_dossiers"].achieved) == (D("42.86"), False)  # 3 / 7
    assert (rows["online_payment"].actual, rows["online_payment"].achieved) == (D("33.33"), False)  # 1 / 3 with a fee
    assert (rows["satisfaction"].actual, rows["satisfaction"].achieved) == (D("75.00"), False)  # 3 of 4 ratings
    assert (rows["land_group_satisfaction"].actual, rows["land_group_satisfaction"].achieved) == (D("100.00"), True)
    assert rows["online_dossiers"].gap == D("7.14")
    # a commune's own row wins over the general one
    Target.objects.create(year=2023, level="commune", key="online_payment", value=D(30))
    rows = {row.key: row for row in target_rows(compute_index(commune_a, Q1))}
    assert (rows["online_payment"].target, rows["online_payment"].achieved) == (D(30), True)
    # the district's online target is 55 %; nothing to measure is neither achieved nor missed
    district_rows = {row.key: row for row in target_rows(compute_index(district, parse_period("cal:2021-Q1")))}
    assert district_rows == {}  # no target before 2022
    district_rows = {row.key: row for row in target_rows(compute_index(district, parse_period("cal:2024-Q1")))}
    assert district_rows["online_dossiers"].target == D(55)
    assert district_rows["online_dossiers"].actual is None and district_rows["online_dossiers"].achieved is None


def test_the_page_shows_targets_charts_warnings_and_quality(client, leader_a, quarter):
    client.force_login(leader_a)
    content = client.get(reverse("reports:dashboard"), {"unit": "11089", "period": "cal:2023-Q1"}).content.decode()
    assert 'data-target="online_dossiers" data-achieved="no" data-actual="42.86"' in content
    assert 'data-target="land_group_satisfaction" data-achieved="yes"' in content
    assert "42,86 %" in content
    for chart in ("dashboard-trend", "dashboard-outcome", "dashboard-online", "online-target"):
        assert f'data-testid="{chart}"' in content
    # black and white: every fill is a pattern, and the online chart draws the 50 % target line
    assert 'fill="url(#dash-hatch)"' in content and 'fill="url(#dash-cross)"' in content and "50 %" in content
    assert "<script" not in content
    assert 'data-testid="warning-counts"' in content and 'data-testid="quality-counts"' in content
    assert reverse("reports:dashboard") in content  # the navigation's link for a unit leader
    # a 15th–14th year spans 13 calendar months: the chart's coordinates are not written 1.526
    annual = client.get(reverse("reports:dashboard"), {"unit": "11089", "period": "2023"}).content.decode()
    assert 'viewBox="0 0 1526 ' in annual
    assert "2.023" not in annual  # nor the targets' year
    # an indicator without data says so, with its formula
    unmeasured = client.get(reverse("reports:index-detail", args=["digitisation_reuse"]),
                            {"unit": "11089", "period": "cal:2023-Q1"}).content.decode()
    assert "không có dữ liệu" in unmeasured and "0,8" in unmeasured


def test_the_nav_shows_the_dashboard_to_leaders_but_not_to_desk_officers(client, leader_a, desk_officer_a):
    client.force_login(leader_a)
    assert 'data-testid="nav-dashboard"' in client.get(reverse("motcua:home")).content.decode()
    client.force_login(desk_officer_a)
    assert 'data-testid="nav-dashboard"' not in client.get(reverse("motcua:home")).content.decode()


# -- scope and cost -------------------------------------------------------------------------------


def test_a_commune_b_officer_sees_nothing_of_commune_a(client, officer_b, quarter):
    client.force_login(officer_b)
    query = {"unit": "11089", "period": "cal:2023-Q1"}
    assert client.get(reverse("reports:dashboard"), query).status_code == 404
    assert client.get(reverse("reports:dashboard"), {**query, "compare": "1"}).status_code == 404
    assert client.get(reverse("reports:index-detail", args=["progress"]), query).status_code == 404
    assert client.get(reverse("reports:warnings"), query).status_code == 404
    assert client.get(reverse("reports:quality"), query).status_code == 404
    assert client.get(reverse("reports:dashboard"), {"unit": "298"}).status_code == 404
    own = client.get(reverse("reports:dashboard"), {"period": "cal:2023-Q1"})
    assert own.status_code == 200 and own.context["unit"].code == "11074"


def _queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


def test_the_query_counts_do_not_grow_with_the_dossiers(client, district, district_officer, commune_a, catalogue, quarter):
    client.force_login(district_officer)
    params = {"unit": "11089", "period": "cal:2023-Q1"}
    pages = [
        (reverse("reports:dashboard"), params),
        (reverse("reports:dashboard"), {"unit": "298", "period": "cal:2023-Q1", "compare": "1"}),
        (reverse("reports:index-detail", args=["satisfaction_dossiers"]), params),
        (reverse("reports:warnings"), {"unit": "11089"}),
        (reverse("reports:quality"), params),
    ]
    for url, p in pages:  # warm the working calendar's cache and the session
        client.get(url, p)
    before = [_queries(client, url, p) for url, p in pages]
    now = timezone.now()
    for i in range(30):
        make_dossier(procedure=catalogue["birth"], unit=commune_a, received_at=vn(2023, 2, 1, 8) + timedelta(minutes=i),
                     due_at=vn(2023, 2, 3, 9), resolved_at=vn(2023, 2, 6, 9), outcome="late", status="resolved")
        make_dossier(procedure=catalogue["copy"], unit=commune_a, received_at=now - timedelta(days=20, minutes=i),
                     due_at=now - timedelta(days=10), fee_total=2000)
    after = [_queries(client, url, p) for url, p in pages]
    assert after == before
    assert before[0] <= 30, before  # the dashboard: index, targets, warnings, quality, charts, session


# -- early warnings -------------------------------------------------------------------------------

NOW = vn(2023, 3, 15, 10)  # a Wednesday: one working day later is Thursday 10:00


@pytest.fixture
def risks(commune_a, commune_b, district, catalogue):
    birth = catalogue["birth"]

    def d(code, unit=commune_a, **kw):
        kw.setdefault("received_at", vn(2023, 3, 1, 9))
        return make_dossier(code=code, procedure=birth, unit=unit, **kw)

    def apology(dossier, new_due_at):
        Apology.objects.create(dossier=dossier, reason="Chờ xác minh", new_due_at=new_due_at, issued_at=vn(2023, 3, 9, 9))

    d("W-01", due_at=vn(2023, 3, 16, 9))  # due tomorrow morning: soon
    d("W-02", due_at=vn(2023, 3, 16, 11))  # after one working day
    d("W-03", due_at=vn(2023, 3, 15, 15), status="paused")  # clock stopped
    apology(d("W-04", due_at=vn(2023, 3, 15, 15)), vn(2023, 3, 20, 9))  # apologised, new appointment far
    d("W-05", due_at=vn(2023, 3, 14, 9))  # overdue, no apology
    d("W-06", due_at=vn(2023, 3, 10, 9), resolved_at=vn(2023, 3, 13, 9), outcome="late", status="resolved")  # late, not returned
    apology(d("W-07", due_at=vn(2023, 3, 10, 9)), vn(2023, 3, 16, 9))  # new appointment tomorrow
    apology(d("W-08", due_at=vn(2023, 3, 8, 9)), vn(2023, 3, 13, 9))  # new appointment passed
    apology(d("W-09", due_at=vn(2023, 3, 8, 9), resolved_at=vn(2023, 3, 13, 9), outcome="late", status="returned",
              returned_at=vn(2023, 3, 13, 10), return_channel="desk"), vn(2023, 3, 13, 9))  # returned: done
    d("W-10", unit=commune_b, due_at=vn(2023, 3, 14, 9))  # another commune
    d("W-11", handling_unit=district, due_at=vn(2023, 3, 16, 8))  # received at A, handled at the district


def test_each_warning_finds_exactly_the_planted_dossiers(commune_a, commune_b, risks):
    assert codes(due_soon(commune_a, now=NOW)) == {"W-01", "W-11"}
    assert codes(overdue_without_apology(commune_a, now=NOW)) == {"W-05", "W-06"}
    assert codes(apology_due_again(commune_a, now=NOW)) == {"W-07", "W-08"}
    assert warning_counts(commune_a, now=NOW) == {"due_soon": 2, "overdue_without_apology": 2, "apology_due_again": 2}
    assert codes(overdue_without_apology(commune_b, now=NOW)) == {"W-10"}


def test_the_warnings_page_lists_the_dossiers_with_a_link_to_each(client, leader_a, commune_a, catalogue):
    now = timezone.now()
    make_dossier(code="LATE-1", procedure=catalogue["birth"], unit=commune_a, received_at=now - timedelta(days=10),
                 due_at=now - timedelta(days=2))
    client.force_login(leader_a)
    response = client.get(reverse("reports:warnings"), {"unit": "11089"})
    assert response.status_code == 200
    assert response.context["check"].key == "overdue_without_apology"  # the first warning with dossiers
    content = response.content.decode()
    assert reverse("dossiers:detail", args=["LATE-1"]) in content and 'data-count="1"' in content
    assert 'data-check="overdue_without_apology" data-count="1"' in content
    dashboard = client.get(reverse("reports:dashboard"), {"unit": "11089"}).content.decode()
    assert 'data-check="overdue_without_apology" data-count="1"' in dashboard
    assert client.get(reverse("reports:warnings"), {"unit": "11089", "check": "nonsense"}).status_code == 404


# -- data quality ---------------------------------------------------------------------------------


@pytest.fixture
def flaws(commune_a, commune_b, catalogue):
    birth, copy = catalogue["birth"], catalogue["copy"]
    stray = Procedure(code="1.004444", name="Thủ tục chưa niêm yết", field=birth.field, level="commune", processing_days=D(5))
    procedure_save(procedure=stray)

    def d(code, procedure=birth, unit=commune_a, **kw):
        return make_dossier(code=code, procedure=procedure, unit=unit, **kw)

    closed = dict(resolved_at=vn(2023, 3, 2, 9), outcome="early", status="returned")
    d("Q-01", received_at=vn(2023, 3, 1, 9), due_at=vn(2023, 3, 6, 9), status="returned")  # returned, never resolved
    d("Q-02", received_at=vn(2023, 3, 1, 9), due_at=vn(2023, 3, 6, 9), returned_at=vn(2023, 3, 2, 10), **closed)  # no channel
    d("Q-03", received_at=vn(2023, 3, 1, 9), due_at=vn(2023, 3, 6, 9), returned_at=vn(2023, 3, 2, 8), return_channel="desk",
      **closed)  # returned an hour before it was resolved
    d("Q-04", received_at=vn(2023, 3, 10, 9), due_at=vn(2023, 3, 9, 9))  # due before received
    d("Q-05", received_at=vn(2023, 2, 1, 9), due_at=vn(2023, 2, 6, 9))  # 3 days: pending 42 days > 12,6
    d("Q-06", received_at=vn(2023, 3, 5, 9), due_at=vn(2023, 3, 8, 9))  # 10 days: not yet
    d("Q-07", procedure=copy, received_at=vn(2023, 3, 10, 9), due_at=vn(2023, 3, 10, 17, 30))  # same day: 5 days > 4,2
    d("Q-08", procedure=stray, received_at=vn(2023, 3, 13, 9), due_at=vn(2023, 3, 20, 9))  # procedure not posted
    d("Q-09", received_at=vn(2023, 3, 1, 9), due_at=vn(2023, 3, 6, 9), returned_at=vn(2023, 3, 2, 10), return_channel="desk",
      **closed)  # all in order
    d("Q-10", unit=commune_b, procedure=catalogue["elsewhere"], received_at=vn(2023, 3, 1, 9), due_at=vn(2023, 3, 6, 9),
      returned_at=vn(2023, 3, 2, 10), **closed)  # another commune's flaw


def test_each_quality_check_finds_exactly_the_planted_records(commune_a, commune_b, flaws):
    assert codes(returned_not_closed(commune_a, Q1, now=NOW)) == {"Q-01"}
    assert codes(without_return_channel(commune_a, Q1, now=NOW)) == {"Q-02"}
    assert codes(times_out_of_order(commune_a, Q1, now=NOW)) == {"Q-03", "Q-04"}
    assert codes(pending_too_long(commune_a, Q1, now=NOW)) == {"Q-05", "Q-07"}
    assert codes(procedures_not_posted(commune_a, Q1)) == {"1.004444"}
    postings = postings_without_dates(commune_a)
    assert set(postings.values_list("procedure__code", flat=True)) == {"1.003003", "1.000894"}
    assert quality_counts(commune_a, Q1, now=NOW) == {
        "returned_not_closed": 1, "without_return_channel": 1, "times_out_of_order": 2, "pending_too_long": 2,
        "procedures_not_posted": 1, "postings_without_dates": 2, "result_not_handed_over": 0,
    }
    assert codes(without_return_channel(commune_b, Q1, now=NOW)) == {"Q-10"}


def test_the_quality_page_links_each_record_to_fix(client, leader_a, flaws):
    client.force_login(leader_a)
    base = {"unit": "11089", "period": "cal:2023-Q1"}
    page = client.get(reverse("reports:quality"), base)
    assert page.status_code == 200 and page.context["check"].key == "returned_not_closed"
    assert reverse("dossiers:detail", args=["Q-01"]) in page.content.decode()
    listed = client.get(reverse("reports:quality"), {**base, "check": "procedures_not_posted"}).content.decode()
    assert reverse("procedures:procedure-detail", args=["1.004444"]) in listed and 'data-count="1"' in listed
    listed = client.get(reverse("reports:quality"), {**base, "check": "postings_without_dates"}).content.decode()
    assert reverse("procedures:procedure-detail", args=["1.000894"]) in listed and 'data-count="2"' in listed
    assert client.get(reverse("reports:quality"), {**base, "check": "nonsense"}).status_code == 404


def test_the_quality_list_is_paginated(client, leader_a, commune_a, catalogue):
    for i in range(55):
        make_dossier(procedure=catalogue["birth"], unit=commune_a, received_at=vn(2023, 3, 1, 8) + timedelta(minutes=i),
                     due_at=vn(2023, 3, 6, 9), status="returned")
    client.force_login(leader_a)
    params = {"unit": "11089", "period": "cal:2023-Q1", "check": "returned_not_closed"}
    first = client.get(reverse("reports:quality"), params)
    assert first.context["page"].paginator.count == 55 and len(first.context["page"].object_list) == 50
    assert len(client.get(reverse("reports:quality"), {**params, "page": 2}).context["page"].object_list) == 5


# -- the daily digest -----------------------------------------------------------------------------


class RecordingSMS:
    sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        RecordingSMS.sent.append((phone, text))


@pytest.fixture
def digest_data(commune_a, commune_b, leader_a, catalogue):
    colleague = MembershipFactory(unit=commune_a, role=Role.PROCESSING_OFFICER, user__username="xu-ly.a",
                                  user__email="xuly.a@ngocky.vn").user
    MembershipFactory(unit=commune_a, role=Role.DESK_OFFICER, user__username="no-mail.a")  # no e-mail: nothing sent
    MembershipFactory(unit=commune_b, role=Role.UNIT_LEADER, user__username="leader.b", user__email="leader.b@tuky.vn")
    birth = catalogue["birth"]
    make_dossier(code="DG-01", procedure=birth, unit=commune_a, received_at=vn(2023, 3, 1, 9), due_at=vn(2023, 3, 10, 9),
                 officer=colleague)
    make_dossier(code="DG-02", procedure=birth, unit=commune_a, received_at=vn(2023, 3, 1, 9), due_at=vn(2023, 3, 13, 9),
                 officer=leader_a)
    make_dossier(code="DG-03", procedure=birth, unit=commune_a, received_at=vn(2023, 3, 14, 9), due_at=vn(2023, 3, 16, 9))
    return colleague


def test_each_officer_gets_the_warnings_of_their_unit_with_their_own_dossiers_first(mailoutbox, capsys, monkeypatch,
                                                                                   leader_a, digest_data):
    monkeypatch.setattr(notify, "phone_of", lambda m: "0912345678" if m.user.username == "leader.a" else "")
    assert notify.digest_send_all(now=NOW) == 2
    by_address = {message.to[0]: message for message in mailoutbox}
    assert set(by_address) == {"leader.a@ngocky.vn", "xuly.a@ngocky.vn"}  # commune B has no warning
    leader_mail, colleague_mail = by_address["leader.a@ngocky.vn"].body, by_address["xuly.a@ngocky.vn"].body
    assert "Xã Ngọc Kỳ" in by_address["leader.a@ngocky.vn"].subject and "3" in by_address["leader.a@ngocky.vn"].subject
    # overdue without apology: the leader's own DG-02 first for the leader, the colleague's DG-01 first for them
    assert leader_mail.index("DG-02") < leader_mail.index("DG-01")
    assert colleague_mail.index("DG-01") < colleague_mail.index("DG-02")
    assert "DG-03" in leader_mail and "16/03/2023" in leader_mail  # due soon, with its due moment
    assert reverse("dossiers:detail", args=["DG-02"]) in leader_mail
    assert reverse("reports:warnings") + "?unit=11089" in leader_mail
    assert by_address["leader.a@ngocky.vn"].content_subtype == "plain"
    # the console SMS backend wrote one line, to the one officer with a phone
    printed = capsys.readouterr().out
    assert printed.count("SMS to ") == 1 and "SMS to 0912345678:" in printed and "11089" in printed


def test_the_sms_backend_is_chosen_by_its_setting(settings, mailoutbox, monkeypatch, digest_data):
    settings.MOTCUA_SMS_BACKEND = "tests.integration.test_dashboard.RecordingSMS"
    RecordingSMS.sent = []
    monkeypatch.setattr(notify, "phone_of", lambda m: "0987654321")
    notify.digest_send_all(now=NOW)
    assert [phone for phone, _text in RecordingSMS.sent] == ["0987654321", "0987654321"]
    assert isinstance(notify.get_sms_backend(), RecordingSMS)
    del settings.MOTCUA_SMS_BACKEND
    assert isinstance(notify.get_sms_backend(), notify.ConsoleSMSBackend)


def test_no_digest_on_a_day_off(mailoutbox, digest_data):
    tet = vn(2023, 1, 23, 8)  # Tết
    assert not work_calendar().is_working_day(tet.date())
    assert notify.digest_send_all(now=tet) == 0 and mailoutbox == []


def test_the_daily_task_is_scheduled_and_sends_today_s_digests(mailoutbox, digest_data):
    from reports.tasks import send_daily_digests

    # The overdue dossiers of 2023 are still overdue today: on a working day both officers with an
    # address get their digest, on a day off nobody does.
    working_day = work_calendar().is_working_day(timezone.localdate())
    assert send_daily_digests() == len(mailoutbox) == (2 if working_day else 0)
    assert {message.to[0] for message in mailoutbox} == ({"leader.a@ngocky.vn", "xuly.a@ngocky.vn"} if working_day else set())
    assert CELERY_BEAT_SCHEDULE["reports-send-daily-digests"]["task"] == "reports.send_daily_digests"
