"""Feedback tickets through the screens: the public form and its spam protection, the staff list, entry,
steps, roles and scope, the answer letter, the public page of answers, and the figures."""
from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from dossiers.public import antispam
from dossiers.tickets.services import ticket_figures, ticket_receive, ticket_step, tickets_in
from dossiers.models import FeedbackTicket, TicketEvent, TicketStatus
from dossiers.services import Applicant, dossier_receive
from dossiers.tickets.selectors import due_soon_limit
from motcua.periods import quarter_containing
from motcua.selectors import work_calendar
from tests.factories import PASSWORD, vn

pytestmark = pytest.mark.django_db

SUBMIT = reverse("tickets:submit")
LIST = reverse("tickets:list")
PUBLIC = reverse("tickets:public")
FIGURES = reverse("tickets:figures")

SENDER = "Lê Văn Cường"
CONTACT = "0912 345 678"
ADDRESS = "Thôn Đông, xã Ngọc Kỳ"
CONTENT = "Thời gian giải quyết thủ tục đăng ký khai sinh quá lâu so với quy định niêm yết."
ANSWER = "Ủy ban đã chấn chỉnh, hồ sơ được giải quyết đúng hạn từ nay."


def form_token(age: float = 30) -> str:
    """A token as the form would carry after ``age`` seconds on the page."""
    return antispam.issue_token(at=time.time() - age)


def feedback(target, **overrides) -> dict:
    data = {
        "unit": target.code, "sender_name": SENDER, "sender_contact": CONTACT, "sender_address": ADDRESS,
        "content": CONTENT, "procedure_code": "", "dossier_code": "", "homepage": "", "form_token": form_token(),
    }
    data.update(overrides)
    return data


def send(client, target, address="203.0.113.5", **overrides):
    return client.post(SUBMIT, feedback(target, **overrides), REMOTE_ADDR=address)


