"""Applicants told by SMS and e-mail when their dossier moves, and a ticket's sender when it is answered.

The SMS gateway is a real HTTP server that each test starts on loopback, reached through the bundled
``HTTPSMSBackend``; e-mail goes through Django's mail backend (the test outbox). Celery runs the tasks
in-process, as it does without a broker, after the step's transaction commits.
"""
from __future__ import annotations

import base64
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from dossiers.models import Dossier, PauseKind
from dossiers.services import (
    Applicant, dossier_apologise, dossier_pause, dossier_receive, dossier_resolve, dossier_resume, dossier_stop,
)
from dossiers.tickets.services import ticket_receive, ticket_step
from motcua.calendar import VN_TZ
from motcua.sms import HTTPSMSBackend, SMSGatewayError, get_sms_backend
from motcua.text import strip_diacritics
from notices.models import Kind, Message, MessageChannel, MessageStatus, MessageTemplate
from notices.services import message_send, messages_send_waiting, messages_waiting
from notices.tasks import send_message
from notices.wording import SAMPLE, SMS_LIMIT, gsm_length, mask, render, sms_ascii, sms_text
from tests.factories import PASSWORD, vn

pytestmark = pytest.mark.django_db

PHONE = "0912345678"
EMAIL = "an.nguyen@example.vn"
CITIZEN = Applicant(name="Nguyễn Văn An", id_number="030085001234", phone=PHONE, email=EMAIL, address="Thôn Đông, Ngọc Kỳ")
MISSING = "Bản sao Giấy chứng nhận kết hôn của cha mẹ"


# -- the test gateway --------------------------------------------------------------------------------


class Gateway:
    """An SMS provider's HTTP API on 127.0.0.1: records what it is sent; ``refuse`` makes it answer an error."""

    def __init__(self):
        self.received: list[dict] = []
        self.requests: list[dict] = []
        self.refuse: tuple[int, str] | None = None
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                gateway.requests.append({"path": self.path, "authorization": self.headers.get("Authorization", ""),
                                         "content_type": self.headers.get("Content-Type", "")})
                if gateway.refuse is not None:
                    status, answer = gateway.refuse
                    self._answer(status, answer)
                    return
                gateway.received.append(json.loads(body))
                self._answer(200, '{"status": "accepted"}')

            def _answer(self, status: int, text: str):
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def texts_to(self, phone: str) -> list[str]:
        return [item["text"] for item in self.received if item["phone"] == phone]


@pytest.fixture
def gateway(settings):
    gateway = Gateway()
    gateway.thread.start()
    settings.MOTCUA_SMS_BACKEND = "motcua.sms.HTTPSMSBackend"
    settings.SMS_HTTP_URL = gateway.url
    settings.SMS_HTTP_USER, settings.SMS_HTTP_PASSWORD = "motcua", "mật-khẩu"
    settings.SMS_HTTP_TIMEOUT = 5
    settings.SMS_ASCII = True
    yield gateway
    gateway.server.shutdown()
    gateway.server.server_close()


@pytest.fixture
def any_hour(settings):
    """The messages go at once whatever the hour the suite runs at; the night has its own tests."""
    settings.NOTICE_QUIET_HOURS = None


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``committed(service, **arguments)``: run a step and what its commit triggers (the messages' tasks)."""

    def run(service, **arguments):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**arguments)

    return run


@pytest.fixture(autouse=True)
def default_templates(db):
    """The wording the migrations load (a test run with ``transaction=True`` empties the tables after it)."""
    from importlib import import_module

    from django.apps import apps

    import_module("notices.migrations.0002_default_templates").preload(apps, None)


@pytest.fixture
def desk(agency_a, desk_officer_a):
    return desk_officer_a


def day(moment) -> str:
    return timezone.localtime(moment, VN_TZ).strftime("%d/%m/%Y")


def late_dossier(committed, commune_a, birth_registration, desk, applicant=CITIZEN) -> Dossier:
    """Received a fortnight ago (3 working days): due already, so an apology may be issued."""
    return committed(dossier_receive, unit=commune_a, procedure=birth_registration, applicant=applicant, by=desk,
                     received_at=timezone.now() - timedelta(days=14))


# -- the whole path of a dossier -------------------------------------------------------------------------


