"""Satisfaction screens at /danh-gia/: the counter tablet (no sign-in, no session), online rating by
dossier code, paper forms typed in by staff, the tablets' registration and the leader's figures."""
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dossiers.ratings import views as rating_views
from dossiers.ratings.services import kiosk_register, rating_record
from dossiers.models import KioskDevice, Rating, Status
from motcua.calendar import VN_TZ
from motcua.models import Role
from motcua.periods import quarter_containing
from tests.factories import PASSWORD, make_dossier, procedure_make, staff, vn

pytestmark = pytest.mark.django_db

KIOSK = reverse("ratings:kiosk")
THANKS = reverse("ratings:kiosk-thanks")
ONLINE = reverse("ratings:online")
PAPER = reverse("ratings:paper")
DEVICES = reverse("ratings:devices")
FIGURES = reverse("ratings:figures")
COOKIE = rating_views.KIOSK_COOKIE


@pytest.fixture
def land_change(db):
    return procedure_make("1.003003", "Đăng ký biến động đất đai", field=("DD", "Đất đai"))


@pytest.fixture
def desk(desk_a):
    desk_a.first_name, desk_a.last_name = "Thơm", "Lê Thị"
    desk_a.save()
    return desk_a


def closed_dossier(procedure, unit, *, code, status=Status.RETURNED, phone="0912 345 678", received_by=None):
    received = vn(2026, 1, 19, 8, 0)
    return make_dossier(
        procedure=procedure, unit=unit, code=code, received_at=received, due_at=received + timedelta(days=3),
        status=status, resolved_at=received + timedelta(days=2) if status != Status.IN_PROGRESS else None,
        applicant_phone=phone, received_by=received_by,
    )


@pytest.fixture
def returned_dossier(commune_a, birth_registration, desk):
    return closed_dossier(birth_registration, commune_a, code="000.01.12.H23-260119-0001", received_by=desk)


@pytest.fixture
def tablet(commune_a):
    return kiosk_register(unit=commune_a, name="Quầy 1")


def kiosk_client(token) -> Client:
    client = Client()
    client.cookies[COOKIE] = token
    return client


def sign_in(client, username):
    assert client.login(username=username, password=PASSWORD)
    return client


# -- the counter tablet -----------------------------------------------------------------------------


def test_the_kiosk_without_its_cookie_answers_403_and_records_nothing(client, tablet):
    assert client.get(KIOSK).status_code == 403
    response = client.post(KIOSK, {"level": "satisfied"})
    assert response.status_code == 403
    assert client.get(THANKS).status_code == 403
    assert kiosk_client("not-a-token").post(KIOSK, {"level": "satisfied"}).status_code == 403
    assert Rating.objects.count() == 0
    assert "sessionid" not in response.cookies


def test_the_activation_link_leaves_the_token_in_a_long_lived_strict_cookie(client, tablet):
    device, token = tablet
    response = client.get(reverse("ratings:kiosk-activate", kwargs={"token": token}))
    assert response.status_code == 302 and response["Location"] == KIOSK
    assert token not in response["Location"]
    cookie = response.cookies[COOKIE]
    assert cookie.value == token
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and not cookie["secure"]
    assert cookie["max-age"] == 365 * 24 * 60 * 60
    assert response["Referrer-Policy"] == "no-referrer" and response["Cache-Control"] == "no-store"
    assert "sessionid" not in response.cookies
    # The browser now opens the kiosk with its cookie.
    page = client.get(KIOSK)
    assert page.status_code == 200
    assert "Xã Ngọc Kỳ" in page.content.decode() and "Quầy 1" in page.content.decode()
    device.refresh_from_db()
    assert device.last_seen_at is not None


def test_the_kiosk_cookie_is_secure_when_the_session_cookie_is(client, tablet, settings):
    settings.SESSION_COOKIE_SECURE = True
    response = client.get(reverse("ratings:kiosk-activate", kwargs={"token": tablet[1]}))
    assert response.cookies[COOKIE]["secure"]


