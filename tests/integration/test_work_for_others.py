"""The receiving desk's work for other units is its own table, never its official figures, and no
dossier is counted twice in a consolidation (issue 17, "Counting"); a result that came back but was
not handed over shows on the desk's board and in the data checks.

Ngọc Kỳ's desk receives a land dossier the district handles and a location-independent dossier Thị
trấn Tứ Kỳ handles; it hands the district's result back to the citizen; Thị trấn's result is back at
Ngọc Kỳ's desk, not yet handed over.
"""
from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dossiers.models import Dossier
from dossiers.selectors import board_panels
from motcua.periods import parse_period, quarter_containing
from reports.consolidation import SENT, consolidate, consolidated_report
from reports.figures import compute_figures, received_for_others
from reports.formatters import pdf_context, to_xlsx
from reports.models import ReportSubmission
from reports.report import build_report
from reports.services import report_submit
from reports.warnings import quality_counts, result_not_handed_over
from tests.factories import make_dossier, procedure_make, vn

pytestmark = pytest.mark.django_db

Q1 = parse_period("2023-Q1")


@pytest.fixture
def quarter(district, commune_a, commune_b):
    birth = procedure_make("1.001193", "Đăng ký khai sinh", days=3)
    parcel = procedure_make("1.004227", "Đăng ký biến động đất đai", level="district", days=10)
    for day in (3, 4):  # Ngọc Kỳ's own
        make_dossier(procedure=birth, unit=commune_a, received_at=vn(2023, 1, day, 9), due_at=vn(2023, 1, day + 3, 9),
                     resolved_at=vn(2023, 1, day + 1, 9), outcome="early", status="returned", returned_at=vn(2023, 1, day + 2, 9))
    make_dossier(procedure=birth, unit=commune_b, received_at=vn(2023, 1, 5, 9), due_at=vn(2023, 1, 8, 9))  # Thị trấn's own
    make_dossier(procedure=parcel, unit=district, received_at=vn(2023, 1, 6, 9), due_at=vn(2023, 1, 20, 9),
                 resolved_at=vn(2023, 1, 19, 9), outcome="on_time", status="returned")  # the district's own
    for_district = make_dossier(procedure=parcel, unit=commune_a, handling_unit=district, received_at=vn(2023, 2, 6, 9),
                                due_at=vn(2023, 2, 20, 9), resolved_at=vn(2023, 2, 17, 9), outcome="early",
                                status="returned", returned_at=vn(2023, 2, 18, 9), return_channel="desk")
    for_commune_b = make_dossier(procedure=birth, unit=commune_a, handling_unit=commune_b, received_at=vn(2023, 2, 7, 9),
                                 due_at=vn(2023, 2, 10, 9), resolved_at=vn(2023, 2, 9, 9), outcome="early",
                                 status="resolved")  # the result is back at Ngọc Kỳ, not handed over
    return for_district, for_commune_b


def test_the_desk_work_is_its_own_table_and_never_in_its_official_figures(district, commune_a, commune_b, quarter):
    assert received_for_others(commune_a, Q1) == {"received_for_others": 2, "returned_for_others": 1, "waiting_to_return": 1}
    assert compute_figures(commune_a, Q1).totals["received"]["total"] == 2  # its own two, not the two it received for others
    assert compute_figures(commune_b, Q1).totals["received"]["total"] == 2  # its own and the one received at Ngọc Kỳ
    live = compute_figures(district, Q1)
    assert live.totals["received"]["total"] == Dossier.objects.exclude(status="refused").count() == 6
    # inside the district the desk's work is nobody else's: nothing is "for others" at the district
    assert received_for_others(district, Q1) == {"received_for_others": 0, "returned_for_others": 0, "waiting_to_return": 0}

    data = build_report(commune_a, Q1)
    assert any("Tiếp nhận hồ sơ thuộc thẩm quyền của đơn vị khác: 2 hồ sơ; trả kết quả của đơn vị khác: 1 hồ sơ; "
               "kết quả đã có, chờ trả: 1 hồ sơ (không tính vào số liệu giải quyết của đơn vị)." in line
               for line in pdf_context(data)["agencies"])
    sheet = {row[1]: row[2] for row in load_workbook(BytesIO(to_xlsx(data)))["Theo cơ quan"].iter_rows(values_only=True)
             if row[1]}
    assert sheet["Tiếp nhận hồ sơ thuộc thẩm quyền của đơn vị khác"] == 2
    assert sheet["Trả kết quả của đơn vị khác"] == 1 and sheet["Kết quả của đơn vị khác đã có, chờ trả"] == 1