def test_the_applicant_is_told_each_step_by_sms_and_by_email(
    gateway, celery_in_process, any_hour, committed, commune_a, birth_registration, desk, mailoutbox, client,
):
    dossier = late_dossier(committed, commune_a, birth_registration, desk)
    appointment = dossier.due_at
    committed(dossier_pause, dossier=dossier, by=desk, kind=PauseKind.SUPPLEMENT, reason=MISSING)
    committed(dossier_resume, dossier=dossier, by=desk)
    dossier.refresh_from_db()
    new_due = (timezone.now() + timedelta(days=7)).astimezone(VN_TZ).replace(hour=16, minute=0, second=0, microsecond=0)
    committed(dossier_apologise, dossier=dossier, by=desk, reason="Chờ xác minh của Công an xã", new_due_at=new_due)
    committed(dossier_resolve, dossier=dossier, by=desk)

    # What the gateway received: one SMS per step, in order, without diacritics, each within one SMS.
    received, supplement, resumed, late, ready = gateway.texts_to(PHONE)
    assert len(gateway.received) == 5
    assert all(dossier.code in text for text in gateway.texts_to(PHONE))
    assert all(text.isascii() and gsm_length(text) <= SMS_LIMIT for text in gateway.texts_to(PHONE))
    assert "UBND xa Ngoc Ky" in received and day(appointment) in received
    assert strip_diacritics(MISSING) in supplement
    assert day(dossier.due_at) in resumed
    assert day(new_due) in late and "xin loi" in late
    assert "Trung tam Phuc vu hanh chinh cong xa Ngoc Ky" in ready
    # The gateway was asked as configured: JSON, basic authentication.
    assert gateway.requests[0]["content_type"].startswith("application/json")
    assert gateway.requests[0]["authorization"] == "Basic " + base64.b64encode("motcua:mật-khẩu".encode()).decode()

    # The delivery log: every message sent, one per step and channel.
    log = list(Message.objects.filter(dossier=dossier).order_by("id"))
    steps = [Kind.RECEIVED, Kind.SUPPLEMENT, Kind.RESUMED, Kind.LATE, Kind.RESULT_READY]
    assert [m.kind for m in log if m.channel == MessageChannel.SMS] == steps
    assert [m.kind for m in log if m.channel == MessageChannel.EMAIL] == steps
    assert {m.status for m in log} == {MessageStatus.SENT} and {m.attempts for m in log} == {1}
    assert [m.text for m in log if m.channel == MessageChannel.SMS] == gateway.texts_to(PHONE)

    # The e-mails, in Vietnamese with diacritics, to the address given at intake.
    assert len(mailoutbox) == 5 and {tuple(m.to) for m in mailoutbox} == {(EMAIL,)}
    by_subject = {m.subject: m.body for m in mailoutbox}
    assert by_subject[f"Hồ sơ {dossier.code} cần bổ sung, hoàn thiện"].count(MISSING) == 1
    assert day(new_due) in by_subject[f"Thư xin lỗi và hẹn lại ngày trả kết quả hồ sơ {dossier.code}"]

    # The dossier's page shows the log, the recipients masked.
    assert client.login(username=desk.username, password=PASSWORD)
    page = client.get(reverse("dossiers:detail", args=[dossier.code])).content.decode()
    assert 'data-testid="message-log"' in page
    assert page.count('data-status="sent"') == 10
    assert "091****678" in page and "a***@example.vn" in page


def test_a_dossier_returned_unresolved_and_a_pause_tell_the_reason(
    gateway, celery_in_process, any_hour, committed, commune_a, birth_registration, desk,
):
    dossier = late_dossier(committed, commune_a, birth_registration, desk, applicant=Applicant(name="Lê Thị Hoa", phone=PHONE))
    committed(dossier_pause, dossier=dossier, by=desk, kind=PauseKind.VERIFICATION, reason="Chờ xác minh của Công an")
    committed(dossier_stop, dossier=dossier, by=desk, action="return_unresolved", reason="Không đủ điều kiện đăng ký")
    _received, paused, returned = gateway.texts_to(PHONE)
    assert "tam dung xu ly: Cho xac minh cua Cong an" in paused
    assert "tra lai, khong giai quyet: Khong du dieu kien dang ky" in returned
    # No e-mail address was given: SMS only.
    assert set(Message.objects.filter(dossier=dossier).values_list("channel", flat=True)) == {MessageChannel.SMS}


