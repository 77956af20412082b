"""Hostile input: every form of the portal fuzzed with Hypothesis, through its real view.

Each form's data comes from ``hypothesis.extra.django.from_form`` (valid-looking values inferred from
its fields; explicit strategies for the fields it cannot infer: model choices — valid ids plus
garbage —, the moments typed as dd/mm/yyyy hh:mm, amounts in đồng), then a share of the fields is
replaced by hostile values: NUL bytes, very long strings, Vietnamese, right-to-left and emoji text,
impossible dates (31/02/2026), numbers such as ``1e309`` or ``-0``, markup. The data is POSTed
(GET for the working calendar) with Django's test client, signed in as the role that may use the
form. For every input:

- the answer is never a 5xx (the test client re-raises the view's exception);
- unless it is a success redirect, nothing was written: the rows of every table a form writes to
  (counts and contents) are the same before and after;
- a success writes whole: only the tables the form writes to change, by the expected number of rows.

Each example runs inside a savepoint that is rolled back, so every input meets the same data.
The inputs tried and the forms fuzzed are trust figures, printed at the end of the run (tests/conftest.py).
"""
from __future__ import annotations

import os
import string
import time
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Callable

import pytest
from django.contrib import messages
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.models import Model
from django.forms.models import ModelChoiceIteratorValue
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import from_form

from dossiers.public import antispam
from dossiers.ratings import views as rating_views
from dossiers.ratings.services import kiosk_register
from dossiers.tickets.services import STEPS as TICKET_STEPS, ticket_receive, ticket_step
from dossiers.forms import ApologyForm, IntakeForm, PauseForm, ResolveForm, ReturnForm, StopForm, TransferForm
from dossiers.models import (
    Apology,
    DailyCounter,
    Dossier,
    DossierEvent,
    FeedbackTicket,
    Pause,
    Rating,
    Status,
    TicketChannel,
    TicketEvent,
)
from dossiers.ratings.forms import KioskRatingForm, OnlineRatingForm, PaperRatingForm
from dossiers.selectors import agencies_of, intake_procedures, officers_of, transfer_units
from dossiers.services import Applicant, dossier_pause, dossier_receive, dossier_resolve, dossier_start
from dossiers.tickets.forms import PublicTicketForm, StaffTicketForm
from motcua.calendar import VN_TZ
from motcua.forms import DueDateForm, ThrottledAuthenticationForm
from motcua.models import AdministrativeUnit, Role
from procedures.forms import PostingForm, ProcedureForm
from procedures.models import (
    Posting,
    Procedure,
    ProcedureComponent,
    ProcedureFee,
    ProcedureVersion,
    ReviewItem,
    ReviewRound,
)
from procedures.parsing import ComponentSpec, FeeSpec
from procedures.review_forms import ReviewItemForm
from procedures.services import field_get_or_create, posting_set, procedure_save, review_open
from reports.models import ReportRun, ReportSubmission
from reports.views import ExportForm, SubmitForm
from tests.factories import PASSWORD, MembershipFactory, make_dossier

pytestmark = pytest.mark.django_db

# -- hostile values -------------------------------------------------------------------------------

VIETNAMESE = "Nguyễn Thị Ánh Tuyết, Ủy ban nhân dân xã Ngọc Kỳ, Đặng Văn Ữ — ỹ ỵ ằ ẳ ẵ ặ"
DECOMPOSED = "Nguye\u0302\u0303n Thi\u0323 A\u0301nh"  # NFD: the same name, combining marks apart
RTL = "مرحبا بالعالم שלום עולם"
EMOJI = "👩‍👩‍👧‍👦🇻🇳🙂🏽"
NASTY = [
    "", " ", "\x00", "a\x00b", "\x00" * 10, "x" * 5000, "y" * 100_001,
    VIETNAMESE, DECOMPOSED, RTL, EMOJI, "\u202eevil\u202c", "\ufeff", "\u200b\u200d", "🙂" * 300,
    "31/02/2026", "31/02/2026 10:00", "29/02/2025", "00/00/0000", "31/12/9999 23:59", "01/01/0001 00:00",
    "2026-02-31", "9999-12-31", "0001-01-01", "24:60", "25:00",
    "1e309", "-1e309", "-0", "0", "-1", "NaN", "nan", "inf", "-Infinity", "1" * 400, "9" * 30, "0x1F", "1_000",
    "١٢٣٤", "１２３４", "1.000.000.000.000.000.000.000", "3,5", "3.5", "0,001",
    "<script>alert(1)</script>", "' OR 1=1 --", "%00", "../../etc/passwd", "{{ 7*7 }}", "${jndi:ldap://x}",
    "\r\n", "\n" * 50, "\t",
]
WORLD = (
    string.printable + "ăâđêôơưĂÂĐÊÔƠƯàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
    + "\u0300\u0301\u0303\u0309\u0323" + "مرحبا" + "שלום" + "\u202e\u202c\u200b\ufeff" + "\x00\x01\x1b\x7f"
    + "🙂👍🏽🇻🇳€"
)


def hostile() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(NASTY),
        st.text(max_size=40),
        st.text(alphabet=WORLD, min_size=1, max_size=300),
    )


def mostly(valid: st.SearchStrategy, bad: st.SearchStrategy | None = None) -> st.SearchStrategy:
    """Four times in five a value from ``valid``, else one from ``bad`` (hostile text by default)."""
    bad = hostile() if bad is None else bad
    return st.integers(0, 4).flatmap(lambda i: bad if i == 0 else valid)


