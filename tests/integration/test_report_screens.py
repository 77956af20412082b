"""The report screens: scope, every number a link to exactly the dossiers it counts, the charts, the
export requests and their downloads, and the submissions of the units below (on time, late, missing).

The interface is translated by the lead after the fact: these tests assert on data, codes and numbers.
"""
from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from motcua.calendar import VN_TZ
from procedures.models import Field, Procedure
from procedures.services import procedure_save
from reports.figures import compute_figures
from reports.models import ReportRun, ReportSubmission
from motcua.periods import parse_period
from reports.services import (
    ReportError,
    monthly_trend,
    report_generate,
    report_request,
    report_submit,
    submission_deadline,
    submission_rows,
)
from tests.factories import UnitFactory, make_dossier, vn

pytestmark = pytest.mark.django_db

Q1 = parse_period("2023-Q1")  # 15/12/2022 – 14/03/2023
LINK = re.compile(r'href="(?P<href>/bao-cao/ho-so/\?[^"]+)" data-figure="(?P<figure>\w+)" data-value="(?P<value>\d+)"')


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def quarter(commune_a, commune_b, district):
    """2023-Q1 in two communes and the district itself, with every kind of dossier the table counts."""
    civil = Field.objects.create(code="HT", name="Hộ tịch")
    certs = Field.objects.create(code="CT", name="Chứng thực")
    birth = Procedure(code="1.001193", name="Đăng ký khai sinh", field=civil, level="commune", processing_days=Decimal(3))
    copy = Procedure(code="2.000908", name="Cấp bản sao từ sổ gốc", field=certs, level="commune", processing_days=Decimal(0))
    procedure_save(procedure=birth)
    procedure_save(procedure=copy)

    def d(unit=commune_a, procedure=birth, **kw):
        return make_dossier(procedure=procedure, unit=unit, **kw)

    d(received_at=vn(2022, 12, 1, 9), due_at=vn(2022, 12, 20, 9), resolved_at=vn(2023, 1, 3, 9), outcome="late", status="returned")
    d(received_at=vn(2022, 12, 10, 9), due_at=vn(2023, 1, 10, 9))
    d(received_at=vn(2022, 11, 1, 9), due_at=vn(2022, 11, 5, 9), resolved_at=vn(2022, 11, 4, 9), outcome="early", status="returned")
    d(received_at=vn(2022, 12, 15, 0, 0), due_at=vn(2022, 12, 20, 9), resolved_at=vn(2022, 12, 16, 9), outcome="early",
      status="returned", channel="online", components_digitised="full", paid_online=True, result_digitised=True)
    d(procedure=copy, received_at=vn(2023, 2, 1, 9), due_at=vn(2023, 2, 1, 17, 30), resolved_at=vn(2023, 2, 1, 16),
      outcome="on_time", status="resolved", components_digitised="partial")
    d(received_at=vn(2023, 2, 2, 9), due_at=vn(2023, 2, 7, 9), resolved_at=vn(2023, 2, 3, 9), outcome="early",
      status="withdrawn", channel="postal")
    d(received_at=vn(2023, 3, 10, 9), due_at=vn(2023, 3, 15, 9))
    d(received_at=vn(2023, 3, 14, 23, 30), due_at=vn(2023, 3, 17, 17, 30), channel="online")
    d(received_at=vn(2023, 3, 15, 0, 0), due_at=vn(2023, 3, 20, 9))
    d(received_at=vn(2023, 3, 1, 9), due_at=vn(2023, 3, 6, 9), resolved_at=vn(2023, 3, 20, 9), outcome="late", status="resolved")
    d(received_at=vn(2023, 1, 5, 9), due_at=vn(2023, 1, 5, 9), status="refused")
    d(unit=commune_b, received_at=vn(2023, 1, 9, 9), due_at=vn(2023, 1, 12, 9), resolved_at=vn(2023, 1, 10, 9),
      outcome="early", status="returned", channel="online")
    # inter-connected: received at commune A, handled (and counted) at the district itself
    d(handling_unit=district, procedure=copy, received_at=vn(2023, 1, 20, 9), due_at=vn(2023, 2, 3, 9),
      resolved_at=vn(2023, 2, 6, 9), outcome="late", status="returned_unresolved")
    return birth, copy