def test_an_unknown_activation_token_sets_no_cookie(client, tablet):
    response = client.get(reverse("ratings:kiosk-activate", kwargs={"token": "x" * 43}))
    assert response.status_code == 403
    assert COOKIE not in response.cookies


def test_a_kiosk_rating_records_the_unit_and_the_device_and_sets_no_session_cookie(tablet, commune_a):
    device, token = tablet
    client = Client(enforce_csrf_checks=True)
    client.cookies[COOKIE] = token
    form = client.get(KIOSK)
    assert form.status_code == 200
    assert "sessionid" not in form.cookies
    html = form.content.decode()
    for level in ("very_satisfied", "satisfied", "unsatisfied"):
        assert f'name="level" value="{level}"' in html
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
    response = client.post(KIOSK, {
        "csrfmiddlewaretoken": csrf, "level": "satisfied", "criterion_attitude": "very_satisfied",
        "criterion_time": "unsatisfied", "comment": "  Cán bộ nhiệt tình  ",
    })
    assert response.status_code == 302 and response["Location"] == THANKS
    assert "sessionid" not in response.cookies
    rating = Rating.objects.get()
    assert (rating.unit, rating.device, rating.channel, rating.level) == (commune_a, device, "kiosk", "satisfied")
    assert rating.criteria == {"attitude": "very_satisfied", "time": "unsatisfied"}
    assert rating.comment == "Cán bộ nhiệt tình" and rating.dossier is None
    thanks = client.get(THANKS)
    assert thanks.status_code == 200 and "sessionid" not in thanks.cookies
    assert f'<meta http-equiv="refresh" content="5;url={KIOSK}">' in thanks.content.decode()
    assert 'data-testid="kiosk-thanks"' in thanks.content.decode()


def test_the_kiosk_views_never_touch_the_session_or_the_user(tablet):
    """Called without the session and authentication middlewares: touching either would raise."""
    factory = RequestFactory()
    request = factory.get("/activate/")
    assert rating_views.kiosk_activate(request, token=tablet[1]).status_code == 302
    request = factory.get(KIOSK)
    request.COOKIES[COOKIE] = tablet[1]
    assert rating_views.kiosk(request).status_code == 200
    request = factory.post(KIOSK, {"level": "very_satisfied"})
    request.COOKIES[COOKIE] = tablet[1]
    assert rating_views.kiosk(request).status_code == 302
    request = factory.get(THANKS)
    request.COOKIES[COOKIE] = tablet[1]
    assert rating_views.kiosk_thanks(request).status_code == 200
    assert not hasattr(request, "session") and not hasattr(request, "user")
    assert Rating.objects.get().channel == "kiosk"


