"""The desk and processing screens: intake (and refusal) with the live due moment, the desk board and its
search, a dossier's page with every step, the officer's queue — scoped to the user's unit, with pinned
query counts on the lists.

The interface is translated by the lead after the fact, so these tests assert on data, codes, names and
dates, and on validation error codes, never on English sentences.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from dossiers.models import Apology, Dossier, DossierEvent, Outcome, Pause, Status
from dossiers.selectors import PANEL_SIZE, board_panels
from dossiers.services import (
    Applicant,
    dossier_pause,
    dossier_receive,
    dossier_resolve,
    dossier_transfer,
)
from motcua.calendar import VN_TZ
from motcua.models import Role, StaffMembership
from motcua.selectors import work_calendar
from procedures.parsing import ComponentSpec, FeeSpec
from tests.factories import PASSWORD, MembershipFactory, procedure_make, vn

pytestmark = pytest.mark.django_db

BIRTH = "1.001193"
MARRIAGE = "1.000894"
DEATH = "1.000656"
LAND = "1.004227"
CITIZEN = Applicant(name="Nguyễn Văn An", id_number="030085001234", phone="0912345678", address="Thôn Đông, Ngọc Kỳ")


def typed(moment: datetime) -> str:
    """A moment as the officer types it: dd/mm/yyyy hh:mm in Vietnam time."""
    return timezone.localtime(moment, VN_TZ).strftime("%d/%m/%Y %H:%M")


@pytest.fixture
def catalogue(commune_a, commune_b):
    """Commune A posts birth, marriage, death and an inter-connected land procedure; B posts birth only."""
    return {
        BIRTH: procedure_make(
            BIRTH, "Đăng ký khai sinh", days=3, fees=[FeeSpec("Lệ phí", 8000)],
            components=[ComponentSpec("Tờ khai đăng ký khai sinh", 1, 0), ComponentSpec("Giấy chứng sinh", 1, 1)],
            post_at=[commune_a, commune_b],
        ),
        MARRIAGE: procedure_make(MARRIAGE, "Đăng ký kết hôn", days=5, post_at=[commune_a]),
        DEATH: procedure_make(DEATH, "Đăng ký khai tử", days=1, post_at=[commune_a]),
        LAND: procedure_make(
            LAND, "Đăng ký biến động quyền sử dụng đất", field=("DD", "Đất đai"), level="district", days=10,
            interconnected_with="commune", post_at=[commune_a],
        ),
    }


@pytest.fixture
def desk(agency_a, desk_officer_a):
    """The desk officer of commune A, whose commune has its electronic identifier."""
    return desk_officer_a


@pytest.fixture
def admin_a(commune_a):
    return MembershipFactory(unit=commune_a, role=Role.ADMINISTRATOR, user__username="admin.a").user


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def intake_data(**changes) -> dict:
    data = {
        "procedure": BIRTH, "applicant_name": "Nguyễn Văn An", "applicant_id_number": "030085001234",
        "applicant_phone": "0912345678", "applicant_address": "Thôn Đông, Ngọc Kỳ", "applicant_email": "",
        "applicant_kind": "person", "channel": "direct", "components_digitised": "none", "handling_unit": "",
        "received_at": "", "notes": "", "refusal_reason": "", "receive": "1",
    }
    data.update(changes)
    return data


def receive(unit, procedure, by, at=None, applicant=CITIZEN, **kwargs) -> Dossier:
    return dossier_receive(unit=unit, procedure=procedure, applicant=applicant, by=by, received_at=at, **kwargs)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def earlier_today() -> datetime:
    """A moment earlier today in Vietnam, whatever the time now: half-way between midnight and now."""
    now = timezone.localtime(timezone.now(), VN_TZ)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight + (now - midnight) / 2).replace(second=0, microsecond=0)


# -- intake ------------------------------------------------------------------------------------


def test_the_intake_form_offers_the_procedures_posted_at_the_unit(client, desk, catalogue):
    response = login(client, desk).get(reverse("dossiers:intake"))
    assert response.status_code == 200
    page = response.content.decode()
    assert [code for code, _name in response.context["options"]] == sorted([BIRTH, MARRIAGE, DEATH, LAND])
    assert 'id="id_procedure"' in page and "autofocus" in page
    assert 'src="/static/js/intake.js"' in page


def test_a_dossier_received_on_friday_afternoon_is_due_on_wednesday_afternoon(client, admin_a, agency_a, catalogue):
    """Back-dated to Friday 16/01/2026 16:00 (by an administrator entering a paper dossier): 3 days → Wed 16:00."""
    response = login(client, admin_a).post(reverse("dossiers:intake"), intake_data(received_at="16/01/2026 16:00"))
    dossier = Dossier.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("dossiers:detail", kwargs={"code": dossier.code}) + "?received=1"
    assert dossier.code == "000.01.12.H23-260116-0001"
    assert dossier.received_at == vn(2026, 1, 16, 16, 0)
    assert dossier.due_at == vn(2026, 1, 21, 16, 0)
    assert (dossier.status, dossier.receiving_unit, dossier.handling_unit, dossier.fee_total) == (
        Status.RECEIVED, agency_a.unit, agency_a.unit, 8000)
    assert (dossier.applicant_name, dossier.applicant_id_number, dossier.applicant_phone) == (
        "Nguyễn Văn An", "030085001234", "0912345678")
    [message] = messages_of(response)
    assert dossier.code in message and "16:00 21/01/2026" in message
    assert dossier.events.get().by == admin_a


def test_a_desk_officer_takes_in_dossiers_now_with_codes_that_run_on(client, desk, catalogue):
    login(client, desk)
    before = timezone.now()
    for _ in range(3):
        assert client.post(reverse("dossiers:intake"), intake_data()).status_code == 302
    dossiers = list(Dossier.objects.order_by("id"))
    today = timezone.localtime(before, VN_TZ).strftime("%y%m%d")
    assert [d.code for d in dossiers] == [f"000.01.12.H23-{today}-000{n}" for n in (1, 2, 3)]
    assert all(before <= d.received_at <= timezone.now() for d in dossiers)
    assert all(d.received_by == desk for d in dossiers)


def test_the_dossier_page_after_intake_offers_the_slip_and_the_next_dossier(client, desk, catalogue):
    login(client, desk)
    response = client.post(reverse("dossiers:intake"), intake_data(), follow=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="after-intake"' in page and reverse("dossiers:intake") in page
    assert response.context["dossier"].code in page


def test_a_desk_officer_may_back_date_within_today(client, desk, catalogue):
    moment = earlier_today()
    response = login(client, desk).post(reverse("dossiers:intake"), intake_data(received_at=typed(moment)))
    assert response.status_code == 302
    assert Dossier.objects.get().received_at == moment


@pytest.mark.parametrize("when,code", [(timedelta(days=-1), "not-today"), (timedelta(hours=2), "future")])
def test_a_desk_officer_cannot_back_date_to_another_day_or_receive_in_the_future(client, desk, catalogue, when, code):
    moment = timezone.now() + when
    response = login(client, desk).post(reverse("dossiers:intake"), intake_data(received_at=typed(moment)))
    assert response.status_code == 200
    assert response.context["form"].errors.as_data()["received_at"][0].code == code
    assert not Dossier.objects.exists()


@pytest.mark.parametrize(
    "field,value,code",
    [
        ("applicant_id_number", "03008500123", "length"),
        ("applicant_id_number", "0300850012345", "length"),
        ("applicant_id_number", "03008500123A", "digits"),
        ("applicant_id_number", "099085001234", "province"),
        ("applicant_id_number", "000085001234", "province"),
        ("applicant_phone", "091234567", "phone"),
        ("applicant_phone", "1912345678", "phone"),
        ("applicant_phone", "09123456789", "phone"),
    ],
)
def test_a_bad_cccd_or_phone_keeps_what_was_typed_and_creates_nothing(client, desk, catalogue, field, value, code):
    data = intake_data(**{field: value, "applicant_name": "Trần Thị Bình", "applicant_address": "Xóm Chùa", "notes": "Hồ sơ giấy"})
    response = login(client, desk).post(reverse("dossiers:intake"), data)
    assert response.status_code == 200
    assert response.context["form"].errors.as_data()[field][0].code == code
    assert not Dossier.objects.exists() and not DossierEvent.objects.exists()
    page = response.content.decode()
    for typed_value in (value, "Trần Thị Bình", "Xóm Chùa", "Hồ sơ giấy", BIRTH):
        assert typed_value in page


def test_a_cccd_and_a_phone_typed_with_spaces_and_dots_are_stored_as_digits(client, desk, catalogue):
    data = intake_data(applicant_id_number="030 085 001 234", applicant_phone="0912.345 678")
    assert login(client, desk).post(reverse("dossiers:intake"), data).status_code == 302
    dossier = Dossier.objects.get()
    assert (dossier.applicant_id_number, dossier.applicant_phone) == ("030085001234", "0912345678")


def test_the_cccd_and_the_phone_may_be_left_empty(client, desk, catalogue):
    data = intake_data(applicant_id_number="", applicant_phone="")
    assert login(client, desk).post(reverse("dossiers:intake"), data).status_code == 302
    assert Dossier.objects.get().applicant_id_number == ""


def test_the_procedure_is_found_by_its_name_without_diacritics(client, desk, catalogue):
    login(client, desk)
    assert client.post(reverse("dossiers:intake"), intake_data(procedure="dang ky ket hon")).status_code == 302
    assert Dossier.objects.get().procedure.code == MARRIAGE
    response = client.post(reverse("dossiers:intake"), intake_data(procedure=f"{DEATH} – Đăng ký khai tử"))
    assert response.status_code == 302
    assert Dossier.objects.latest("id").procedure.code == DEATH


def test_a_procedure_named_too_vaguely_or_not_posted_is_refused_with_the_candidates(client, desk, catalogue, commune_b):
    login(client, desk)
    response = client.post(reverse("dossiers:intake"), intake_data(procedure="dang ky khai"))
    assert response.context["form"].errors.as_data()["procedure"][0].code == "ambiguous"
    assert {p.code for p in response.context["form"].candidates} == {BIRTH, DEATH}
    procedure_make("2.000001", "Thủ tục chỉ ở xã B", post_at=[commune_b])
    response = client.post(reverse("dossiers:intake"), intake_data(procedure="2.000001"))
    assert response.context["form"].errors.as_data()["procedure"][0].code == "unknown"
    assert not Dossier.objects.exists()


def test_an_inter_connected_procedure_is_handled_by_the_district_by_default(client, desk, catalogue, district, province):
    login(client, desk)
    assert client.post(reverse("dossiers:intake"), intake_data(procedure=LAND)).status_code == 302
    dossier = Dossier.objects.get()
    assert (dossier.receiving_unit.code, dossier.handling_unit) == ("11089", district)
    assert dossier.code.startswith("000.01.12.H23-")
    # The commune may keep it; the province is above the procedure's level.
    assert client.post(reverse("dossiers:intake"), intake_data(procedure=LAND, handling_unit=desk.membership.unit.pk)).status_code == 302
    assert Dossier.objects.latest("id").handling_unit == desk.membership.unit
    response = client.post(reverse("dossiers:intake"), intake_data(procedure=LAND, handling_unit=province.pk))
    assert response.context["form"].errors.as_data()["handling_unit"][0].code == "handling-unit"
    assert Dossier.objects.count() == 2


def test_a_dossier_is_refused_from_the_intake_form_with_a_reason(client, desk, catalogue):
    login(client, desk)
    data = intake_data(refusal_reason="Không thuộc thẩm quyền của xã", refuse="1")
    del data["receive"]
    response = client.post(reverse("dossiers:intake"), data)
    dossier = Dossier.objects.get()
    assert response.status_code == 302 and response.url == reverse("dossiers:detail", kwargs={"code": dossier.code})
    assert (dossier.status, dossier.notes) == (Status.REFUSED, "Không thuộc thẩm quyền của xã")
    assert dossier.events.get().action == "refuse"
    without_reason = intake_data(refuse="1")
    del without_reason["receive"]
    response = client.post(reverse("dossiers:intake"), without_reason)
    assert response.context["form"].errors.as_data()["refusal_reason"][0].code == "required"
    assert Dossier.objects.count() == 1


def test_only_the_desk_takes_in_dossiers(client, processing_a, catalogue):
    assert login(client, processing_a).get(reverse("dossiers:intake")).status_code == 403
    assert client.post(reverse("dossiers:intake"), intake_data()).status_code == 403
    assert not Dossier.objects.exists()


# -- the due moment, live -----------------------------------------------------------------------


def test_the_due_preview_gives_the_start_and_due_moment_of_a_receipt(client, desk, catalogue):
    response = login(client, desk).get(reverse("dossiers:due-preview"), {"procedure": BIRTH, "received_at": "16/01/2026 16:00"})
    assert response.status_code == 200
    data = response.json()
    assert data["start"] == "2026-01-16T16:00:00+07:00"
    assert data["due"] == "2026-01-21T16:00:00+07:00"
    assert data["due_display"].startswith("16:00 ngày 21/01/2026")
    assert [c["name"] for c in data["components"]] == ["Tờ khai đăng ký khai sinh", "Giấy chứng sinh"]
    assert data["fee_total"] == 8000 and "8.000" in data["fee_display"]
    assert [u["code"] for u in data["handling_units"]] == ["11089"] and data["default_handling_unit"]["code"] == "11089"


def test_the_due_preview_counts_from_the_next_session_and_knows_the_inter_connected_unit(client, desk, catalogue):
    login(client, desk)
    data = client.get(reverse("dossiers:due-preview"), {"procedure": DEATH, "received_at": "19/01/2026 12:15"}).json()
    assert (data["start"], data["due"]) == ("2026-01-19T13:30:00+07:00", "2026-01-20T11:30:00+07:00")
    data = client.get(reverse("dossiers:due-preview"), {"procedure": LAND}).json()
    assert data["default_handling_unit"]["code"] == "298"
    assert [u["code"] for u in data["handling_units"]] == ["11089", "298"]


def test_the_due_preview_without_a_moment_counts_from_now(client, desk, catalogue):
    before = timezone.now()
    data = login(client, desk).get(reverse("dossiers:due-preview"), {"procedure": BIRTH}).json()
    start = datetime.fromisoformat(data["start"])
    assert start >= work_calendar().next_working_moment(before).replace(microsecond=0) - timedelta(seconds=1)


def test_the_due_preview_answers_errors_as_json(client, desk, catalogue, commune_b):
    login(client, desk)
    assert client.get(reverse("dossiers:due-preview"), {"procedure": "9.999999"}).status_code == 404
    assert client.get(reverse("dossiers:due-preview"), {"procedure": BIRTH, "received_at": "32/13/2026"}).status_code == 400
    procedure_make("2.000001", "Thủ tục chỉ ở xã B", post_at=[commune_b])
    response = client.get(reverse("dossiers:due-preview"), {"procedure": "2.000001"})
    assert response.status_code == 404 and "error" in response.json()


# -- scope and roles ---------------------------------------------------------------------------


@pytest.fixture
def dossier_a(commune_a, catalogue, desk):
    return receive(commune_a, catalogue[BIRTH], desk, at=timezone.now() - timedelta(minutes=1))


def test_a_desk_officer_of_commune_b_never_sees_a_dossier_of_commune_a(client, desk_b, dossier_a):
    login(client, desk_b)
    assert client.get(reverse("dossiers:detail", kwargs={"code": dossier_a.code})).status_code == 404
    board = client.get(reverse("dossiers:board"))
    assert dossier_a.code not in board.content.decode()
    assert all(panel.count == 0 for panel in board.context["panels"])
    for query in (dossier_a.code, "030085001234", "0912345678", "Nguyen Van An"):
        response = client.get(reverse("dossiers:board"), {"q": query})
        assert response.context["results"].rows == [], query
        assert reverse("dossiers:detail", kwargs={"code": dossier_a.code}) not in response.content.decode()
    url = reverse("dossiers:action", kwargs={"code": dossier_a.code, "action": "pause"})
    assert client.post(url, {"pause-kind": "supplement", "pause-reason": "x"}).status_code == 404
    dossier_a.refresh_from_db()
    assert dossier_a.status == Status.RECEIVED


def test_the_district_sees_the_dossiers_of_its_communes(client, district_officer, dossier_a):
    response = login(client, district_officer).get(reverse("dossiers:detail", kwargs={"code": dossier_a.code}))
    assert response.status_code == 200


def test_a_desk_officer_cannot_resolve(client, desk, dossier_a):
    url = reverse("dossiers:action", kwargs={"code": dossier_a.code, "action": "resolve"})
    assert login(client, desk).post(url, {"resolve-note": ""}).status_code == 403
    dossier_a.refresh_from_db()
    assert (dossier_a.status, dossier_a.resolved_at) == (Status.RECEIVED, None)
    page = client.get(reverse("dossiers:detail", kwargs={"code": dossier_a.code})).content.decode()
    assert 'data-testid="step-resolve"' not in page and 'data-testid="step-pause"' in page


def test_a_user_without_a_unit_has_no_desk(client, user_without_unit):
    assert login(client, user_without_unit).get(reverse("dossiers:board")).status_code == 403


def test_an_unknown_step_is_not_a_page(client, desk, dossier_a):
    response = login(client, desk).post(f"/ho-so/{dossier_a.code}/xoa/")
    assert response.status_code == 404


# -- every step from the dossier's page ------------------------------------------------------------


def act(client, dossier, action, **fields):
    data = {f"{action}-{name}": value for name, value in fields.items()}
    return client.post(reverse("dossiers:action", kwargs={"code": dossier.code, "action": action}), data)


def test_every_step_of_the_journey_calls_its_service_and_records_who(client, desk, processing_a, agency_a, dossier_a, settings, tmp_path):
    login(client, desk)
    membership = StaffMembership.objects.get(user=processing_a)
    response = act(client, dossier_a, "transfer", to_unit=agency_a.unit.pk, agency=agency_a.pk, officer=membership.pk, note="Chuyển xử lý")
    assert response.status_code == 302 and response.url == reverse("dossiers:detail", kwargs={"code": dossier_a.code})
    dossier_a.refresh_from_db()
    assert (dossier_a.status, dossier_a.agency, dossier_a.officer) == (Status.TRANSFERRED, agency_a, processing_a)
    assert dossier_a.code in messages_of(response)[0]

    client.logout()
    login(client, processing_a)
    assert act(client, dossier_a, "start").status_code == 302
    assert act(client, dossier_a, "pause", kind="supplement", reason="Thiếu giấy chứng sinh").status_code == 302
    dossier_a.refresh_from_db()
    assert dossier_a.status == Status.PAUSED
    assert Pause.objects.get(dossier=dossier_a).reason == "Thiếu giấy chứng sinh"
    assert act(client, dossier_a, "resume").status_code == 302
    from tests.integration.test_dossier_files import pdf_bytes, upload  # the result is digitised when it has a file

    settings.MEDIA_ROOT = tmp_path
    assert act(client, dossier_a, "resolve", result_file=upload("kq.pdf", pdf_bytes()), note="Đã ký").status_code == 302
    dossier_a.refresh_from_db()
    assert (dossier_a.status, dossier_a.result_digitised, dossier_a.outcome) == (Status.RESOLVED, True, Outcome.EARLY)

    client.logout()
    login(client, desk)
    assert act(client, dossier_a, "return", channel="post").status_code == 302
    dossier_a.refresh_from_db()
    assert (dossier_a.status, dossier_a.return_channel) == (Status.RETURNED, "post")
    steps = list(dossier_a.events.values_list("action", "by__username"))
    assert steps == [("receive", "desk.a"), ("transfer", "desk.a"), ("start", "cm.a"), ("pause", "cm.a"),
                     ("resume", "cm.a"), ("resolve", "cm.a"), ("return", "desk.a")]
    page = client.get(reverse("dossiers:detail", kwargs={"code": dossier_a.code})).content.decode()
    for text in ("Thiếu giấy chứng sinh", "Chuyển xử lý", "Phạm Văn", agency_a.name):
        assert text in page


@pytest.mark.parametrize("action,status", [("return_unresolved", Status.RETURNED_UNRESOLVED), ("withdraw", Status.WITHDRAWN)])
def test_a_dossier_is_returned_unresolved_or_withdrawn_with_a_reason(client, desk, dossier_a, action, status):
    login(client, desk)
    response = act(client, dossier_a, action, reason="")
    assert response.status_code == 400
    forms = {step["name"]: step["form"] for step in response.context["actions"]}
    assert forms[action].errors.as_data()["reason"][0].code == "required"
    dossier_a.refresh_from_db()
    assert dossier_a.status == Status.RECEIVED
    assert act(client, dossier_a, action, reason="Công dân rút hồ sơ").status_code == 302
    dossier_a.refresh_from_db()
    assert (dossier_a.status, dossier_a.resolved_at is not None) == (status, True)
    assert dossier_a.events.latest("id").by == desk


def test_a_late_dossier_gets_one_apology_with_a_new_appointment(client, desk, commune_a, catalogue):
    dossier = receive(commune_a, catalogue[BIRTH], desk, at=timezone.now() - timedelta(days=20))
    login(client, desk)
    page = client.get(reverse("dossiers:detail", kwargs={"code": dossier.code})).content.decode()
    assert 'data-state="overdue"' in page and 'data-testid="step-apologise"' in page
    new_due = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    response = act(client, dossier, "apologise", reason="Chờ xác minh của Công an", new_due_at=typed(new_due))
    assert response.status_code == 302
    apology = Apology.objects.get(dossier=dossier)
    assert (apology.new_due_at, apology.issued_by, apology.reason) == (new_due, desk, "Chờ xác minh của Công an")
    assert dossier.events.latest("id").action == "apologise"
    page = client.get(reverse("dossiers:detail", kwargs={"code": dossier.code})).content.decode()
    assert typed(new_due)[-5:] in page and 'data-testid="step-apologise"' not in page


def test_an_apology_before_the_original_appointment_is_refused_and_keeps_what_was_typed(client, desk, dossier_a):
    Dossier.objects.filter(pk=dossier_a.pk).update(due_at=timezone.now() + timedelta(hours=2))  # will be late
    dossier_a.refresh_from_db()
    login(client, desk)
    response = act(client, dossier_a, "apologise", reason="Chờ xác minh", new_due_at=typed(dossier_a.due_at - timedelta(hours=1)))
    assert response.status_code == 400
    assert not Apology.objects.exists()
    assert "Chờ xác minh" in response.content.decode()


def test_an_apology_with_an_appointment_already_past_keeps_the_reason_and_the_date(client, desk, commune_a, catalogue):
    """After the original appointment but before now: said beside the date, and nothing typed is lost."""
    dossier = receive(commune_a, catalogue[BIRTH], desk, at=timezone.now() - timedelta(days=20))
    login(client, desk)
    past = (timezone.now() - timedelta(days=1)).replace(second=0, microsecond=0)
    response = act(client, dossier, "apologise", reason="Chờ xác minh của Công an", new_due_at=typed(past))
    assert response.status_code == 400 and not Apology.objects.exists()
    page = response.content.decode()
    assert "Chờ xác minh của Công an" in page and typed(past) in page
    forms = {step["name"]: step["form"] for step in response.context["actions"]}
    assert forms["apologise"].errors.as_data()["new_due_at"][0].code == "past"


@pytest.mark.parametrize("action,fields", [("resume", {}), ("return", {"channel": "desk"})])
def test_a_refused_step_shows_a_message_and_changes_nothing(client, desk, dossier_a, action, fields):
    """Resuming a dossier that is not paused, returning a result not yet resolved: refused by the services."""
    login(client, desk)
    events = DossierEvent.objects.count()
    response = act(client, dossier_a, action, **fields)
    assert response.status_code == 302 and response.url == reverse("dossiers:detail", kwargs={"code": dossier_a.code})
    assert [message.level_tag for message in get_messages(response.wsgi_request)] == ["error"]
    dossier_a.refresh_from_db()
    assert (dossier_a.status, dossier_a.returned_at) == (Status.RECEIVED, None)
    assert DossierEvent.objects.count() == events


def test_an_inter_connected_dossier_is_transferred_up_to_the_district(client, desk, commune_a, district, catalogue):
    dossier = receive(commune_a, catalogue[LAND], desk, at=timezone.now() - timedelta(minutes=5))
    login(client, desk)
    form = client.get(reverse("dossiers:detail", kwargs={"code": dossier.code})).context["actions"][0]["form"]
    assert {unit.code for unit in form.fields["to_unit"].queryset} == {"11089", "298"}
    assert act(client, dossier, "transfer", to_unit=district.pk, note="Liên thông lên huyện").status_code == 302
    dossier.refresh_from_db()
    assert (dossier.handling_unit, dossier.status) == (district, Status.TRANSFERRED)


def test_a_transfer_to_an_agency_of_another_unit_is_refused(client, desk, dossier_a, agency_b):
    login(client, desk)
    response = act(client, dossier_a, "transfer", to_unit=dossier_a.handling_unit_id, agency=agency_b.pk)
    assert response.status_code == 400
    dossier_a.refresh_from_db()
    assert dossier_a.agency is None and dossier_a.status == Status.RECEIVED


def test_the_dossier_page_shows_the_terms_the_applicant_and_the_times(client, desk, commune_a, catalogue):
    dossier = receive(commune_a, catalogue[BIRTH], desk, at=vn(2026, 1, 16, 16, 0))
    page = login(client, desk).get(reverse("dossiers:detail", kwargs={"code": dossier.code})).content.decode()
    for text in (dossier.code, "Đăng ký khai sinh", "Nguyễn Văn An", "030085001234", "0912345678", "8.000",
                 "16:00 16/01/2026", "16:00 21/01/2026", "Xã Ngọc Kỳ"):
        assert text in page, text


# -- the board and its search -------------------------------------------------------------------------


def test_the_board_shows_today_due_soon_overdue_and_waiting_for_return(client, desk, commune_a, catalogue):
    now = timezone.now()
    today = receive(commune_a, catalogue[DEATH], desk, at=earlier_today())
    overdue = receive(commune_a, catalogue[BIRTH], desk, at=now - timedelta(days=30))
    waiting = receive(commune_a, catalogue[BIRTH], desk, at=now - timedelta(days=10))
    dossier_resolve(dossier=waiting, by=desk, at=now - timedelta(days=9))
    paused = receive(commune_a, catalogue[BIRTH], desk, at=now - timedelta(days=30))
    dossier_pause(dossier=paused, by=desk, kind="supplement", reason="Thiếu tờ khai", at=now - timedelta(days=29))
    # Due within one working day: a procedure of half a day received now.
    soon_procedure = procedure_make("1.000001", "Chứng thực bản sao", field=("CT", "Chứng thực"), days=Decimal("0.5"), post_at=[commune_a])
    soon = receive(commune_a, soon_procedure, desk, at=now - timedelta(seconds=5))

    response = login(client, desk).get(reverse("dossiers:board"))
    panels = {panel.key: panel for panel in response.context["panels"]}
    codes = {key: {d.code for d in panel.rows} for key, panel in panels.items()}
    assert today.code in codes["today"] and soon.code in codes["today"]
    assert overdue.code not in codes["today"]
    assert soon.code in codes["due-soon"] and overdue.code not in codes["due-soon"]
    assert codes["overdue"] == {overdue.code}  # the paused dossier's clock is stopped
    assert codes["to-return"] == {waiting.code}
    assert panels["overdue"].count == 1 and panels["to-return"].count == 1
    assert panels["overdue"].rows[0].state == "overdue"


@pytest.mark.parametrize(
    "query",
    ["030085001234", "0912345678", "0912 345 678", "0912.345.678", "+84 912 345 678",
     "Nguyễn Văn An", "nguyen van an", "NGUYEN VAN", "van an"],
)
def test_the_desk_finds_a_dossier_by_cccd_phone_or_name_without_diacritics(client, desk, commune_a, catalogue, query):
    wanted = receive(commune_a, catalogue[BIRTH], desk, at=timezone.now() - timedelta(hours=1))
    other = receive(commune_a, catalogue[BIRTH], desk, at=timezone.now() - timedelta(hours=1),
                    applicant=Applicant(name="Lê Thị Hoa", id_number="001190000001", phone="0987654321"))
    response = login(client, desk).get(reverse("dossiers:board"), {"q": query})
    found = [d.code for d in response.context["results"].rows]
    assert found == [wanted.code] and other.code not in found


def test_the_desk_finds_a_dossier_by_its_exact_code(client, desk, dossier_a):
    login(client, desk)
    assert [d.code for d in client.get(reverse("dossiers:board"), {"q": dossier_a.code}).context["results"].rows] == [dossier_a.code]
    assert [d.code for d in client.get(reverse("dossiers:board"), {"q": dossier_a.code.lower()}).context["results"].rows] == [dossier_a.code]
    assert client.get(reverse("dossiers:board"), {"q": dossier_a.code[:-1]}).context["results"].rows == []


def test_search_results_come_a_page_at_a_time(client, desk, commune_a, catalogue):
    for _ in range(52):
        receive(commune_a, catalogue[BIRTH], desk, at=timezone.now() - timedelta(hours=1))
    login(client, desk)
    first = client.get(reverse("dossiers:board"), {"q": "nguyen"}).context["results"]
    second = client.get(reverse("dossiers:board"), {"q": "nguyen", "page": 2}).context["results"]
    assert (len(first.rows), first.has_next, len(second.rows), second.has_next) == (50, True, 2, False)


# -- the processing queue -----------------------------------------------------------------------------


def test_the_queue_puts_the_officers_own_dossiers_first_then_by_due_moment(client, desk, processing_a, commune_a, catalogue):
    now = timezone.now()
    late = receive(commune_a, catalogue[BIRTH], desk, at=now - timedelta(days=30))
    mine = receive(commune_a, catalogue[MARRIAGE], desk, at=now - timedelta(hours=1))
    dossier_transfer(dossier=mine, by=desk, officer=processing_a)
    other = receive(commune_a, catalogue[DEATH], desk, at=now - timedelta(hours=1))
    done = receive(commune_a, catalogue[DEATH], desk, at=now - timedelta(hours=2))
    dossier_resolve(dossier=done, by=processing_a)
    response = login(client, processing_a).get(reverse("dossiers:queue"))
    rows = response.context["rows"]
    assert [d.code for d in rows] == [mine.code, late.code, other.code]
    assert rows[1].state == "overdue" and rows[0].state == "within_time"


# -- query counts ---------------------------------------------------------------------------------------


@pytest.fixture
def busy_commune(commune_a, catalogue, desk, processing_a):
    """More dossiers than a panel shows, in every panel, with officers assigned."""
    now = timezone.now()
    for n in range(PANEL_SIZE + 3):
        receive(commune_a, catalogue[BIRTH], desk, at=now - timedelta(days=30, minutes=n))
        waiting = receive(commune_a, catalogue[BIRTH], desk, at=now - timedelta(days=10, minutes=n))
        dossier_resolve(dossier=waiting, by=processing_a, at=now - timedelta(days=9))
        fresh = receive(commune_a, catalogue[DEATH], desk, at=earlier_today())
        dossier_transfer(dossier=fresh, by=desk, officer=processing_a)


def test_the_board_reads_a_fixed_number_of_queries(client, desk, busy_commune, django_assert_max_num_queries):
    login(client, desk)
    client.get(reverse("dossiers:board"))  # warm the working calendar's cache
    # Session, user and membership (3), each panel's rows and count (10: five panels, the fifth the
    # dossiers waiting for supplements), the session's idle stamp (3).
    with django_assert_max_num_queries(16):
        response = client.get(reverse("dossiers:board"))
    assert response.status_code == 200
    panels = {panel.key: panel for panel in response.context["panels"]}
    assert panels["overdue"].count == PANEL_SIZE + 3 and len(panels["overdue"].rows) == PANEL_SIZE
    assert panels["today"].count == PANEL_SIZE + 3
    with django_assert_max_num_queries(15):  # and one page of search results
        assert client.get(reverse("dossiers:board"), {"q": "nguyen van"}).status_code == 200


def test_the_queue_reads_a_fixed_number_of_queries(client, processing_a, busy_commune, django_assert_max_num_queries):
    login(client, processing_a)
    # Session, user and membership (3), the count and one page (2), the session's idle stamp (3).
    with django_assert_max_num_queries(8):
        response = client.get(reverse("dossiers:queue"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 2 * (PANEL_SIZE + 3)


def test_board_panels_count_only_the_users_scope(desk, desk_b, dossier_a):
    now = timezone.now()
    assert sum(panel.count for panel in board_panels(desk_b, now=now)) == 0
    assert sum(panel.count for panel in board_panels(desk, now=now + timedelta(days=30))) == 1  # overdue by then


def test_a_name_corrected_by_a_bulk_update_is_found_by_its_new_spelling(client, desk, commune_a, catalogue):
    dossier = receive(commune_a, catalogue[BIRTH], desk, at=timezone.now() - timedelta(hours=1))
    # No save(): the search key is the database's own column, so raw and bulk writes keep it too.
    Dossier.objects.filter(pk=dossier.pk).update(applicant_name="Đặng Thị Ánh Tuyết")
    login(client, desk)
    for query in ("dang thi anh", "ĐẶNG THỊ ÁNH", "anh tuyet"):
        assert [d.code for d in client.get(reverse("dossiers:board"), {"q": query}).context["results"].rows] == [dossier.code]
    assert client.get(reverse("dossiers:board"), {"q": "nguyen van an"}).context["results"].rows == []


def test_the_name_search_has_a_trigram_index_on_the_stored_key():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'dossier_applicant_search_trgm'")
        (definition,) = cursor.fetchone()
    assert "USING gin (applicant_search gin_trgm_ops)" in definition


def test_a_search_shows_only_its_results_and_clear_brings_the_board_back(client, desk, dossier_a):
    login(client, desk)
    searched = client.get(reverse("dossiers:board"), {"q": dossier_a.code})
    assert searched.context["panels"] == [] and b'data-testid="panel-today"' not in searched.content
    assert b'data-testid="search-results"' in searched.content
    board = client.get(reverse("dossiers:board"))
    assert b'data-testid="panel-today"' in board.content and board.context["results"] is None


def test_the_timeline_and_the_badges_say_each_word_once(client, desk, commune_a, catalogue):
    dossier = receive(commune_a, catalogue[BIRTH], desk, at=timezone.now() - timedelta(hours=1))
    page = login(client, desk).get(reverse("dossiers:detail", kwargs={"code": dossier.code})).content.decode()
    row = re.search(r'<tr data-action="receive">(.*?)</tr>', page, re.S).group(1)
    assert row.count("Đã tiếp nhận") == 1  # the step, without its status saying it again
    assert "Tạm dừng Tạm dừng" not in page


def test_the_apology_is_offered_for_printing_right_after_it_is_recorded(client, desk, commune_a, catalogue):
    dossier = receive(commune_a, catalogue[BIRTH], desk, at=timezone.now() - timedelta(days=20))
    login(client, desk)
    new_due = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    response = act(client, dossier, "apologise", reason="Chờ xác minh của Công an", new_due_at=typed(new_due))
    page = client.get(response["Location"]).content.decode()
    button = re.search(r'<a class="btn primary big" href="([^"]+)"[^>]*data-testid="print-now">', page)
    assert button and button.group(1) == reverse("forms:apology-pdf", kwargs={"code": dossier.code})
    assert client.get(button.group(1)).status_code == 200