@pytest.mark.parametrize("stored", ["+84 912 345 678", "0912.345.678", "84912345678", " 0912 345 678 "])
def test_a_phone_written_the_old_software_s_way_gets_its_sms_at_the_normalised_number(
    gateway, celery_in_process, any_hour, committed, commune_a, birth_registration, desk, stored,
):
    """Dossiers imported from the old software keep the phone as it was typed there (dossiers.selectors.sms_phone)."""
    dossier = late_dossier(committed, commune_a, birth_registration, desk, applicant=Applicant(name="Lê Thị Hoa", phone=stored))
    assert dossier.applicant_phone == stored
    sms = Message.objects.get(dossier=dossier, channel=MessageChannel.SMS)
    assert sms.recipient == PHONE and sms.status == MessageStatus.SENT
    assert len(gateway.texts_to(PHONE)) == 1 and {item["phone"] for item in gateway.received} == {PHONE}


@pytest.mark.parametrize("stored", ["091234567", "1912345678", "không có"])
def test_a_phone_that_is_no_vietnamese_number_gets_no_sms(
    gateway, celery_in_process, any_hour, committed, commune_a, birth_registration, desk, stored,
):
    dossier = late_dossier(committed, commune_a, birth_registration, desk,
                           applicant=Applicant(name="Lê Thị Hoa", phone=stored, email=EMAIL))
    assert set(Message.objects.filter(dossier=dossier).values_list("channel", flat=True)) == {MessageChannel.EMAIL}
    assert gateway.received == []


# -- never twice, never lost ------------------------------------------------------------------------------


def test_no_message_twice_when_its_task_runs_twice(gateway, celery_in_process, any_hour, committed, commune_a,
                                                  birth_registration, desk):
    dossier = late_dossier(committed, commune_a, birth_registration, desk)
    sms = Message.objects.get(dossier=dossier, channel=MessageChannel.SMS)
    assert sms.status == MessageStatus.SENT and len(gateway.received) == 1
    send_message.delay(sms.pk)
    send_message.apply(args=[sms.pk])
    assert messages_send_waiting(now=timezone.now() + timedelta(hours=1)) == 0
    assert len(gateway.received) == 1
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (MessageStatus.SENT, 1)


def test_a_step_recorded_twice_makes_one_message_per_channel(gateway, any_hour, commune_a, birth_registration, desk):
    from dossiers.steps import step_recorded

    dossier = dossier_receive(unit=commune_a, procedure=birth_registration, applicant=CITIZEN, by=desk)
    event = dossier.events.get()
    step_recorded.send(sender=Dossier, event=event)  # a second delivery of the same step
    assert Message.objects.filter(dossier=dossier).count() == 2


def test_a_long_gateway_answer_is_kept_up_to_the_one_reason_length(
    gateway, celery_in_process, any_hour, committed, commune_a, birth_registration, desk,
):
    """The gateway's reason (motcua.sms) and the log's (notices.services) are cut at the same length."""
    from motcua.sms import REASON_CHARS

    words = " ".join(f"lỗi-{n}" for n in range(400))  # far longer than any reason kept
    gateway.refuse = (500, json.dumps({"error": words}, ensure_ascii=False))
    dossier = late_dossier(committed, commune_a, birth_registration, desk, applicant=Applicant(name="An", phone=PHONE))
    sms = Message.objects.get(dossier=dossier)
    assert sms.status == MessageStatus.FAILED
    assert len(sms.reason) == REASON_CHARS and sms.reason == ("HTTP 500: " + words)[:REASON_CHARS]


