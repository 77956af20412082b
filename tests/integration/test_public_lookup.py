"""The public lookup at /tra-cuu/: the status, the appointment and the steps for the right code and phone
digits; nothing personal ever; the same answer for "no such code" and "wrong digits"; rate-limited."""
import re
from html import unescape

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
    assert html.count("<link rel=\"stylesheet\"") == 2 and "css/app.css" in html and "css/public.css" in html
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


# -- the countdown in working time, the pause's reason, the rating from the lookup (issue 19) ----------


@pytest.fixture
def at_moment(monkeypatch):
    """Read the lookup as of a given moment (the countdown's "now")."""
    from django.utils import timezone

    def set_now(moment):
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_now


def test_a_dossier_due_in_a_working_day_and_three_hours_counts_down_in_working_time(
    client, commune_a, birth_registration, desk, at_moment
):
    # Received Monday 19/01/2026 08:00, 3 working days: due Thursday 22/01 at 08:00. On Tuesday at 14:30
    # there are 3 h of Tuesday, 8 h of Wednesday and 30 min of Thursday left: 1 day 3 hours (rounded down).
    dossier = dossier_receive(unit=commune_a, procedure=birth_registration, applicant=CITIZEN, by=desk,
                              received_at=vn(2026, 1, 19, 8, 0))
    assert dossier.due_at == vn(2026, 1, 22, 8, 0)
    at_moment(vn(2026, 1, 20, 14, 30))
    response = look_up(client, dossier.code, "5678")
    countdown = response.context["countdown"]
    assert (countdown["overdue"], countdown["days"], countdown["hours"]) == (False, 1, 3)
    html = response.content.decode()
    assert "Còn 1 ngày 3 giờ làm việc" in html
    assert "Quá hạn" not in html


def test_a_dossier_two_working_days_late_says_so_with_the_apology_and_its_new_appointment(
    client, commune_a, birth_registration, desk, processing_a, at_moment
):
    dossier = dossier_receive(unit=commune_a, procedure=birth_registration, applicant=CITIZEN, by=desk,
                              received_at=vn(2026, 1, 19, 8, 0))
    dossier_apologise(dossier=dossier, by=processing_a, reason=APOLOGY_REASON, new_due_at=vn(2026, 1, 28, 16, 0),
                      at=vn(2026, 1, 21, 16, 0))
    # Due Thursday 22/01 08:00; on Monday 26/01 at 08:00 two working days have passed (Thursday, Friday).
    at_moment(vn(2026, 1, 26, 8, 0))
    response = look_up(client, dossier.code, "5678")
    countdown = response.context["countdown"]
    assert (countdown["overdue"], countdown["days"], countdown["hours"]) == (True, 2, 0)
    html = response.content.decode()
    assert "Quá hạn 2 ngày làm việc" in html
    assert 'data-testid="lookup-apology"' in html and "28/01/2026 16:00" in html
    assert "Còn " not in html


def test_a_paused_dossier_shows_the_pause_and_its_reason_in_plain_words_without_a_countdown(
    client, commune_a, birth_registration, desk, processing_a, at_moment
):
    dossier = dossier_receive(unit=commune_a, procedure=birth_registration, applicant=CITIZEN, by=desk,
                              received_at=vn(2026, 1, 19, 8, 0))
    dossier_pause(dossier=dossier, by=processing_a, kind="supplement", reason=PAUSE_REASON, at=vn(2026, 1, 20, 9, 0))
    at_moment(vn(2026, 1, 27, 9, 0))  # long past the first due moment: a paused clock is not late
    response = look_up(client, dossier.code, "5678")
    assert response.context["countdown"] is None
    html = response.content.decode()
    assert "Tạm dừng" in html and PAUSE_REASON in html
    assert "Cơ quan đang chờ ông/bà bổ sung hồ sơ." in html
    assert "Quá hạn" not in html


