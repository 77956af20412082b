"""What each printed form of a dossier says: one context builder per form, reads only.

The forms are those of the one-stop offices (Thông tư 03/2025/TT-VPCP, which replaced Thông tư
01/2018/TT-VPCP from 15/9/2025): the receipt and appointment slip, the request for supplements, the
refusal, the apology with a new appointment, the notice that processing stopped and the control slip.
Each template prints the national layout of Nghị định 30/2020 (issuing body, national motto, number,
place and date, title, body, signatures); the texts are Vietnamese whatever the interface says.

Dates, one rule for every form:
- the place-and-date line under the motto follows Nghị định 30/2020 ("Ngọc Kỳ, ngày 05 tháng 3 năm
  2026": a day below 10 and the months 1 and 2 take a leading zero);
- every moment in a form's body is written in words with two-digit day and month, in Vietnam time:
  "16 giờ 00 phút, ngày 21 tháng 01 năm 2026" (dd/mm/yyyy spelt out);
- tables (the control slip, the register) print dd/mm/yyyy and HH:MM.

A builder raises ``FormNotApplicable`` when the dossier has no such form (no supplement request, no
refusal …); the views answer 404 for it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode

import segno
from django.db.models import Q
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from motcua.models import AdministrativeUnit, AgencyKind
from motcua.selectors import work_calendar
from motcua.text import person_name
from procedures.exports import official_date, place_name, processing_time_text

from motcua import deadlines
from dossiers.models import Apology, ApplicantKind, Dossier, DossierEvent, PauseKind, Status

DESK = "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"
DESK_TITLE = "Bộ phận Tiếp nhận và Trả kết quả"
LOOKUP_PATH = "/tra-cuu/"
LOOKUP_LINE = "Tra cứu tình trạng hồ sơ: quét mã QR hoặc nhập mã hồ sơ và 4 số cuối điện thoại"

OUTCOME_WORDS = {deadlines.EARLY: "Trước hạn", deadlines.ON_TIME: "Đúng hạn", deadlines.LATE: "Quá hạn"}

# How each recorded step reads on the control slip.
STEP_WORDS = {
    "receive": "Tiếp nhận hồ sơ",
    "transfer": "Chuyển hồ sơ giải quyết",
    "start": "Nhận hồ sơ, bắt đầu giải quyết",
    "pause": "Tạm dừng giải quyết",
    "resume": "Tiếp tục giải quyết",
    "resolve": "Có kết quả giải quyết, chuyển Bộ phận Tiếp nhận và Trả kết quả",
    "return": "Trả kết quả cho tổ chức, cá nhân",
    "return_unresolved": "Trả hồ sơ không giải quyết",
    "withdraw": "Dừng giải quyết (tổ chức, cá nhân rút hồ sơ)",
    "apologise": "Phát hành Phiếu xin lỗi và hẹn lại ngày trả kết quả",
    "refuse": "Từ chối tiếp nhận hồ sơ",
}
PAUSE_WORDS = {
    PauseKind.SUPPLEMENT: "Tạm dừng: yêu cầu bổ sung, hoàn thiện hồ sơ",
    PauseKind.VERIFICATION: "Tạm dừng: chờ cơ quan khác xác minh",
    PauseKind.LEGAL: "Tạm dừng theo quy định",
}
STOP_ACTIONS = {Status.WITHDRAWN: "withdraw", Status.RETURNED_UNRESOLVED: "return_unresolved"}


class FormNotApplicable(LookupError):
    """The dossier has no such form (never asked for supplements, not refused, no apology …)."""


# -- words ----------------------------------------------------------------------------------------


def local(moment: datetime | None) -> datetime | None:
    return timezone.localtime(moment) if moment is not None else None


def moment_words(moment: datetime | None) -> str:
    """'16 giờ 00 phút, ngày 21 tháng 01 năm 2026' in Vietnam time; '' for no moment."""
    if moment is None:
        return ""
    m = timezone.localtime(moment)
    return f"{m.hour:02d} giờ {m.minute:02d} phút, ngày {m.day:02d} tháng {m.month:02d} năm {m.year}"


def superior_body(unit: AdministrativeUnit) -> str:
    """The first line of the issuing body: the unit's People's Committee, 'UBND XÃ NGỌC KỲ'."""
    return f"UBND {unit.name.upper()}"


def place_and_date(unit: AdministrativeUnit, day: date) -> str:
    return f"{place_name(unit)}, {official_date(day)}"


def salutation(dossier: Dossier) -> str:
    return "Quý tổ chức" if dossier.applicant_kind == ApplicantKind.ORGANISATION else "Ông/Bà"


def processing_body(dossier: Dossier) -> str:
    """The office that resolves the dossier: its specialised agency, else the handling unit's desk."""
    agency = dossier.agency
    if agency is not None and agency.kind != AgencyKind.PEOPLES_COMMITTEE:
        return agency.name
    return f"{DESK_TITLE} – {dossier.handling_unit.name}"


