"""The public lookup at /tra-cuu/: the status, the appointment and the steps for the right code and phone
digits; nothing personal ever; the same answer for "no such code" and "wrong digits"; rate-limited."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dossiers.models import Dossier, Status
from dossiers.services import (
    Applicant, dossier_apologise, dossier_pause, dossier_receive, dossier_refuse, dossier_resolve, dossier_resume,
    dossier_return, dossier_start, dossier_transfer,
)
from tests.factories import vn

pytestmark = pytest.mark.django_db

URL = reverse("lookup:lookup")
CITIZEN = Applicant(
    name="Nguyễn Văn An", id_number="030085001234", phone="0912 345 678", address="Thôn Đông, Ngọc Kỳ",
    email="an.nguyen@example.vn",
)
PRIVATE_NOTE = "Ghi chú nội bộ của bộ phận một cửa"
PAUSE_REASON = "Thiếu giấy chứng sinh bản chính"
APOLOGY_REASON = "Cán bộ thụ lý đi công tác đột xuất"


@pytest.fixture
def desk(agency_a, desk_a):
    desk_a.first_name, desk_a.last_name = "Thơm", "Lê Thị"
    desk_a.save()
    return desk_a


@pytest.fixture
def returned_dossier(commune_a, birth_registration, desk, processing_a):
    """Received Monday 19/01/2026 08:00, paused a day for a missing paper, resolved early and returned."""
    dossier = dossier_receive(unit=commune_a, procedure=birth_registration, applicant=CITIZEN, by=desk,
                              received_at=vn(2026, 1, 19, 8, 0), notes=PRIVATE_NOTE)
    dossier = dossier_transfer(dossier=dossier, by=desk, officer=processing_a, note="Chuyển anh Quyết", at=vn(2026, 1, 19, 8, 30))
    dossier = dossier_start(dossier=dossier, by=processing_a, at=vn(2026, 1, 19, 9, 0))
    dossier_pause(dossier=dossier, by=processing_a, kind="supplement", reason=PAUSE_REASON, at=vn(2026, 1, 20, 9, 0))
    dossier = dossier_resume(dossier=dossier, by=processing_a, at=vn(2026, 1, 21, 9, 0))
    dossier = dossier_resolve(dossier=dossier, by=processing_a, at=vn(2026, 1, 22, 15, 0))
    return dossier_return(dossier=dossier, by=desk, at=vn(2026, 1, 22, 16, 0))


def look_up(client, code, phone4=None, address="198.51.100.7", **extra):
    data = {"code": code} if phone4 is None else {"code": code, "phone4": phone4}
    return client.get(URL, data, REMOTE_ADDR=address, **extra)


def test_the_right_code_and_phone_digits_show_the_status_the_appointment_and_the_steps(client, returned_dossier):
    response = look_up(client, returned_dossier.code, "5678")
    assert response.status_code == 200
    dossier = response.context["dossier"]
    assert dossier["status"] == Status.RETURNED and dossier["code"] == returned_dossier.code
    html = response.content.decode()
    assert returned_dossier.code in html
    assert "Thủ tục đăng ký khai sinh" in html and "Xã Ngọc Kỳ" in html
    assert "19/01/2026 08:00" in html  # received
    assert "23/01/2026 08:00" in html  # the appointment, moved by the working day it was paused
    assert "22/01/2026 15:00" in html and "22/01/2026 16:00" in html  # resolved, returned
    steps = response.context["steps"]
    assert [step["at"] for step in steps] == [event.at for event in returned_dossier.events.order_by("at")]
    assert len(steps) == 7


def test_the_lookup_reveals_nothing_personal_nor_who_handled_the_dossier(client, returned_dossier, desk, processing_a):
    response = look_up(client, returned_dossier.code, "5678")
    assert response.context["dossier"] is not None
    html = response.content.decode()
    for private in (
        "Nguyễn Văn An", "030085001234", "0912 345 678", "0912345678", "Thôn Đông", "an.nguyen@example.vn",
        PRIVATE_NOTE, PAUSE_REASON, "Chuyển anh Quyết",
        *(name for person in (processing_a, desk) for name in (person.first_name, person.last_name, person.username)),
    ):
        assert private not in html, private


def test_only_the_allow_listed_fields_reach_the_template(client, returned_dossier):
    response = look_up(client, returned_dossier.code, "5678")
    assert set(response.context["dossier"]) == {
        "code", "status", "status_label", "is_pending", "is_paused", "closed_unresolved", "procedure_name",
        "unit_name", "received_at", "due_at", "new_due_at", "resolved_at", "returned_at",
    }
    assert all(set(step) == {"label", "at"} for step in response.context["steps"])


def test_a_late_dossier_shows_the_new_appointment_of_its_apology(client, commune_a, birth_registration, desk, processing_a):
    dossier = dossier_receive(unit=commune_a, procedure=birth_registration, applicant=CITIZEN, by=desk,
                              received_at=vn(2026, 1, 19, 8, 0))
    dossier_apologise(dossier=dossier, by=processing_a, reason=APOLOGY_REASON, new_due_at=vn(2026, 1, 27, 16, 0),
                      at=vn(2026, 1, 22, 7, 45))
    response = look_up(client, dossier.code, "5678")
    html = response.content.decode()
    assert response.context["dossier"]["new_due_at"] == vn(2026, 1, 27, 16, 0)
    assert "27/01/2026 16:00" in html and "22/01/2026 08:00" in html  # the new appointment and the first one
    assert APOLOGY_REASON not in html


def test_wrong_digits_and_an_unknown_code_get_byte_identical_answers_after_the_same_work(client, returned_dossier):
    code = returned_dossier.code
    with CaptureQueriesContext(connection) as wrong_digits_queries:
        wrong_digits = look_up(client, code, "0000")
    Dossier.objects.filter(pk=returned_dossier.pk).delete()
    with CaptureQueriesContext(connection) as unknown_code_queries:
        unknown_code = look_up(client, code, "0000")
    assert wrong_digits.status_code == unknown_code.status_code == 200
    assert wrong_digits.context["searched"] and wrong_digits.context["dossier"] is None
    assert wrong_digits.content == unknown_code.content
    assert len(wrong_digits_queries) == len(unknown_code_queries) >= 1
    other = look_up(client, "000.01.12.H23-260119-0099", "0000")
    assert other.content == wrong_digits.content.replace(code.encode(), b"000.01.12.H23-260119-0099")


def test_a_refused_dossier_is_not_found(client, commune_a, birth_registration, desk):
    refused = dossier_refuse(unit=commune_a, procedure=birth_registration, applicant=CITIZEN, by=desk,
                             reason="Không thuộc thẩm quyền", at=vn(2026, 1, 19, 8, 0))
    response = look_up(client, refused.code, "5678")
    assert response.status_code == 200
    assert response.context["searched"] and response.context["dossier"] is None
    assert "Không thuộc thẩm quyền" not in response.content.decode()


def test_the_qr_code_link_prefills_the_code_without_looking_anything_up(client, returned_dossier):
    response = client.get(URL, {"code": returned_dossier.code})
    assert response.status_code == 200
    assert f'value="{returned_dossier.code}"' in response.content.decode()
    assert response.context["searched"] is False and response.context["dossier"] is None


def test_a_code_typed_in_lower_case_with_spaces_is_found(client, returned_dossier):
    response = look_up(client, f"  {returned_dossier.code.lower()} ", "5678")
    assert response.context["dossier"]["code"] == returned_dossier.code


def test_digits_that_are_not_four_digits_are_asked_again_without_a_lookup(client, returned_dossier):
    with CaptureQueriesContext(connection) as queries:
        response = look_up(client, returned_dossier.code, "56a8")
    assert response.status_code == 200
    assert response.context["form"].errors["phone4"]
    assert response.context["searched"] is False
    assert not [q for q in queries if "dossiers_dossier" in q["sql"]]
    assert 'value="56a8"' in response.content.decode()  # what was typed is kept


def test_the_page_is_private_light_and_local(client, returned_dossier):
    response = look_up(client, returned_dossier.code, "5678")
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    html = response.content.decode()
    assert html.count("<link rel=\"stylesheet\"") == 1 and "css/app.css" in html
    assert "<script" not in html and "<style" not in html
    assert "http://" not in html and "https://" not in html
    assert "csrfmiddlewaretoken" not in html


def test_the_eleventh_lookup_in_a_minute_from_one_address_is_refused(client, returned_dossier):
    for number in range(10):
        response = look_up(client, f"000.01.12.H23-260119-{number:04d}", "1234", address="203.0.113.9")
        assert response.status_code == 200
    refused = look_up(client, returned_dossier.code, "5678", address="203.0.113.9")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused["Cache-Control"] == "no-store" and refused["Referrer-Policy"] == "no-referrer"
    assert returned_dossier.code not in refused.content.decode()
    assert look_up(client, returned_dossier.code, "5678", address="203.0.113.10").status_code == 200


def test_a_forged_forwarded_for_header_does_not_escape_the_limit(client, returned_dossier, settings):
    settings.TRUST_X_FORWARDED_FOR = False
    for number in range(10):
        look_up(client, returned_dossier.code, "0000", address="203.0.113.20", HTTP_X_FORWARDED_FOR=f"10.0.0.{number}")
    assert look_up(client, returned_dossier.code, "0000", address="203.0.113.20",
                   HTTP_X_FORWARDED_FOR="10.0.0.99").status_code == 429


def test_behind_the_proxy_the_address_it_saw_is_counted(client, returned_dossier, settings):
    settings.TRUST_X_FORWARDED_FOR = True
    for _ in range(10):
        look_up(client, returned_dossier.code, "0000", address="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.30")
    # The client may prepend anything; the proxy's own entry (the last) still names it.
    assert look_up(client, returned_dossier.code, "0000", address="127.0.0.1",
                   HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.30").status_code == 429
    assert look_up(client, returned_dossier.code, "5678", address="127.0.0.1",
                   HTTP_X_FORWARDED_FOR="203.0.113.31").status_code == 200


def test_thirty_lookups_an_hour_for_one_code_whatever_the_address(client, returned_dossier):
    for number in range(30):
        assert look_up(client, returned_dossier.code, f"{number:04d}", address=f"192.0.2.{number}").status_code == 200
    response = look_up(client, returned_dossier.code, "5678", address="192.0.2.200")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600