def test_a_gateway_error_is_logged_with_its_reason_and_retried_until_it_is_sent(
    gateway, celery_in_process, any_hour, committed, commune_a, birth_registration, desk,
):
    gateway.refuse = (500, '{"error": "Tài khoản hết hạn mức gửi tin"}')
    dossier = late_dossier(committed, commune_a, birth_registration, desk, applicant=Applicant(name="An", phone=PHONE))
    sms = Message.objects.get(dossier=dossier)
    assert sms.status == MessageStatus.FAILED and sms.attempts == 1
    assert sms.reason == "HTTP 500: Tài khoản hết hạn mức gửi tin"
    assert gateway.received == [] and sms.retry_at is not None

    # Before its next attempt the sweep leaves it; then it tries again, the gateway still refusing.
    assert messages_send_waiting(now=sms.retry_at - timedelta(seconds=1)) == 0
    assert messages_send_waiting(now=sms.retry_at) == 0
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (MessageStatus.FAILED, 2)
    first_wait = sms.retry_at - sms.last_attempt_at
    assert first_wait > timedelta(minutes=1)  # backing off

    gateway.refuse = None  # the gateway is back
    assert messages_send_waiting(now=sms.retry_at) == 1
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (MessageStatus.SENT, 3)
    assert gateway.texts_to(PHONE) == [sms.text]


def test_a_gateway_down_stops_the_sweeps_round_and_a_message_refused_for_three_days_is_given_up(
    gateway, any_hour, commune_a, birth_registration, desk,
):
    gateway.refuse = (503, "Service Unavailable")
    for n in range(5):  # five SMS whose tasks never ran
        dossier_receive(unit=commune_a, procedure=birth_registration, by=desk, applicant=Applicant(name=f"An {n}", phone=PHONE))
    later = timezone.now() + timedelta(minutes=6)
    assert messages_send_waiting(now=later) == 0
    assert sorted(Message.objects.values_list("attempts", flat=True)) == [0, 0, 1, 1, 1]  # three tries, then stop
    assert set(Message.objects.filter(attempts=1).values_list("reason", flat=True)) == {"HTTP 503: Service Unavailable"}

    oldest = Message.objects.filter(attempts=1).first()
    Message.objects.filter(pk=oldest.pk).update(created_at=later - timedelta(days=3))
    assert message_send(oldest.pk, now=oldest.retry_at) == MessageStatus.FAILED
    oldest.refresh_from_db()
    assert oldest.attempts == 2 and oldest.retry_at is None  # given up, the reason kept
    assert oldest not in messages_waiting(later + timedelta(days=1))


def test_a_gateway_that_does_not_answer_is_a_failure_with_a_reason():
    from tests.integration.test_redis_down import closed_port

    backend = HTTPSMSBackend(url=f"http://127.0.0.1:{closed_port()}/api/sms", timeout=1)
    with pytest.raises(SMSGatewayError, match="did not answer"):
        backend.send(PHONE, "x")


def test_messages_kept_back_while_redis_is_down_are_sent_by_the_sweep(gateway, any_hour, settings, committed, commune_a,
                                                                      birth_registration, desk):
    from tests.integration.test_redis_down import RedisDown

    down = RedisDown(settings)  # the broker on a closed port: the task cannot be handed over
    try:
        dossier = committed(dossier_receive, unit=commune_a, procedure=birth_registration, applicant=CITIZEN, by=desk)
    finally:
        down.back()
    waiting = Message.objects.filter(dossier=dossier)
    assert {(m.status, m.enqueued_at) for m in waiting} == {(MessageStatus.QUEUED, None)}
    assert gateway.received == []

    assert messages_send_waiting() == 0  # a moment ago: its task may still be on its way
    assert messages_send_waiting(now=timezone.now() + timedelta(minutes=6)) == 2
    assert {m.status for m in waiting.all()} == {MessageStatus.SENT}
    assert gateway.texts_to(PHONE) == [waiting.get(channel=MessageChannel.SMS).text]


# -- the night ----------------------------------------------------------------------------------------------


def test_a_step_at_22_00_is_held_until_07_00_and_sent_by_the_morning_sweep(gateway, committed, commune_a,
                                                                           birth_registration, desk):
    dossier = dossier_receive(unit=commune_a, procedure=birth_registration, applicant=CITIZEN, by=desk,
                              received_at=vn(2026, 1, 15, 9, 0))
    night = vn(2026, 1, 16, 22, 0)
    committed(dossier_pause, dossier=dossier, by=desk, kind=PauseKind.SUPPLEMENT, reason=MISSING, at=night)
    held = Message.objects.filter(dossier=dossier, kind=Kind.SUPPLEMENT)
    assert {(m.status, m.send_after) for m in held} == {(MessageStatus.HELD, vn(2026, 1, 17, 7, 0))}
    assert not any(dossier.code in text and "bo sung" in text for text in gateway.texts_to(PHONE))

    assert messages_send_waiting(now=vn(2026, 1, 16, 23, 30)) == 0  # nothing at night
    assert messages_send_waiting(now=vn(2026, 1, 17, 6, 59)) == 0
    assert not any("bo sung" in text for text in gateway.texts_to(PHONE))
    messages_send_waiting(now=vn(2026, 1, 17, 7, 0))
    assert {m.status for m in held.all()} == {MessageStatus.SENT}
    assert [text for text in gateway.texts_to(PHONE) if "bo sung" in text] == [held.get(channel="sms").text]