def links(content: str) -> list[tuple[str, str, int]]:
    return [(html.unescape(m["href"]), m["figure"], int(m["value"])) for m in LINK.finditer(content)]


# -- scope ----------------------------------------------------------------------------------------


def test_a_commune_b_officer_sees_nothing_of_commune_a(client, officer_b, leader_a, commune_a, quarter):
    run = report_request(unit=commune_a, period=Q1, fmt="json", by=leader_a)
    report_generate(run.pk)
    submission = report_submit(unit=commune_a, period=Q1, by=leader_a)
    client.force_login(officer_b)
    query = "?unit=11089&period=2023-Q1"
    assert client.get(reverse("reports:index") + query).status_code == 404
    assert client.get(reverse("reports:dossiers") + query + "&figure=received").status_code == 404
    assert client.get(reverse("reports:submissions") + query).status_code == 404
    assert client.get(reverse("reports:run", args=[run.pk])).status_code == 404
    assert client.get(reverse("reports:download", args=[run.pk])).status_code == 404
    assert client.get(reverse("reports:submission", args=[submission.pk])).status_code == 404
    assert f'data-run="{run.pk}"' not in client.get(reverse("reports:runs")).content.decode()
    # and a unit of B's own subtree cannot be smuggled in as the "child" of a report on B
    assert client.get(reverse("reports:dossiers") + "?unit=11074&period=2023-Q1&figure=received&child=11089").status_code == 404
    # their own commune's report opens (by default, on their own unit)
    response = client.get(reverse("reports:index"))
    assert response.status_code == 200 and response.context["unit"].code == "11074"


def test_a_commune_officer_cannot_open_the_district_report(client, desk_officer_a, quarter):
    client.force_login(desk_officer_a)
    assert client.get(reverse("reports:index") + "?unit=298&period=2023-Q1").status_code == 404
    assert client.get(reverse("reports:index") + "?unit=11089&period=2023-Q1").status_code == 200


# -- the report page --------------------------------------------------------------------------------


def test_every_number_on_the_district_report_lists_exactly_the_dossiers_it_counts(client, district_officer, quarter):
    client.force_login(district_officer)
    response = client.get(reverse("reports:index"), {"unit": "298", "period": "2023-Q1"})
    assert response.status_code == 200
    found = links(response.content.decode())
    figures = {figure for _href, figure, _value in found}
    assert {"received", "new_online", "direct_postal", "carried_over", "resolved", "early", "on_time", "late",
            "pending", "within_time", "overdue", "components_any", "results", "paid_online", "early_on_time",
            "apologies", "returned_unresolved"} <= figures
    assert any("child=11089" in href for href, _f, _v in found) and any("own=1" in href for href, _f, _v in found)
    assert any("field=CT" in href for href, _f, _v in found)
    assert sum(1 for _h, _f, value in found if value) > 40
    for href, figure, value in dict.fromkeys(found):
        listed = client.get(href)
        assert listed.status_code == 200, href
        assert listed.context["page"].paginator.count == value, (href, figure)
        assert f'data-count="{value}"' in listed.content.decode()


def test_the_page_shows_the_table_in_vietnamese_number_format(client, district_officer, quarter):
    client.force_login(district_officer)
    content = client.get(reverse("reports:index"), {"unit": "298", "period": "2023-Q1"}).content.decode()
    totals = compute_figures(district_officer.membership.unit, Q1).totals
    assert totals["received"]["total"] == 10
    assert 'data-figure="received" data-value="10"' in content
    # online: 3 of the 8 new dossiers = 37,50 %
    assert totals["rates"]["online"] == Decimal("37.50") and "37,50 %" in content


