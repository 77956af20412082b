"""The scheme as the unit above keeps it on screen and in time: criteria typed on screen with the import's checks
(one bad row refuses them all, none once self-scoring began), the calendar enforced (self-scoring, appraisal,
publication each in its window, with the reason when refused), evidence downloads logged as access to personal
data, and the computed criterion "procedures posted on time" equal to a count by hand."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cchc import phases, services
from cchc.importing import scheme_import
from cchc.models import Criterion, Evidence, ReformArea, SchemeStatus, Score, Scorecard
from cchc.services import CchcError
from motcua.models import AuditEvent, Role, today
from procedures.models import Posting
from procedures.services import posting_set
from tests.factories import procedure_make, staff, vn
from tests.integration.test_cchc_index import appraise_every_unit, imported_scheme, workbook_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _evidence_in_a_temporary_directory(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def criteria_post(rows: list[list[str]]) -> dict:
    """The on-screen editor's form: one row per field of reform, criterion or sub-criterion."""
    data = {"crit-TOTAL_FORMS": str(len(rows)), "crit-INITIAL_FORMS": "0", "crit-MIN_NUM_FORMS": "0", "crit-MAX_NUM_FORMS": "400"}
    columns = ("code", "name", "max_points", "method", "metric", "rule", "no_data")
    for index, row in enumerate(rows):
        for column, value in zip(columns, row + [""] * (len(columns) - len(row))):
            data[f"crit-{index}-{column}"] = value
    return data


ROWS = [
    ["1", "Công tác chỉ đạo, điều hành", "4"],
    ["1.1", "Kế hoạch CCHC năm", "2", "self"],
    ["1.2", "Kiểm tra CCHC", "2", "superior"],
    ["3", "Cải cách thủ tục hành chính", "6"],
    ["3.1", "Công khai thủ tục hành chính", "3"],
    ["3.1.1", "Thủ tục được công khai đúng hạn", "2", "computed", "posted_on_time", "100=1; 80=0,5", "full"],
    ["3.1.2", "Niêm yết đầy đủ tại Bộ phận Một cửa", "1", "self"],
    ["3.2", "Tỷ lệ hồ sơ giải quyết đúng hạn", "3", "computed", "resolved_on_time", "95"],
]


# -- criteria on screen --------------------------------------------------------------------------------------


def test_the_unit_above_enters_the_criteria_on_screen_all_rows_or_none(client, district, commune_a, district_office):
    scheme = services.scheme_create(unit=district, year=2025, by=district_office)
    url = reverse("cchc:criteria-edit", args=[scheme.pk])
    client.force_login(district_office)

    bad = [list(row) for row in ROWS]
    bad[2][2] = "hai"  # row 3: the maximum is not a number
    response = client.post(url, criteria_post(bad))
    assert response.status_code == 200
    errors = response.context["criteria_errors"]
    assert any(line.startswith("Dòng 3:") and "hai" in line for line in errors), errors
    assert not any(line.startswith("Dòng 1:") or line.startswith("Dòng 2:") for line in errors)
    assert not ReformArea.objects.filter(scheme=scheme).exists() and not Criterion.objects.filter(scheme=scheme).exists()
    assert 'value="hai"' in response.content.decode()  # the form keeps what was typed

    # A computed criterion without its record, and a field whose maximum is not its criteria's sum: named rows.
    bad = [list(row) for row in ROWS]
    bad[5][4] = ""
    bad[3][2] = "7"
    errors = client.post(url, criteria_post(bad)).context["criteria_errors"]
    assert any(line.startswith("Dòng 6:") for line in errors), errors
    assert not Criterion.objects.filter(scheme=scheme).exists()

    assert client.post(url, criteria_post(ROWS)).status_code == 302
    assert list(ReformArea.objects.filter(scheme=scheme).values_list("code", "max_points")) == [("1", Decimal(4)), ("3", Decimal(6))]
    posted = Criterion.objects.get(scheme=scheme, code="3.1.1")
    assert (posted.method, posted.metric, posted.rule["kind"], posted.rule["no_data"]) == ("computed", "posted_on_time", "bands", "full")
    assert not Criterion.objects.get(scheme=scheme, code="3.1").is_scored
    assert Criterion.objects.get(scheme=scheme, code="1.2").method == "superior"

    # The editor shows the saved rows as typed; emptying a row removes it (sums kept right).
    page = client.get(reverse("cchc:scheme-detail", args=[scheme.pk]))
    initial = [form.initial for form in page.context["criteria_formset"].forms if form.initial]
    assert [row["code"] for row in initial] == [row[0] for row in ROWS]
    assert initial[5]["rule"] == "100=1; 80=0,5" and initial[5]["no_data"] == "full"
    edited = [list(row) for row in ROWS]
    edited[0][2], edited[2] = "2", [""] * 7
    assert client.post(url, criteria_post(edited)).status_code == 302
    assert not Criterion.objects.filter(scheme=scheme, code="1.2").exists()

    # Once the scheme is opened, self-scoring has begun: refused with the reason, nothing changed.
    services.scheme_open(scheme=scheme, by=district_office)
    refused = client.post(url, criteria_post(ROWS), follow=True)
    assert refused.status_code == 200
    assert Criterion.objects.filter(scheme=scheme).count() == 5 and not Criterion.objects.filter(scheme=scheme, code="1.2").exists()
    page = client.get(reverse("cchc:scheme-detail", args=[scheme.pk]))
    assert page.context["criteria_formset"] is None and page.context["criteria_refusal"]
    assert not scheme_import(scheme=scheme, source=BytesIO(workbook_bytes([r[:6] for r in ROWS])), filename="t.xlsx").ok