def test_from_the_lookup_the_rating_opens_for_the_dossier_without_the_digits(client, returned_dossier):
    from dossiers.models import Rating

    result = look_up(client, returned_dossier.code, "5678").content.decode()
    link = re.search(r'href="(/danh-gia/truc-tuyen/\?t=[^"]+)" data-testid="lookup-rate"', result)
    assert link, "the lookup links to the rating"
    url = unescape(link[1])
    assert "5678" not in url and "phone" not in url and returned_dossier.code not in url
    page = client.get(url)
    assert page.status_code == 200 and page.context["stage"] == "rate"
    assert page.context["dossier"]["code"] == returned_dossier.code
    body = page.content.decode()
    assert 'name="phone4"' not in body  # no digits asked, none carried
    token = page.context["pass_token"]
    response = client.post(reverse("ratings:online"), {"t": token, "step": "rate", "level": "satisfied"},
                           REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302
    assert Rating.objects.filter(dossier=returned_dossier, channel="online").count() == 1


def test_a_forged_or_expired_pass_asks_for_the_digits_and_records_nothing(client, returned_dossier):
    from django.core import signing

    from dossiers.models import Rating
    from dossiers.public import passes

    forged = signing.dumps(returned_dossier.code, salt="another-salt")
    page = client.get(reverse("ratings:online"), {"t": forged})
    assert page.context["stage"] == "check" and page.context["pass_expired"]
    # The confirmation of a ticket sent with this code is no pass either: one kind of token, one use.
    from motcua import tokens

    other_kind = tokens.sign(tokens.TICKET_SENT, returned_dossier.code)
    assert passes.code_of(other_kind) is None
    assert client.get(reverse("ratings:online"), {"t": other_kind}).context["stage"] == "check"
    expired = passes.issue(returned_dossier.code)
    assert passes.code_of(expired, max_age=-1) is None
    refused = client.post(reverse("ratings:online"), {"t": forged, "step": "rate", "level": "satisfied"})
    assert refused.status_code == 400
    assert Rating.objects.count() == 0


def test_a_pending_dossier_offers_no_rating_pass(client, commune_a, birth_registration, desk):
    dossier = dossier_receive(unit=commune_a, procedure=birth_registration, applicant=CITIZEN, by=desk,
                              received_at=vn(2026, 1, 19, 8, 0))
    response = look_up(client, dossier.code, "5678")
    assert "rating_pass" not in response.context and "/danh-gia/truc-tuyen/" not in response.content.decode().split("<main", 1)[1].split("</main>", 1)[0]


# -- a feedback ticket's own lookup ----------------------------------------------------------------------

TICKET_URL = reverse("tickets:lookup")
ANSWER = "Ủy ban nhân dân xã đã rà soát và rút ngắn thời hạn trả kết quả."


@pytest.fixture
def answered_ticket(commune_a, leader_a):
    from dossiers.tickets.services import ticket_receive, ticket_step

    ticket = ticket_receive(unit=commune_a, channel="website", sender_name="Trần Thị Bình", sender_contact="0987 654 321",
                            sender_address="Thôn Tây", content="Thời hạn khai sinh quá dài.", at=vn(2026, 3, 2, 9, 0))
    for action, kwargs in (("classify", {"classification": "regulation"}), ("answer", {"answer": ANSWER})):
        ticket = ticket_step(ticket=ticket, action=action, by=leader_a, at=vn(2026, 3, 4, 9, 0), **kwargs)
    return ticket


def follow(client, code, phone4, address="198.51.100.8"):
    return client.get(TICKET_URL, {"code": code, "phone4": phone4}, REMOTE_ADDR=address)


def test_a_sender_follows_a_ticket_with_its_code_and_phone_digits_and_reads_the_published_answer(
    client, answered_ticket, leader_a
):
    from dossiers.tickets.services import ticket_step

    response = follow(client, answered_ticket.code, "4321")
    ticket = response.context["ticket"]
    assert [str(step["label"]) for step in ticket["steps"]] == ["Đã tiếp nhận", "Đã phân loại", "Đã trả lời"]
    assert ticket["answer"] == ""  # answered, not yet published
    assert ANSWER not in response.content.decode()
    ticket_step(ticket=answered_ticket, action="publish", by=leader_a, at=vn(2026, 3, 5, 9, 0))
    response = follow(client, answered_ticket.code.lower(), "4321")
    html = response.content.decode()
    assert response.context["ticket"]["answer"] == ANSWER and ANSWER in html
    assert "05/03/2026" in html
    for private in ("Trần Thị Bình", "0987 654 321", "Thôn Tây", leader_a.username):
        assert private not in html


def test_wrong_digits_and_an_unknown_ticket_code_get_the_same_answer(client, answered_ticket):
    wrong = follow(client, answered_ticket.code, "0000")
    assert wrong.context["searched"] and wrong.context["ticket"] is None
    unknown = follow(client, answered_ticket.code[:-1] + "X", "0000")
    assert wrong.content == unknown.content.replace((answered_ticket.code[:-1] + "X").encode(), answered_ticket.code.encode())
    assert wrong["Cache-Control"] == "no-store"


def test_a_ticket_lookup_is_rate_limited_with_the_dossier_lookup(client, answered_ticket):
    for number in range(10):
        assert follow(client, f"PA-{number}", "1234", address="203.0.113.40").status_code == 200
    refused = follow(client, answered_ticket.code, "4321", address="203.0.113.40")
    assert refused.status_code == 429
    assert answered_ticket.code not in refused.content.decode()


def test_the_submitted_page_shows_the_code_and_how_to_follow_it(client, commune_a):
    from dossiers.tickets.services import ticket_receive
    from motcua import tokens

    ticket = ticket_receive(unit=commune_a, channel="website", sender_name="Lê Văn C", sender_contact="0912000111",
                            content="Góp ý.")
    # A token of another kind for the same code opens nothing.
    assert client.get(reverse("tickets:submitted"), {"t": tokens.sign(tokens.RATING_PASS, ticket.code)}).status_code == 404
    page = client.get(reverse("tickets:submitted"), {"t": tokens.sign(tokens.TICKET_SENT, ticket.code)}).content.decode()
    assert ticket.code in page and 'data-testid="ticket-follow"' in page
    assert f'{TICKET_URL}?code={ticket.code}' in page