def test_a_figure_list_is_paginated_by_fifty_and_links_to_the_dossier(client, district_officer, commune_a, quarter):
    birth, _ = quarter
    for i in range(60):
        make_dossier(procedure=birth, unit=commune_a, received_at=vn(2023, 1, 2, 8) + timedelta(minutes=i), due_at=vn(2023, 1, 5, 9))
    client.force_login(district_officer)
    url = reverse("reports:dossiers") + "?unit=298&period=2023-Q1&figure=new&child=11089"
    first = client.get(url)
    assert first.context["page"].paginator.count == compute_figures(commune_a, Q1).totals["received"]["new"] == 66
    assert len(first.context["page"].object_list) == 50
    assert "1.001193" in first.content.decode()
    code = first.context["page"].object_list[0].code
    assert reverse("dossiers:detail", args=[code]) in first.content.decode()
    assert len(client.get(url + "&page=2").context["page"].object_list) == 16
    assert client.get(reverse("reports:dossiers") + "?unit=298&period=2023-Q1&figure=nonsense").status_code == 404
    assert client.get(reverse("reports:dossiers") + "?unit=298&period=2023-Q9&figure=new").status_code == 404


def test_the_figure_list_query_count_does_not_grow_with_the_dossiers(client, district_officer, commune_a, quarter,
                                                                     django_assert_max_num_queries):
    birth, _ = quarter
    for i in range(45):
        make_dossier(procedure=birth, unit=commune_a, received_at=vn(2023, 1, 3, 8) + timedelta(minutes=i), due_at=vn(2023, 1, 6, 9))
    client.force_login(district_officer)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("reports:dossiers") + "?unit=298&period=2023-Q1&figure=received").status_code == 200


def test_the_month_by_month_trend_adds_up_and_is_drawn_as_inline_svg(client, district, district_officer, quarter,
                                                                   django_assert_num_queries):
    with django_assert_num_queries(1):
        points = monthly_trend(district, Q1)
    assert [p.month for p in points] == [date(2022, 12, 1), date(2023, 1, 1), date(2023, 2, 1), date(2023, 3, 1)]
    totals = compute_figures(district, Q1).totals
    assert sum(p.new for p in points) == totals["received"]["new"] == 8
    assert sum(p.resolved for p in points) == totals["resolved"]["total"] == 6
    # the dossier received at 00:00 on 15/12 (Vietnam time) is December's, the one at 23:30 on 14/03 March's
    assert [(p.new, p.resolved) for p in points] == [(1, 1), (2, 2), (2, 3), (3, 0)]

    client.force_login(district_officer)
    content = client.get(reverse("reports:index"), {"unit": "298", "period": "2023-Q1"}).content.decode()
    assert 'data-testid="trend-chart"' in content and 'data-testid="outcome-chart"' in content
    for label in ("12/2022", "01/2023", "02/2023", "03/2023"):
        assert label in content
    assert "<script" not in content.split('<main', 1)[1]


def test_a_bad_period_is_refused_and_the_current_quarter_shown(client, district_officer):
    client.force_login(district_officer)
    response = client.get(reverse("reports:index"), {"unit": "298", "period": "2023-Q7"})
    assert response.status_code == 200 and response.context["period_error"]
    assert response.context["period"].kind == "quarter"


# -- exports --------------------------------------------------------------------------------------


