"""At the desk in Chromium: five dossiers in a row with the keyboard, the due moment shown live, then one
dossier paused, resumed, resolved by the processing officer and returned by the desk."""
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dossiers.models import Dossier, Status
from dossiers.selectors import format_moment
from motcua.deadlines import compute_due
from motcua.calendar import VN_TZ
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username):
    page.goto("/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_test_id("workplace")).to_be_visible()


def sign_out(page):
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page).to_have_url(re.compile(r"/dang-nhap/"))


def earlier_today():
    now = timezone.localtime(timezone.now(), VN_TZ)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight + (now - midnight) / 2).replace(second=0, microsecond=0)


APPLICANTS = [
    ("Nguyễn Văn An", "030085001234", "0912 345 678"),
    ("Trần Thị Bình", "030190002345", "0987.654.321"),
    ("Lê Văn Cường", "001092003456", "0901234567"),
    ("Phạm Thị Dung", "030185004567", "0934 567 890"),
    ("Hoàng Văn Em", "030095005678", "0977 888 999"),
]


def take_in(page, name, id_number, phone, *, received_at=None):
    """The desk's keyboard path: the procedure without diacritics, Enter picks it, Tab through, Enter saves."""
    page.goto("/ho-so/tiep-nhan/")
    procedure = page.locator("#id_procedure")
    expect(procedure).to_be_focused()
    page.keyboard.type("dang ky khai sinh")
    expect(page.get_by_test_id("procedure-suggestions")).to_contain_text("1.001193")
    page.keyboard.press("Enter")
    expect(procedure).to_have_value(re.compile(r"^1\.001193 "))
    expect(page.get_by_test_id("procedure-info")).to_be_visible()
    expect(page.locator("#component-list")).to_contain_text("Giấy chứng sinh")
    # Tab on through the checklist, ticking each component received, to the applicant's name.
    for _ in range(2):
        page.keyboard.press("Tab")
        page.keyboard.press("Space")
    expect(page.locator("#component-list input:checked")).to_have_count(2)
    page.keyboard.press("Tab")
    expect(page.locator("#id_applicant_name")).to_be_focused()
    if received_at is not None:
        page.locator("#id_received_at").fill(received_at)
        page.locator("#id_received_at").dispatch_event("change")
        page.locator("#id_applicant_name").focus()
    page.keyboard.type(name)
    page.keyboard.press("Tab")
    expect(page.locator("#id_applicant_id_number")).to_be_focused()
    page.keyboard.type(id_number)
    page.keyboard.press("Tab")
    expect(page.locator("#id_applicant_phone")).to_be_focused()
    page.keyboard.type(phone)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/ho-so/[^/]+/\?received=1$"))
    return page.get_by_test_id("dossier-code").inner_text()