@dataclass(frozen=True)
class Header:
    """The top of a form: issuing body on the left, motto on the right, number and place-and-date."""

    superior: str
    body: str
    number: str
    place_and_date: str


def _desk_header(dossier: Dossier, day: date, number: str = "") -> Header:
    unit = dossier.receiving_unit
    return Header(superior_body(unit), DESK, number, place_and_date(unit, day))


def _processing_header(dossier: Dossier, day: date) -> Header:
    unit = dossier.handling_unit
    agency = dossier.agency
    body = agency.name.upper() if agency is not None and agency.kind != AgencyKind.PEOPLES_COMMITTEE else DESK
    return Header(superior_body(unit), body, "", place_and_date(unit, day))


# -- the QR code ------------------------------------------------------------------------------------


def lookup_url(request, code: str) -> str:
    """The public lookup page with the dossier's code filled in (absolute when a request is given)."""
    from django.urls import NoReverseMatch, reverse

    try:
        path = reverse("lookup:lookup")
    except NoReverseMatch:  # the public lookup is built separately and may not be mounted yet
        path = LOOKUP_PATH
    base = request.build_absolute_uri(path) if request is not None else path
    return f"{base}?{urlencode({'code': code})}"


def qr_svg(url: str, *, scale: int = 3) -> SafeString:
    """The QR code as inline SVG (WeasyPrint draws it; nothing fetched); the URL is its title."""
    return mark_safe(segno.make(url, error="m").svg_inline(scale=scale, title=url, svgclass="qr"))


# -- the forms ----------------------------------------------------------------------------------------


def _base(dossier: Dossier) -> dict:
    return {
        "dossier": dossier,
        "salutation": salutation(dossier),
        "is_person": dossier.applicant_kind != ApplicantKind.ORGANISATION,
        "received_words": moment_words(dossier.received_at),
        "due_words": moment_words(dossier.due_at),
        "procedure_name": dossier.procedure.name,
    }


def register_number(dossier: Dossier) -> tuple[int, int]:
    """(book, number) in the receiving unit's register: the year's book, the rank of the dossier in it."""
    received = local(dossier.received_at)
    start = received.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    rank = (
        Dossier.objects.filter(receiving_unit_id=dossier.receiving_unit_id, received_at__gte=start)
        .exclude(status=Status.REFUSED)
        .filter(Q(received_at__lt=dossier.received_at) | Q(received_at=dossier.received_at, pk__lte=dossier.pk))
        .count()
    )
    return received.year, rank


def receipt_context(dossier: Dossier, *, request=None) -> dict:
    """Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Mẫu số 01)."""
    if dossier.status == Status.REFUSED:
        raise FormNotApplicable("a refused dossier was never received")
    book, number = register_number(dossier)
    url = lookup_url(request, dossier.code)
    return {
        **_base(dossier),
        "header": _desk_header(dossier, local(dossier.received_at).date(), f"{number}/{book}"),
        "desk_name": f"{DESK_TITLE} – {dossier.receiving_unit.name}",
        "components": list(dossier.procedure.components.all()),
        "dossier_count": "01",
        "processing_time": processing_time_text(dossier.processing_days),
        "collect_at": f"{DESK_TITLE} – {dossier.receiving_unit.name}",
        "book": str(book),  # printed as is: "2026", not the localised "2.026"
        "number": str(number),
        "officer_name": person_name(dossier.received_by),
        "lookup_url": url,
        "lookup_line": LOOKUP_LINE,
        "lookup_page": url.split("?", 1)[0],
        "qr": qr_svg(url),
    }


def supplement_context(dossier: Dossier) -> dict:
    """Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu số 02): the latest request for supplements."""
    pause = dossier.pauses.filter(kind=PauseKind.SUPPLEMENT).order_by("-started_at", "-pk").first()
    if pause is None:
        raise FormNotApplicable("the dossier was never paused for supplements")
    event = (
        dossier.events.filter(action="pause", at=pause.started_at).select_related("by").order_by("-pk").first()
    )
    guide = event.by if event is not None else dossier.officer
    return {
        **_base(dossier),
        "header": _processing_header(dossier, local(pause.started_at).date()),
        "pause": pause,
        "requested_words": moment_words(pause.started_at),
        "items": [line.strip(" -•\t") for line in pause.reason.splitlines() if line.strip(" -•\t")],
        "guide_name": person_name(guide),
        "guide_body": processing_body(dossier),
    }