def test_a_commune_cannot_edit_the_criteria(client, district, commune_a, district_office, leader_a):
    scheme = services.scheme_create(unit=district, year=2025, by=district_office)
    client.force_login(leader_a)
    # A scheme being prepared scores nobody yet: the commune does not even see it.
    assert client.post(reverse("cchc:criteria-edit", args=[scheme.pk]), criteria_post(ROWS)).status_code in (403, 404)
    assert not ReformArea.objects.filter(scheme=scheme).exists()


# -- the calendar ----------------------------------------------------------------------------------------


def dated_scheme(district, district_office):
    scheme = imported_scheme(district, district_office)
    scheme.self_scoring_until, scheme.appraisal_until, scheme.publish_on = date(2022, 1, 31), date(2022, 2, 28), date(2022, 3, 15)
    scheme.save(update_fields=["self_scoring_until", "appraisal_until", "publish_on"])
    return services.scheme_open(scheme=scheme, by=district_office)


def test_each_step_is_accepted_only_in_its_window(district, commune_a, commune_b, district_office, focal_a, focal_b):
    scheme = dated_scheme(district, district_office)
    card_a = Scorecard.objects.get(scheme=scheme, unit=commune_a)
    card_b = Scorecard.objects.get(scheme=scheme, unit=commune_b)
    assert phases.phase_of(scheme, date(2022, 1, 31)).key == phases.SELF_SCORING
    appraisal = phases.phase_of(scheme, date(2022, 2, 1))
    assert appraisal.key == phases.APPRAISAL and (appraisal.starts_on, appraisal.ends_on) == (date(2022, 2, 1), date(2022, 2, 28))
    assert phases.phase_of(scheme, date(2022, 3, 1)).key == phases.PUBLICATION

    for card, officer in ((card_a, focal_a), (card_b, focal_b)):
        for score in card.scores.all():
            services.score_self(score=score, points=Decimal(1), note="", by=officer, now=vn(2022, 1, 20, 9))
    services.scorecard_submit(scorecard=card_a, by=focal_a, now=vn(2022, 1, 25, 9))
    score = card_a.scores.order_by("criterion__position").first()
    # Self-scoring after its last day: refused, the points as they were.
    with pytest.raises(CchcError, match="31/01/2022"):
        services.score_self(score=card_b.scores.first(), points=Decimal(2), note="", by=focal_b, now=vn(2022, 2, 1, 8))
    with pytest.raises(CchcError, match="31/01/2022"):
        services.evidence_add(score=card_b.scores.first(), upload=SimpleUploadedFile("a.pdf", b"%PDF"), by=focal_b,
                              now=vn(2022, 2, 1, 8))
    # Appraisal before self-scoring closed, even of a submitted scorecard, and after its window: refused.
    with pytest.raises(CchcError, match="01/02/2022"):
        services.score_appraise(score=score, points=None, reason="", by=district_office, now=vn(2022, 1, 31, 16))
    with pytest.raises(CchcError, match="28/02/2022"):
        services.score_appraise(score=score, points=None, reason="", by=district_office, now=vn(2022, 3, 1, 8))
    assert Score.objects.get(pk=score.pk).points is None and not score.changes.filter(stage="appraisal").exists()
    for card in (card_a, card_b):
        for each in card.scores.all():
            services.score_appraise(score=each, points=None, reason="", by=district_office, now=vn(2022, 2, 10, 9))
    # Commune B never submitted: appraised on what it scored once its window closed.
    assert set(Scorecard.objects.filter(scheme=scheme).values_list("status", flat=True)) == {"appraised"}

    # Publication before its day: refused; from it: published.
    with pytest.raises(CchcError, match="15/03/2022"):
        services.scheme_publish(scheme=scheme, by=district_office, now=vn(2022, 3, 14, 9))
    assert scheme.__class__.objects.get(pk=scheme.pk).status == SchemeStatus.OPEN
    services.scheme_publish(scheme=scheme, by=district_office, now=vn(2022, 3, 15, 9))
    assert scheme.__class__.objects.get(pk=scheme.pk).status == SchemeStatus.PUBLISHED