def test_a_leader_requests_an_export_follows_it_and_downloads_the_file(client, leader_a, commune_a, quarter):
    client.force_login(leader_a)
    response = client.post(reverse("reports:request"), {"unit": "11089", "period": "2023-Q1", "format": "xlsx"})
    run = ReportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reports:run", args=[run.pk])
    assert (run.status, run.requested_by, run.format) == ("queued", leader_a, "xlsx")

    waiting = client.get(reverse("reports:run", args=[run.pk]))
    assert waiting.status_code == 200 and waiting["Refresh"] == "3"
    # the same request again attaches to the queued run
    client.post(reverse("reports:request"), {"unit": "11089", "period": "2023-Q1", "format": "xlsx"})
    assert ReportRun.objects.count() == 1
    assert client.get(reverse("reports:download", args=[run.pk])).status_code == 404  # nothing to download yet

    report_generate(run.pk)
    done = client.get(reverse("reports:run", args=[run.pk]))
    run.refresh_from_db()
    assert "Refresh" not in done and run.checksum in done.content.decode()
    download = client.get(reverse("reports:download", args=[run.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="bao-cao-11089-2023-Q1.xlsx"' in download["Content-Disposition"]
    assert download["Cache-Control"] == "no-store"
    assert b"".join(download.streaming_content)[:2] == b"PK"  # a workbook (its figures: test_report_formats)

    runs = client.get(reverse("reports:runs")).content.decode()
    assert f'data-run="{run.pk}"' in runs


def test_the_pdf_narrative_is_kept_with_the_run(client, leader_a, commune_a):
    client.force_login(leader_a)
    client.post(reverse("reports:request"), {
        "unit": "11089", "period": "2023-Q1", "format": "pdf", "number": "12", "signer_name": "Nguyễn Văn Hùng",
        "assessment": "Hoàn thành tốt.", "tasks": "", "proposals": "",
    })
    run = ReportRun.objects.get()
    assert run.parameters == {"narrative": {"number": "12", "signer_name": "Nguyễn Văn Hùng", "assessment": "Hoàn thành tốt."}}
    # the next visit of the report page offers the same text again
    form = client.get(reverse("reports:index"), {"unit": "11089", "period": "2023-Q1"}).context["export_form"]
    assert form.initial["signer_name"] == "Nguyễn Văn Hùng"


def test_a_failed_run_shows_its_reason(client, leader_a, commune_a):
    run = report_request(unit=commune_a, period=Q1, fmt="json", by=leader_a)
    ReportRun.objects.filter(pk=run.pk).update(status="failed", error="OperationalError: server closed the connection", attempts=3)
    client.force_login(leader_a)
    content = client.get(reverse("reports:run", args=[run.pk])).content.decode()
    assert "OperationalError: server closed the connection" in content


def test_a_desk_officer_may_view_but_not_request_exports(client, desk_officer_a, commune_a):
    client.force_login(desk_officer_a)
    page = client.get(reverse("reports:index"))
    assert page.status_code == 200 and page.context["export_form"] is None
    assert client.post(reverse("reports:request"), {"unit": "11089", "period": "2023-Q1", "format": "json"}).status_code == 403
    assert not ReportRun.objects.exists()


def test_the_reports_link_is_in_the_menu_of_leaders_and_the_district_office(client, leader_a, desk_officer_a, district_officer):
    url = reverse("reports:index")
    for user, shown in ((leader_a, True), (district_officer, True), (desk_officer_a, False)):
        client.force_login(user)
        nav = client.get(reverse("motcua:home")).content.decode().split('class="nav"', 1)[1].split("</nav>", 1)[0]
        assert (f'href="{url}"' in nav) is shown


# -- submissions and consolidation ----------------------------------------------------------------


def test_the_deadline_is_the_17th_of_the_window_last_month_at_2359(district):
    assert submission_deadline(Q1) == datetime(2023, 3, 17, 23, 59, 59, 999999, tzinfo=VN_TZ)
    assert submission_deadline(parse_period("2023")).date() == date(2023, 12, 17)
    assert submission_deadline(parse_period("cal:2023-03")).date() == date(2023, 4, 3)


def test_the_district_sees_each_commune_on_time_late_or_missing(client, district, commune_a, commune_b, leader_a, focal_b,
                                                               district_officer, quarter):
    commune_c = UnitFactory(code="11095", name="Xã Quang Phục", level="commune", parent=district)
    on_time = report_submit(unit=commune_a, period=Q1, by=leader_a)
    late = report_submit(unit=commune_b, period=Q1, by=focal_b)
    ReportSubmission.objects.filter(pk=on_time.pk).update(submitted_at=vn(2023, 3, 17, 23, 59))
    ReportSubmission.objects.filter(pk=late.pk).update(submitted_at=vn(2023, 3, 18, 0, 1))

    states = {row.unit.code: (row.state, row.version) for row in submission_rows(district, Q1)}
    assert states == {"11089": ("on_time", 1), "11074": ("late", 1), "11095": ("missing", None)}

    client.force_login(district_officer)
    response = client.get(reverse("reports:submissions"), {"period": "2023-Q1"})
    content = response.content.decode()
    assert response.context["unit"] == district
    assert 'data-unit="11089" data-state="on_time"' in content
    assert 'data-unit="11074" data-state="late"' in content
    assert 'data-unit="11095" data-state="missing"' in content
    assert reverse("reports:submission", args=[on_time.pk]) in content
    assert response.context["counts"] == {"on_time": 1, "late": 1, "missing": 1}
    # the consolidated export is made of what the communes sent, and of the records for the one that sent nothing
    assert response.context["export_form"].initial == {"unit": "298", "period": "2023-Q1", "consolidate": True,
                                                       "sources": "11074:sent,11089:sent,11095:now"}
    client.post(reverse("reports:request"), {"unit": "298", "period": "2023-Q1", "format": "xlsx"})
    assert ReportRun.objects.get().unit == district
    assert commune_c  # listed although it sent nothing


def test_a_correction_is_a_new_version_that_must_give_its_reason(client, commune_a, leader_a, quarter):
    first = report_submit(unit=commune_a, period=Q1, by=leader_a, narrative={"assessment": "Tốt"})
    assert (first.version, first.reason, first.narrative) == (1, "", {"assessment": "Tốt"})
    with pytest.raises(ReportError):
        report_submit(unit=commune_a, period=Q1, by=leader_a, reason="  ")
    second = report_submit(unit=commune_a, period=Q1, by=leader_a, reason="Bổ sung hồ sơ nhập muộn")
    assert (second.version, second.reason) == (2, "Bổ sung hồ sơ nhập muộn")

    client.force_login(leader_a)
    response = client.post(reverse("reports:submit"), {"unit": "11089", "period": "2023-Q1", "reason": ""})
    assert response.status_code == 400 and ReportSubmission.objects.count() == 2
    response = client.post(reverse("reports:submit"), {"unit": "11089", "period": "2023-Q1", "reason": "Sửa số liệu"})
    third = ReportSubmission.objects.get(version=3)
    assert response["Location"] == reverse("reports:submission", args=[third.pk])
    assert third.submitted_by == leader_a and third.reason == "Sửa số liệu"


def test_the_figures_are_frozen_at_submission(client, commune_a, leader_a, district_officer, quarter):
    birth, _ = quarter
    submission = report_submit(unit=commune_a, period=Q1, by=leader_a)
    assert submission.figures["totals"]["received"]["total"] == 8
    assert submission.figures["unit"] == {"code": "11089", "name": "Xã Ngọc Kỳ"}
    assert submission.figures["totals"]["rates"]["online"] == 33.33

    make_dossier(procedure=birth, unit=commune_a, received_at=vn(2023, 2, 20, 9), due_at=vn(2023, 2, 23, 9))
    submission.refresh_from_db()
    assert submission.figures["totals"]["received"]["total"] == 8
    assert compute_figures(commune_a, Q1).totals["received"]["total"] == 9

    client.force_login(district_officer)
    frozen = client.get(reverse("reports:submission", args=[submission.pk])).content.decode()
    assert "33,33 %" in frozen and "/bao-cao/ho-so/" not in frozen  # the frozen numbers link nowhere
    live = client.get(reverse("reports:index"), {"unit": "11089", "period": "2023-Q1"}).content.decode()
    assert 'data-figure="received" data-value="9"' in live


def test_only_the_unit_own_leader_or_focal_officer_submits(client, commune_a, commune_b, leader_a, officer_b, district_officer,
                                                           desk_officer_a):
    client.force_login(officer_b)  # another commune: 404
    assert client.post(reverse("reports:submit"), {"unit": "11089", "period": "2023-Q1"}).status_code == 404
    client.force_login(desk_officer_a)  # the desk officer of the commune: 403
    assert client.post(reverse("reports:submit"), {"unit": "11089", "period": "2023-Q1"}).status_code == 403
    client.force_login(district_officer)  # the district does not submit for a commune
    assert client.post(reverse("reports:submit"), {"unit": "11089", "period": "2023-Q1"}).status_code == 403
    assert not ReportSubmission.objects.exists()
    client.force_login(leader_a)
    assert client.post(reverse("reports:submit"), {"unit": "11089", "period": "2023-Q1"}).status_code == 302
    assert ReportSubmission.objects.get().unit == commune_a


def test_the_report_page_query_count_does_not_grow_with_units_or_dossiers(client, district, district_officer, commune_a, quarter,
                                                                          django_assert_max_num_queries):
    birth, _ = quarter
    for n in range(6):
        commune = UnitFactory(code=f"3{n:04d}", level="commune", parent=district)
        for i in range(5):
            make_dossier(procedure=birth, unit=commune, received_at=vn(2023, 1, 4, 8) + timedelta(hours=i), due_at=vn(2023, 1, 9, 9))
    client.force_login(district_officer)
    # 26 before the report's other tables: since, the year's review (one), the late reasons (one), the desk's
    # work for others (one) and the section on inspection (reports.extensions, two)
    with django_assert_max_num_queries(31):
        response = client.get(reverse("reports:index"), {"unit": "298", "period": "2023-Q1"})
    assert len(response.context["table"]["by_unit"]) == 9  # its own row and eight communes


def test_a_report_not_yet_sent_before_its_deadline_is_not_shown_in_red(client, district, commune_a, district_officer):
    from motcua.periods import quarter_containing

    client.force_login(district_officer)
    current = quarter_containing(timezone.localdate())  # its deadline (the 17th after it ends) is ahead
    content = client.get(reverse("reports:submissions"), {"period": current.key}).content.decode()
    row = re.search(r'data-unit="11089" data-state="missing">(.*?)</tr>', content, re.S).group(1)
    assert "Chưa nộp" in row and 'class="error"' not in row
    past = client.get(reverse("reports:submissions"), {"period": "2023-Q1"}).content.decode()
    row = re.search(r'data-unit="11089" data-state="missing">(.*?)</tr>', past, re.S).group(1)
    assert 'class="error"' in row


def test_a_commune_is_offered_pdf_and_excel_and_the_office_above_the_data_format_too(client, leader_a, district_officer,
                                                                                    commune_a, quarter):
    client.force_login(leader_a)
    offered = dict(client.get(reverse("reports:index"), {"period": "2023-Q1"}).context["export_form"].fields["format"].choices)
    assert set(offered) == {"xlsx", "pdf"}
    client.post(reverse("reports:request"), {"unit": "11089", "period": "2023-Q1", "format": "json"})
    assert not ReportRun.objects.exists()  # refused, nothing queued
    client.force_login(district_officer)
    offered = dict(client.get(reverse("reports:index"), {"period": "2023-Q1"}).context["export_form"].fields["format"].choices)
    assert set(offered) == {"xlsx", "pdf", "json"}


def test_a_correction_without_its_reason_comes_back_with_the_assessment_typed(client, commune_a, leader_a, quarter):
    client.force_login(leader_a)
    assert client.post(reverse("reports:submit"), {"unit": "11089", "period": "2023-Q1"}).status_code == 302
    typed = "Tỷ lệ hồ sơ trực tuyến tăng nhờ hướng dẫn tại quầy."
    response = client.post(reverse("reports:submit"), {"unit": "11089", "period": "2023-Q1", "assessment": typed})
    assert response.status_code == 400 and ReportSubmission.objects.count() == 1
    page = response.content.decode()
    assert typed in page and "muốn nộp lại phải nêu lý do" in page
    form = response.context["submit_form"]
    assert form.non_field_errors() and form["assessment"].value() == typed


def test_a_refused_export_keeps_the_paragraphs_typed(client, commune_a, leader_a, quarter):
    client.force_login(leader_a)
    typed = "Đánh giá chung về công tác giải quyết thủ tục hành chính quý I."
    response = client.post(reverse("reports:request"),
                           {"unit": "11089", "period": "2023-Q1", "format": "json", "assessment": typed})
    assert response.status_code == 400 and not ReportRun.objects.exists()
    assert typed in response.content.decode() and response.context["export_form"].errors["format"]