def refusal_context(dossier: Dossier) -> dict:
    """Phiếu từ chối tiếp nhận giải quyết hồ sơ (Mẫu số 03)."""
    if dossier.status != Status.REFUSED:
        raise FormNotApplicable("the dossier was not refused")
    event = dossier.events.filter(action="refuse").select_related("by").order_by("-at", "-pk").first()
    moment = event.at if event is not None else dossier.received_at
    return {
        **_base(dossier),
        "header": _desk_header(dossier, local(moment).date()),
        "desk_name": f"{DESK_TITLE} – {dossier.receiving_unit.name}",
        "reason": event.note if event is not None and event.note else dossier.notes,
        "refused_words": moment_words(moment),
        "officer_name": person_name(event.by if event is not None else dossier.received_by),
    }


def apology_context(dossier: Dossier) -> dict:
    """Phiếu xin lỗi và hẹn lại ngày trả kết quả: the reason and the one new appointment."""
    try:
        apology = dossier.apology
    except Apology.DoesNotExist:
        raise FormNotApplicable("the dossier has no apology") from None
    return {
        **_base(dossier),
        "header": _processing_header(dossier, local(apology.issued_at).date()),
        "apology": apology,
        "issuer": processing_body(dossier),
        "new_due_words": moment_words(apology.new_due_at),
        "issued_by_name": person_name(apology.issued_by),
    }


def stop_context(dossier: Dossier) -> dict:
    """Thông báo dừng giải quyết hồ sơ: a withdrawn dossier or one returned without resolution."""
    action = STOP_ACTIONS.get(dossier.status)
    if action is None:
        raise FormNotApplicable("processing of the dossier did not stop")
    event = dossier.events.filter(action=action).select_related("by").order_by("-at", "-pk").first()
    moment = event.at if event is not None else dossier.resolved_at or dossier.received_at
    return {
        **_base(dossier),
        "header": _processing_header(dossier, local(moment).date()),
        "withdrawn": dossier.status == Status.WITHDRAWN,
        "reason": event.note if event is not None else "",
        "stopped_words": moment_words(moment),
        "issuer": processing_body(dossier),
        "officer_name": person_name(event.by if event is not None else None),
    }


@dataclass(frozen=True)
class ControlStep:
    number: int
    step: str
    office: str
    by: str
    at: datetime
    at_words: str
    outcome: str
    note: str


def _office_of(event: DossierEvent, dossier: Dossier) -> str:
    if event.action in ("receive", "return", "refuse"):
        return f"{DESK_TITLE} – {(event.unit or dossier.receiving_unit).name}"
    if event.agency is not None and event.agency.kind != AgencyKind.PEOPLES_COMMITTEE:
        return event.agency.name
    unit = event.unit or dossier.handling_unit
    return unit.name


def control_steps(dossier: Dossier, events: list[DossierEvent], calendar=None) -> list[ControlStep]:
    """The hand-overs of the control slip, one per recorded step, in the order they happened.

    The rule for the result column is deliberately simple: each step's moment is judged against the
    dossier's due moment (``due_at``, already moved by paused working time) with
    ``deadlines.classify_outcome`` — after the due moment is late (quá hạn), on a calendar day before
    the due day is early (trước hạn), otherwise on time (đúng hạn). The intake itself is not judged: it
    starts the clock.
    """
    calendar = calendar or work_calendar()
    pauses = {p.started_at: p for p in dossier.pauses.all()}
    steps = []
    for number, event in enumerate(events, start=1):
        words = STEP_WORDS.get(event.action, event.action)
        if event.action == "pause" and event.at in pauses:
            words = PAUSE_WORDS.get(pauses[event.at].kind, words)
        judged = event.action not in ("receive", "refuse")
        outcome = deadlines.classify_outcome(event.at, dossier.due_at, calendar) if judged else ""
        steps.append(
            ControlStep(
                number=number,
                step=words,
                office=_office_of(event, dossier),
                by=person_name(event.by),
                at=local(event.at),
                at_words=moment_words(event.at),
                outcome=OUTCOME_WORDS.get(outcome, ""),
                note=event.note,
            )
        )
    return steps


def control_context(dossier: Dossier) -> dict:
    """Phiếu kiểm soát quá trình giải quyết hồ sơ: the hand-overs generated from the recorded events."""
    events = list(dossier.events.select_related("by", "unit", "agency").order_by("at", "pk"))
    try:
        apology = dossier.apology
    except Apology.DoesNotExist:
        apology = None
    book, number = register_number(dossier) if dossier.status != Status.REFUSED else (None, None)
    return {
        **_base(dossier),
        "header": _desk_header(dossier, local(dossier.received_at).date()),
        "receipt_number": f"{number}/{book}" if number else "",
        "processing_body": processing_body(dossier),
        "partner": dossier.receiving_unit.name if dossier.is_interconnected else "",
        "steps": control_steps(dossier, events),
        "apology": apology,
        "new_due_words": moment_words(apology.new_due_at) if apology else "",
        "resolved_words": moment_words(dossier.resolved_at),
        "outcome_words": OUTCOME_WORDS.get(dossier.outcome, ""),
    }
