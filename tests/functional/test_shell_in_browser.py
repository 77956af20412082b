"""A desk officer signs in, finds their commune, computes a due date and signs out — in Chromium."""
import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username):
    page.goto("/")  # the office's public front door: staff sign in from it
    page.get_by_role("link", name="Đăng nhập (cán bộ)").first.click()
    expect(page).to_have_url(re.compile(r"/dang-nhap/"))
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def test_a_desk_officer_signs_in_and_works_in_their_commune(page, desk_officer_a, commune_b, agency_a):
    sign_in(page, "desk.a")
    expect(page.get_by_test_id("workplace")).to_contain_text("Xã Ngọc Kỳ")
    expect(page.get_by_test_id("workplace")).to_contain_text("Công chức Bộ phận Một cửa")

    page.get_by_role("link", name="Đơn vị", exact=True).click()
    expect(page.locator("table")).to_contain_text("Xã Ngọc Kỳ")
    expect(page.locator("table")).not_to_contain_text("Thị trấn Tứ Kỳ")

    page.get_by_role("link", name="Lịch làm việc").click()
    page.get_by_label("Thời điểm tiếp nhận").fill("16/01/2026 16:00")
    page.get_by_label("Thời hạn giải quyết (ngày làm việc)").fill("3")
    page.get_by_role("button", name="Tính").click()
    expect(page.get_by_test_id("due-result")).to_contain_text("16:00 ngày 21/01/2026")

    page.get_by_role("button", name="Đăng xuất").click()
    expect(page).to_have_url(re.compile(r"/dang-nhap/"))


def test_a_wrong_password_is_answered_in_vietnamese(page, desk_officer_a):
    page.goto("/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill("desk.a")
    page.get_by_label("Mật khẩu").fill("sai-mat-khau")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("alert")).to_contain_text("mật khẩu")
    expect(page.get_by_label("Tên đăng nhập")).to_have_value("desk.a")


def test_the_layout_fits_a_tablet(page, desk_officer_a):
    page.set_viewport_size({"width": 800, "height": 1280})
    sign_in(page, "desk.a")
    expect(page.get_by_test_id("workplace")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 800