def test_a_desk_officer_takes_in_five_dossiers_in_a_row_and_sees_one_through(
    page, desk_officer_a, agency_a, processing_a, birth_registration, signed_decision_pdf
):
    sign_in(page, "desk.a")
    page.locator("nav.nav a[href=\"/ho-so/\"]").click()
    expect(page).to_have_url(re.compile(r"/ho-so/$"))

    # The first one back-dated to earlier today: the preview must show the due moment the server will save.
    moment = earlier_today()
    _start, due = compute_due(received_at=moment, processing_days=Decimal(3), cutoff=None)
    page.goto("/ho-so/tiep-nhan/")
    expect(page.locator("#id_procedure")).to_be_focused()  # typing before the autofocus lands loses keys
    page.keyboard.type("khai sinh")
    expect(page.get_by_test_id("procedure-suggestions")).to_contain_text("1.001193")
    page.keyboard.press("Enter")
    expect(page.locator("#id_procedure")).to_have_value(re.compile(r"^1\.001193 "))
    page.locator("#id_received_at").fill(moment.strftime("%d/%m/%Y %H:%M"))
    page.locator("#id_received_at").dispatch_event("change")
    expect(page.get_by_test_id("due-preview")).to_have_text(format_moment(due))

    codes = [take_in(page, *APPLICANTS[0], received_at=moment.strftime("%d/%m/%Y %H:%M"))]
    expect(page.locator(".messages")).to_contain_text(codes[0])
    expect(page.locator(".messages")).to_contain_text(timezone.localtime(due, VN_TZ).strftime("%H:%M %d/%m/%Y"))
    for applicant in APPLICANTS[1:]:
        codes.append(take_in(page, *applicant))

    day = timezone.localtime(timezone.now(), VN_TZ).strftime("%y%m%d")
    assert codes == [f"000.01.12.H23-{day}-000{n}" for n in range(1, 6)]
    assert list(Dossier.objects.order_by("id").values_list("applicant_phone", flat=True)) == [
        "0912345678", "0987654321", "0901234567", "0934567890", "0977888999"]
    assert Dossier.objects.get(code=codes[0]).due_at == due

    # The board shows them as received today.
    page.goto("/ho-so/")
    expect(page.get_by_test_id("count-today")).to_have_text("5")
    page.locator("#dossier-search").fill("tran thi binh")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("search-results")).to_contain_text(codes[1])
    expect(page.get_by_test_id("search-results")).not_to_contain_text(codes[0])

    # One dossier through pause and resume at the desk …
    code = codes[1]
    page.goto(f"/ho-so/{code}/")
    page.get_by_test_id("step-pause").locator("summary").click()
    page.locator("#id_pause-kind").select_option("supplement")
    page.locator("#id_pause-reason").fill("Thiếu giấy chứng sinh bản chính")
    page.get_by_test_id("do-pause").click()
    expect(page.get_by_test_id("dossier-status")).to_have_attribute("data-status", Status.PAUSED)
    expect(page.get_by_test_id("pauses")).to_contain_text("Thiếu giấy chứng sinh bản chính")
    page.get_by_test_id("step-resume").locator("summary").click()
    page.get_by_test_id("do-resume").click()
    expect(page.get_by_test_id("dossier-status")).to_have_attribute("data-status", Status.IN_PROGRESS)
    sign_out(page)

    # … resolved by the processing officer from the queue …
    sign_in(page, "cm.a")
    page.goto("/ho-so/xu-ly/")
    page.get_by_role("link", name=code).click()
    page.get_by_test_id("step-resolve").locator("summary").click()
    page.locator("#id_resolve-result_file").set_input_files(str(signed_decision_pdf))  # the result, as a file
    page.get_by_test_id("do-resolve").click()
    expect(page.get_by_test_id("dossier-status")).to_have_attribute("data-status", Status.RESOLVED)
    expect(page.get_by_test_id("outcome").locator("[data-state]")).to_have_attribute("data-state", "early")
    sign_out(page)

    # … and the result returned at the desk, which closes it.
    sign_in(page, "desk.a")
    page.goto("/ho-so/")
    expect(page.get_by_test_id("panel-to-return")).to_contain_text(code)
    page.get_by_test_id("panel-to-return").get_by_role("link", name=code).click()
    page.get_by_test_id("step-return").locator("summary").click()
    page.locator("#id_return-channel").select_option("desk")
    page.get_by_test_id("do-return").click()
    expect(page.get_by_test_id("dossier-status")).to_have_attribute("data-status", Status.RETURNED)
    steps = page.get_by_test_id("timeline").locator("tbody tr")
    expect(steps).to_have_count(5)
    assert [steps.nth(i).get_attribute("data-action") for i in range(5)] == ["receive", "pause", "resume", "resolve", "return"]
    dossier = Dossier.objects.get(code=code)
    assert (dossier.status, dossier.result_digitised) == (Status.RETURNED, True)
    assert list(dossier.events.values_list("action", "by__username")) == [
        ("receive", "desk.a"), ("pause", "desk.a"), ("resume", "desk.a"), ("resolve", "cm.a"), ("return", "desk.a")]


def test_a_bad_cccd_is_refused_in_the_browser_and_what_was_typed_stays(page, desk_officer_a, agency_a, birth_registration):
    sign_in(page, "desk.a")
    page.goto("/ho-so/tiep-nhan/")
    page.keyboard.type("1.001193")
    page.locator("#id_applicant_name").fill("Nguyễn Văn An")
    page.locator("#id_applicant_id_number").fill("999085001234")
    page.locator("#id_applicant_phone").fill("0912 345 678")
    page.get_by_test_id("receive").click()
    expect(page.get_by_test_id("form-errors")).to_be_visible()
    expect(page.locator("#id_applicant_name")).to_have_value("Nguyễn Văn An")
    expect(page.locator("#id_applicant_id_number")).to_have_value("999085001234")
    expect(page.locator("#id_procedure")).to_have_value("1.001193")
    expect(page.get_by_test_id("due-preview")).to_have_text(re.compile(r"^\d\d:\d\d ngày \d\d/\d\d/\d{4}"))
    assert not Dossier.objects.exists()