def test_publication_waits_for_every_unit_to_be_appraised(district, commune_a, commune_b, district_office):
    scheme = imported_scheme(district, district_office)
    services.scheme_open(scheme=scheme, by=district_office)
    appraise_every_unit(scheme, district_office)
    card_b = Scorecard.objects.get(scheme=scheme, unit=commune_b)
    Score.objects.filter(scorecard=card_b).update(points=None)
    Scorecard.objects.filter(pk=card_b.pk).update(status="submitted")
    with pytest.raises(CchcError) as refused:
        services.scheme_publish(scheme=scheme, by=district_office)
    assert commune_b.name in str(refused.value) and commune_a.name not in str(refused.value)
    assert scheme.__class__.objects.get(pk=scheme.pk).status == SchemeStatus.OPEN


def test_self_scoring_after_its_window_is_refused_on_screen_with_the_reason(client, district, commune_a, district_office, focal_a):
    scheme = imported_scheme(district, district_office)
    closed = today() - timedelta(days=1)
    scheme.self_scoring_until, scheme.appraisal_until = closed, today() + timedelta(days=20)
    scheme.save(update_fields=["self_scoring_until", "appraisal_until"])
    services.scheme_open(scheme=scheme, by=district_office)
    scorecard = Scorecard.objects.get(scheme=scheme, unit=commune_a)
    score = scorecard.scores.order_by("criterion__position").first()
    client.force_login(focal_a)
    page = client.get(reverse("cchc:scorecard", args=[scorecard.pk]))
    phase = page.context["phase"]
    assert phase.key == phases.APPRAISAL and phase.starts_on == today() and phase.ends_on == today() + timedelta(days=20)
    assert f"{today():%d/%m/%Y}" in page.content.decode() and f"{closed:%d/%m/%Y}" in page.content.decode()
    response = client.post(reverse("cchc:score-self", args=[scorecard.pk, score.pk]),
                           {f"s{score.pk}-points": "2", f"s{score.pk}-note": "Nộp muộn"})
    assert response.status_code == 200
    assert f"Đã hết hạn tự chấm điểm từ ngày {closed:%d/%m/%Y}." in response.content.decode()
    score.refresh_from_db()
    assert score.self_points is None and not score.changes.exists()
    # The scheme's page says the phase and its dates too.
    client.force_login(district_office)
    page = client.get(reverse("cchc:scheme-detail", args=[scheme.pk]))
    assert page.context["phase"].key == phases.APPRAISAL and 'data-testid="scheme-phase"' in page.content.decode()


# -- evidence downloads ----------------------------------------------------------------------------------


