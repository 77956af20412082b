"""The administrative-reform index of communes (Chỉ số CCHC): Tứ Kỳ's 2021 classification reproduced from its
scores (seed 004), a scheme imported from Excel all rows or none, a computed criterion equal to the report's
figure of the same year, a score's history kept on a re-score, and another district refused every screen."""
from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from cchc import services
from cchc.importing import scheme_import
from cchc.models import Criterion, Evidence, ReformArea, Scheme, SchemeStatus, Score, ScoreChange, Scorecard
from cchc.selectors import class_counts, results
from motcua.models import Role
from motcua.periods import parse_period
from reports.report import build_report
from tests.factories import UnitFactory, make_dossier, procedure_make, staff, vn

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _evidence_in_a_temporary_directory(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

EXCELLENT, GOOD, DONE, NOT_DONE = ("Hoàn thành xuất sắc nhiệm vụ", "Hoàn thành tốt nhiệm vụ", "Hoàn thành nhiệm vụ",
                                   "Không hoàn thành nhiệm vụ")
# The seven fields of reform with their maximum points (a scheme of 100 points).
AREAS = [("1", "Công tác chỉ đạo, điều hành", 14), ("2", "Cải cách thể chế", 8), ("3", "Cải cách thủ tục hành chính", 22),
         ("4", "Cải cách tổ chức bộ máy", 10), ("5", "Cải cách chế độ công vụ", 14), ("6", "Cải cách tài chính công", 8),
         ("7", "Xây dựng và phát triển chính quyền điện tử, chính quyền số", 24)]
# Seed 004: 17 communes between 80 % and 90 %, 8 of them "Hoàn thành tốt nhiệm vụ" …
GOOD_COMMUNES = ["Quang Khải", "Hà Kỳ", "Minh Đức", "Quảng Nghiệp", "Nguyên Giáp", "Hà Thanh", "Đại Hợp", "Tái Sơn"]
# … and 9 that fell to "Hoàn thành nhiệm vụ" because a field scored under 70 %;
FELL = ["Thị trấn Tứ Kỳ", "Bình Lãng", "Quang Trung", "Phượng Kỳ", "Tân Kỳ", "An Thanh", "Ngọc Kỳ", "Văn Tố", "Quang Phục"]
# 6 between 65 % and 80 %.
LOWER = ["Hưng Đạo", "Tiên Động", "Đại Sơn", "Dân Chủ", "Cộng Lạc", "Chí Minh"]


def workbook_bytes(rows: list[list], header=("Mã", "Nội dung", "Điểm tối đa", "Cách chấm", "Chỉ tiêu tự động", "Quy tắc tính điểm")) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["BỘ TIÊU CHÍ XÁC ĐỊNH CHỈ SỐ CCHC CẤP XÃ"])  # a title row above the header, as real files have
    sheet.append(list(header))
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def seven_fields_rows() -> list[list]:
    rows = []
    for code, name, points in AREAS:
        rows.append([code, name, points, "", "", ""])
        rows.append([f"{code}.1", f"Tiêu chí chung của lĩnh vực {code}", points, "Đơn vị tự chấm", "", ""])
    return rows


def tu_ky_name(name: str) -> str:
    return name if name.startswith("Thị trấn") else f"Xã {name}"


@pytest.fixture
def tu_ky_communes(district, commune_a, commune_b):
    """Tứ Kỳ's 23 communes and towns in 2021 (Ngọc Kỳ and Thị trấn Tứ Kỳ are the personas' communes A and B)."""
    units = {"Ngọc Kỳ": commune_a, "Thị trấn Tứ Kỳ": commune_b}
    for number, name in enumerate(GOOD_COMMUNES + FELL + LOWER):
        if name not in units:
            units[name] = UnitFactory(code=f"111{number:02d}", name=tu_ky_name(name), level="commune", parent=district)
    return units


def imported_scheme(district, by, year=2021) -> Scheme:
    scheme = services.scheme_create(unit=district, year=year, by=by, decision="Quyết định 2452/QĐ-UBND ngày 18/7/2019")
    report = scheme_import(scheme=scheme, source=BytesIO(workbook_bytes(seven_fields_rows())), filename="tieu-chi.xlsx")
    assert report.ok, report.errors
    return scheme


