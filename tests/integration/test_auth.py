"""Sign-in and out in Vietnamese, password change, and the lock after five failures."""
import pytest
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(client, username, password, address="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_the_sign_in_page_is_in_vietnamese(client):
    page = client.get(reverse("login")).content.decode()
    assert "Đăng nhập" in page
    assert "Sign in" not in page


def test_a_desk_officer_signs_in_and_sees_their_commune(client, desk_officer_a):
    response = sign_in(client, "desk.a", PASSWORD)
    assert response.status_code == 302
    page = client.get(reverse("motcua:home")).content.decode()
    assert "Xã Ngọc Kỳ" in page
    assert "Công chức Bộ phận Một cửa" in page


def test_a_new_session_id_is_issued_at_sign_in(client, desk_officer_a):
    client.get(reverse("login"))
    client.cookies["sessionid"] = "attacker-chosen"
    sign_in(client, "desk.a", PASSWORD)
    assert client.cookies["sessionid"].value != "attacker-chosen"


def test_a_wrong_password_says_so_in_vietnamese_and_keeps_the_user_name(client, desk_officer_a):
    response = sign_in(client, "desk.a", "wrong-password")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in page  # the office's words, not Django's stock sentence
    assert 'value="desk.a"' in page


def test_five_failures_lock_the_user_from_that_address(client, desk_officer_a):
    for _ in range(5):
        sign_in(client, "desk.a", "wrong-password")
    locked = sign_in(client, "desk.a", PASSWORD)
    assert locked.status_code == 200  # the right password is refused while locked
    assert "_auth_user_id" not in client.session
    assert "15" in locked.content.decode()
    # Another address is not locked, so a colleague at another desk is not shut out.
    assert sign_in(client, "desk.a", PASSWORD, address="10.0.0.2").status_code == 302


def test_four_failures_then_success_resets_the_count(client, desk_officer_a):
    for _ in range(4):
        sign_in(client, "desk.a", "wrong-password")
    assert sign_in(client, "desk.a", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        sign_in(client, "desk.a", "wrong-password")
    assert sign_in(client, "desk.a", PASSWORD).status_code == 302


def test_sign_out_is_a_post_and_ends_the_session(client, desk_officer_a):
    client.login(username="desk.a", password=PASSWORD)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("motcua:unit-list")).status_code == 302  # "/" is the public front door since issue 19


def test_password_change_requires_twelve_characters(client, desk_officer_a):
    client.login(username="desk.a", password=PASSWORD)
    short = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "ngan-qua", "new_password2": "ngan-qua"},
    )
    assert short.status_code == 200
    assert "12" in short.content.decode()
    ok = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "mot-mat-khau-dai-2026", "new_password2": "mot-mat-khau-dai-2026"},
    )
    assert ok.status_code == 302
    desk_officer_a.refresh_from_db()
    assert desk_officer_a.check_password("mot-mat-khau-dai-2026")