def test_an_evidence_download_is_logged_and_another_district_is_refused(client, province, district, commune_a, district_office,
                                                                        focal_a):
    from tests.factories import UnitFactory

    scheme = imported_scheme(district, district_office)
    services.scheme_open(scheme=scheme, by=district_office)
    score = Scorecard.objects.get(scheme=scheme, unit=commune_a).scores.first()
    evidence = services.evidence_add(score=score, upload=SimpleUploadedFile("danh-sach-can-bo.pdf", b"%PDF-1.4 names"), by=focal_a)
    logged = AuditEvent.objects.filter(table_name=Evidence._meta.db_table, action="export")

    client.force_login(district_office)
    response = client.get(reverse("cchc:evidence", args=[evidence.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 names"
    assert "no-store" in response["Cache-Control"]
    row = logged.get()
    assert (row.row_id, row.actor_id, row.unit_id) == (str(evidence.pk), district_office.pk, district.pk)
    assert row.after["unit"] == commune_a.code and row.after["criterion"] == score.criterion.code

    other = UnitFactory(code="288", name="Huyện Thanh Hà", level="district", parent=province)
    for role in (Role.DISTRICT_OFFICE, Role.UNIT_LEADER):
        client.force_login(staff(other, role, f"thanh-ha-{role}"))
        assert client.get(reverse("cchc:evidence", args=[evidence.pk])).status_code == 404
    assert logged.count() == 1


# -- the computed criterion "procedures posted on time" ---------------------------------------------------------


def test_procedures_posted_on_time_equal_a_count_by_hand(client, district, commune_a, commune_b, district_office):
    """Year 2025 (window 15/12/2024 – 14/12/2025). A procedure taking effect on Monday 03/03/2025 is posted on time
    by Monday 10/03/2025 (5 working days); one with only a decision date counts from it; one with neither date is
    on time once both posting dates are recorded."""
    def posted(code, unit, desk, website, **dates):
        procedure = procedure_make(code, f"Thủ tục {code}", **dates)
        posting_set(unit=unit, procedure=procedure, since=date(2025, 3, 1), posted_at_desk=desk, posted_on_website=website)

    march = date(2025, 3, 3)
    posted("1.000001", commune_a, date(2025, 3, 5), date(2025, 3, 10), effective_from=march)   # both on time (the last day)
    posted("1.000002", commune_a, date(2025, 3, 5), date(2025, 3, 11), effective_from=march)   # website a day late
    posted("1.000003", commune_a, date(2025, 3, 4), date(2025, 3, 4), decision_date=march)     # both on time
    posted("1.000004", commune_a, date(2025, 4, 1), None)                                      # no date: desk only
    posted("1.000005", commune_a, date(2025, 3, 12), date(2025, 3, 5), effective_from=march)   # desk late
    posted("1.000006", commune_b, date(2025, 3, 4), date(2025, 3, 4), effective_from=march)    # another commune

    # The count by hand, independent of the SQL: the deadline is 10/03/2025 for the three procedures taking effect
    # (or decided) on 03/03/2025 — no holiday that week — and none for the one without dates.
    deadline = {"1.000001": date(2025, 3, 10), "1.000002": date(2025, 3, 10), "1.000003": date(2025, 3, 10),
                "1.000004": None, "1.000005": date(2025, 3, 10)}

    def on_time(day, limit):
        return day is not None and (limit is None or day <= limit)

    rows = Posting.objects.filter(unit=commune_a).select_related("procedure")
    both = sum(1 for p in rows if on_time(p.posted_at_desk, deadline[p.procedure.code]) and on_time(p.posted_on_website, deadline[p.procedure.code]))
    desk = sum(1 for p in rows if on_time(p.posted_at_desk, deadline[p.procedure.code]))
    website = sum(1 for p in rows if on_time(p.posted_on_website, deadline[p.procedure.code]))
    assert (len(rows), both, desk, website) == (5, 2, 4, 3)

    scheme = services.scheme_create(unit=district, year=2025, by=district_office)
    report = scheme_import(scheme=scheme, source=BytesIO(workbook_bytes([
        ["3", "Cải cách thủ tục hành chính", 2, "", "", ""],
        ["3.1", "Thủ tục được công khai đúng hạn", 2, "Tự động", "posted_on_time", "100"],
    ])), filename="t.xlsx")
    assert report.ok, report.errors
    services.scheme_open(scheme=scheme, by=district_office)
    score = Score.objects.get(scorecard__unit=commune_a, criterion__code="3.1")
    assert score.value == Decimal(100 * both / len(rows)).quantize(Decimal("0.01")) == Decimal("40.00")
    assert (score.inputs["part"], score.inputs["whole"], score.inputs["desk"], score.inputs["website"]) == (both, len(rows), desk, website)
    assert score.self_points == Decimal("0.80")  # 2 points × 40 / 100
    assert Score.objects.get(scorecard__unit=commune_b, criterion__code="3.1").value == Decimal("100.00")
    # The postings behind it: the service index's lists of the same window.
    client.force_login(district_office)
    labels = [label for label, _url in score.inputs["links"]]
    assert len(labels) == 3
    for _label, url in score.inputs["links"]:
        assert f"unit={commune_a.code}" in url and "period=2025" in url
        assert client.get(url).status_code == 200
    listed = client.get(score.inputs["links"][1][1])
    assert listed.context["page"].paginator.count == desk
