"""The counter tablet in Chromium: activated from its link, one tap records a rating, the thank-you page
returns to a blank form by itself; at a tablet's size the three buttons are in view and large."""
import re

import pytest
from playwright.sync_api import expect

from dossiers.ratings.services import kiosk_register
from dossiers.models import Rating

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LEVELS = ("very_satisfied", "satisfied", "unsatisfied")


@pytest.fixture
def activation(commune_a):
    device, token = kiosk_register(unit=commune_a, name="Quầy 1")
    return device, f"/danh-gia/kiosk/kich-hoat/{token}/"


def test_a_citizen_taps_satisfied_and_the_tablet_comes_back_to_a_blank_form(page, activation, commune_a):
    device, link = activation
    page.goto(link)
    expect(page).to_have_url(re.compile(r"/danh-gia/kiosk/$"))
    expect(page.get_by_test_id("kiosk-unit")).to_have_text("Xã Ngọc Kỳ")
    expect(page.get_by_test_id("level-satisfied")).to_contain_text("Hài lòng")
    expect(page.get_by_test_id("level-very_satisfied")).to_contain_text("Rất hài lòng")
    expect(page.get_by_test_id("level-unsatisfied")).to_contain_text("Không hài lòng")

    # The optional part first: a criterion and a comment, then one tap.
    page.locator("details.kiosk-more > summary").click()
    page.locator("label[for='id_criterion_attitude_0']").click()
    page.locator("#id_comment").fill("Cán bộ hướng dẫn tận tình")
    page.get_by_test_id("level-satisfied").click()

    expect(page.get_by_test_id("kiosk-thanks")).to_be_visible()
    rating = Rating.objects.get()
    assert (rating.level, rating.channel, rating.unit, rating.device_id) == ("satisfied", "kiosk", commune_a, device.pk)
    assert rating.criteria == {"attitude": "very_satisfied"} and rating.comment == "Cán bộ hướng dẫn tận tình"

    # Back by itself after 5 seconds, to a blank form.
    expect(page.get_by_test_id("kiosk-form")).to_be_visible(timeout=9_000)
    expect(page).to_have_url(re.compile(r"/danh-gia/kiosk/$"))
    expect(page.locator("#id_comment")).to_have_value("")
    expect(page.locator("input[type=radio]:checked")).to_have_count(0)
    cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
    assert "sessionid" not in cookies
    assert cookies["motcua_kiosk"]["httpOnly"] and cookies["motcua_kiosk"]["sameSite"] == "Strict"


def test_enter_in_the_dossier_code_does_not_send_a_rating(page, activation):
    page.goto(activation[1])
    page.locator("details.kiosk-more > summary").click()
    page.locator("#id_dossier_code").fill("000.01.12.H23-260119-0001")
    page.locator("#id_dossier_code").press("Enter")
    page.wait_for_timeout(500)
    expect(page.get_by_test_id("kiosk-form")).to_be_visible()
    assert Rating.objects.count() == 0


@pytest.mark.parametrize("width,height", [(800, 1280), (1280, 800)])
def test_the_three_buttons_are_in_view_and_large_on_a_tablet(page, activation, width, height):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(activation[1])
    for level in LEVELS:
        button = page.get_by_test_id(f"level-{level}")
        expect(button).to_be_in_viewport(ratio=1)
        box = button.bounding_box()
        assert box["height"] >= 64 and box["width"] >= 64
        assert box["y"] + box["height"] <= height
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # Still in view with the optional part open: the buttons stay at the foot of the screen.
    page.locator("details.kiosk-more > summary").click()
    for level in LEVELS:
        expect(page.get_by_test_id(f"level-{level}")).to_be_in_viewport(ratio=1)
    # The criteria's choices are large touch targets too.
    choice = page.locator("label[for='id_criterion_time_0'] span").bounding_box()
    assert choice["height"] >= 64


def test_a_tablet_without_its_cookie_is_told_it_is_not_registered(page, activation):
    page.goto("/danh-gia/kiosk/")
    expect(page.get_by_test_id("kiosk-unregistered")).to_be_visible()


def test_a_leader_registers_a_tablet_and_the_tablet_opens_its_link(page, commune_a):
    from motcua.models import Role
    from tests.factories import PASSWORD, MembershipFactory

    MembershipFactory(unit=commune_a, role=Role.UNIT_LEADER, user__username="leader.a")
    page.goto("/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill("leader.a")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto("/danh-gia/thiet-bi/")
    form = page.get_by_test_id("register-form")
    form.locator("input[name=name]").fill("Quầy 3")
    form.locator("button[type=submit]").click()
    link = page.get_by_test_id("activation-link").inner_text().strip()
    assert re.fullmatch(r"http://[^/]+/danh-gia/kiosk/kich-hoat/[A-Za-z0-9_-]+/", link)
    expect(page.get_by_test_id("devices")).to_contain_text("Quầy 3")
    page.get_by_role("button", name="Đăng xuất").click()

    page.goto(link)
    expect(page.get_by_test_id("kiosk-unit")).to_have_text("Xã Ngọc Kỳ")
    page.get_by_test_id("level-very_satisfied").click()
    expect(page.get_by_test_id("kiosk-thanks")).to_be_visible()
    assert Rating.objects.get().device.name == "Quầy 3"


def test_a_citizen_rates_a_returned_dossier_on_a_phone(page, commune_a, birth_registration):
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import make_dossier

    procedure = birth_registration
    received = timezone.now() - timedelta(days=5)
    dossier = make_dossier(procedure=procedure, unit=commune_a, code="000.01.12.H23-260119-0007", received_at=received,
                           due_at=received + timedelta(days=3), status="returned", resolved_at=received + timedelta(days=1),
                           applicant_phone="0912345678")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/danh-gia/truc-tuyen/?code={dossier.code}")
    expect(page.locator("#id_code")).to_have_value(dossier.code)
    page.locator("#id_phone4").fill("5678")
    page.locator("#id_phone4").press("Enter")
    form = page.get_by_test_id("online-form")
    expect(form).to_be_visible()
    form.locator("input[name=level][value=satisfied]").check()
    form.locator("input[name=criterion_attitude][value=very_satisfied]").check()
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("online-thanks")).to_be_visible()
    rating = Rating.objects.get()
    assert (rating.channel, rating.dossier_id, rating.level, rating.criteria) == (
        "online", dossier.pk, "satisfied", {"attitude": "very_satisfied"})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
