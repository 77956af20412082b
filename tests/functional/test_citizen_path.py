"""A citizen's whole path on a phone (390×844), in real Chromium (issue 19): the front door, the lookup from it,
the countdown in working time, and the rating opened from the lookup without typing the digits again. No page
scrolls sideways, the browser refuses no inline style, and nothing is asked from outside the server."""
from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dossiers.models import Rating
from dossiers.services import (
    Applicant, dossier_receive, dossier_resolve, dossier_return, dossier_start, dossier_transfer,
)
from tests.factories import vn

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
CITIZEN = Applicant(name="Nguyễn Thị Phương Thảo", id_number="030185009999", phone="0912 345 678",
                    address="Thôn Đông Phan, xã Ngọc Kỳ")
NOW = vn(2026, 1, 20, 14, 30)  # Tuesday afternoon


@pytest.fixture
def dossiers(commune_a, agency_a, birth_registration, desk_a, processing_a, monkeypatch):
    """One dossier still being handled (received Monday 19/01 08:00, due Thursday 22/01 08:00) and one
    whose result was returned last week; the clock reads Tuesday 20/01 14:30 (server and test alike)."""
    pending = dossier_receive(unit=commune_a, procedure=birth_registration, applicant=CITIZEN, by=desk_a,
                              received_at=vn(2026, 1, 19, 8, 0))
    done = dossier_receive(unit=commune_a, procedure=birth_registration, applicant=CITIZEN, by=desk_a,
                           received_at=vn(2026, 1, 12, 8, 0))
    done = dossier_transfer(dossier=done, by=desk_a, officer=processing_a, at=vn(2026, 1, 12, 8, 30))
    done = dossier_start(dossier=done, by=processing_a, at=vn(2026, 1, 12, 9, 0))
    done = dossier_resolve(dossier=done, by=processing_a, at=vn(2026, 1, 14, 10, 0))
    done = dossier_return(dossier=done, by=desk_a, at=vn(2026, 1, 14, 15, 0))
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return {"pending": pending, "done": done}


def too_wide(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth") - PHONE["width"]


def look_up_from_the_front_door(page, code: str) -> None:
    page.goto("/")
    door = page.get_by_test_id("door-lookup")
    door.get_by_label("Mã hồ sơ").fill(code)
    door.get_by_label("4 số cuối", exact=False).fill("5678")
    door.get_by_role("button", name="Tra cứu").click()
    expect(page).to_have_url(re.compile(r"/tra-cuu/\?"))


def test_a_citizen_goes_from_the_front_door_to_the_countdown_and_rates_without_the_digits_again(page, dossiers):
    page.set_viewport_size(PHONE)
    refused = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None)

    # The front door: four doors, the office, the staff's sign-in; nothing wider than the phone.
    page.goto("/")
    for door in ("door-lookup", "door-procedures", "door-feedback", "door-rating"):
        expect(page.get_by_test_id(door)).to_be_visible()
    expect(page.get_by_test_id("office-hours")).to_contain_text("07:30–11:30")
    expect(page.get_by_role("link", name="Đăng nhập (cán bộ)").first).to_be_visible()
    assert too_wide(page) <= 0

    # The dossier still being handled: the steps and the working time left.
    look_up_from_the_front_door(page, dossiers["pending"].code)
    expect(page.get_by_test_id("lookup-result")).to_contain_text(dossiers["pending"].code)
    expect(page.get_by_test_id("lookup-countdown")).to_have_text("Còn 1 ngày 3 giờ làm việc")
    expect(page.get_by_test_id("lookup-rate")).to_have_count(0)  # not yet to be rated
    expect(page.get_by_test_id("lookup-result")).not_to_contain_text("Nguyễn Thị Phương Thảo")
    assert too_wide(page) <= 0

    # The dossier returned last week: rated from the lookup, the digits not asked again.
    look_up_from_the_front_door(page, dossiers["done"].code)
    expect(page.get_by_test_id("lookup-countdown")).to_have_count(0)
    page.get_by_test_id("lookup-rate").click()
    expect(page).to_have_url(re.compile(r"/danh-gia/truc-tuyen/\?t="))
    assert "5678" not in page.url
    expect(page.get_by_test_id("online-dossier")).to_contain_text(dossiers["done"].code)
    expect(page.locator("#id_phone4")).to_have_count(0)
    assert too_wide(page) <= 0
    form = page.get_by_test_id("online-form")
    form.locator("input[name=level][value=satisfied]").check()
    form.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.get_by_test_id("online-thanks")).to_be_visible()
    assert too_wide(page) <= 0
    rating = Rating.objects.get()
    assert (rating.channel, rating.dossier_id, rating.level) == ("online", dossiers["done"].pk, "satisfied")

    # Every page on the way wore the same menu, and the browser refused nothing.
    expect(page.get_by_test_id("public-nav").get_by_role("link")).to_have_count(5)
    assert refused == []