def as_post(value) -> str | None:
    """A Python value drawn by from_form as the text a browser sends (None: the field is left out)."""
    if value is None:
        return None
    if isinstance(value, ModelChoiceIteratorValue):
        value = value.value
    if isinstance(value, Model):
        value = value.pk
    if isinstance(value, bool):
        return "on" if value else ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y") if value.year >= 1000 else value.isoformat()
    if isinstance(value, Decimal):
        return str(value).replace(".", ",")  # the Vietnamese decimal comma (the forms are localised)
    if hasattr(value, "strftime"):  # a time
        return value.strftime("%H:%M")
    return str(value)


def form_data(form_class, form_kwargs: dict | None = None, **fields) -> st.SearchStrategy[dict]:
    """from_form's data as POST text."""
    return from_form(form_class, form_kwargs=form_kwargs, **fields).map(
        lambda form: {name: text for name, text in ((n, as_post(v)) for n, v in form.data.items()) if text is not None}
    )


@st.composite
def fuzzed(draw, valid: st.SearchStrategy[dict], extra: dict | None = None) -> dict:
    """Valid-looking data as it is (two times in five), or with one field, several or all of them
    replaced by hostile values (or left out)."""
    data = dict(draw(valid))
    for key, strategy in (extra or {}).items():
        value = draw(strategy)
        if value is not None:
            data[key] = value
    names = sorted(data)
    mode = draw(st.sampled_from(["valid", "valid", "one", "one", "several", "all"]))
    if mode == "one" and names:
        chosen = [draw(st.sampled_from(names))]
    elif mode == "several":
        chosen = [name for name in names if draw(st.booleans())]
    else:
        chosen = names if mode == "all" else []
    for name in chosen:
        if draw(st.integers(0, 9)) == 0:
            data.pop(name, None)
        else:
            data[name] = draw(hostile())
    if draw(st.integers(0, 9)) == 0:
        data[draw(st.sampled_from(["junk", "id", "pk", "csrfmiddlewaretoken", "\x00"]))] = draw(hostile())
    return data


GARBAGE_IDS = ["", "0", "-1", "999999999", "9" * 30, "1e309", "-0", "1.5", "abc", "\x00", "١"]


def choice_of(ids, *, others=()) -> st.SearchStrategy[str]:
    """A model choice: mostly a valid id; else one outside the choices (``others``) or garbage."""
    return mostly(st.sampled_from([str(i) for i in ids]), st.sampled_from([str(i) for i in others] + GARBAGE_IDS))


def typed(moment: datetime) -> str:
    return timezone.localtime(moment, VN_TZ).strftime("%d/%m/%Y %H:%M")


def moments(around: datetime, *, minutes: tuple[int, int], empty: bool = True) -> st.SearchStrategy[str]:
    """Mostly a moment as an officer types it (dd/mm/yyyy hh:mm, Vietnam time) within ``minutes`` of
    ``around`` (or nothing); else any moment of the calendar or something that is not one."""
    good = st.integers(*minutes).map(lambda m: typed(around + timedelta(minutes=m)))
    return mostly(
        st.one_of(st.just(""), good) if empty else good,
        st.one_of(
            st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)).map(lambda d: d.strftime("%d/%m/%Y %H:%M")),
            hostile(),
        ),
    )


# -- what a request may write -----------------------------------------------------------------------

WATCHED: list[type[Model]] = [
    Dossier, DossierEvent, Pause, Apology, DailyCounter, FeedbackTicket, TicketEvent, Rating,
    Procedure, ProcedureVersion, ProcedureFee, ProcedureComponent, Posting, ReviewRound, ReviewItem,
    ReportRun, ReportSubmission,
]


def _snapshot_sql() -> str:
    parts = []
    for model in WATCHED:
        table = connection.ops.quote_name(model._meta.db_table)
        pk = connection.ops.quote_name(model._meta.pk.column)
        parts.append(f"SELECT '{model.__name__}', count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t.{pk}), '')) "
                     f"FROM {table} AS t")
    return " UNION ALL ".join(parts)


