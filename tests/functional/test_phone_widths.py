"""Every role's main screens on a phone (390×844): no page scrolls sideways, the menu folds into a button, buttons
and menu links are large enough to tap, and the browser refuses no inline style (the CSP allows none).

Wide tables scroll inside their own box (static/css/app.css); a page that grows wider than the screen fails here
with the elements that stick out.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from dossiers.services import Applicant, dossier_receive
from dossiers.tickets.services import ticket_receive
from procedures.services import review_open
from tests.factories import PASSWORD, procedure_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
TAP = 44  # px: the smallest height of a button or a menu link on a phone

# The elements that make the page wider than the screen (outside any box that scrolls or clips them).
STICKING_OUT = """() => {
  const width = document.documentElement.clientWidth, out = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.right <= width + 1) continue;
    let parent = el.parentElement, inside = false;
    while (parent && !inside) { inside = ['auto', 'scroll', 'hidden'].includes(getComputedStyle(parent).overflowX); parent = parent.parentElement; }
    if (!inside) out.push(`${el.tagName.toLowerCase()}.${el.getAttribute('class') || ''}:${Math.round(box.right)}px`);
  }
  return out.slice(0, 5);
}"""


@pytest.fixture
def world(commune_a, agency_a, birth_registration, desk_a, processing_a, focal_a, leader_a, district_office):
    """A commune with dossiers a month overdue (the warnings list them), long names and codes, a review round
    and a feedback ticket: enough for every table of the main screens to have rows."""
    long_one = procedure_make(
        "2.001406", "Chứng thực văn bản thỏa thuận phân chia di sản mà di sản là động sản, quyền sử dụng đất, "
        "quyền sử dụng đất và tài sản gắn liền với đất", field=("CT", "Chứng thực"), days=3, post_at=[commune_a],
    )
    received = timezone.now() - timedelta(days=30)
    dossiers = [
        dossier_receive(
            unit=commune_a, procedure=procedure, by=desk_a, received_at=received + timedelta(hours=number),
            applicant=Applicant(name="Nguyễn Thị Phương Thảo Nguyên", phone="0912345678", id_number="030185009999",
                                address="Thôn Đông Phan, xã Ngọc Kỳ, huyện Tứ Kỳ, tỉnh Hải Dương"),
        )
        for number, procedure in enumerate([birth_registration, long_one] * 3)
    ]
    round_ = review_open(unit=commune_a, year=timezone.localdate().year, by=focal_a)
    ticket = ticket_receive(unit=commune_a, channel="phone", sender_name="Lê Văn Cường", sender_contact="0912000111",
                            content="Phản ánh về thời hạn giải quyết hồ sơ chứng thực " * 5, entered_by=desk_a)
    return {"dossier": dossiers[1], "round": round_, "ticket": ticket, "procedure": long_one, "unit": commune_a}


def pages_of(role: str, world) -> list[str]:
    dossier, unit = world["dossier"], world["unit"]
    staff_common = [
        reverse("motcua:home"), reverse("procedures:procedure-list"),
        reverse("procedures:procedure-detail", args=[world["procedure"].code]),
        reverse("tickets:list"), reverse("ratings:figures"),
    ]
    reporting = [
        reverse("reviews:round-list"), reverse("reviews:round-detail", args=[world["round"].pk]),
        reverse("procedures:procedure-import"), reverse("reports:index"), reverse("reports:dashboard"),
        reverse("reports:warnings"),
    ]
    return {
        "desk": staff_common + [
            reverse("dossiers:board"), reverse("dossiers:queue"), reverse("dossiers:detail", args=[dossier.code]),
            reverse("dossiers:intake"), reverse("tickets:detail", args=[world["ticket"].code]),
            reverse("forms:receipt-pdf", args=[dossier.code]) + "?format=html",
        ],
        "processing": staff_common + [reverse("dossiers:queue"), reverse("dossiers:detail", args=[dossier.code])],
        "focal": staff_common + reporting,
        "leader": staff_common + [reverse("reports:index"), reverse("reports:dashboard"), reverse("reports:warnings")],
        "district": staff_common + reporting + [reverse("reports:index") + f"?unit={unit.code}"],
        "public": [
            reverse("public:unit-index"), reverse("public:unit-procedures", args=[unit.code]),
            reverse("public:procedure-detail", args=[unit.code, world["procedure"].code]),
            reverse("lookup:lookup"), reverse("tickets:submit"), reverse("tickets:public"), reverse("login"),
            reverse("motcua:home"), reverse("public:unit-index") + "?q=chung+thuc", reverse("tickets:lookup"),
            reverse("tickets:lookup") + f"?code={world['ticket'].code}&phone4=0111", reverse("ratings:online"),
            reverse("results:index"),
            reverse("results:month", args=[unit.key, timezone.localdate().strftime("%Y-%m")]),
            reverse("results:month", args=[unit.parent.key, timezone.localdate().strftime("%Y-%m")]),
        ],
    }[role]


USERNAMES = {"desk": "desk.a", "processing": "cm.a", "focal": "focal.a", "leader": "leader.a", "district": "district"}


def sign_in(page, username: str) -> None:
    page.goto(reverse("login"))
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).not_to_have_url(re.compile(r"/dang-nhap/"))


@pytest.mark.parametrize("role", ["desk", "processing", "focal", "leader", "district", "public"])
def test_no_main_page_of_a_role_scrolls_sideways_on_a_phone(page, world, role):
    page.set_viewport_size(PHONE)
    refused = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None)
    if role != "public":
        sign_in(page, USERNAMES[role])
    too_wide = {}
    for path in pages_of(role, world):
        response = page.goto(path)
        assert response.status == 200, f"{path} answered {response.status} for the {role}"
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[path] = (width, page.evaluate(STICKING_OUT))
    assert too_wide == {}
    assert refused == [], "the browser refused an inline style or script"


def test_the_menu_folds_into_a_button_with_links_large_enough_to_tap(page, world):
    page.set_viewport_size(PHONE)
    sign_in(page, "focal.a")
    page.goto(reverse("dossiers:board"))
    menu = page.locator("nav#main-menu")
    expect(menu).to_be_hidden()
    button = page.locator("label.menu-button")
    expect(button).to_be_visible()
    assert button.bounding_box()["height"] >= TAP
    button.click()
    expect(menu).to_be_visible()
    heights = [link.bounding_box()["height"] for link in menu.get_by_role("link").all()]
    assert heights and min(heights) >= TAP
    buttons = [b.bounding_box()["height"] for b in page.locator("main .btn, main button").all() if b.is_visible()]
    assert buttons and min(buttons) >= TAP
    menu.get_by_role("link", name="Báo cáo").click()
    expect(page).to_have_url(re.compile(r"/bao-cao/$"))
    expect(menu).to_be_hidden()  # a new page starts with the menu folded


def test_the_menu_stays_open_on_a_desktop(page, world):
    sign_in(page, "desk.a")
    expect(page.locator("nav#main-menu")).to_be_visible()
    expect(page.locator("label.menu-button")).to_be_hidden()