def signed_in(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def receive(unit, *, at=None, name=SENDER, content=CONTENT, **kwargs) -> FeedbackTicket:
    return ticket_receive(unit=unit, channel="website", sender_name=name, sender_contact=CONTACT,
                          sender_address=ADDRESS, content=content, at=at, **kwargs)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


def pdf_text(response) -> str:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(BytesIO(response.content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def dossier_of(unit, procedure, by):
    return dossier_receive(unit=unit, procedure=procedure, applicant=Applicant(name="Trần Thị Bình", phone="0987654321"),
                           by=by, received_at=vn(2026, 1, 19, 8, 0))


# -- the public form ---------------------------------------------------------------------------------


def test_a_citizen_sends_feedback_and_gets_the_code_and_the_due_date(client, commune_a):
    response = send(client, commune_a)
    assert response.status_code == 302
    ticket = FeedbackTicket.objects.get()
    assert (ticket.unit, ticket.channel, ticket.status) == (commune_a, "website", TicketStatus.RECEIVED)
    assert (ticket.sender_name, ticket.sender_contact, ticket.sender_address) == (SENDER, "0912345678", ADDRESS)
    assert ticket.entered_by is None
    assert ticket.due_at == work_calendar().add_working_time(ticket.received_at, days=10)
    page = client.get(response["Location"])
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    html = page.content.decode()
    assert ticket.code in html
    assert timezone.localtime(ticket.due_at).strftime("%d/%m/%Y") in html
    assert SENDER not in html  # the confirmation repeats nothing personal


def test_the_confirmation_needs_the_signed_code_of_the_redirect(client, commune_a):
    ticket = receive(commune_a)
    assert client.get(reverse("tickets:submitted"), {"t": ticket.code}).status_code == 404


def test_the_form_preselects_the_unit_and_groups_the_units_by_parent(client, commune_a, commune_b):
    response = client.get(SUBMIT, {"unit": commune_a.code})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<option value="{commune_a.code}" selected>' in html
    assert '<optgroup label="Huyện Tứ Kỳ">' in html
    assert 'class="hp"' in html and 'name="homepage"' in html and 'name="form_token"' in html
    assert "style=" not in html and "<script" not in html


def test_a_filled_honeypot_is_refused_and_nothing_is_created(client, commune_a):
    response = send(client, commune_a, homepage="http://spam.example")
    assert response.status_code == 400
    assert FeedbackTicket.objects.count() == 0
    assert response.context["form"].non_field_errors()


@pytest.mark.parametrize("token", [
    pytest.param(lambda: form_token(age=0), id="too-fresh"),
    pytest.param(lambda: form_token(age=2 * 60 * 60 + 5), id="expired"),
    pytest.param(lambda: form_token() + "x", id="forged"),
    pytest.param(lambda: "", id="missing"),
])
def test_a_token_too_fresh_expired_or_forged_is_refused(client, commune_a, token):
    response = send(client, commune_a, form_token=token())
    assert response.status_code == 400
    assert FeedbackTicket.objects.count() == 0
    html = response.content.decode()
    assert SENDER in html and CONTENT in html  # what was typed is kept for the next try
    assert response.context["token"]  # with a fresh token


def test_the_same_form_cannot_send_the_feedback_twice(client, commune_a):
    token = form_token()
    assert send(client, commune_a, form_token=token).status_code == 302
    assert send(client, commune_a, form_token=token).status_code == 400
    assert FeedbackTicket.objects.count() == 1


def test_the_sixth_submission_in_an_hour_from_one_address_gets_429(client, commune_a):
    for _ in range(5):
        assert send(client, commune_a).status_code == 302
    response = send(client, commune_a)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert FeedbackTicket.objects.count() == 5
    assert send(client, commune_a, address="198.51.100.9").status_code == 302  # another address is not held up


def test_a_dossier_code_of_another_unit_gets_the_same_answer_as_an_unknown_code(
    client, commune_a, agency_a, commune_b, birth_registration, desk_officer_a
):
    dossier = dossier_of(commune_a, birth_registration, desk_officer_a)
    elsewhere = send(client, commune_b, dossier_code=dossier.code)
    unknown = send(client, commune_b, dossier_code="000.01.12.H23-260119-9999")
    assert elsewhere.status_code == unknown.status_code == 400
    assert elsewhere.context["form"].errors == unknown.context["form"].errors
    assert "dossier_code" in elsewhere.context["form"].errors
    assert FeedbackTicket.objects.count() == 0
    assert send(client, commune_a, dossier_code=dossier.code.lower()).status_code == 302
    assert FeedbackTicket.objects.get().dossier == dossier


def test_a_procedure_code_must_be_posted_at_the_unit(client, commune_a, commune_b, birth_registration):
    assert "procedure_code" in send(client, commune_b, procedure_code="1.001193").context["form"].errors
    assert send(client, commune_a, procedure_code="1.001193").status_code == 302
    assert FeedbackTicket.objects.get().procedure == birth_registration


@pytest.mark.parametrize("contact, stored", [
    ("0912.345.678", "0912345678"), ("+84 912 345 678", "0912345678"), ("cuong.le@example.vn", "cuong.le@example.vn"),
])
def test_the_contact_is_a_phone_number_or_an_email(client, commune_a, contact, stored):
    assert send(client, commune_a, sender_contact=contact).status_code == 302
    assert FeedbackTicket.objects.get().sender_contact == stored


@pytest.mark.parametrize("overrides, field", [
    ({"sender_contact": "12345"}, "sender_contact"),
    ({"sender_contact": "cuong@"}, "sender_contact"),
    ({"content": "Quá chậm."}, "content"),
    ({"content": "x" * 5001}, "content"),
    ({"sender_name": ""}, "sender_name"),
    ({"unit": "99999"}, "unit"),
])
def test_a_bad_field_is_refused_with_what_was_typed_kept(client, commune_a, overrides, field):
    response = send(client, commune_a, **overrides)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert FeedbackTicket.objects.count() == 0


# -- staff: entry, list ------------------------------------------------------------------------------


def test_staff_enter_a_ticket_received_by_phone(client, commune_a, desk_officer_a):
    signed_in(client, desk_officer_a)
    assert client.get(reverse("tickets:new")).status_code == 200
    response = client.post(reverse("tickets:new"), {
        "channel": "phone", "unit": commune_a.code, "sender_name": SENDER, "sender_contact": "gọi lại giờ hành chính",
        "sender_address": "", "content": CONTENT, "procedure_code": "", "dossier_code": "",
    })
    ticket = FeedbackTicket.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("tickets:detail", args=[ticket.code])
    assert (ticket.channel, ticket.entered_by, ticket.unit) == ("phone", desk_officer_a, commune_a)
    assert list(ticket.events.values_list("action", "by")) == [("receive", desk_officer_a.pk)]


def test_staff_cannot_enter_a_ticket_for_a_unit_outside_their_subtree(client, commune_a, commune_b, desk_officer_a):
    signed_in(client, desk_officer_a)
    response = client.post(reverse("tickets:new"), {
        "channel": "letter", "unit": commune_b.code, "sender_name": SENDER, "sender_contact": CONTACT,
        "content": CONTENT,
    })
    assert response.status_code == 400 and "unit" in response.context["form"].errors
    assert FeedbackTicket.objects.count() == 0


def test_someone_without_a_unit_gets_403(client, user_without_unit):
    signed_in(client, user_without_unit)
    assert client.get(LIST).status_code == 403


def test_due_soon_and_overdue_tabs(client, commune_a, commune_b, desk_officer_a):
    now = timezone.now()
    soon = due_soon_limit(now)
    calendar = work_calendar()

    def received_for_due_between(low, high):
        at = now
        for _ in range(24 * 60):
            at -= timedelta(hours=1)
            if low < calendar.add_working_time(at, days=10) <= high:
                return at
        raise AssertionError("no moment found")

    due_soon = receive(commune_a, at=received_for_due_between(now + timedelta(minutes=10), soon - timedelta(minutes=10)))
    overdue = receive(commune_a, at=now - timedelta(days=40))
    fresh = receive(commune_a)
    answered = receive(commune_a, at=now - timedelta(days=40))
    ticket_step(ticket=answered, action="classify", by=desk_officer_a, classification="regulation")
    ticket_step(ticket=answered, action="answer", by=desk_officer_a, answer=ANSWER)
    closed = receive(commune_a)
    ticket_step(ticket=closed, action="classify", by=desk_officer_a, classification="out_of_scope")
    ticket_step(ticket=closed, action="close", by=desk_officer_a)
    receive(commune_b, at=now - timedelta(days=40))  # another commune's: never listed

    signed_in(client, desk_officer_a)

    def codes(tab):
        response = client.get(LIST, {"tab": tab})
        assert response.status_code == 200
        return response, {ticket.code for ticket in response.context["rows"]}

    response, open_codes = codes("open")
    assert open_codes == {due_soon.code, overdue.code, fresh.code}
    assert {tab["key"]: tab["count"] for tab in response.context["tabs"]} == {
        "open": 3, "due-soon": 1, "overdue": 1, "answered": 1, "closed": 1, "all": 5}
    assert codes("due-soon")[1] == {due_soon.code}
    assert codes("overdue")[1] == {overdue.code}
    assert codes("answered")[1] == {answered.code}
    assert codes("closed")[1] == {closed.code}
    html = client.get(LIST, {"tab": "open"}).content.decode()
    assert 'data-state="overdue"' in html and 'data-state="due-soon"' in html


def test_the_list_searches_by_code_or_sender_name(client, commune_a, desk_officer_a):
    first = receive(commune_a, name="Nguyễn Văn An")
    second = receive(commune_a, name="Phạm Thị Hoa")
    signed_in(client, desk_officer_a)
    assert [t.code for t in client.get(LIST, {"q": "thị hoa"}).context["rows"]] == [second.code]
    assert [t.code for t in client.get(LIST, {"q": first.code}).context["rows"]] == [first.code]
    assert client.get(LIST, {"q": "Không Có"}).context["tabs"][0]["count"] == 0


def test_the_list_runs_the_same_number_of_queries_for_3_or_30_tickets(client, commune_a, agency_a, desk_officer_a):
    def tickets(n):
        for _ in range(n):
            ticket = receive(commune_a)
            ticket = ticket_step(ticket=ticket, action="classify", by=desk_officer_a, classification="regulation")
            ticket_step(ticket=ticket, action="assign", by=desk_officer_a, agency=agency_a)

    signed_in(client, desk_officer_a)
    tickets(3)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(LIST).context["rows"]) == 3
    tickets(27)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(LIST).context["rows"]) == 30
    assert len(many) == len(few) <= 8, "\n".join(q["sql"] for q in many.captured_queries)


# -- staff: the steps, roles and scope -----------------------------------------------------------------


def step(client, ticket, action, **data):
    prefixed = {f"{action}-{key}": value for key, value in data.items()}
    return client.post(reverse("tickets:step", args=[ticket.code, action]), prefixed)


def test_every_step_through_the_screens_in_order(client, commune_a, agency_a, leader_a):
    ticket = receive(commune_a)
    signed_in(client, leader_a)
    page = client.get(reverse("tickets:detail", args=[ticket.code]))
    assert [s["name"] for s in page.context["steps"]] == ["classify"]
    html = page.content.decode()
    assert SENDER in html and CONTACT in html and ADDRESS in html  # staff see the sender

    assert step(client, ticket, "classify", classification="handling", note="Về thái độ").status_code == 302
    page = client.get(reverse("tickets:detail", args=[ticket.code]))
    assert [s["name"] for s in page.context["steps"]] == ["classify", "assign", "forward", "answer"]
    assert step(client, ticket, "assign", agency=agency_a.pk).status_code == 302
    assert step(client, ticket, "answer", answer=ANSWER).status_code == 302
    assert step(client, ticket, "publish", confirm="on").status_code == 302
    response = step(client, ticket, "close", note="Đã công khai")
    assert response.status_code == 302 and response["Location"] == reverse("tickets:detail", args=[ticket.code])

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    assert (ticket.classification, ticket.agency, ticket.answer) == ("handling", agency_a, ANSWER)
    assert ticket.answered_at and ticket.published_at and ticket.closed_at
    events = list(ticket.events.order_by("at", "pk").values_list("action", "by", "note"))
    assert [e[0] for e in events] == ["receive", "classify", "assign", "answer", "publish", "close"]
    assert all(by == leader_a.pk for _, by, _ in events[1:])
    assert events[1][2] == "Về thái độ" and events[3][2] == ANSWER
    page = client.get(reverse("tickets:detail", args=[ticket.code]))
    assert page.context["steps"] == [] and page.context["has_letter"]
    assert len(page.context["events"]) == 6


def test_an_out_of_order_step_is_refused_and_changes_nothing(client, commune_a, leader_a):
    ticket = receive(commune_a)
    signed_in(client, leader_a)
    response = step(client, ticket, "publish", confirm="on")
    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert messages_of(follow)  # the service's refusal, as a message
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RECEIVED and ticket.published_at is None
    assert TicketEvent.objects.filter(ticket=ticket).count() == 1


def test_an_empty_answer_shows_the_form_again(client, commune_a, leader_a, desk_officer_a):
    ticket = receive(commune_a)
    ticket_step(ticket=ticket, action="classify", by=desk_officer_a, classification="regulation")
    signed_in(client, leader_a)
    response = step(client, ticket, "answer", answer="  ")
    assert response.status_code == 400
    assert response.context["steps"][[s["name"] for s in response.context["steps"]].index("answer")]["open"]
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLASSIFIED


def test_an_out_of_scope_ticket_is_closed_without_an_answer(client, commune_a, desk_officer_a):
    ticket = receive(commune_a)
    signed_in(client, desk_officer_a)
    step(client, ticket, "classify", classification="out_of_scope")
    page = client.get(reverse("tickets:detail", args=[ticket.code]))
    assert [s["name"] for s in page.context["steps"]] == ["classify", "forward", "close"]
    assert step(client, ticket, "close", note="Không thuộc thẩm quyền").status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    assert client.get(reverse("tickets:answer-pdf", args=[ticket.code])).status_code == 404  # nothing answered


def test_a_desk_officer_classifies_but_cannot_answer_or_publish(client, commune_a, desk_officer_a):
    ticket = receive(commune_a)
    signed_in(client, desk_officer_a)
    assert step(client, ticket, "classify", classification="regulation").status_code == 302
    page = client.get(reverse("tickets:detail", args=[ticket.code]))
    assert "answer" not in [s["name"] for s in page.context["steps"]]
    assert step(client, ticket, "answer", answer=ANSWER).status_code == 403
    ticket_step(ticket=ticket, action="answer", by=None, answer=ANSWER)
    assert step(client, ticket, "publish", confirm="on").status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ANSWERED and ticket.published_at is None


def test_commune_b_sees_nothing_of_commune_a_and_the_district_sees_it(client, commune_a, officer_b, district_officer):
    ticket = receive(commune_a)
    signed_in(client, officer_b)
    assert client.get(reverse("tickets:detail", args=[ticket.code])).status_code == 404
    assert step(client, ticket, "classify", classification="regulation").status_code == 404
    assert client.get(reverse("tickets:answer-pdf", args=[ticket.code])).status_code == 404
    assert ticket.code not in client.get(LIST, {"tab": "all"}).content.decode()
    client.logout()
    signed_in(client, district_officer)
    assert client.get(reverse("tickets:detail", args=[ticket.code])).status_code == 200
    assert step(client, ticket, "classify", classification="regulation").status_code == 302
    assert step(client, ticket, "answer", answer=ANSWER).status_code == 302  # the district office may answer
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ANSWERED


def test_the_assign_form_offers_only_agencies_of_the_ticket_unit(client, commune_a, agency_a, agency_b, leader_a):
    ticket = receive(commune_a)
    ticket_step(ticket=ticket, action="classify", by=leader_a, classification="regulation")
    signed_in(client, leader_a)
    response = step(client, ticket, "assign", agency=agency_b.pk)
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.agency is None and ticket.status == TicketStatus.CLASSIFIED


def test_the_nav_links_the_feedback_list_for_staff(client, desk_officer_a):
    signed_in(client, desk_officer_a)
    assert f'href="{LIST}"' in client.get(reverse("motcua:home")).content.decode()


# -- the answer letter -----------------------------------------------------------------------------------


def test_the_answer_letter_carries_the_code_the_sender_and_the_answer(client, commune_a, agency_a, leader_a):
    ticket = receive(commune_a, at=vn(2026, 3, 2, 9, 0))
    ticket_step(ticket=ticket, action="classify", by=leader_a, classification="regulation", at=vn(2026, 3, 3, 9, 0))
    signed_in(client, leader_a)
    url = reverse("tickets:answer-pdf", args=[ticket.code])
    assert client.get(url).status_code == 404  # not answered yet
    ticket_step(ticket=ticket, action="answer", by=leader_a, answer=ANSWER, at=vn(2026, 3, 5, 10, 0))
    response = client.get(url)
    assert "no-store" in response["Cache-Control"]
    text = pdf_text(response)
    for expected in (ticket.code, SENDER, ANSWER, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                     "ỦY BAN NHÂN DÂN", "XÃ NGỌC KỲ", "/UBND-VP", "V/v trả lời phản ánh, kiến nghị của công dân",
                     "Ngọc Kỳ, ngày 05 tháng 3 năm 2026", f"Kính gửi: Ông/Bà {SENDER}", "Nơi nhận:", "TM. ỦY BAN NHÂN DÂN",
                     "02/03/2026"):
        assert expected in text, expected
    html = client.get(url, {"format": "html"})
    assert html.status_code == 200 and ANSWER in html.content.decode()


# -- the public page --------------------------------------------------------------------------------------


def test_the_public_page_shows_published_answers_and_nothing_personal(
    client, commune_a, agency_a, commune_b, birth_registration, desk_officer_a, leader_a
):
    dossier = dossier_of(commune_a, birth_registration, desk_officer_a)
    published = receive(commune_a, procedure=birth_registration, dossier=dossier, at=vn(2026, 3, 2, 9, 0))
    for action, kwargs in (("classify", {"classification": "regulation"}), ("answer", {"answer": ANSWER}), ("publish", {})):
        ticket_step(ticket=published, action=action, by=leader_a, **kwargs)
    answered_only = receive(commune_a, content="Một phản ánh đã trả lời nhưng chưa công khai trên trang.")
    ticket_step(ticket=answered_only, action="classify", by=leader_a, classification="regulation")
    ticket_step(ticket=answered_only, action="answer", by=leader_a, answer="Chưa công khai")
    other = receive(commune_b, content="Phản ánh của thị trấn, đã công khai câu trả lời.")
    for action, kwargs in (("classify", {"classification": "handling"}), ("answer", {"answer": "Trả lời thị trấn"}), ("publish", {})):
        ticket_step(ticket=other, action=action, by=None, **kwargs)

    response = client.get(PUBLIC)
    assert response.status_code == 200
    html = response.content.decode()
    assert published.code in html and ANSWER in html and CONTENT in html and "Xã Ngọc Kỳ" in html
    assert "02/03/2026" in html
    assert answered_only.code not in html and "Chưa công khai" not in html
    for private in (SENDER, CONTACT, "0912345678", ADDRESS, dossier.code, "Trần Thị Bình", "leader.a", "Trần Văn", "desk.a"):
        assert private not in html, private
    assert all(set(row) == {"code", "unit__name", "received_at", "answered_at", "published_at", "content", "answer"}
               for row in response.context["rows"])
    assert "csrfmiddlewaretoken" not in html and "<script" not in html

    mine = client.get(PUBLIC, {"unit": commune_a.code}).content.decode()
    assert published.code in mine and other.code not in mine
    assert client.get(PUBLIC, {"unit": "00000"}).status_code == 404


# -- the figures -------------------------------------------------------------------------------------------


def test_the_figures_against_hand_counts(client, district, commune_a, commune_b, district_officer, desk_officer_a):
    by = desk_officer_a
    # Xã Ngọc Kỳ: one answered on time, one late, one still pending at the window's end (answered after it).
    on_time = receive(commune_a, at=vn(2026, 1, 5, 9, 0))
    ticket_step(ticket=on_time, action="classify", by=by, classification="handling", at=vn(2026, 1, 6, 9, 0))
    ticket_step(ticket=on_time, action="answer", by=by, answer="Đã xử lý", at=vn(2026, 1, 9, 9, 0))
    late = receive(commune_a, at=vn(2026, 1, 5, 10, 0))
    ticket_step(ticket=late, action="classify", by=by, classification="regulation", at=vn(2026, 1, 6, 9, 0))
    ticket_step(ticket=late, action="answer", by=by, answer="Trả lời muộn", at=vn(2026, 1, 30, 9, 0))
    pending_late = receive(commune_a, at=vn(2026, 1, 6, 9, 0))
    ticket_step(ticket=pending_late, action="classify", by=None, at=vn(2026, 2, 4, 9, 0), classification="regulation")
    ticket_step(ticket=pending_late, action="answer", by=None, answer="Sau kỳ", at=vn(2026, 2, 5, 9, 0))
    # Thị trấn Tứ Kỳ: out of scope, closed at once; one still within time.
    closed = receive(commune_b, at=vn(2026, 1, 12, 9, 0))
    ticket_step(ticket=closed, action="classify", by=None, classification="out_of_scope", at=vn(2026, 1, 12, 10, 0))
    ticket_step(ticket=closed, action="close", by=None, at=vn(2026, 1, 13, 9, 0))
    receive(commune_b, at=vn(2026, 1, 29, 9, 0))
    # The district's own: one answered on time; one received before the window.
    own = receive(district, at=vn(2026, 1, 20, 9, 0))
    ticket_step(ticket=own, action="classify", by=None, classification="regulation", at=vn(2026, 1, 20, 10, 0))
    ticket_step(ticket=own, action="answer", by=None, answer="Huyện trả lời", at=vn(2026, 1, 22, 9, 0))
    receive(district, at=vn(2025, 12, 30, 9, 0))

    signed_in(client, district_officer)
    response = client.get(FIGURES, {"unit": district.code, "from": "01/01/2026", "to": "31/01/2026"})
    assert response.status_code == 200
    totals = response.context["totals"]
    # The classes are those of today: the ticket still pending at the window's end was classified after it.
    assert {k: totals[k] for k in ("received", "handled_on_time", "handled_late", "pending_within_time", "pending_overdue",
                                    "regulation", "handling", "out_of_scope", "unclassified")} == {
        "received": 6, "handled_on_time": 3, "handled_late": 1, "pending_within_time": 1, "pending_overdue": 1,
        "regulation": 3, "handling": 1, "out_of_scope": 1, "unclassified": 1}
    assert totals["on_time_rate"] == Decimal("75.00")
    rows = {row.unit.code: row.figures for row in response.context["rows"]}
    assert list(rows) == [district.code, commune_b.code, commune_a.code]
    assert (rows[district.code]["received"], rows[district.code]["handled_on_time"]) == (1, 1)
    assert {k: rows[commune_a.code][k] for k in ("received", "handled_on_time", "handled_late", "pending_overdue")} == {
        "received": 3, "handled_on_time": 1, "handled_late": 1, "pending_overdue": 1}
    assert {k: rows[commune_b.code][k] for k in ("received", "handled_on_time", "pending_within_time", "out_of_scope")} == {
        "received": 2, "handled_on_time": 1, "pending_within_time": 1, "out_of_scope": 1}
    # The rows add up to the service's figures for the whole district.
    for key, value in ticket_figures(tickets_in(district, vn(2026, 1, 1), vn(2026, 2, 1)), at=vn(2026, 2, 1)).items():
        if key != "on_time_rate":
            assert sum(figures[key] for figures in rows.values()) == value, key
    html = response.content.decode()
    assert 'data-figure="received">6<' in html and "75,00 %" in html

    # A commune officer sees only the commune; another unit answers 404, never its figures.
    client.logout()
    signed_in(client, desk_officer_a)
    mine = client.get(FIGURES, {"from": "01/01/2026", "to": "31/01/2026"})
    assert mine.context["unit"] == commune_a and mine.context["totals"]["received"] == 3
    refused = client.get(FIGURES, {"unit": commune_b.code, "from": "01/01/2026", "to": "31/01/2026"})
    assert refused.status_code == 404


def test_the_figures_default_to_the_reporting_quarter(client, commune_a, desk_officer_a):
    signed_in(client, desk_officer_a)
    response = client.get(FIGURES)
    assert response.status_code == 200
    start, end = quarter_containing(timezone.localdate()).days
    assert (response.context["start"], response.context["end"]) == (start, end)


def test_opening_a_ticket_and_its_answer_letter_logs_who_saw_the_senders_personal_data(client, commune_a, agency_a, leader_a):
    from motcua.models import AuditEvent

    ticket = receive(commune_a, at=vn(2026, 3, 2, 9, 0))
    ticket_step(ticket=ticket, action="classify", by=leader_a, classification="regulation", at=vn(2026, 3, 3, 9, 0))
    ticket_step(ticket=ticket, action="answer", by=leader_a, answer=ANSWER, at=vn(2026, 3, 5, 10, 0))
    signed_in(client, leader_a)
    assert client.get(reverse("tickets:detail", args=[ticket.code])).status_code == 200
    assert client.get(reverse("tickets:answer-pdf", args=[ticket.code])).status_code == 200
    logged = AuditEvent.objects.filter(table_name="dossiers_feedbackticket", row_id=str(ticket.pk), actor_id=leader_a.pk)
    assert sorted(logged.filter(action__in=["view", "export"]).values_list("action", flat=True)) == ["export", "view"]