def test_the_screen_and_the_dashboard_show_the_desk_work_apart(client, leader_a, commune_a, quarter):
    for_district, for_commune_b = quarter
    client.force_login(leader_a)
    query = {"unit": commune_a.code, "period": Q1.key}
    report = client.get(reverse("reports:index"), query)
    assert report.context["report"]["for_others"]["returned_for_others"] == 1
    assert report.context["report"]["totals"]["received"]["total"] == 2
    dashboard = client.get(reverse("reports:dashboard"), query)
    content = dashboard.content.decode()
    assert 'data-testid="for-others"' in content and 'data-figure="returned_for_others">1<' in content
    assert dashboard.context["for_others"] == {"received_for_others": 2, "returned_for_others": 1, "waiting_to_return": 1}
    assert dashboard.context["index"].figures.totals["received"]["total"] == 2  # the index counts its own only
    returned = client.get(reverse("reports:dossiers"), {**query, "figure": "returned_for_others"})
    assert list(returned.context["page"]) == [for_district]
    received = client.get(reverse("reports:dossiers"), {**query, "figure": "received_for_others"})
    assert set(received.context["page"]) == {for_district, for_commune_b}


def test_the_district_consolidation_counts_each_dossier_once(district, commune_a, commune_b, leader_a, quarter):
    """Ngọc Kỳ sent its figures (its own two dossiers); Thị trấn did not (taken from the records). The
    two dossiers Ngọc Kỳ received for others are counted once, at the units that handle them."""
    sent = report_submit(unit=commune_a, period=Q1, by=leader_a)
    ReportSubmission.objects.filter(pk=sent.pk).update(submitted_at=vn(2023, 3, 16, 9))
    assert sent.figures["totals"]["received"]["total"] == 2 and sent.figures["for_others"]["received_for_others"] == 2
    consolidation = consolidate(district, Q1)
    assert {line.code: line.source for line in consolidation.lines}["11089"] == SENT
    totals = consolidation.figures.totals
    everyone = Dossier.objects.exclude(status="refused")
    assert totals["received"]["total"] == everyone.count() == 6
    assert totals["resolved"]["total"] == everyone.filter(resolved_at__isnull=False).count() == 5
    assert sum(row["received"]["total"] for row in consolidation.figures.by_unit) == 6
    assert sum(row["received"]["total"] for row in consolidation.figures.by_field) == 6
    data = consolidated_report(build_report(district, Q1))
    assert data.for_others == {"received_for_others": 0, "returned_for_others": 0, "waiting_to_return": 0}


def test_a_result_back_but_not_handed_over_is_on_the_desk_board_and_in_the_data_checks(
        desk_a, district, commune_a, commune_b):
    now = timezone.now()
    birth = procedure_make("1.001193", "Đăng ký khai sinh", days=3)
    waiting = make_dossier(procedure=birth, unit=commune_a, handling_unit=commune_b, received_at=now - timedelta(days=5),
                           due_at=now + timedelta(days=2), resolved_at=now - timedelta(days=1), outcome="early",
                           status="resolved")
    make_dossier(procedure=birth, unit=commune_a, handling_unit=commune_b, received_at=now - timedelta(days=5),
                 due_at=now + timedelta(days=2), resolved_at=now - timedelta(days=2), outcome="early", status="returned",
                 returned_at=now - timedelta(days=1), return_channel="desk")  # handed over: not listed
    make_dossier(procedure=birth, unit=commune_b, received_at=now - timedelta(days=5),
                 due_at=now + timedelta(days=2))  # Thị trấn's own, pending
    board = {panel.key: panel for panel in board_panels(desk_a, now=now)}
    assert waiting in board["to-return"].rows and board["to-return"].count == 1

    period = quarter_containing(timezone.localdate())
    assert list(result_not_handed_over(commune_a, period, now=now)) == [waiting]
    assert quality_counts(commune_a, period, now=now)["result_not_handed_over"] == 1
    # the handling unit cannot hand it over: not its data check; nor the district's, where it is nobody's "other"
    assert quality_counts(commune_b, period, now=now)["result_not_handed_over"] == 0
    assert quality_counts(district, period, now=now)["result_not_handed_over"] == 0