def snapshot() -> dict[str, tuple[int, str]]:
    """Per table: the number of rows and a digest of their contents (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(_snapshot_sql())
        return {name: (count, digest) for name, count, digest in cursor.fetchall()}


def succeeded(response) -> bool:
    """A success: a redirect without an error message added by this request (some views redirect back
    with one)."""
    if response.status_code not in (301, 302, 303):
        return False
    queued = getattr(getattr(response.wsgi_request, "_messages", None), "_queued_messages", [])
    return not any(m.level >= messages.ERROR for m in queued)


TRIED: Counter[str] = Counter()
ACCEPTED: Counter[str] = Counter()


def check(name: str, response, before: dict, *, writes: dict[str, set[int] | None] | None = None,
          never_writes: bool = False, accepted: bool | None = None) -> None:
    """Never a 5xx; no write unless a success; a success changes only ``writes`` (model → allowed row deltas,
    None for any). ``accepted`` tells, for a form that never writes, whether it took the input."""
    TRIED[name] += 1
    assert response.status_code < 500, response.status_code
    after = snapshot()
    ACCEPTED[name] += succeeded(response) if accepted is None else accepted
    if never_writes or not succeeded(response):
        changed = {table for table in after if after[table] != before[table]}
        assert not changed, f"{name}: answered {response.status_code} but wrote to {sorted(changed)}"
        return
    writes = writes or {}
    for table, (count, _digest) in after.items():
        delta = count - before[table][0]
        allowed = writes.get(table, {0})
        if allowed is not None:
            assert delta in allowed, f"{name}: {table} changed by {delta} rows on success (expected {allowed})"


# FUZZ_SCALE=10 scripts/test.sh tests/integration/test_fuzz_forms.py tries ten times as many inputs.
SCALE = float(os.environ.get("FUZZ_SCALE") or 1)


def settings_for(examples: int):
    return settings(
        max_examples=max(1, round(examples * SCALE)),
        deadline=None,
        database=None,  # nothing written to .hypothesis/ in the work tree
        derandomize=bool(os.environ.get("CI")),  # CI runs the same inputs every time; locally they vary
        suppress_health_check=[
            HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much,
            HealthCheck.data_too_large, HealthCheck.large_base_example,
        ],
    )


def fuzz(name: str, strategy: st.SearchStrategy, body: Callable, *, examples: int, client, trust) -> None:
    """Run ``body(value)`` for ``examples`` inputs, each inside a savepoint rolled back afterwards; once all
    held, add them to the trust figures."""

    @settings_for(examples)
    @given(strategy)
    def run(value):
        client.cookies.pop("messages", None)  # messages of earlier inputs, never displayed
        with transaction.atomic():
            body(value)
            transaction.set_rollback(True)

    run()
    trust("fuzz: forms fuzzed through their views", 1)
    trust("fuzz: fuzzed form inputs (Hypothesis)", TRIED[name])
    trust("fuzz: of which the form accepted (any write whole)", ACCEPTED[name])
    trust("fuzz: 5xx answers or partial writes", 0)


# -- the data -------------------------------------------------------------------------------------

BIRTH = "1.001193"
MARRIAGE = "1.000894"
LAND = "1.004227"
CITIZEN = Applicant(name="Nguyễn Văn An", id_number="030085001234", phone="0912345678", address="Thôn Đông, Ngọc Kỳ")


def make_procedure(code, name, *, field=("HT", "Hộ tịch"), level="commune", days=3, fees=(), components=(), post_at=(), **terms):
    procedure = Procedure(
        code=code, name=name, field=field_get_or_create(code=field[0], name=field[1]), level=level,
        processing_days=Decimal(days), **terms,
    )
    procedure_save(procedure=procedure, fees=list(fees), components=list(components), source=ProcedureVersion.Source.IMPORT,
                   at=datetime(2025, 1, 1, 8, 0, tzinfo=VN_TZ))
    for unit in post_at:
        posting_set(unit=unit, procedure=procedure)
    return procedure


@pytest.fixture
def catalogue(commune_a, commune_b):
    return {
        BIRTH: make_procedure(
            BIRTH, "Đăng ký khai sinh", days=3, fees=[FeeSpec("Lệ phí", 8000)],
            components=[ComponentSpec("Tờ khai đăng ký khai sinh", 1, 0), ComponentSpec("Giấy chứng sinh", 1, 1)],
            post_at=[commune_a, commune_b],
        ),
        MARRIAGE: make_procedure(MARRIAGE, "Đăng ký kết hôn", days=5, post_at=[commune_a]),
        LAND: make_procedure(LAND, "Đăng ký biến động quyền sử dụng đất", field=("DD", "Đất đai"), level="district",
                             days=10, interconnected_with="commune", post_at=[commune_a]),
    }


def member(unit, role, username):
    return MembershipFactory(unit=unit, role=role, user__username=username).user


@pytest.fixture
def desk(agency_a, desk_officer_a):
    return desk_officer_a


@pytest.fixture
def officer_a(commune_a):
    return member(commune_a, Role.PROCESSING_OFFICER, "cm.a")


@pytest.fixture
def focal_a(commune_a):
    return member(commune_a, Role.FOCAL_OFFICER, "focal.a")


def signed_in(client, user):
    client.force_login(user)
    return client


# -- dossiers: intake and refusal ----------------------------------------------------------------------


def test_intake_and_refusal_never_fail_nor_write_partly(client, desk, catalogue, commune_a, commune_b, district, trust):
    signed_in(client, desk)
    now = timezone.now()
    form_kwargs = {"unit": commune_a, "procedures": intake_procedures(commune_a), "now": now, "may_backdate": False}
    valid = form_data(
        IntakeForm, form_kwargs,
        procedure=mostly(st.sampled_from([BIRTH, MARRIAGE, LAND, f"{BIRTH} Đăng ký khai sinh", "khai sinh", "dang ky ket hon"]),
                         st.sampled_from(["Đăng ký", "dang ky", "9.999999", f"{BIRTH}\x00"])),
        handling_unit=choice_of(["", commune_a.pk], others=[district.pk, commune_b.pk]),
        received_at=moments(now, minutes=(-120, 1)),
        applicant_id_number=mostly(st.sampled_from(["", "030085001234", "001099000001"]),
                                   st.sampled_from(["097000000000", "03008500123", "0300850012345"])),
        applicant_phone=mostly(st.sampled_from(["", "0912345678", "+84 912 345 678", "0912.345.678"]),
                               st.sampled_from(["091234567", "+1 912 345 678"])),
    )
    strategy = fuzzed(valid, extra={"button": st.sampled_from(["receive", "refuse"])}).map(
        lambda data: {**data, data.pop("button", "receive"): "1"}
    )

    def body(data):
        before = snapshot()
        response = client.post(reverse("dossiers:intake"), data)
        check("intake / refusal", response, before, writes={"Dossier": {1}, "DossierEvent": {1}, "DailyCounter": {0, 1}})

    fuzz("intake / refusal", strategy, body, examples=60, client=client, trust=trust)


# -- dossiers: each step on a dossier's page -----------------------------------------------------------

# The step → (the statuses it is taken from, set up by these services, and who takes it).
STEP_SETUP = {
    "transfer": ([], "desk"),
    "start": ([], "officer"),
    "pause": ([], "desk"),
    "resume": (["pause"], "desk"),
    "resolve": (["start"], "officer"),
    "return": (["start", "resolve"], "desk"),
    "return_unresolved": ([], "desk"),
    "withdraw": ([], "desk"),
    "apologise": ([], "desk"),
}


def dossier_in_state(action, *, unit, procedure, desk, officer) -> Dossier:
    dossier = dossier_receive(unit=unit, procedure=procedure, applicant=CITIZEN, by=desk)
    for step in STEP_SETUP[action][0]:
        if step == "pause":
            dossier_pause(dossier=dossier, by=desk, kind="supplement", reason="Thiếu giấy chứng sinh")
        elif step == "start":
            dossier_start(dossier=dossier, by=officer)
        elif step == "resolve":
            dossier_resolve(dossier=dossier, by=officer)
        dossier.refresh_from_db()
    return dossier


@pytest.mark.parametrize("action", list(STEP_SETUP))
def test_every_dossier_step_never_fails_nor_writes_partly(action, client, desk, officer_a, catalogue, commune_a, commune_b, district, trust):
    user = desk if STEP_SETUP[action][1] == "desk" else officer_a
    signed_in(client, user)
    procedure = catalogue[LAND] if action == "transfer" else catalogue[BIRTH]
    dossier = dossier_in_state(action, unit=commune_a, procedure=procedure, desk=desk, officer=officer_a)
    units = transfer_units(dossier)
    fields: dict[str, st.SearchStrategy] = {}
    form_class = {"transfer": TransferForm, "pause": PauseForm, "resolve": ResolveForm, "return": ReturnForm,
                  "return_unresolved": StopForm, "withdraw": StopForm, "apologise": ApologyForm}.get(action)
    kwargs = {"dossier": dossier}
    if action == "transfer":
        kwargs.update(units=units, agencies=agencies_of(units), officers=officers_of(units))
        fields = {
            "to_unit": choice_of([u.pk for u in units], others=[commune_b.pk]),
            "agency": choice_of(["", *agencies_of(units).values_list("pk", flat=True)],
                                others=agencies_of([commune_b]).values_list("pk", flat=True)),
            "officer": choice_of(["", *officers_of(units).values_list("pk", flat=True)],
                                 others=officers_of([commune_b]).values_list("pk", flat=True)),
        }
    if action == "apologise":
        fields = {"new_due_at": moments(dossier.due_at, minutes=(1, 30000), empty=False)}
    valid = form_data(form_class, kwargs, **fields) if form_class else st.just({})
    strategy = fuzzed(valid).map(lambda data: {f"{action}-{name}": value for name, value in data.items()})
    url = reverse("dossiers:action", kwargs={"code": dossier.code, "action": action})
    name = f"dossier step {action}"

    def body(data):
        before = snapshot()
        response = client.post(url, data)
        check(name, response, before, writes={"DossierEvent": {1}, "Pause": {0, 1}, "Apology": {0, 1}})

    fuzz(name, strategy, body, examples=20, client=client, trust=trust)


# -- feedback tickets ---------------------------------------------------------------------------------

TICKET_TEXT = "Thủ tục đăng ký khai sinh ở xã yêu cầu nộp bản sao không cần thiết, đề nghị bỏ."


@pytest.fixture
def posted_dossier(catalogue, commune_a, desk):
    return dossier_receive(unit=commune_a, procedure=catalogue[BIRTH], applicant=CITIZEN, by=desk)


def ticket_data(units, dossier) -> st.SearchStrategy[dict]:
    return form_data(
        PublicTicketForm, {"units": units},
        sender_contact=mostly(st.sampled_from(["0912345678", "an@example.vn", "+84 912 345 678"]),
                              st.sampled_from(["thư gửi qua bưu điện", "@", "0912"])),
        content=st.one_of(st.just(TICKET_TEXT), st.text(min_size=20, max_size=400)),
        procedure_code=mostly(st.sampled_from(["", BIRTH, f" {BIRTH} "]), st.just("9.999999")),
        dossier_code=mostly(st.sampled_from(["", dossier.code, dossier.code.lower()]), st.just("000.02.12.H23-260101-0001")),
    )


_addresses = iter(range(1, 10**9))


def next_address() -> str:
    """A client address of its own for each input, so that the per-address limits never answer instead."""
    n = next(_addresses)
    return f"127.{(n >> 16) % 256}.{(n >> 8) % 256}.{n % 256}"


def test_public_ticket_form_with_a_valid_token_never_fails_nor_writes_partly(client, commune_a, commune_b, posted_dossier, trust):
    units = AdministrativeUnit.objects.active()
    strategy = fuzzed(ticket_data(units, posted_dossier), extra={"homepage": st.sampled_from(["", "", "", "http://spam"])})

    def body(data):
        data = {**data, antispam.TOKEN_FIELD: antispam.issue_token(at=time.time() - 10)}
        data.setdefault("homepage", "")
        before = snapshot()
        response = client.post(reverse("tickets:submit"), data, REMOTE_ADDR=next_address())
        check("public ticket (valid token)", response, before,
              writes={"FeedbackTicket": {1}, "TicketEvent": {1}, "DailyCounter": {0, 1}})  # the day's first ticket adds its counter

    fuzz("public ticket (valid token)", strategy, body, examples=50, client=client, trust=trust)


def test_public_ticket_form_with_a_garbage_token_writes_nothing(client, commune_a, posted_dossier, trust):
    units = AdministrativeUnit.objects.active()
    fresh = antispam.issue_token(at=time.time() - 10)
    token = st.one_of(
        hostile(),
        st.just(fresh[:-1] + ("A" if fresh[-1] != "A" else "B")),  # tampered signature
        st.builds(antispam.issue_token),  # too fresh: issued as the input is drawn, sent at once
        st.just(antispam.issue_token(at=time.time() - 3 * 60 * 60)),  # expired
    )
    strategy = fuzzed(ticket_data(units, posted_dossier), extra={antispam.TOKEN_FIELD: token})

    def body(data):
        before = snapshot()
        response = client.post(reverse("tickets:submit"), data, REMOTE_ADDR=next_address())
        check("public ticket (garbage token)", response, before, never_writes=True)

    fuzz("public ticket (garbage token)", strategy, body, examples=40, client=client, trust=trust)


def test_staff_ticket_form_never_fails_nor_writes_partly(client, desk, commune_a, posted_dossier, trust):
    signed_in(client, desk)
    units = AdministrativeUnit.objects.for_user(desk).active()
    valid = form_data(
        StaffTicketForm, {"units": units},
        content=st.one_of(st.just(TICKET_TEXT), st.text(min_size=20, max_size=400)),
        procedure_code=st.sampled_from(["", BIRTH, "9.999999"]),
        dossier_code=st.sampled_from(["", posted_dossier.code, "nope"]),
    )

    def body(data):
        before = snapshot()
        response = client.post(reverse("tickets:new"), data)
        check("staff ticket", response, before, writes={"FeedbackTicket": {1}, "TicketEvent": {1}, "DailyCounter": {0, 1}})

    fuzz("staff ticket", fuzzed(valid), body, examples=40, client=client, trust=trust)


# The step → the steps that bring a new ticket to a status it is taken from.
TICKET_SETUP = {
    "classify": [],
    "assign": [("classify", {"classification": "regulation"})],
    "forward": [("classify", {"classification": "out_of_scope"})],
    "answer": [("classify", {"classification": "regulation"})],
    "publish": [("classify", {"classification": "regulation"}), ("answer", {"answer": "Đã trả lời."})],
    "close": [("classify", {"classification": "regulation"}), ("answer", {"answer": "Đã trả lời."})],
}


@pytest.mark.parametrize("action", list(TICKET_STEPS))
def test_every_ticket_step_never_fails_nor_writes_partly(action, client, commune_a, commune_b, agency_a, agency_b, trust):
    focal = member(commune_a, Role.FOCAL_OFFICER, "focal.a")
    signed_in(client, focal)
    ticket = ticket_receive(unit=commune_a, channel=TicketChannel.LETTER, sender_name="Trần Thị Bình",
                            sender_contact="0912345678", content=TICKET_TEXT, entered_by=focal)
    for step, values in TICKET_SETUP[action]:
        ticket = ticket_step(ticket=ticket, action=step, by=focal, **values)
    fields = {}
    if action == "assign":
        fields["agency"] = choice_of([agency_a.pk, agency_b.pk])
    valid = form_data(TICKET_STEPS[action].form, {"ticket": ticket}, **fields)
    strategy = fuzzed(valid).map(lambda data: {f"{action}-{name}": value for name, value in data.items()})
    url = reverse("tickets:step", kwargs={"code": ticket.code, "action": action})
    name = f"ticket step {action}"

    def body(data):
        before = snapshot()
        response = client.post(url, data)
        check(name, response, before, writes={"TicketEvent": {1}})

    fuzz(name, strategy, body, examples=20, client=client, trust=trust)


# -- satisfaction ratings ----------------------------------------------------------------------------


def closed_dossier(procedure, unit, *, code, phone="0912 345 678"):
    received = datetime(2026, 1, 19, 8, 0, tzinfo=VN_TZ)
    return make_dossier(procedure=procedure, unit=unit, code=code, received_at=received, due_at=received + timedelta(days=3),
                        status=Status.RETURNED, resolved_at=received + timedelta(days=2), applicant_phone=phone)


def test_paper_rating_form_never_fails_nor_writes_partly(client, desk, catalogue, commune_a, commune_b, trust):
    signed_in(client, desk)
    own = closed_dossier(catalogue[BIRTH], commune_a, code="000.01.12.H23-260119-0001")
    other = closed_dossier(catalogue[BIRTH], commune_b, code="000.02.12.H23-260119-0001")
    valid = form_data(
        PaperRatingForm, {"unit": commune_a},
        rated_on=st.one_of(st.integers(-400, 3).map(lambda d: (timezone.localdate() + timedelta(days=d)).strftime("%d/%m/%Y")),
                           st.dates().map(as_post)),
        dossier_code=st.sampled_from(["", own.code, own.code.lower(), f" {own.code} ", other.code, "KHONG-CO"]),
    )

    def body(data):
        before = snapshot()
        response = client.post(reverse("ratings:paper"), data)
        check("paper rating", response, before, writes={"Rating": {1}})

    fuzz("paper rating", fuzzed(valid), body, examples=40, client=client, trust=trust)


def test_online_rating_form_never_fails_nor_writes_partly(client, catalogue, commune_a, trust):
    dossier = closed_dossier(catalogue[BIRTH], commune_a, code="000.01.12.H23-260119-0002")
    valid = form_data(OnlineRatingForm)
    extra = {
        "code": mostly(st.sampled_from([dossier.code, dossier.code.lower(), f" {dossier.code}"]),
                       st.just("000.01.12.H23-260119-9999")),
        "phone4": mostly(st.just("5678"), st.one_of(st.from_regex(r"\A[0-9]{4}\Z"), st.just("١٢٣٤"), st.just("5678\n"))),
        "step": mostly(st.just("rate"), st.sampled_from(["check", ""])),
    }

    def body(data):
        before = snapshot()
        response = client.post(reverse("ratings:online"), data, REMOTE_ADDR=next_address())
        check("online rating", response, before, writes={"Rating": {1}})

    fuzz("online rating", fuzzed(valid, extra=extra), body, examples=40, client=client, trust=trust)


def test_kiosk_rating_form_never_fails_nor_writes_partly(client, catalogue, commune_a, trust):
    dossier = closed_dossier(catalogue[BIRTH], commune_a, code="000.01.12.H23-260119-0003")
    _device, token = kiosk_register(unit=commune_a, name="Quầy 1")
    client.cookies[rating_views.KIOSK_COOKIE] = token
    valid = form_data(KioskRatingForm, {"unit": commune_a},
                      dossier_code=st.sampled_from(["", dossier.code, "000.02.12.H23-260119-0001"]))

    def body(data):
        cache.clear()  # the tablet's own rate limit (20 a minute) must not answer instead of the form
        before = snapshot()
        response = client.post(reverse("ratings:kiosk"), data)
        check("kiosk rating", response, before, writes={"Rating": {1}})

    fuzz("kiosk rating", fuzzed(valid), body, examples=25, client=client, trust=trust)


# -- the catalogue ----------------------------------------------------------------------------------

FEE_LINES = mostly(
    st.sampled_from(["", "Không", "Lệ phí: 8.000 đồng", "Lệ phí: 8.000 đồng ; Phí: 2.000 đồng (bản sao)", "Miễn phí"]),
    st.one_of(
        st.sampled_from(["Lệ phí: 99999999999999999999999999 đồng", "Phí: 1.000.000.000.000.000.000.000 đồng",
                         "x" * 300 + ": 8.000 đồng", "Lệ phí: -5 đồng", "Lệ phí: 1e309 đồng"]),
        st.lists(hostile(), max_size=4).map("\n".join),
    ),
)
COMPONENT_LINES = mostly(
    st.sampled_from(["", "Tờ khai (1 bản chính, 0 bản sao)", "Giấy chứng sinh (1 bản chính) [không bắt buộc]",
                     "Tờ khai\nGiấy chứng sinh", "Bản sao " * 2000]),
    st.one_of(
        st.sampled_from(["Tờ khai (99999 bản chính, 99999999999 bản sao)", "(1 bản chính)", "Tờ khai (-1 bản chính)"]),
        st.lists(hostile(), max_size=4).map("\n".join),
    ),
)
DAYS = mostly(st.sampled_from(["3", "0,5", "0.5", "Trong ngày", "3 ngày làm việc", "9999", "0", "99,99"]),
              st.one_of(st.sampled_from(["10000", "1e309", "-0", "0,001", "NaN"]), hostile()))


def test_procedure_edit_never_fails_nor_writes_partly(client, focal_a, catalogue, trust):
    signed_in(client, focal_a)
    procedure = catalogue[BIRTH]
    valid = form_data(
        ProcedureForm, {"instance": procedure},
        field=choice_of([procedure.field_id, catalogue[LAND].field_id]),
        processing_days=DAYS, fees=FEE_LINES, components=COMPONENT_LINES,
        replaced_by=mostly(st.sampled_from(["", MARRIAGE]), st.sampled_from([BIRTH, "9.999999"])),
        effective_from=mostly(st.just(""), st.dates()), effective_until=mostly(st.just(""), st.dates()),
    )
    url = reverse("procedures:procedure-edit", kwargs={"code": procedure.code})

    def body(data):
        before = snapshot()
        response = client.post(url, data)
        check("procedure edit", response, before,
              writes={"Procedure": {0}, "ProcedureVersion": {0, 1}, "ProcedureFee": None, "ProcedureComponent": None})

    fuzz("procedure edit", fuzzed(valid), body, examples=50, client=client, trust=trust)


def test_posting_edit_never_fails_nor_writes_partly(client, focal_a, catalogue, commune_a, commune_b, district, trust):
    signed_in(client, focal_a)
    valid = form_data(PostingForm, unit=mostly(st.sampled_from([commune_a.code, ""]),
                                               st.sampled_from([commune_b.code, district.code, "nope", "\x00"])))
    url = reverse("procedures:posting-edit", kwargs={"code": MARRIAGE})

    def body(data):
        before = snapshot()
        response = client.post(url, data)
        check("posting edit", response, before, writes={"Posting": {0, 1}})

    fuzz("posting edit", fuzzed(valid), body, examples=40, client=client, trust=trust)


CSV_HEADER = "code,name,field_code,field_name,level,processing_days,fee,components,decision_date,cutoff\n"


@st.composite
def catalogue_files(draw) -> tuple[str, bytes]:
    """A file as an officer might upload it: random bytes, or a CSV whose cells are hostile."""
    name = draw(st.sampled_from(["danh-muc.csv", "danh-muc.xlsx", "danh-muc.txt", "a", "tệp 🙂.csv", "x" * 300 + ".csv"]))
    kind = draw(st.sampled_from(["bytes", "csv", "csv", "good"]))
    if kind == "bytes":
        return name, draw(st.binary(max_size=2000))
    if kind == "good":  # a sound file, to reach the preview of a clean dry run
        days = draw(st.sampled_from(["3", "0,5", "Trong ngày"]))
        return "danh-muc.csv", (CSV_HEADER + f'1.009999,Thủ tục thử nghiệm,HT,Hộ tịch,xã,"{days}",Không,Tờ khai (1 bản chính),,\n').encode()
    cell = st.one_of(hostile(), st.sampled_from([BIRTH, "Hộ tịch", "xã", "huyện", "3", "0,5", "Lệ phí: 8.000 đồng", "31/02/2026"]))
    rows = draw(st.lists(st.lists(cell, min_size=0, max_size=12), max_size=6))
    text = CSV_HEADER + "".join(",".join('"' + c.replace('"', '""') + '"' for c in row) + "\n" for row in rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1258"]))
    return name, text.encode(encoding, errors="replace")


def test_catalogue_import_upload_never_fails_and_never_writes(client, focal_a, catalogue, trust):
    signed_in(client, focal_a)

    def body(upload):
        name, content = upload
        before = snapshot()
        response = client.post(reverse("procedures:procedure-import"), {"file": SimpleUploadedFile(name, content)})
        report = response.context.get("report") if response.context else None
        check("catalogue import upload", response, before, never_writes=True, accepted=bool(report and report.ok))

    fuzz("catalogue import upload", catalogue_files(), body, examples=40, client=client, trust=trust)


def amounts() -> st.SearchStrategy[str]:
    return st.one_of(
        st.integers(0, 10**16).map(lambda n: f"{n:,}".replace(",", ".")),
        st.integers(0, 10**6).map(str),
        st.sampled_from(["8.000 đồng", "8000đ", "8,000", "1.2.3", "-0", "1e309", "10000000000000000000000"]),
        hostile(),
    )


def test_review_item_edit_never_fails_nor_writes_partly(client, focal_a, catalogue, commune_a, trust):
    signed_in(client, focal_a)
    round_ = review_open(unit=commune_a, year=timezone.localdate().year, by=focal_a)
    items = list(round_.items.order_by("pk"))
    valid = form_data(ReviewItemForm, proposed_fee=amounts(), yearly_saving=amounts())
    strategy = st.tuples(st.sampled_from(items), fuzzed(valid))

    def body(value):
        item, data = value
        before = snapshot()
        response = client.post(reverse("reviews:item-edit", kwargs={"pk": round_.pk, "item_id": item.pk}), data)
        check("review item edit", response, before)

    fuzz("review item edit", strategy, body, examples=40, client=client, trust=trust)


# -- reports ---------------------------------------------------------------------------------------

PERIODS = mostly(
    st.sampled_from(["2023-Q1", "2025", "2024-H1", "2024-M9", "cal:2024-03", "cal:2024-Q2", "2022-12-15..2023-05-29"]),
    st.one_of(
        st.sampled_from(["2023-q5", "1999", "2101", "٢٠٢٣", "２０２３", "9999-12-31..9999-12-31", "0001-01-01..0001-01-01",
                         "0001-01-01..9999-12-31", "2023-02-31..2023-03-01", "2023-13", "cal:2023-00"]),
        hostile(),
    ),
)


def test_report_request_never_fails_nor_writes_partly(client, district_officer, district, commune_a, commune_b, trust):
    signed_in(client, district_officer)
    valid = form_data(ExportForm, {"user": district_officer},
                      unit=mostly(st.sampled_from([district.code, commune_a.code]), st.sampled_from(["30", "nope"])),
                      period=PERIODS)

    def body(data):
        before = snapshot()
        response = client.post(reverse("reports:request"), data)
        check("report request", response, before, writes={"ReportRun": {0, 1}})

    fuzz("report request", fuzzed(valid), body, examples=50, client=client, trust=trust)


def test_report_submit_never_fails_nor_writes_partly(client, district_officer, district, commune_a, trust):
    signed_in(client, district_officer)
    valid = form_data(SubmitForm, unit=mostly(st.just(district.code), st.sampled_from([commune_a.code, "30", "nope"])),
                      period=PERIODS)

    def body(data):
        before = snapshot()
        response = client.post(reverse("reports:submit"), data)
        check("report submit", response, before, writes={"ReportSubmission": {1}})

    fuzz("report submit", fuzzed(valid), body, examples=50, client=client, trust=trust)


# -- signing in and the working calendar ---------------------------------------------------------------


def test_login_form_never_fails_nor_writes(client, desk_officer_a, trust):
    valid = st.one_of(
        form_data(ThrottledAuthenticationForm, {"request": None}),
        st.just({"username": desk_officer_a.username, "password": PASSWORD}),
        st.just({"username": desk_officer_a.username.upper(), "password": PASSWORD + " "}),
    )

    def body(data):
        client.logout()
        before = snapshot()
        response = client.post(reverse("login"), data, REMOTE_ADDR=next_address())
        check("login", response, before, never_writes=True)

    fuzz("login", fuzzed(valid), body, examples=40, client=client, trust=trust)


def test_working_calendar_due_date_form_never_fails(client, desk_officer_a, trust):
    signed_in(client, desk_officer_a)
    valid = form_data(DueDateForm)
    extra = {"year": st.one_of(st.none(), st.sampled_from(["2026", "0", "-1", "10000", "99999999999999999999", "١٢"]), hostile())}

    def body(data):
        before = snapshot()
        response = client.get(reverse("motcua:working-calendar"), data)
        check("working calendar due date (GET)", response, before, never_writes=True,
              accepted=response.status_code == 200 and response.context["result"] is not None)
        # A form error on the page; a NUL anywhere in the query string is refused whole (400).
        assert response.status_code == (400 if any("\x00" in f"{k}{v}" for k, v in data.items()) else 200)

    fuzz("working calendar due date (GET)", fuzzed(valid, extra=extra), body, examples=40, client=client, trust=trust)


# -- the hostile values named by the issue get a form error, and good text is kept -----------------------


@pytest.mark.parametrize("field, value", [
    ("applicant_name", "Nguyễn\x00Văn An"), ("applicant_name", "x" * 5000), ("applicant_id_number", "1e309"),
    ("applicant_id_number", "-0"), ("applicant_phone", "1e309"), ("received_at", "31/02/2026 10:00"),
    ("received_at", "1e309"), ("notes", "\x00"),
])
def test_hostile_intake_values_get_a_form_error(client, desk, catalogue, field, value):
    signed_in(client, desk)
    data = {"procedure": BIRTH, "applicant_name": "Nguyễn Văn An", "applicant_kind": "person", "channel": "direct",
            "components_digitised": "none", "receive": "1", field: value}
    before = snapshot()
    response = client.post(reverse("dossiers:intake"), data)
    assert response.status_code == 200 and field in response.context["form"].errors
    assert snapshot() == before


@pytest.mark.parametrize("field, value", [
    ("processing_days", "1e309"), ("processing_days", "-0"), ("processing_days", "10000"), ("decision_date", "31/02/2026"),
    ("name", "Đăng ký\x00khai sinh"), ("fees", "Lệ phí: 99999999999999999999999999 đồng"),
    ("fees", "x" * 300 + ": 8.000 đồng"), ("components", "Tờ khai (99999 bản chính, 0 bản sao)"),
    ("components", "\x00"), ("cutoff_time", "25:00"),
])
def test_hostile_procedure_values_get_a_form_error(client, focal_a, catalogue, field, value):
    signed_in(client, focal_a)
    procedure = catalogue[BIRTH]
    url = reverse("procedures:procedure-edit", kwargs={"code": procedure.code})
    data = {name: as_post(value) or "" for name, value in ProcedureForm(instance=procedure).initial.items()}
    data["field"] = procedure.field_id
    data[field] = value
    before = snapshot()
    response = client.post(url, data)
    assert response.status_code == 200 and field in response.context["form"].errors, response.context["form"].errors
    assert snapshot() == before


@pytest.mark.parametrize("field, value", [
    ("proposed_days", "1e309"), ("proposed_days", "NaN"), ("proposed_days", "-1"), ("proposed_fee", "1e309"),
    ("proposed_fee", "-0"), ("yearly_saving", "10000000000000000000000"), ("reason", "\x00"),
])
def test_hostile_review_values_get_a_form_error(client, focal_a, catalogue, commune_a, field, value):
    signed_in(client, focal_a)
    round_ = review_open(unit=commune_a, year=timezone.localdate().year, by=focal_a)
    item = round_.items.order_by("pk").first()
    data = {"decision": "simplify", "proposed_days": "1", "reason": "Rút ngắn thời gian", field: value}
    before = snapshot()
    response = client.post(reverse("reviews:item-edit", kwargs={"pk": round_.pk, "item_id": item.pk}), data)
    assert response.status_code == 200 and field in response.context["form"].errors
    assert snapshot() == before


@pytest.mark.parametrize("field, value", [
    ("rated_on", "31/02/2026"), ("rated_on", "1e309"), ("comment", "\x00"), ("comment", "x" * 5000), ("level", "-0"),
])
def test_hostile_paper_rating_values_get_a_form_error(client, desk, field, value):
    signed_in(client, desk)
    data = {"rated_on": timezone.localdate().strftime("%d/%m/%Y"), "level": "satisfied", field: value}
    before = snapshot()
    response = client.post(reverse("ratings:paper"), data)
    assert response.status_code == 400 and field in response.context["form"].errors
    assert snapshot() == before


@pytest.mark.parametrize("field, value", [
    ("received_at", "31/02/2026 10:00"), ("processing_days", "1e309"), ("processing_days", "NaN"),
    ("processing_days", "-1"), ("received_at", "24/12/2026 25:61"),
])
def test_hostile_due_date_values_get_a_form_error(client, desk_officer_a, field, value):
    signed_in(client, desk_officer_a)
    data = {"received_at": "16/01/2026 15:45", "processing_days": "3", field: value}
    response = client.get(reverse("motcua:working-calendar"), data)
    assert response.status_code == 200 and field in response.context["form"].errors


def test_vietnamese_rtl_and_emoji_text_is_kept_as_typed(client, desk, catalogue):
    signed_in(client, desk)
    name = f"{DECOMPOSED} {RTL} {EMOJI}"
    data = {"procedure": BIRTH, "applicant_name": name, "applicant_address": VIETNAMESE, "applicant_kind": "person",
            "channel": "direct", "components_digitised": "none", "notes": RTL + EMOJI, "receive": "1"}
    response = client.post(reverse("dossiers:intake"), data)
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    assert dossier.applicant_name == "Nguyễn Thị Ánh " + RTL + " " + EMOJI  # NFC, spaces collapsed, nothing lost
    assert dossier.applicant_address == VIETNAMESE and dossier.notes == RTL + EMOJI


@pytest.mark.parametrize("url", [
    "/ho-so/%00/", "/ho-so/?q=%00", "/ho-so/tinh-han/?procedure=%00", "/thu-tuc/%00/", "/thu-tuc/?q=a%00b",
    "/phan-anh/%00/", "/phan-anh/?q=%00", "/phan-anh/da-tra-loi/?unit=%00", "/cong-khai/%00/",
    "/bao-cao/?unit=%00&period=2023-Q1", "/lich-lam-viec/?received_at=%00&processing_days=3", "/tra-cuu/?%00=1",
])
def test_a_nul_in_the_url_is_refused_with_400(client, district_officer, url):
    signed_in(client, district_officer)
    response = client.get(url)
    assert response.status_code == 400
    assert "Content-Security-Policy" in response.headers
