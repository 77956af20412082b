"""The front door (issue 19): "/" for someone not signed in is the office's public home with its four doors
(the lookup, the posted procedures, feedback, rating), the office's address, hours and hotline and the staff's
sign-in; signed-in staff keep their home. Every public page wears the same header and menu."""
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from dossiers.services import Applicant, dossier_receive
from dossiers.tickets.services import ticket_receive
from motcua import tokens
from tests.factories import PASSWORD, procedure_make

pytestmark = pytest.mark.django_db

HOME = reverse("motcua:home")
NAV = re.compile(r'<nav class="public-nav".*?</nav>', re.S)


@pytest.fixture
def office(settings):
    settings.OFFICE_ADDRESS = "Số 1 đường Trần Hưng Đạo, xã Ngọc Kỳ"
    settings.OFFICE_HOTLINE = "0220 3741 234"
    settings.OFFICE_HOURS = ""


@pytest.fixture
def certification(commune_a):
    return procedure_make("2.000815", "Chứng thực bản sao từ bản chính giấy tờ, văn bản", field=("CT", "Chứng thực"),
                          days=0, post_at=[commune_a])


def test_an_anonymous_visitor_finds_the_four_doors_and_the_office(client, office, commune_a):
    response = client.get(HOME)
    assert response.status_code == 200
    page = response.content.decode()
    for door in ("door-lookup", "door-procedures", "door-feedback", "door-rating"):
        assert f'data-testid="{door}"' in page
    assert f'action="{reverse("lookup:lookup")}"' in page and 'name="phone4"' in page
    assert f'href="{reverse("tickets:submit")}"' in page and "Gửi phản ánh, kiến nghị" in page
    assert f'href="{reverse("ratings:online")}"' in page and "Đánh giá sự hài lòng" in page
    assert "Số 1 đường Trần Hưng Đạo, xã Ngọc Kỳ" in page and "0220 3741 234" in page
    # The hours come from the working calendar's sessions when none are configured.
    assert "Thứ Hai đến Thứ Sáu: 07:30–11:30, 13:30–17:30" in page
    assert f'href="{reverse("login")}"' in page and "Đăng nhập (cán bộ)" in page
    # Nothing of the staff home, nothing from outside, no script and no session for the visitor.
    assert "<script" not in page and 'style="' not in page and "http://" not in page and "https://" not in page
    assert "sessionid" not in response.cookies


def test_the_front_door_links_to_the_results_of_this_month_and_the_last(client, office, province):
    page = client.get(HOME).content.decode()
    today = timezone.localdate()
    this = today.strftime("%Y-%m")
    last = (today.replace(day=1) - timezone.timedelta(days=1)).strftime("%Y-%m")
    for month in (this, last):
        assert reverse("results:month", args=[province.key, month]) in page


def test_the_office_without_an_address_or_hotline_shows_only_its_hours(client, settings, commune_a):
    settings.OFFICE_ADDRESS = settings.OFFICE_HOTLINE = ""
    settings.OFFICE_HOURS = "Thứ Hai đến Thứ Sáu, sáng thứ Bảy 7:30–11:30"
    page = client.get(HOME).content.decode()
    assert 'data-testid="office-address"' not in page and 'data-testid="office-hotline"' not in page
    assert "sáng thứ Bảy 7:30–11:30" in page


def test_signed_in_staff_keep_their_home(client, desk_officer_a):
    client.login(username="desk.a", password=PASSWORD)
    response = client.get(HOME)
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "motcua/home.html"
    page = response.content.decode()
    assert 'data-testid="front-door"' not in page and "Xã Ngọc Kỳ" in page


def test_the_catalogue_is_searched_with_or_without_diacritics_from_the_front_door(client, certification, birth_registration):
    url = reverse("public:unit-index")
    for query in ("chung thuc", "Chứng thực", "CHUNG THỰC ban sao"):
        response = client.get(url, {"q": query})
        assert response.status_code == 200
        page = response.content.decode()
        assert "Chứng thực bản sao từ bản chính giấy tờ, văn bản" in page, query
        assert "Xã Ngọc Kỳ" in page
        assert reverse("public:procedure-detail", args=["11089", "2.000815"]) in page
        assert birth_registration.name not in page
    assert "khai sinh" in client.get(url, {"q": "khai sinh"}).content.decode().lower()


def public_pages(commune_a, certification, province, desk) -> list[str]:
    dossier = dossier_receive(unit=commune_a, procedure=certification, by=desk,
                              applicant=Applicant(name="Phạm Văn D", phone="0912345678"))
    ticket = ticket_receive(unit=commune_a, channel="website", sender_name="Lê Văn C", sender_contact="0912000111",
                            content="Góp ý.")
    month = timezone.localdate().strftime("%Y-%m")
    return [
        HOME,
        reverse("lookup:lookup"),
        reverse("lookup:lookup") + f"?code={dossier.code}&phone4=5678",
        reverse("public:unit-index"),
        reverse("public:unit-index") + "?q=chung+thuc",
        reverse("public:unit-procedures", args=[commune_a.code]),
        reverse("public:procedure-detail", args=[commune_a.code, certification.code]),
        reverse("tickets:submit"),
        reverse("tickets:submitted") + "?t=" + tokens.sign(tokens.TICKET_SENT, ticket.code),
        reverse("tickets:public"),
        reverse("tickets:lookup"),
        reverse("tickets:lookup") + f"?code={ticket.code}&phone4=0111",
        reverse("ratings:online"),
        reverse("ratings:online-thanks"),
        reverse("results:index"),
        reverse("results:month", args=[province.key, month]),
        reverse("results:month", args=[commune_a.key, month]),
    ]


def test_every_public_page_wears_the_same_header_and_menu(client, commune_a, agency_a, desk_a, certification, province):
    menus = {}
    for url in public_pages(commune_a, certification, province, desk_a):
        response = client.get(url, REMOTE_ADDR="198.51.100.50")
        assert response.status_code == 200, url
        page = response.content.decode()
        found = NAV.findall(page)
        assert len(found) == 1, url
        menus[url] = re.sub(r' aria-current="page"', "", found[0])
        assert "css/public.css" in page, url
        assert page.count("<footer") == 1 and reverse("login") in page.split("<footer", 1)[1], url
    assert len(set(menus.values())) == 1
    menu = next(iter(menus.values()))
    for label in ("Trang chủ", "Tra cứu hồ sơ", "Thủ tục hành chính", "Phản ánh, kiến nghị", "Đánh giá"):
        assert f">{label}</a>" in menu
    # The rating page says what it is, not "Tra cứu hồ sơ".
    rating = client.get(reverse("ratings:online")).content.decode()
    assert "<title>Đánh giá sự hài lòng" in rating