def test_a_message_due_at_night_is_held_by_the_sender_too(gateway, any_hour, settings, commune_a, birth_registration, desk):
    dossier = dossier_receive(unit=commune_a, procedure=birth_registration, applicant=Applicant(name="An", phone=PHONE),
                              by=desk)
    sms = Message.objects.get(dossier=dossier)
    settings.NOTICE_QUIET_HOURS = (vn(2026, 1, 1, 21, 0).time(), vn(2026, 1, 1, 7, 0).time())
    assert message_send(sms.pk, now=vn(2026, 1, 16, 5, 30)) == MessageStatus.HELD
    sms.refresh_from_db()
    assert sms.send_after == vn(2026, 1, 16, 7, 0) and gateway.received == []


# -- opting out, tickets -------------------------------------------------------------------------------------


def test_an_applicant_who_opts_out_at_intake_is_told_nothing(gateway, celery_in_process, any_hour, client, desk,
                                                            birth_registration, django_capture_on_commit_callbacks):
    assert client.login(username=desk.username, password=PASSWORD)
    assert 'name="notify_opt_out"' in client.get(reverse("dossiers:intake")).content.decode()
    data = {
        "procedure": birth_registration.code, "applicant_name": "Nguyễn Văn An", "applicant_id_number": "",
        "applicant_phone": PHONE, "applicant_address": "", "applicant_email": EMAIL, "applicant_kind": "person",
        "channel": "direct", "components_digitised": "none", "handling_unit": "", "received_at": "", "notes": "",
        "refusal_reason": "", "receive": "1", "notify_opt_out": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("dossiers:intake"), data).status_code == 302
    dossier = Dossier.objects.get()
    assert dossier.notify_opt_out and dossier.applicant_email == EMAIL
    with django_capture_on_commit_callbacks(execute=True):
        dossier_pause(dossier=dossier, by=desk, kind=PauseKind.SUPPLEMENT, reason=MISSING)
    assert not Message.objects.exists() and gateway.received == []
    page = client.get(reverse("dossiers:detail", args=[dossier.code])).content.decode()
    assert 'data-testid="opted-out"' in page and 'data-testid="message-log"' not in page


def test_the_sender_of_a_ticket_is_told_when_it_is_answered(gateway, celery_in_process, any_hour, committed,
                                                           commune_a, agency_a, desk_officer_a, mailoutbox):
    by_phone = ticket_receive(unit=commune_a, channel="website", sender_name="Lê Văn Cường", sender_contact="0912 000 111",
                              content="Thủ tục chậm.")
    by_mail = ticket_receive(unit=commune_a, channel="email", sender_name="Phạm Thu", sender_contact="thu@example.vn",
                             content="Hỏi về lệ phí.")
    for ticket in (by_phone, by_mail):
        ticket = ticket_step(ticket=ticket, action="classify", by=desk_officer_a, classification="regulation")
        ticket = ticket_step(ticket=ticket, action="assign", by=desk_officer_a, agency=agency_a)
        committed(ticket_step, ticket=ticket, action="answer", by=desk_officer_a, answer="Đã tiếp thu, sẽ sửa đổi.")
    (text,) = gateway.texts_to("0912000111")
    assert by_phone.code in text and "Da tiep thu, se sua doi." in text
    (mail,) = mailoutbox
    assert mail.to == ["thu@example.vn"] and by_mail.code in mail.subject and "Đã tiếp thu, sẽ sửa đổi." in mail.body
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT}


# -- the wording ------------------------------------------------------------------------------------------