def test_a_kiosk_rating_without_a_level_is_asked_again_with_what_was_typed(tablet):
    client = kiosk_client(tablet[1])
    response = client.post(KIOSK, {"criterion_attitude": "satisfied", "comment": "Chờ lâu"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Chờ lâu" in html
    assert re.search(r'<input[^>]*name="criterion_attitude"[^>]*value="satisfied"[^>]*checked', html)
    assert Rating.objects.count() == 0


def test_a_dossier_code_ties_the_rating_only_to_a_dossier_of_the_tablets_unit(
    tablet, commune_a, commune_b, birth_registration, land_change, returned_dossier, desk,
):
    other = closed_dossier(land_change, commune_b, code="000.02.12.H23-260119-0001")
    client = kiosk_client(tablet[1])
    assert client.post(KIOSK, {"level": "unsatisfied", "dossier_code": other.code}).status_code == 302
    untied = Rating.objects.get()
    assert untied.dossier is None and untied.unit == commune_a and untied.field is None
    assert client.post(KIOSK, {"level": "satisfied", "dossier_code": f" {returned_dossier.code.lower()} "}).status_code == 302
    tied = Rating.objects.exclude(pk=untied.pk).get()
    assert (tied.dossier, tied.unit, tied.procedure, tied.field.name, tied.officer, tied.device) == (
        returned_dossier, commune_a, birth_registration, "Hộ tịch", desk, tablet[0])


def test_the_twenty_first_kiosk_rating_in_a_minute_is_refused(tablet, commune_a):
    client = kiosk_client(tablet[1])
    for _ in range(20):
        assert client.post(KIOSK, {"level": "satisfied"}).status_code == 302
    refused = client.post(KIOSK, {"level": "satisfied"})
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert 'data-testid="kiosk-rate-limited"' in refused.content.decode()
    assert Rating.objects.count() == 20
    # Another tablet has its own count.
    _other, token = kiosk_register(unit=commune_a, name="Quầy 2")
    assert kiosk_client(token).post(KIOSK, {"level": "satisfied"}).status_code == 302


def test_a_switched_off_tablet_is_refused(client, tablet, leader_a):
    device, token = tablet
    tablet_client = kiosk_client(token)
    assert tablet_client.get(KIOSK).status_code == 200
    sign_in(client, "leader.a")
    response = client.post(reverse("ratings:device-deactivate", kwargs={"pk": device.pk}), {"unit": "11089"})
    assert response.status_code == 302 and response["Location"] == f"{DEVICES}?unit=11089"
    device.refresh_from_db()
    assert device.is_active is False
    assert tablet_client.get(KIOSK).status_code == 403
    assert tablet_client.post(KIOSK, {"level": "satisfied"}).status_code == 403
    assert Rating.objects.count() == 0


def test_the_kiosk_page_is_full_screen_local_and_without_inline_script(tablet):
    response = kiosk_client(tablet[1]).get(KIOSK)
    html = response.content.decode()
    assert "css/kiosk.css" in html and "css/app.css" not in html
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/js/kiosk.js" defer>']
    assert not re.search(r"<[^>]+\son[a-z]+=", html)
    assert "http://" not in html and "https://" not in html
    assert response["Cache-Control"] == "no-store"


# -- registering tablets ----------------------------------------------------------------------------


def test_a_leader_registers_a_tablet_and_sees_its_activation_link_once(client, leader_a, commune_a):
    sign_in(client, "leader.a")
    response = client.post(DEVICES, {"unit": "11089", "name": "  Quầy   1 "})
    assert response.status_code == 200
    device = KioskDevice.objects.get()
    assert (device.unit, device.name, device.is_active) == (commune_a, "Quầy 1", True)
    registered = response.context["registered"]
    token = registered["token"]
    assert registered["url"] == f"http://testserver/danh-gia/kiosk/kich-hoat/{token}/"
    html = response.content.decode()
    assert registered["url"] in html and "<svg" in html
    assert response["Cache-Control"] == "no-store"
    assert token not in device.token_hash
    # Shown once: the list afterwards has the tablet but not its token.
    listing = client.get(DEVICES)
    assert "Quầy 1" in listing.content.decode() and token not in listing.content.decode()
    # The link works on the tablet.
    tablet = Client()
    assert tablet.get(registered["url"].removeprefix("http://testserver")).cookies[COOKIE].value == token
    assert tablet.get(KIOSK).status_code == 200


def test_a_desk_officer_sees_the_tablets_but_cannot_register_or_switch_one_off(client, desk_officer_a, tablet):
    sign_in(client, "desk.a")
    response = client.get(DEVICES)
    assert response.status_code == 200 and "Quầy 1" in response.content.decode()
    assert response.context["form"] is None
    assert client.post(DEVICES, {"unit": "11089", "name": "Quầy 9"}).status_code == 403
    assert client.post(reverse("ratings:device-deactivate", kwargs={"pk": tablet[0].pk})).status_code == 403
    assert KioskDevice.objects.filter(is_active=True).count() == 1


def test_commune_b_sees_nothing_of_commune_a_tablets(client, officer_b, leader_b, commune_b, tablet):
    sign_in(client, "leader.b")
    assert client.get(DEVICES, {"unit": "11089"}).status_code == 404
    assert list(client.get(DEVICES).context["devices"]) == []
    assert client.post(reverse("ratings:device-deactivate", kwargs={"pk": tablet[0].pk})).status_code == 404
    assert client.post(f"{DEVICES}?unit=11074", {"unit": "11089", "name": "Quầy X"}).status_code == 400
    assert KioskDevice.objects.filter(unit=commune_b).count() == 0
    tablet[0].refresh_from_db()
    assert tablet[0].is_active


def test_a_district_leader_registers_a_tablet_for_a_commune_below(client, district_leader, commune_a):
    sign_in(client, district_leader.username)
    response = client.post(DEVICES, {"unit": "11089", "name": "Quầy 2"})
    assert response.status_code == 200
    assert KioskDevice.objects.get().unit == commune_a
    assert "Quầy 2" in client.get(DEVICES).content.decode()


# -- online, by dossier code ------------------------------------------------------------------------


def online_post(client, data, address="198.51.100.7"):
    return client.post(ONLINE, data, REMOTE_ADDR=address)


def without_token(content: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)


def test_the_qr_link_prefills_the_code(client, returned_dossier):
    response = client.get(ONLINE, {"code": returned_dossier.code})
    assert response.status_code == 200
    assert f'value="{returned_dossier.code}"' in response.content.decode()
    assert response["Cache-Control"] == "no-store" and response["Referrer-Policy"] == "same-origin"


def test_an_online_rating_of_a_returned_dossier(client, returned_dossier, desk):
    step_one = online_post(client, {"code": returned_dossier.code, "phone4": "5678"})
    assert step_one.status_code == 200
    html = step_one.content.decode()
    assert 'data-testid="online-form"' in html and "Thủ tục đăng ký khai sinh" in html
    for private in ("Nguyễn Văn An", "0912 345 678", "Thơm", "desk.a"):
        assert private not in html
    response = online_post(client, {
        "code": returned_dossier.code, "phone4": "5678", "step": "rate",
        "level": "very_satisfied", "criterion_online_service": "satisfied", "comment": "Nhanh gọn",
    })
    assert response.status_code == 302 and response["Location"] == reverse("ratings:online-thanks")
    rating = Rating.objects.get()
    assert (rating.channel, rating.dossier, rating.level, rating.officer, rating.unit.code) == (
        "online", returned_dossier, "very_satisfied", desk, "11089")
    assert rating.criteria == {"online_service": "satisfied"} and rating.comment == "Nhanh gọn"
    assert client.get(reverse("ratings:online-thanks")).status_code == 200


def test_a_second_online_rating_is_refused_and_nothing_saved(client, returned_dossier):
    data = {"code": returned_dossier.code, "phone4": "5678", "step": "rate", "level": "satisfied"}
    assert online_post(client, data).status_code == 302
    again = online_post(client, {**data, "level": "unsatisfied"})
    assert again.status_code == 200
    assert 'data-testid="online-already"' in again.content.decode()
    assert 'data-testid="online-form"' not in again.content.decode()
    assert list(Rating.objects.values_list("level", flat=True)) == ["satisfied"]
    check = online_post(client, {"code": returned_dossier.code, "phone4": "5678"})
    assert 'data-testid="online-already"' in check.content.decode()


def test_the_feedback_error_is_shown_when_the_rating_races_another(client, returned_dossier, monkeypatch):
    monkeypatch.setattr(rating_views, "rated_online", lambda dossier: False)  # both passed the check
    data = {"code": returned_dossier.code, "phone4": "5678", "step": "rate", "level": "satisfied"}
    assert online_post(client, data).status_code == 302
    second = online_post(client, data)
    assert 'data-testid="online-already"' in second.content.decode()
    assert Rating.objects.count() == 1


@pytest.mark.parametrize("status", [Status.RESOLVED, Status.RETURNED, Status.RETURNED_UNRESOLVED, Status.WITHDRAWN])
def test_a_closed_dossier_can_be_rated_online(client, commune_a, birth_registration, status):
    dossier = closed_dossier(birth_registration, commune_a, code=f"CODE-{status}", status=status)
    response = online_post(client, {"code": dossier.code, "phone4": "5678", "step": "rate", "level": "satisfied"})
    assert response.status_code == 302
    assert Rating.objects.get().dossier == dossier


@pytest.mark.parametrize("status", [Status.RECEIVED, Status.IN_PROGRESS, Status.PAUSED])
def test_a_pending_dossier_cannot_be_rated_online(client, commune_a, birth_registration, status):
    received = vn(2026, 1, 19, 8, 0)
    dossier = make_dossier(procedure=birth_registration, unit=commune_a, code=f"CODE-{status}", received_at=received,
                           due_at=received + timedelta(days=3), status=status, applicant_phone="0912345678")
    response = online_post(client, {"code": dossier.code, "phone4": "5678", "step": "rate", "level": "satisfied"})
    assert response.status_code == 200
    assert 'data-testid="online-not-yet"' in response.content.decode()
    assert 'data-testid="online-form"' not in response.content.decode()
    assert Rating.objects.count() == 0


def test_a_refused_dossier_is_not_found(client, commune_a, birth_registration):
    received = vn(2026, 1, 19, 8, 0)
    make_dossier(procedure=birth_registration, unit=commune_a, code="REFUSED-1", received_at=received,
                 due_at=received, status=Status.REFUSED, applicant_phone="0912345678")
    response = online_post(client, {"code": "REFUSED-1", "phone4": "5678"})
    assert 'data-testid="online-not-found"' in response.content.decode()


def test_wrong_digits_and_an_unknown_code_get_identical_answers_after_the_same_work(client, returned_dossier):
    code = returned_dossier.code
    with CaptureQueriesContext(connection) as wrong_digits_queries:
        wrong_digits = online_post(client, {"code": code, "phone4": "0000", "step": "rate", "level": "satisfied"})
    Rating.objects.all().delete()
    returned_dossier.delete()
    with CaptureQueriesContext(connection) as unknown_code_queries:
        unknown_code = online_post(client, {"code": code, "phone4": "0000", "step": "rate", "level": "satisfied"})
    assert wrong_digits.status_code == unknown_code.status_code == 200
    assert b'data-testid="online-not-found"' in wrong_digits.content
    assert without_token(wrong_digits.content) == without_token(unknown_code.content)
    assert len(wrong_digits_queries) == len(unknown_code_queries) >= 1
    assert Rating.objects.count() == 0


def test_digits_that_are_not_four_digits_are_asked_again_without_a_lookup(client, returned_dossier):
    with CaptureQueriesContext(connection) as queries:
        response = online_post(client, {"code": returned_dossier.code, "phone4": "56a8"})
    assert response.status_code == 400
    assert not [q for q in queries if "dossiers_dossier" in q["sql"]]
    assert 'value="56a8"' in response.content.decode()


def test_the_online_rating_is_rate_limited_like_the_lookup(client, returned_dossier):
    for number in range(10):
        assert online_post(client, {"code": f"X-{number}", "phone4": "1234"}, address="203.0.113.9").status_code == 200
    refused = online_post(client, {"code": returned_dossier.code, "phone4": "5678", "step": "rate", "level": "satisfied"},
                          address="203.0.113.9")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert returned_dossier.code not in refused.content.decode()
    assert Rating.objects.count() == 0
    assert online_post(client, {"code": returned_dossier.code, "phone4": "5678"}, address="203.0.113.10").status_code == 200


def test_thirty_tries_an_hour_for_one_code_whatever_the_address(client, returned_dossier):
    for number in range(30):
        online_post(client, {"code": returned_dossier.code, "phone4": f"{number:04d}"}, address=f"192.0.2.{number}")
    assert online_post(client, {"code": returned_dossier.code, "phone4": "5678"}, address="192.0.2.200").status_code == 429


def test_the_online_page_is_light_and_local(client, returned_dossier):
    html = online_post(client, {"code": returned_dossier.code, "phone4": "5678"}).content.decode()
    assert html.count('<link rel="stylesheet"') == 2 and "css/app.css" in html and "css/public.css" in html
    assert "<script" not in html
    assert "http://" not in html and "https://" not in html


# -- paper forms --------------------------------------------------------------------------------------


def test_a_desk_officer_types_in_a_paper_form(client, desk, commune_a, returned_dossier, birth_registration):
    sign_in(client, "desk.a")
    assert client.get(PAPER).status_code == 200
    response = client.post(f"{PAPER}?unit=11089", {
        "rated_on": "02/02/2026", "dossier_code": returned_dossier.code, "level": "unsatisfied",
        "criterion_contacts": "unsatisfied", "criterion_publicity": "", "comment": "Phải đi lại nhiều lần",
    })
    assert response.status_code == 302
    assert response["Location"] == f"{PAPER}?unit=11089&date=02%2F02%2F2026"
    rating = Rating.objects.get()
    assert (rating.channel, rating.unit, rating.dossier, rating.procedure, rating.entered_by, rating.level) == (
        "paper", commune_a, returned_dossier, birth_registration, desk, "unsatisfied")
    assert rating.criteria == {"contacts": "unsatisfied"}
    assert timezone.localtime(rating.rated_at, VN_TZ).date() == date(2026, 2, 2)
    follow = client.get(response["Location"])
    assert 'value="02/02/2026"' in follow.content.decode()
    assert [r.pk for r in follow.context["recent"]] == [rating.pk]


def test_a_paper_form_without_a_dossier_counts_for_the_unit(client, desk, commune_a):
    sign_in(client, "desk.a")
    today = timezone.localdate().strftime("%d/%m/%Y")
    assert client.post(PAPER, {"rated_on": today, "level": "very_satisfied"}).status_code == 302
    rating = Rating.objects.get()
    assert (rating.unit, rating.dossier, rating.criteria) == (commune_a, None, {})


def test_a_paper_form_with_an_unknown_code_or_a_future_date_is_asked_again(client, desk, commune_b, land_change):
    other = closed_dossier(land_change, commune_b, code="000.02.12.H23-260119-0001")
    sign_in(client, "desk.a")
    tomorrow = (timezone.localdate() + timedelta(days=1)).strftime("%d/%m/%Y")
    response = client.post(PAPER, {"rated_on": tomorrow, "dossier_code": other.code, "level": "satisfied", "comment": "Giữ lại"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"rated_on", "dossier_code"}
    assert "Giữ lại" in response.content.decode() and other.code in response.content.decode()
    assert Rating.objects.count() == 0


def test_commune_b_cannot_enter_paper_forms_for_commune_a(client, officer_b, commune_a):
    sign_in(client, "officer.b")
    assert client.get(PAPER, {"unit": "11089"}).status_code == 404
    assert client.post(f"{PAPER}?unit=11089", {"rated_on": "02/02/2026", "level": "satisfied"}).status_code == 404
    assert Rating.objects.count() == 0


def test_a_user_without_a_unit_is_refused(client, user_without_unit):
    sign_in(client, "nobody")
    assert client.get(PAPER).status_code == 403
    assert client.get(FIGURES).status_code == 403
    assert client.get(DEVICES).status_code == 403


def test_staff_pages_need_a_sign_in(client):
    for url in (PAPER, FIGURES, DEVICES):
        response = client.get(url)
        assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


# -- the figures --------------------------------------------------------------------------------------


@pytest.fixture
def rated(commune_a, commune_b, birth_registration, land_change, desk, tablet):
    """Ratings of 02/2026 built by hand, and two outside the window (January, and commune B's)."""
    officer = staff(commune_a, Role.DESK_OFFICER, "desk.a2", "Hùng", "Trần Văn")
    birth = closed_dossier(birth_registration, commune_a, code="A-BIRTH", received_by=desk)
    land_1 = closed_dossier(land_change, commune_a, code="A-LAND-1", received_by=officer)
    land_2 = closed_dossier(land_change, commune_a, code="A-LAND-2", received_by=officer)
    land_b = closed_dossier(land_change, commune_b, code="B-LAND")
    at = vn(2026, 2, 2, 9, 0)
    # Hộ tịch: 3 ratings, 2 satisfied.
    rating_record(level="very_satisfied", channel="online", dossier=birth, at=at, criteria={"attitude": "very_satisfied"})
    rating_record(level="satisfied", channel="paper", dossier=birth, at=at, criteria={"attitude": "satisfied", "time": "satisfied"})
    rating_record(level="unsatisfied", channel="paper", dossier=birth, at=at, comment="Chờ quá lâu", criteria={"time": "unsatisfied"})
    # Đất đai: 6 ratings, 5 satisfied (83.33 % < 85 %).
    for level in ["satisfied"] * 5 + ["unsatisfied"]:
        rating_record(level=level, channel="online" if level == "unsatisfied" else "paper",
                      dossier=land_1 if level == "unsatisfied" else land_2, at=at)
    # Not tied to a dossier: 3 kiosk ratings, all satisfied.
    for _ in range(3):
        rating_record(level="very_satisfied", channel="kiosk", device=tablet[0], at=at, criteria={"attitude": "satisfied"})
    # Outside: January (before the window) and commune B.
    rating_record(level="unsatisfied", channel="paper", unit=commune_a, at=vn(2026, 1, 10, 9, 0))
    rating_record(level="unsatisfied", channel="paper", dossier=land_b, at=at)
    return {"birth": birth, "land_1": land_1, "officer": officer}


def figures(client, **params):
    return client.get(FIGURES, {"unit": "11089", "from": "01/02/2026", "to": "28/02/2026", **params})


def test_the_figures_match_hand_counts(client, desk, rated):
    sign_in(client, "desk.a")
    response = figures(client)
    assert response.status_code == 200
    context = response.context
    overall = context["overall"]
    # 12 ratings: 2 + 5 + 3 satisfied = 10 → 83.33 %, below the 90 % target.
    assert (overall.figures.total, overall.figures.satisfied_total, overall.figures.rate) == (12, 10, Decimal("83.33"))
    assert overall.achieved is False
    land = context["land"]
    assert (land.figures.total, land.figures.rate, land.achieved) == (6, Decimal("83.33"), False)
    by_channel = {row["key"]: (row["total"], row["rate"]) for row in context["by_channel"]}
    assert by_channel == {"kiosk": (3, Decimal("100.00")), "online": (2, Decimal("50.00")), "paper": (7, Decimal("85.71"))}
    assert [(row["key"], row["total"]) for row in context["by_unit"]] == [("11089", 12)]
    by_field = [(row["label"], row["total"], row["rate"]) for row in context["by_field"]]
    assert by_field == [("Hộ tịch", 3, Decimal("66.67")), ("Đất đai", 6, Decimal("83.33")), (None, 3, Decimal("100.00"))]
    by_officer = [(row["label"], row["total"], row["rate"]) for row in context["by_officer"]]
    assert by_officer == [("Lê Thị Thơm", 3, Decimal("66.67")), ("Trần Văn Hùng", 6, Decimal("83.33")), (None, 3, Decimal("100.00"))]
    by_criterion = {row["key"]: (row["total"], row["rate"]) for row in context["by_criterion"]}
    assert by_criterion["attitude"] == (5, Decimal("100.00"))
    assert by_criterion["time"] == (2, Decimal("50.00"))
    assert by_criterion["contacts"] == (0, None)
    html = response.content.decode()
    assert "83,33 %" in html and "66,67 %" in html and "85,71 %" in html
    assert 'data-testid="overall"' in html and 'data-achieved="no"' in html


def test_the_land_group_and_the_overall_target_can_be_achieved(client, desk, commune_a, land_change):
    dossier = closed_dossier(land_change, commune_a, code="A-LAND")
    for level in ["very_satisfied"] * 9 + ["unsatisfied"]:
        rating_record(level=level, channel="paper", dossier=dossier, at=vn(2026, 2, 2, 9, 0))
    sign_in(client, "desk.a")
    context = figures(client).context
    assert (context["land"].figures.rate, context["land"].achieved) == (Decimal("90.00"), True)
    assert (context["overall"].figures.rate, context["overall"].achieved) == (Decimal("90.00"), True)


def test_the_unsatisfied_list_links_to_the_dossiers(client, desk, rated):
    sign_in(client, "desk.a")
    response = figures(client)
    page = response.context["page"]
    assert page.paginator.count == 2
    assert [r.dossier.code for r in page] == ["A-LAND-1", "A-BIRTH"]  # newest first
    html = response.content.decode()
    assert f'href="{reverse("dossiers:detail", kwargs={"code": "A-BIRTH"})}"' in html
    assert "Chờ quá lâu" in html and "Lê Thị Thơm" in html


def test_the_unsatisfied_list_is_paginated(client, desk, commune_a):
    for number in range(30):
        rating_record(level="unsatisfied", channel="paper", unit=commune_a, at=vn(2026, 2, 2, 9, number), comment=f"Ý kiến {number}")
    sign_in(client, "desk.a")
    first = figures(client)
    assert len(first.context["page"].object_list) == 25
    second = figures(client, page=2)
    assert len(second.context["page"].object_list) == 5
    assert "Ý kiến 0" in second.content.decode()


def test_the_figures_take_a_pinned_number_of_queries(client, desk, rated, django_assert_num_queries):
    sign_in(client, "desk.a")
    figures(client)
    # Session, user, membership, the unit, the selector's units; one query per figure (overall, land
    # group, channel, unit, field, officer, criteria); the province's targets (one); the list and its
    # count; saving the session (3).
    with django_assert_num_queries(18):
        figures(client)


def test_a_district_sees_its_communes_and_commune_b_nothing_of_commune_a(client, district_officer, officer_b, rated):
    sign_in(client, "district")
    response = client.get(FIGURES, {"from": "01/02/2026", "to": "28/02/2026"})
    assert {row["key"]: row["total"] for row in response.context["by_unit"]} == {"11089": 12, "11074": 1}
    client.logout()
    sign_in(client, "officer.b")
    assert figures(client).status_code == 404
    own = client.get(FIGURES, {"from": "01/02/2026", "to": "28/02/2026"})
    assert own.context["overall"].figures.total == 1


def test_the_default_window_is_the_current_reporting_quarter(client, desk):
    sign_in(client, "desk.a")
    response = client.get(FIGURES)
    first, last = quarter_containing(timezone.localdate()).days
    assert (response.context["first_day"], response.context["last_day"]) == (first, last)
    assert f'value="{first:%d/%m/%Y}"' in response.content.decode()


def test_a_window_that_ends_before_it_starts_is_shown_as_an_error(client, desk):
    sign_in(client, "desk.a")
    response = client.get(FIGURES, {"from": "28/02/2026", "to": "01/02/2026"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["first_day"] == quarter_containing(timezone.localdate()).first_day


def test_the_navigation_links_to_the_satisfaction_figures(client, desk):
    sign_in(client, "desk.a")
    html = client.get(reverse("motcua:home")).content.decode()
    assert f'href="{FIGURES}"' in html
