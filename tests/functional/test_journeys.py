"""The journeys of the "Trust" issue, end to end in Chromium, each a test:

a) desk → processing officer → desk → citizen: intake, the slip's PDF carries the code, transfer, pause
   for supplements, resume, resolve, return; the citizen looks the dossier up by code and phone digits,
   follows "Đánh giá sự hài lòng" and rates it online, once;
b) the counter tablet: a leader registers it, the tablet opens its activation link, a citizen rates a
   returned dossier by its code, and the leader finds the rating, tied to the dossier, among those to act on;
c) the catalogue import: a file with one bad row is refused with its line named and nothing written;
   the corrected file is previewed, confirmed, and the procedure is found typing its name without diacritics;
d) the district's quarterly report requested as PDF and as Excel (Celery in-process for this test),
   both downloaded and read back.

Each journey completed adds to the trust figures printed at the end of the run (journeys, steps). Screenshots of a
failed step are kept in test-artifacts/ by the conftest.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from dossiers.models import Dossier, Rating, Status
from motcua.calendar import VN_TZ
from procedures.models import Posting, Procedure
from reports.models import ReportRun, RunStatus
from motcua.periods import quarter_containing
from tests.factories import PASSWORD, birth_registration_make, make_dossier

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = "0912 345 678"
PHONE4 = "5678"


# -- helpers ----------------------------------------------------------------------------------------


class Journey:
    """Counts the steps of a journey; once all are done, adds the journey and its steps to the trust figures."""

    def __init__(self, name: str, trust):
        self.name, self.trust, self.steps = name, trust, []

    def step(self, what: str) -> None:
        self.steps.append(what)

    def done(self, page) -> None:
        assert page.outside_requests == [], f"the page asked for outside resources: {page.outside_requests}"
        self.trust("browser: journeys completed end to end in Chromium", 1)
        self.trust("browser: journey steps completed in Chromium", len(self.steps))


def sign_in(page, username: str) -> None:
    page.goto("/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_test_id("workplace")).to_be_visible()


def sign_out(page) -> None:
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page).to_have_url(re.compile(r"/dang-nhap/"))


def fresh_context(browser, live_server, **options):
    """Another browser (a citizen's phone, the counter tablet): no cookie of the officer's, and, as in
    the conftest, any request outside the live server is refused and recorded."""
    outside: list[str] = []
    context = browser.new_context(base_url=live_server.url, locale="vi-VN", **options)
    context.route("**/*", lambda route: (outside.append(route.request.url), route.abort())
                  if not route.request.url.startswith(live_server.url) else route.continue_())
    return context, outside


def pdf_text(data: bytes) -> str:
    assert data[:5] == b"%PDF-", data[:40]
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def workbook_text(data: bytes) -> str:
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    cells = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(values_only=True):
            cells += [str(value) for value in row if value is not None]
    return "\n".join(cells)


def download(page, locator) -> tuple[str, bytes]:
    """Click a link that answers with an attachment; (suggested file name, content)."""
    with page.expect_download(timeout=30_000) as info:
        locator.click()
    saved = info.value
    return saved.suggested_filename, Path(saved.path()).read_bytes()


@pytest.fixture
def birth_registration(commune_a):
    """The shared one, named without "Thủ tục": the catalogue search of journey c) must find only the
    procedure that journey imports ("tu" is in "tục")."""
    return birth_registration_make(name="Đăng ký khai sinh", post_at=[commune_a])


# -- a) desk → processing officer → desk → citizen ---------------------------------------------------


def test_journey_from_the_desk_to_the_citizen_who_rates_it_online(
    page, browser, live_server, trust, desk_officer_a, agency_a, processing_a, birth_registration, signed_decision_pdf,
):
    journey = Journey("desk→citizen", trust)

    # The desk officer takes the dossier in.
    sign_in(page, "desk.a")
    page.goto("/ho-so/tiep-nhan/")
    page.locator("#id_procedure").fill("1.001193")
    expect(page.get_by_test_id("procedure-info")).to_be_visible()
    page.locator("#id_applicant_name").fill("Trần Thị Bình")
    page.locator("#id_applicant_id_number").fill("030190002345")
    page.locator("#id_applicant_phone").fill(PHONE)
    page.locator("#id_applicant_address").fill("Thôn Đông, xã Ngọc Kỳ")
    page.get_by_test_id("receive").click()
    expect(page).to_have_url(re.compile(r"/ho-so/[^/]+/\?received=1$"))
    code = page.get_by_test_id("dossier-code").inner_text().strip()
    day = timezone.localtime(timezone.now()).strftime("%y%m%d")
    assert code == f"000.01.12.H23-{day}-0001"
    expect(page.get_by_test_id("dossier-status")).to_have_attribute("data-status", Status.RECEIVED)
    journey.step("intake")

    # The slip: the PDF behind "Print the slip" carries the code and the applicant. It is served inline,
    # so Chromium opens it in its viewer (no download event): fetch it with the page's own session.
    slip_url = page.get_by_test_id("print-slip").get_attribute("href")
    assert slip_url == f"/ho-so/in/{code}/giay-tiep-nhan.pdf"
    response = page.request.get(slip_url)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    slip = pdf_text(response.body())
    assert code in slip and "Trần Thị Bình" in slip and birth_registration.name in slip
    journey.step("slip PDF")

    # Transferred to the processing officer.
    page.get_by_test_id("step-transfer").locator("summary").click()
    page.locator("#id_transfer-agency").select_option(str(agency_a.pk))
    page.locator("#id_transfer-officer").select_option(str(processing_a.membership.pk))
    page.locator("#id_transfer-note").fill("Chuyển công chức Tư pháp - Hộ tịch")
    page.get_by_test_id("do-transfer").click()
    expect(page.get_by_test_id("dossier-status")).to_have_attribute("data-status", Status.TRANSFERRED)
    expect(page.get_by_test_id("officer")).to_contain_text(processing_a.first_name)
    sign_out(page)
    journey.step("transfer")

    # The processing officer finds it at the top of their queue, pauses it for supplements …
    sign_in(page, "cm.a")
    page.goto("/ho-so/xu-ly/")
    page.get_by_role("link", name=code).click()
    expect(page.get_by_test_id("dossier-code")).to_have_text(code)
    page.get_by_test_id("step-pause").locator("summary").click()
    page.locator("#id_pause-kind").select_option("supplement")
    page.locator("#id_pause-reason").fill("Thiếu giấy chứng sinh bản chính")
    page.get_by_test_id("do-pause").click()
    expect(page.get_by_test_id("dossier-status")).to_have_attribute("data-status", Status.PAUSED)
    expect(page.get_by_test_id("print-supplement")).to_be_visible()
    journey.step("pause (supplement)")

    # … resumes it when the papers come …
    page.get_by_test_id("step-resume").locator("summary").click()
    page.get_by_test_id("do-resume").click()
    expect(page.get_by_test_id("dossier-status")).to_have_attribute("data-status", Status.IN_PROGRESS)
    journey.step("resume")

    # … and resolves it.
    page.get_by_test_id("step-resolve").locator("summary").click()
    page.locator("#id_resolve-result_file").set_input_files(str(signed_decision_pdf))  # the result, as a file
    page.get_by_test_id("do-resolve").click()
    expect(page.get_by_test_id("dossier-status")).to_have_attribute("data-status", Status.RESOLVED)
    sign_out(page)
    journey.step("resolve")

    # The desk returns the result.
    sign_in(page, "desk.a")
    page.goto("/ho-so/")
    page.get_by_test_id("panel-to-return").get_by_role("link", name=code).click()
    page.get_by_test_id("step-return").locator("summary").click()
    page.locator("#id_return-channel").select_option("desk")
    page.get_by_test_id("do-return").click()
    expect(page.get_by_test_id("dossier-status")).to_have_attribute("data-status", Status.RETURNED)
    steps = page.get_by_test_id("timeline").locator("tbody tr")
    expect(steps).to_have_count(6)
    assert [steps.nth(i).get_attribute("data-action") for i in range(6)] == [
        "receive", "transfer", "pause", "resume", "resolve", "return"]
    dossier = Dossier.objects.get(code=code)
    assert list(dossier.events.order_by("at", "id").values_list("action", "by__username")) == [
        ("receive", "desk.a"), ("transfer", "desk.a"), ("pause", "cm.a"), ("resume", "cm.a"), ("resolve", "cm.a"),
        ("return", "desk.a")]
    journey.step("return")

    # A citizen, on their own phone (no officer's cookie), looks the dossier up …
    context, outside = fresh_context(browser, live_server, viewport={"width": 390, "height": 844})
    try:
        citizen = context.new_page()
        citizen.set_default_timeout(10_000)
        citizen.goto("/tra-cuu/")
        citizen.locator("#id_code").fill(code)
        citizen.locator("#id_phone4").fill(PHONE4)
        citizen.get_by_role("button", name="Tra cứu").click()
        expect(citizen.get_by_test_id("lookup-status")).to_have_text("Đã trả kết quả")
        result = citizen.get_by_test_id("lookup-result")
        expect(result).to_contain_text(code)
        expect(result).not_to_contain_text("Trần Thị Bình")  # nothing personal on the public page
        journey.step("lookup")

        # … follows "Đánh giá sự hài lòng" and rates it online, without typing the digits again (issue 19) …
        citizen.get_by_role("link", name="Đánh giá sự hài lòng").click()
        expect(citizen).to_have_url(re.compile(r"/danh-gia/truc-tuyen/\?t="))
        form = citizen.get_by_test_id("online-form")
        expect(form).to_be_visible()
        form.locator("input[name=level][value=very_satisfied]").check()
        form.locator("input[name=criterion_attitude][value=very_satisfied]").check()
        form.locator("#id_comment").fill("Cán bộ hướng dẫn bổ sung giấy tờ rất rõ ràng")
        form.get_by_role("button", name="Gửi đánh giá").click()
        expect(citizen.get_by_test_id("online-thanks")).to_be_visible()
        rating = Rating.objects.get()
        assert (rating.channel, rating.dossier_id, rating.level, rating.officer.username) == (
            "online", dossier.pk, "very_satisfied", "desk.a")
        journey.step("online rating")

        # … and cannot rate it online a second time.
        citizen.goto(f"/danh-gia/truc-tuyen/?code={code}")
        citizen.locator("#id_phone4").fill(PHONE4)
        citizen.get_by_role("button", name="Tiếp tục").click()
        expect(citizen.get_by_test_id("online-already")).to_be_visible()
        expect(citizen.get_by_test_id("online-form")).to_have_count(0)
        assert Rating.objects.count() == 1
        journey.step("second rating refused")
    finally:
        context.close()
    assert outside == [], f"the citizen's page asked for outside resources: {outside}"
    journey.done(page)


# -- b) the counter tablet -----------------------------------------------------------------------------


def test_journey_of_the_counter_tablet_rating_a_returned_dossier(
    page, browser, live_server, trust, leader_a, commune_a, desk_officer_a, birth_registration,
):
    journey = Journey("kiosk", trust)
    received = timezone.now() - timedelta(days=4)
    dossier = make_dossier(
        procedure=birth_registration, unit=commune_a, code="000.01.12.H23-260119-0042", received_at=received,
        due_at=received + timedelta(days=3), status=Status.RETURNED, resolved_at=received + timedelta(days=1),
        outcome="early", applicant_phone="0912345678", received_by=desk_officer_a,
    )

    # The leader registers the tablet of desk 2 and reads its activation link.
    sign_in(page, "leader.a")
    page.goto("/danh-gia/thiet-bi/")
    page.get_by_test_id("register-form").locator("input[name=name]").fill("Quầy 2")
    page.get_by_test_id("register-form").locator("button[type=submit]").click()
    link = page.get_by_test_id("activation-link").inner_text().strip()
    assert link.startswith(f"{live_server.url}/danh-gia/kiosk/kich-hoat/")
    journey.step("register tablet")

    # The tablet (its own browser) opens the link once; the rating page never shows the token.
    context, outside = fresh_context(browser, live_server, viewport={"width": 800, "height": 1280})
    try:
        tablet = context.new_page()
        tablet.set_default_timeout(10_000)
        tablet.goto(link)
        expect(tablet).to_have_url(re.compile(r"/danh-gia/kiosk/$"))
        expect(tablet.get_by_test_id("kiosk-unit")).to_have_text("Xã Ngọc Kỳ")
        journey.step("activate")

        # A citizen gives the code of their dossier, a comment, and taps "Không hài lòng".
        tablet.locator("details.kiosk-more > summary").click()
        tablet.locator("#id_dossier_code").fill(dossier.code)
        tablet.locator("#id_comment").fill("Phải chờ lâu ở quầy")
        tablet.get_by_test_id("level-unsatisfied").click()
        expect(tablet.get_by_test_id("kiosk-thanks")).to_be_visible()
        journey.step("rate on the tablet")
        expect(tablet.get_by_test_id("kiosk-form")).to_be_visible(timeout=9_000)
        expect(tablet.locator("#id_dossier_code")).to_have_value("")
        journey.step("back to a blank form")
    finally:
        context.close()
    assert outside == [], f"the tablet asked for outside resources: {outside}"

    rating = Rating.objects.get()
    assert (rating.channel, rating.level, rating.device.name, rating.dossier_id, rating.procedure_id, rating.officer_id) == (
        "kiosk", "unsatisfied", "Quầy 2", dossier.pk, birth_registration.pk, desk_officer_a.pk)

    # The leader finds it among the "unsatisfied" ratings to act on, with its dossier.
    page.goto("/danh-gia/")
    unsatisfied = page.get_by_test_id("unsatisfied")
    expect(unsatisfied.locator(f"tr[data-rating='{rating.pk}']")).to_contain_text("Phải chờ lâu ở quầy")
    expect(unsatisfied.get_by_role("link", name=dossier.code)).to_be_visible()
    journey.step("leader reads it")
    journey.done(page)


# -- c) the catalogue import ---------------------------------------------------------------------------

HEADER = ["code", "name", "field_code", "field_name", "level", "processing_days", "fee", "online_level"]
GOOD_ROWS = [
    ["1.001022", "Đăng ký khai tử", "HT", "Hộ tịch", "xã", "0", "Không", "toàn trình"],
    ["2.000908", "Cấp bản sao trích lục hộ tịch", "HT", "Hộ tịch", "xã", "0", "Lệ phí: 8.000 đồng", "một phần"],
]
BAD_ROW = ["2.000908", "Cấp bản sao trích lục hộ tịch", "HT", "Hộ tịch", "thôn", "ba ngày", "Lệ phí: 8.000 đồng", "một phần"]


def csv_file(rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([HEADER, *rows])
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_file(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["DANH MỤC THỦ TỤC HÀNH CHÍNH CẤP XÃ"])  # a title row above the header, as officers keep them
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_journey_of_a_catalogue_file_with_a_bad_row_then_corrected(
    page, trust, focal_a, commune_a, birth_registration,
):
    journey = Journey("catalogue import", trust)
    before = Procedure.objects.count()
    sign_in(page, "focal.a")
    page.goto("/thu-tuc/")
    page.get_by_role("link", name="Nhập tệp danh mục").click()
    expect(page).to_have_url(re.compile(r"/thu-tuc/nhap/$"))
    journey.step("open the import page")

    # The CSV with one bad row (line 3): refused as a whole, the line named.
    page.locator("#id_file").set_input_files(
        files=[{"name": "danh-muc-xa.csv", "mimeType": "text/csv", "buffer": csv_file([GOOD_ROWS[0], BAD_ROW])}])
    page.get_by_role("button", name="Kiểm tra tệp").click()
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_be_visible()
    expect(errors.locator("li")).to_have_count(1)
    expect(errors).to_contain_text("Dòng 3")
    expect(errors).to_contain_text("thôn")
    expect(page.get_by_role("button", name="Nhập vào danh mục")).to_have_count(0)  # nothing to confirm
    assert Procedure.objects.count() == before
    assert not Procedure.objects.filter(code="1.001022").exists()  # not even the good row
    journey.step("bad row named and nothing imported")

    # The corrected file, as Excel, chosen again on the same page: previewed, not yet written.
    page.locator("#id_file").set_input_files(
        files=[{"name": "danh-muc-xa.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": xlsx_file(GOOD_ROWS)}])
    page.get_by_role("button", name="Kiểm tra tệp").click()
    expect(page.get_by_test_id("created")).to_have_text("2")
    expect(page.get_by_test_id("updated")).to_have_text("0")
    expect(page.locator("main")).to_contain_text("Đăng ký khai tử")
    assert Procedure.objects.count() == before
    journey.step("corrected file previewed")

    page.get_by_role("button", name="Nhập vào danh mục").click()
    expect(page).to_have_url(re.compile(r"/thu-tuc/$"))
    expect(page.locator(".messages")).to_contain_text("danh-muc-xa.xlsx")
    assert Procedure.objects.count() == before + 2
    assert Posting.objects.filter(unit=commune_a, procedure__code__in=["1.001022", "2.000908"], is_active=True).count() == 2
    journey.step("confirmed")

    # Found typing its name without diacritics.
    page.locator("#id_q").fill("dang ky khai tu")
    page.locator("#id_q").press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]q=dang\+ky\+khai\+tu"))
    rows = page.locator("table.table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("1.001022")
    expect(rows.first).to_contain_text("Đăng ký khai tử")
    journey.step("found without diacritics")
    journey.done(page)


# -- d) the district's quarterly report ----------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def last_closed_quarter():
    current = quarter_containing(timezone.localdate())
    return quarter_containing(current.first_day - timedelta(days=1))


def test_journey_of_the_district_quarterly_report_as_pdf_and_excel(
    page, trust, celery_in_process, media, district_officer, district, commune_a, commune_b, birth_registration,
):
    journey = Journey("district report", trust)
    quarter = last_closed_quarter()
    moment = datetime.combine(quarter.first_day + timedelta(days=20), time(9, 0), tzinfo=VN_TZ)
    for unit, status in ((commune_a, Status.RETURNED), (commune_a, Status.RECEIVED), (commune_b, Status.RESOLVED)):
        resolved = moment + timedelta(days=1) if status != Status.RECEIVED else None
        make_dossier(procedure=birth_registration, unit=unit, received_at=moment, due_at=moment + timedelta(days=3),
                     status=status, resolved_at=resolved, outcome="early" if resolved else "")

    sign_in(page, "district")
    page.get_by_role("link", name="Báo cáo", exact=True).click()
    expect(page).to_have_url(re.compile(r"/bao-cao/$"))
    # The period is picked: the kind, the year and the quarter.
    page.locator("#period-kind").select_option("quarter")
    page.locator("#period-year").select_option(str(quarter.last_day.year))
    page.locator("#period-quarter").select_option(quarter.key[-1])
    page.get_by_role("button", name="Hiển thị").click()
    expect(page).to_have_url(re.compile(rf"kind=quarter&year={quarter.last_day.year}&quarter={quarter.key[-1]}"))
    expect(page.locator("h1")).to_contain_text("Huyện Tứ Kỳ")
    # The three dossiers of its two communes are counted: one row of the field, received 3.
    expect(page.get_by_test_id("by-field").locator("tbody a[data-figure='received']")).to_have_attribute("data-value", "3")
    journey.step(f"open the report of {quarter.key}")

    files = {}
    for label, fmt in (("PDF", "pdf"), ("Excel", "xlsx")):
        form = page.get_by_test_id("export-form")
        form.locator("select[name=format]").select_option(fmt)
        form.get_by_role("button", name="Yêu cầu xuất báo cáo").click()
        expect(page).to_have_url(re.compile(r"/bao-cao/lan-xuat/\d+/$"))
        # The run page refreshes itself until the job is done; then the download link shows.
        link = page.get_by_test_id("download")
        expect(link).to_be_visible(timeout=60_000)
        expect(page.get_by_test_id("run")).to_have_attribute("data-status", RunStatus.DONE)
        name, content = download(page, link)
        assert name == f"bao-cao-{district.code}-{quarter.key}.{fmt}"
        files[fmt] = content
        journey.step(f"{label} requested and downloaded")
        page.goto(f"/bao-cao/?unit={district.code}&period={quarter.key}")

    text = pdf_text(files["pdf"])
    assert "huyện tứ kỳ" in text.lower(), text[:400]
    cells = workbook_text(files["xlsx"])
    assert "Đơn vị báo cáo: UBND huyện Tứ Kỳ" in cells, cells[:400]
    journey.step("PDF and workbook carry the district")

    runs = ReportRun.objects.filter(unit=district, period_key=quarter.key)
    assert sorted(runs.values_list("format", "status")) == [("pdf", "done"), ("xlsx", "done")]
    journey.done(page)