def field_points(percentages: list[Decimal]) -> list[Decimal]:
    return [(Decimal(points) * pct / 100).quantize(Decimal("0.01")) for (_c, _n, points), pct in zip(AREAS, percentages)]


def planned_percentages(index: int, name: str) -> list[Decimal]:
    """Each commune's percentage per field: the good ones about 85 % everywhere; the fallen ones as high,
    but Cải cách thể chế (field 2) at 60 %; the lower ones about 72 % everywhere."""
    step = Decimal(index) / 10
    if name in GOOD_COMMUNES:
        return [Decimal(84) + step] * 7
    if name in FELL:
        return [Decimal(87) + step, Decimal(60)] + [Decimal(87) + step] * 5
    return [Decimal(70) + step] * 7


def score_everyone(scheme, units, leaders, district_office, plan=planned_percentages):
    for index, (name, unit) in enumerate(units.items()):
        scorecard = Scorecard.objects.get(scheme=scheme, unit=unit)
        leader = leaders[name]
        for score, points in zip(scorecard.scores.order_by("criterion__position"), field_points(plan(index, name))):
            services.score_self(score=score, points=points, note="Theo báo cáo CCHC năm", by=leader)
        services.scorecard_submit(scorecard=scorecard, by=leader)
        for score in scorecard.scores.all():
            services.score_appraise(score=score, points=None, reason="", by=district_office)


def appraise_every_unit(scheme, district_office):
    """What publication waits for: every unit's scorecard submitted (a criterion left unscored at 0) and every
    criterion appraised (agreed)."""
    for scorecard in Scorecard.objects.filter(scheme=scheme):
        if scorecard.status == "draft":
            for score in scorecard.scores.filter(criterion__method="self", self_points__isnull=True):
                services.score_self(score=score, points=Decimal(0), note="", by=district_office)
            services.scorecard_submit(scorecard=scorecard, by=district_office)
        for score in scorecard.scores.filter(points__isnull=True):
            services.score_appraise(score=score, points=None, reason="", by=district_office)