def test_every_default_sms_fits_one_message_without_diacritics():
    templates = MessageTemplate.objects.filter(channel=MessageChannel.SMS)
    assert {t.kind for t in templates} == set(Kind.values)
    assert {t.kind for t in MessageTemplate.objects.filter(channel=MessageChannel.EMAIL)} == set(Kind.values)
    for template in templates:
        text = sms_ascii(render(template.text, SAMPLE))
        assert "{" not in text and gsm_length(text) <= SMS_LIMIT, (template.kind, gsm_length(text), text)
        template.full_clean()  # and the admin's checks accept it


def test_a_long_request_for_supplements_is_shortened_to_one_sms_keeping_the_code():
    template = MessageTemplate.objects.get(kind=Kind.SUPPLEMENT, channel=MessageChannel.SMS).text
    values = {**SAMPLE, "missing": "; ".join([MISSING] * 6)}
    text = sms_text(template, values, ascii=True)
    assert gsm_length(text) <= SMS_LIMIT and SAMPLE["code"] in text and "..." in text
    assert text.startswith("UBND phuong Hoang Van Thu: ho so")


def test_the_administrator_cannot_save_a_template_that_would_not_fit_or_names_an_unknown_placeholder():
    template = MessageTemplate.objects.get(kind=Kind.RECEIVED, channel=MessageChannel.SMS)
    template.text = "{office} đã tiếp nhận hồ sơ {code} của {applicant}."
    with pytest.raises(ValidationError, match="applicant"):
        template.full_clean()
    template.text = "{office} " + "đã tiếp nhận hồ sơ {code}. " * 6
    with pytest.raises(ValidationError, match="160"):
        template.full_clean()
    template.text = "Hồ sơ {code"
    with pytest.raises(ValidationError):
        template.full_clean()


def test_an_administrator_edits_a_template_in_the_admin(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.vn", PASSWORD)
    template = MessageTemplate.objects.get(kind=Kind.RECEIVED, channel=MessageChannel.SMS)
    client.force_login(admin)
    url = reverse("admin:notices_messagetemplate_change", args=[template.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"subject": "", "text": "{office}: đã nhận hồ sơ {code}, hẹn {appointment}.", "is_active": "on"})
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.text == "{office}: đã nhận hồ sơ {code}, hẹn {appointment}."


def test_recipients_are_masked_in_the_log():
    assert mask("0912345678") == "091****678"
    assert mask("an.nguyen@example.vn") == "a***@example.vn"


def test_the_old_dotted_path_of_the_console_gateway_still_works(settings):
    settings.MOTCUA_SMS_BACKEND = "reports.notify.ConsoleSMSBackend"
    from motcua.sms import ConsoleSMSBackend

    assert isinstance(get_sms_backend(), ConsoleSMSBackend)


# -- through Redis to a real worker ---------------------------------------------------------------------------


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_message_through_the_http_gateway(gateway, any_hour, monkeypatch, tmp_path, commune_a,
                                                                  agency_a, desk_officer_a, birth_registration):
    import time as clock

    from tests.workers import celery_worker

    # The worker reads its settings from the environment: the test gateway, and a quiet hour far from now.
    far = timezone.localtime(timezone.now() + timedelta(hours=12), VN_TZ)
    monkeypatch.setenv("SMS_BACKEND", "motcua.sms.HTTPSMSBackend")
    monkeypatch.setenv("SMS_HTTP_URL", gateway.url)
    monkeypatch.setenv("NOTICE_QUIET_HOURS", f"{far:%H}:00-{far:%H}:01")
    with celery_worker(tmp_path) as worker:
        dossier = dossier_receive(unit=commune_a, procedure=birth_registration, by=desk_officer_a,
                                  applicant=Applicant(name="Nguyễn Văn An", phone=PHONE))
        sms = Message.objects.get(dossier=dossier)
        deadline = clock.monotonic() + 60
        while sms.status != MessageStatus.SENT and clock.monotonic() < deadline:
            assert worker.process.poll() is None, "the worker stopped"
            clock.sleep(0.3)
            sms.refresh_from_db()
    assert sms.status == MessageStatus.SENT, (sms.status, sms.reason, worker.output)
    assert gateway.texts_to(PHONE) == [sms.text] and dossier.code in sms.text
    assert "Traceback" not in worker.output, worker.output