def test_the_seed_2021_classification_is_reproduced_from_the_scores(district, tu_ky_communes, district_office):
    scheme = imported_scheme(district, district_office)
    services.scheme_open(scheme=scheme, by=district_office)
    assert Scorecard.objects.filter(scheme=scheme).count() == 23
    leaders = {name: staff(unit, Role.UNIT_LEADER, f"leader-{unit.code}") for name, unit in tu_ky_communes.items()}
    score_everyone(scheme, tu_ky_communes, leaders, district_office)
    services.scheme_publish(scheme=scheme, by=district_office)

    rows = {row.unit.name: row for row in results(scheme)}
    between_80_and_90 = [name for name, row in rows.items() if Decimal(80) < row.percent < Decimal(90)]
    between_65_and_80 = [name for name, row in rows.items() if Decimal(65) <= row.percent < Decimal(80)]
    assert len(between_80_and_90) == 17 and len(between_65_and_80) == 6

    for name in GOOD_COMMUNES:
        assert rows[tu_ky_name(name)].band_name == GOOD, name
        assert rows[tu_ky_name(name)].held_back_area is None
    for name in FELL:
        row = rows[tu_ky_name(name)]
        assert Decimal(80) < row.percent < Decimal(90), name
        assert row.band_name == DONE, name
        # The field that held it back, and the band its total alone would have given it.
        assert row.held_back_area.area.code == "2" and row.held_back_area.percent == Decimal("60.00")
        assert row.classification.missed_band.name == GOOD
    for name in LOWER:
        assert rows[tu_ky_name(name)].band_name == DONE, name
        assert rows[tu_ky_name(name)].held_back_area is None

    assert class_counts(list(rows.values()), scheme) == [(EXCELLENT, 0), (GOOD, 8), (DONE, 15), (NOT_DONE, 0)]
    ranks = sorted(row.rank for row in rows.values())
    assert ranks[0] == 1 and ranks[-1] == 23

    # The published page, the Excel file and the PDF annex say the same.
    from django.test import Client

    client = Client()
    client.force_login(district_office)
    page = client.get(reverse("cchc:results", args=[scheme.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert text.count(f'data-band="{GOOD}"') == 8 and text.count(f'data-band="{DONE}"') == 15
    workbook = client.get(reverse("cchc:results-xlsx", args=[scheme.pk]))
    assert workbook.status_code == 200
    sheet = load_workbook(BytesIO(workbook.content)).active
    bands = [sheet.cell(row=row, column=12).value for row in range(5, 28)]  # after rank, unit, 7 fields, points, %
    assert bands.count(GOOD) == 8 and bands.count(DONE) == 15
    pdf = client.get(reverse("cchc:results-pdf", args=[scheme.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_unit_whose_weakest_field_misses_every_floor_is_not_done(district, commune_a, district_office, leader_a):
    """A total of 85 % with one field at 45 %: under the floor of every band but the last."""
    scheme = imported_scheme(district, district_office)
    services.scheme_open(scheme=scheme, by=district_office)
    scorecard = Scorecard.objects.get(scheme=scheme, unit=commune_a)
    for score, points in zip(scorecard.scores.order_by("criterion__position"),
                             field_points([Decimal(90), Decimal(45), Decimal(90), Decimal(90), Decimal(90), Decimal(90), Decimal(85)])):
        services.score_self(score=score, points=points, note="", by=leader_a)
    row = next(row for row in results(scheme) if row.unit == commune_a)
    assert Decimal(80) < row.percent < Decimal(90)
    assert row.band_name == NOT_DONE and row.held_back_area.area.code == "2"


def test_last_years_results_are_compared(district, commune_a, commune_b, district_office, leader_a, leader_b):
    for year, percent in ((2020, Decimal(60)), (2021, Decimal(85))):
        scheme = imported_scheme(district, district_office, year=year)
        services.scheme_open(scheme=scheme, by=district_office)
        for unit, leader in ((commune_a, leader_a), (commune_b, leader_b)):
            scorecard = Scorecard.objects.get(scheme=scheme, unit=unit)
            for score, points in zip(scorecard.scores.order_by("criterion__position"), field_points([percent] * 7)):
                services.score_self(score=score, points=points, note="", by=leader)
        appraise_every_unit(scheme, district_office)
        services.scheme_publish(scheme=scheme, by=district_office)
    row = next(row for row in results(scheme) if row.unit == commune_a)
    assert row.previous.percent == Decimal("60.00") and row.previous.band_name == NOT_DONE
    assert row.change == Decimal("25.00") and row.band_name == GOOD


# -- the scheme from Excel ----------------------------------------------------------------------------------


def test_a_scheme_file_with_one_bad_row_is_refused_whole(client, district, commune_a, district_office):
    scheme = services.scheme_create(unit=district, year=2021, by=district_office)
    rows = seven_fields_rows()
    rows.insert(5, ["3.2", "Tỷ lệ hồ sơ giải quyết đúng hạn", "hai", "Tự động", "resolved_on_time", "100"])  # line 8
    client.force_login(district_office)
    response = client.post(reverse("cchc:scheme-import", args=[scheme.pk]),
                           {"file": SimpleUploadedFile("tieu-chi.xlsx", workbook_bytes(rows))})
    assert response.status_code == 200
    errors = response.context["import_errors"]
    assert any(line.startswith("Dòng 8:") and "hai" in line for line in errors), errors
    assert not ReformArea.objects.filter(scheme=scheme).exists() and not Criterion.objects.filter(scheme=scheme).exists()

    # The same file without the bad row imports every row.
    del rows[5]
    response = client.post(reverse("cchc:scheme-import", args=[scheme.pk]),
                           {"file": SimpleUploadedFile("tieu-chi.xlsx", workbook_bytes(rows))})
    assert response.status_code == 302
    assert ReformArea.objects.filter(scheme=scheme).count() == 7 and Criterion.objects.filter(scheme=scheme).count() == 7


def test_criteria_that_do_not_add_up_are_named_on_the_row_that_states_the_sum(district, commune_a, district_office):
    scheme = services.scheme_create(unit=district, year=2021, by=district_office)
    rows = [["1", "Công tác chỉ đạo, điều hành", 14, "", "", ""],
            ["1.1", "Kế hoạch CCHC", 6, "Đơn vị tự chấm", "", ""],
            ["1.2", "Báo cáo CCHC", 6, "Tự động", "reports_on_time", "100=1; 75=0,5"]]
    report = scheme_import(scheme=scheme, source=BytesIO(workbook_bytes(rows)), filename="tieu-chi.xlsx")
    assert not report.ok and any(line.startswith("Dòng 3:") for line in report.errors), report.errors
    assert not ReformArea.objects.filter(scheme=scheme).exists()


# -- computed criteria -----------------------------------------------------------------------------------


def test_a_computed_criterion_equals_the_reports_figure_of_the_same_year(district, commune_a, commune_b, district_office):
    procedure = procedure_make("1.001193", "Đăng ký khai sinh", post_at=[commune_a])
    # 2025's window: 15/12/2024 – 14/12/2025. Four resolved (early, on time, on time, late), one pending.
    for outcome, day in (("early", 3), ("on_time", 5), ("on_time", 6), ("late", 10)):
        make_dossier(procedure=procedure, unit=commune_a, received_at=vn(2025, 3, day, 8), due_at=vn(2025, 3, day + 3, 17),
                     status="resolved", resolved_at=vn(2025, 3, day + 3, 9), outcome=outcome, channel="online")
    make_dossier(procedure=procedure, unit=commune_a, received_at=vn(2025, 5, 5, 8), due_at=vn(2025, 5, 8, 17))
    make_dossier(procedure=procedure, unit=commune_a, received_at=vn(2026, 3, 5, 8), due_at=vn(2026, 3, 8, 17),
                 status="resolved", resolved_at=vn(2026, 3, 6, 9), outcome="late")  # another year: not counted

    scheme = services.scheme_create(unit=district, year=2025, by=district_office)
    rows = [["1", "Công tác chỉ đạo, điều hành", 1, "", "", ""],
            ["1.1", "Báo cáo định kỳ gửi đúng hạn", 1, "Tự động", "reports_on_time", "100"],
            ["3", "Cải cách thủ tục hành chính", 6, "", "", ""],
            ["3.1", "Tỷ lệ hồ sơ giải quyết đúng hạn", 4, "Tự động", "resolved_on_time", "100"],
            ["3.2", "Tỷ lệ hồ sơ trực tuyến", 2, "Tự động", "online", "50=1; 20=0,5"]]
    # Commune A sent its first quarter's report by the 17th, and no other (reports.services.submission_rows).
    from reports.models import ReportSubmission
    from reports.services import report_submit

    report_submit(unit=commune_a, period=parse_period("2025-Q1"), by=district_office)
    ReportSubmission.objects.update(submitted_at=vn(2025, 3, 16, 10))
    assert scheme_import(scheme=scheme, source=BytesIO(workbook_bytes(rows)), filename="tieu-chi.xlsx").ok
    services.scheme_open(scheme=scheme, by=district_office)

    figures = build_report(commune_a, parse_period("2025")).figures.totals
    on_time = Score.objects.get(scorecard__unit=commune_a, criterion__code="3.1")
    assert on_time.value == figures["rates"]["resolved_on_time"] == Decimal("75.00")
    assert on_time.inputs["part"] == 3 and on_time.inputs["whole"] == figures["resolved"]["total"] == 4
    assert on_time.self_points == Decimal("3.00")  # 4 points × 75 / 100
    assert any("figure=early_on_time" in url and "period=2025" in url for _label, url in on_time.inputs["links"])
    online = Score.objects.get(scorecard__unit=commune_a, criterion__code="3.2")
    assert online.value == figures["rates"]["online"] == Decimal("80.00") and online.self_points == Decimal("2.00")
    reports = Score.objects.get(scorecard__unit=commune_a, criterion__code="1.1")
    assert (reports.value, reports.inputs["part"], reports.inputs["whole"], reports.self_points) == (Decimal("25.00"), 1, 4, Decimal("0.25"))
    # Commune B has no dossier: nothing to divide, no points by default.
    assert Score.objects.get(scorecard__unit=commune_b, criterion__code="3.1").value is None
    assert ScoreChange.objects.filter(score=on_time, stage="computed", by=district_office).count() == 1


# -- history ---------------------------------------------------------------------------------------------


def test_a_re_score_keeps_the_history(client, district, commune_a, district_office, focal_a):
    scheme = imported_scheme(district, district_office)
    services.scheme_open(scheme=scheme, by=district_office)
    scorecard = Scorecard.objects.get(scheme=scheme, unit=commune_a)
    score = scorecard.scores.get(criterion__code="3.1")

    client.force_login(focal_a)
    url = reverse("cchc:score-self", args=[scorecard.pk, score.pk])
    refused = client.post(url, {f"s{score.pk}-points": "30", f"s{score.pk}-note": "Quá điểm tối đa"})
    assert refused.status_code == 200 and b"Qu\xc3\xa1 \xc4\x91i\xe1\xbb\x83m t\xe1\xbb\x91i \xc4\x91a" in refused.content
    score.refresh_from_db()
    assert score.self_points is None  # nothing changed, the form keeps what was typed
    evidence = SimpleUploadedFile("bao-cao-cchc.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")
    response = client.post(url, {f"s{score.pk}-points": "20", f"s{score.pk}-note": "Đủ hồ sơ", f"s{score.pk}-evidence": evidence})
    assert response.status_code == 302
    download = client.get(reverse("cchc:evidence", args=[Evidence.objects.get(score=score).pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 evidence"
    for other in scorecard.scores.exclude(pk=score.pk):
        services.score_self(score=other, points=Decimal(1), note="", by=focal_a)
    assert client.post(reverse("cchc:scorecard-submit", args=[scorecard.pk])).status_code == 302

    client.force_login(district_office)
    appraise = reverse("cchc:score-appraise", args=[scorecard.pk, score.pk])
    no_reason = client.post(appraise, {f"a{score.pk}-decision": "change", f"a{score.pk}-points": "18", f"a{score.pk}-reason": ""})
    assert no_reason.status_code == 200
    score.refresh_from_db()
    assert score.points is None
    assert client.post(appraise, {f"a{score.pk}-decision": "change", f"a{score.pk}-points": "18",
                                  f"a{score.pk}-reason": "Thiếu kế hoạch kiểm soát TTHC"}).status_code == 302
    appraise_every_unit(scheme, district_office)
    services.scheme_publish(scheme=scheme, by=district_office)
    # Scored again after a correction, once published.
    assert client.post(appraise, {f"a{score.pk}-decision": "change", f"a{score.pk}-points": "19,5",
                                  f"a{score.pk}-reason": "Đã bổ sung kế hoạch (đính chính)"}).status_code == 302

    history = list(ScoreChange.objects.filter(score=score).order_by("at", "id").values_list("stage", "points_before", "points", "reason", "by"))
    assert history == [
        ("self", None, Decimal("20.00"), "Đủ hồ sơ", focal_a.pk),
        ("appraisal", Decimal("20.00"), Decimal("18.00"), "Thiếu kế hoạch kiểm soát TTHC", district_office.pk),
        ("appraisal", Decimal("18.00"), Decimal("19.50"), "Đã bổ sung kế hoạch (đính chính)", district_office.pk),
    ]
    page = client.get(reverse("cchc:scorecard", args=[scorecard.pk]))
    assert "Đã bổ sung kế hoạch (đính chính)" in page.content.decode()


def test_self_scoring_closes_at_the_end_of_its_day(district, commune_a, district_office, focal_a):
    from datetime import date

    from cchc.services import CchcError

    scheme = imported_scheme(district, district_office)
    scheme.self_scoring_until = date(2022, 1, 31)
    scheme.save(update_fields=["self_scoring_until"])
    services.scheme_open(scheme=scheme, by=district_office)
    score = Scorecard.objects.get(scheme=scheme, unit=commune_a).scores.first()
    services.score_self(score=score, points=Decimal(1), note="", by=focal_a, now=vn(2022, 1, 31, 23, 59))
    with pytest.raises(CchcError):
        services.score_self(score=score, points=Decimal(2), note="", by=focal_a, now=vn(2022, 2, 1, 0, 1))
    score.refresh_from_db()
    assert score.self_points == Decimal("1.00") and score.changes.count() == 1


# -- who sees what ---------------------------------------------------------------------------------------


@pytest.fixture
def other_district(province):
    district = UnitFactory(code="288", name="Huyện Thanh Hà", level="district", parent=province)
    UnitFactory(code="10990", name="Xã Thanh Hải", level="commune", parent=district)
    return district


def test_another_districts_staff_are_refused_every_screen(client, district, commune_a, district_office, focal_a, other_district):
    scheme = imported_scheme(district, district_office)
    services.scheme_open(scheme=scheme, by=district_office)
    scorecard = Scorecard.objects.get(scheme=scheme, unit=commune_a)
    score = scorecard.scores.first()
    services.score_self(score=score, points=Decimal(1), note="", by=focal_a)
    evidence = services.evidence_add(score=score, upload=SimpleUploadedFile("a.pdf", b"%PDF"), by=focal_a)
    appraise_every_unit(scheme, district_office)
    services.scheme_publish(scheme=scheme, by=district_office)

    screens = [
        ("get", reverse("cchc:scheme-detail", args=[scheme.pk]), {}),
        ("post", reverse("cchc:scheme-import", args=[scheme.pk]), {}),
        ("post", reverse("cchc:scheme-step", args=[scheme.pk, "compute"]), {}),
        ("get", reverse("cchc:results", args=[scheme.pk]), {}),
        ("get", reverse("cchc:results-xlsx", args=[scheme.pk]), {}),
        ("get", reverse("cchc:results-pdf", args=[scheme.pk]), {}),
        ("get", reverse("cchc:scorecard", args=[scorecard.pk]), {}),
        ("post", reverse("cchc:scorecard-submit", args=[scorecard.pk]), {}),
        ("post", reverse("cchc:score-self", args=[scorecard.pk, score.pk]), {f"s{score.pk}-points": "1"}),
        ("post", reverse("cchc:score-appraise", args=[scorecard.pk, score.pk]), {f"a{score.pk}-decision": "agree"}),
        ("get", reverse("cchc:evidence", args=[evidence.pk]), {}),
    ]
    for role in (Role.DISTRICT_OFFICE, Role.UNIT_LEADER, Role.FOCAL_OFFICER):
        outsider = staff(other_district, role, f"thanh-ha-{role}")
        client.force_login(outsider)
        for method, url, data in screens:
            response = getattr(client, method)(url, data)
            assert response.status_code in (403, 404), f"{role} {method} {url} → {response.status_code}"
        listing = client.get(reverse("cchc:index"))
        assert listing.status_code == 200 and scheme.title not in listing.content.decode()
    assert Score.objects.get(pk=score.pk).points == Decimal(1) and score.changes.count() == 2  # its own and the appraisal
    assert Scheme.objects.get(pk=scheme.pk).status == SchemeStatus.PUBLISHED


def test_a_commune_scores_only_itself_and_the_unit_above_appraises(client, district, commune_a, commune_b, district_office,
                                                                  focal_a, focal_b, leader_a):
    scheme = imported_scheme(district, district_office)
    services.scheme_open(scheme=scheme, by=district_office)
    card_a = Scorecard.objects.get(scheme=scheme, unit=commune_a)
    score = card_a.scores.first()
    client.force_login(focal_b)
    assert client.get(reverse("cchc:scorecard", args=[card_a.pk])).status_code == 404
    assert client.post(reverse("cchc:score-self", args=[card_a.pk, score.pk]), {f"s{score.pk}-points": "1"}).status_code == 404
    # Before publication a commune sees its own scorecard, never the ranking.
    client.force_login(leader_a)
    assert client.get(reverse("cchc:scorecard", args=[card_a.pk])).status_code == 200
    assert client.get(reverse("cchc:results", args=[scheme.pk])).status_code == 403
    assert client.post(reverse("cchc:score-appraise", args=[card_a.pk, score.pk]),
                       {f"a{score.pk}-decision": "agree"}).status_code == 403
    # The district's office may not score a commune in its place.
    client.force_login(district_office)
    assert client.post(reverse("cchc:score-self", args=[card_a.pk, score.pk]), {f"s{score.pk}-points": "1"}).status_code == 403
    assert Score.objects.get(pk=score.pk).self_points is None


# -- the URL matrix's objects (tests/integration/test_url_matrix.py) -----------------------------------------


def cchc_of_a(w):
    """Commune A's objects of the index and of an inspection, made once per world: the district's scheme (open,
    not published) with A's scorecard, a score and its evidence file; the district's plan inspecting A, with a
    finding and its request to fix."""
    from types import SimpleNamespace

    if getattr(w, "cchc", None) is None:
        district = w.unit_a.parent
        scheme = services.scheme_create(unit=district, year=2025, by=None)
        assert scheme_import(scheme=scheme, source=BytesIO(workbook_bytes(seven_fields_rows())), filename="t.xlsx").ok
        services.scheme_open(scheme=scheme, by=None)
        scorecard = Scorecard.objects.get(scheme=scheme, unit=w.unit_a)
        score = scorecard.scores.order_by("criterion__position").first()
        evidence = services.evidence_add(score=score, upload=SimpleUploadedFile("minh-chung.pdf", b"%PDF"), by=None)
        plan = services.plan_create(unit=district, year=2026, kind="inspection", title="Kiểm tra CCHC", decision="", by=None)
        inspection = services.inspection_add(plan=plan, unit=w.unit_a, topics="Công khai TTHC", starts_on=vn(2026, 9, 9).date(),
                                             ends_on=vn(2026, 9, 10).date(), team="")
        finding = services.finding_record(inspection=inspection, description="Thiếu niêm yết", by=None,
                                          request="Niêm yết đủ", working_days=Decimal(5))
        w.cchc = SimpleNamespace(scheme=scheme, scorecard=scorecard, score=score, evidence=evidence, plan=plan,
                                 inspection=inspection, fix=finding.fixes.get())
    return w.cchc


def test_the_bands_are_data_the_unit_above_may_change_before_publication(client, district, commune_a, district_office,
                                                                          leader_a):
    """With a floor of 60 % for "Hoàn thành tốt nhiệm vụ", a commune at 86 % with one field at 60 % no longer falls."""
    scheme = imported_scheme(district, district_office)
    services.scheme_open(scheme=scheme, by=district_office)
    scorecard = Scorecard.objects.get(scheme=scheme, unit=commune_a)
    for score, points in zip(scorecard.scores.order_by("criterion__position"), field_points(planned_percentages(0, "Ngọc Kỳ"))):
        services.score_self(score=score, points=points, note="", by=leader_a)
    assert next(row for row in results(scheme) if row.unit == commune_a).band_name == DONE

    bands = [(EXCELLENT, "90", "on", "80"), (GOOD, "80", "", "60"), (DONE, "65", "on", "50"), (NOT_DONE, "0", "on", "0")]
    data = {"band-TOTAL_FORMS": "4", "band-INITIAL_FORMS": "4", "band-MIN_NUM_FORMS": "2", "band-MAX_NUM_FORMS": "8"}
    for number, (name, total, included, floor) in enumerate(bands):
        data.update({f"band-{number}-name": name, f"band-{number}-min_total": total, f"band-{number}-field_floor": floor})
        if included:
            data[f"band-{number}-min_total_included"] = included
    client.force_login(leader_a)
    assert client.post(reverse("cchc:bands-edit", args=[scheme.pk]), data).status_code == 403
    client.force_login(district_office)
    # Out of order: refused whole, the form keeps what was typed.
    swapped = {**data, "band-0-min_total": "60"}
    response = client.post(reverse("cchc:bands-edit", args=[scheme.pk]), swapped)
    assert response.status_code == 200 and response.context["band_formset"].non_form_errors()
    assert scheme.bands.get(name=GOOD).field_floor == Decimal(70)
    assert client.post(reverse("cchc:bands-edit", args=[scheme.pk]), data).status_code == 302
    assert next(row for row in results(scheme) if row.unit == commune_a).band_name == GOOD


def test_the_results_are_read_in_a_fixed_number_of_queries(district, tu_ky_communes, district_office,
                                                           django_assert_max_num_queries):
    scheme = imported_scheme(district, district_office)
    services.scheme_open(scheme=scheme, by=district_office)
    with django_assert_max_num_queries(5):  # fields, bands, scorecards, the points summed in SQL, last year's scheme
        rows = results(scheme)
    assert len(rows) == 23


def test_the_example_file_imports_as_it_is(client, district, commune_a, district_office):
    client.force_login(district_office)
    example = client.get(reverse("cchc:scheme-template"))
    assert example.status_code == 200
    scheme = services.scheme_create(unit=district, year=2021, by=district_office)
    report = scheme_import(scheme=scheme, source=BytesIO(example.content), filename="mau.xlsx")
    assert report.ok, report.errors
    assert report.areas == 7 and Criterion.objects.filter(scheme=scheme, method="computed").count() == 2


def test_opening_a_scheme_writes_the_scorecards_the_scores_and_their_history_in_one_insert_each(
    district, tu_ky_communes, commune_a, commune_b, district_office,
):
    """23 communes × 3 criteria: one INSERT of scorecards, one of scores, one of the computed points' history
    (the audit trigger records bulk inserts as it records single ones)."""
    import re
    from collections import Counter

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    procedure = procedure_make("1.001193", "Đăng ký khai sinh", post_at=[commune_a, commune_b])
    for unit, outcome in ((commune_a, "early"), (commune_b, "late")):
        make_dossier(procedure=procedure, unit=unit, received_at=vn(2025, 3, 3, 8), due_at=vn(2025, 3, 6, 17),
                     status="resolved", resolved_at=vn(2025, 3, 5, 9), outcome=outcome, channel="online")
    scheme = services.scheme_create(unit=district, year=2025, by=district_office)
    rows = [["1", "Công tác chỉ đạo, điều hành", 1, "", "", ""],
            ["1.1", "Có kế hoạch CCHC năm", 1, "Tự chấm", "", ""],
            ["3", "Cải cách thủ tục hành chính", 6, "", "", ""],
            ["3.1", "Tỷ lệ hồ sơ giải quyết đúng hạn", 4, "Tự động", "resolved_on_time", "100"],
            ["3.2", "Tỷ lệ hồ sơ trực tuyến", 2, "Tự động", "online", "50=1; 20=0,5"]]
    assert scheme_import(scheme=scheme, source=BytesIO(workbook_bytes(rows)), filename="tieu-chi.xlsx").ok
    with CaptureQueriesContext(connection) as captured:
        services.scheme_open(scheme=scheme, by=district_office)
    inserts = Counter(match[1] for query in captured if (match := re.match(r'INSERT INTO "(\w+)"', query["sql"])))
    assert (inserts["cchc_scorecard"], inserts["cchc_score"], inserts["cchc_scorechange"]) == (1, 1, 1)
    units = len(tu_ky_communes)
    assert Scorecard.objects.filter(scheme=scheme).count() == units
    assert Score.objects.filter(scorecard__scheme=scheme).count() == units * 3
    # Every computed score that got points has the line of history saying so, by whom and from which records.
    computed = Score.objects.filter(scorecard__scheme=scheme, criterion__method="computed", self_points__isnull=False)
    history = ScoreChange.objects.filter(score__scorecard__scheme=scheme, stage="computed", by=district_office,
                                         points_before__isnull=True, reason__contains="2025")
    assert computed.exists() and sorted(history.values_list("score_id", flat=True)) == sorted(computed.values_list("pk", flat=True))
