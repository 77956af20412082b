"""What each printed form of a dossier says: one context builder per form, reads only.

The forms are those of the one-stop offices: the receipt and appointment slip, the request for
supplements, the refusal, the apology with a new appointment, the notice that processing stopped and the
control slip. Each template prints the national layout of Nghị định 30/2020 (issuing body, national
motto, number, place and date, title, body, signatures); the texts are Vietnamese whatever the interface
says. What a form says about its issuer, its desk and its legal basis is what ``motcua.documents`` says
for the form's own date: the heading of the unit the dossier refers to (the version it was received at,
with its name of then), the desk's name of that day (Bộ phận Tiếp nhận và Trả kết quả before 1/7/2025, a
Trung tâm Phục vụ hành chính công after, or the unit's own), and the decree and circular then in force.

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

from motcua.documents import (
    Heading, agency_heading, desk_heading, desk_name, desk_title, forms_basis, place_and_date, unbroken,
)
from motcua.models import Agency, AgencyKind
from motcua.selectors import work_calendar
from motcua.text import person_name
from procedures.exports import processing_time_text
from procedures.parsing import STAGE_HOLDER_WORDS

from motcua import deadlines
from dossiers.models import ApplicantKind, Dossier, DossierEvent, PauseKind, ReceivedForm, Status
from dossiers.printing.extensions import receipt_officer_name

LOOKUP_PATH = "/tra-cuu/"
LOOKUP_LINE = "Tra cứu tình trạng hồ sơ: quét mã QR hoặc nhập mã hồ sơ và 4 số cuối điện thoại"

OUTCOME_WORDS = {deadlines.EARLY: "Trước hạn", deadlines.ON_TIME: "Đúng hạn", deadlines.LATE: "Quá hạn"}

# How each recorded step reads on the control slip.
STEP_WORDS = {
    "receive": "Tiếp nhận hồ sơ",
    "transfer": "Chuyển hồ sơ giải quyết",
    "start": "Nhận hồ sơ, bắt đầu giải quyết",
    "hand_on": "Chuyển bước tiếp theo của quy trình",
    "pause": "Tạm dừng giải quyết",
    "resume": "Tiếp tục giải quyết",
    "resolve": "Có kết quả giải quyết, chuyển {desk}",  # the receiving unit's desk of that day
    "return": "Trả kết quả cho tổ chức, cá nhân",
    "return_unresolved": "Trả hồ sơ không giải quyết",
    "withdraw": "Dừng giải quyết (tổ chức, cá nhân rút hồ sơ)",
    "apologise": "Phát hành Phiếu xin lỗi và hẹn lại ngày trả kết quả",
    "refuse": "Từ chối tiếp nhận hồ sơ",
    "handover": "Chuyển giao hồ sơ do sắp xếp đơn vị hành chính",
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


def salutation(dossier: Dossier) -> str:
    return "Quý tổ chức" if dossier.applicant_kind == ApplicantKind.ORGANISATION else "Ông/Bà"


def _specialised_agency(agency: Agency | None) -> Agency | None:
    """The dossier's agency when it is a specialised office (not the People's Committee itself)."""
    return agency if agency is not None and agency.kind != AgencyKind.PEOPLES_COMMITTEE else None


def processing_body(dossier: Dossier, on: date) -> str:
    """The office that resolves the dossier: its specialised agency, else the handling unit's desk of ``on``."""
    return _body_of(dossier.handling_unit, dossier.agency, on)


def _body_of(unit, agency, on: date) -> str:
    agency = _specialised_agency(agency)
    return agency.name if agency is not None else desk_title(unit, on)


@dataclass(frozen=True)
class Header:
    """The top of a form: issuing body on the left, motto on the right, number and place-and-date."""

    issuer: Heading
    number: str
    place_and_date: str


def _desk_header(dossier: Dossier, day: date, number: str = "") -> Header:
    """The receiving unit's desk of ``day``, under its People's Committee."""
    unit = dossier.receiving_unit
    return Header(desk_heading(unit, day), number, place_and_date(unit, day))


def _processing_header(dossier: Dossier, day: date) -> Header:
    """The specialised agency under its People's Committee, else the handling unit's desk of ``day``."""
    return _issuer_header(dossier.handling_unit, dossier.agency, day)


def _issuer_header(unit, agency, day: date) -> Header:
    agency = _specialised_agency(agency)
    issuer = agency_heading(agency) if agency is not None else desk_heading(unit, day)
    return Header(issuer, "", place_and_date(unit, day))


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


def _base(dossier: Dossier, day: date) -> dict:
    """What every form prints, ``day`` being the form's own date (its legal basis is that day's)."""
    return {
        "dossier": dossier,
        "salutation": salutation(dossier),
        "is_person": dossier.applicant_kind != ApplicantKind.ORGANISATION,
        "received_words": moment_words(dossier.received_at),
        "due_words": moment_words(dossier.due_at),
        "procedure_name": dossier.procedure.name,
        "basis": unbroken(forms_basis(day)),
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


@dataclass(frozen=True)
class SlipComponent:
    """One line of the slip's table: what the desk actually received of a component."""

    name: str
    originals: int
    copies: int
    certified: bool = False
    received: bool = True


def slip_components(dossier: Dossier) -> list[SlipComponent]:
    """The components as received (dossiers.ReceivedComponent); a dossier received before they were
    recorded prints the procedure's components as the catalogue lists them."""
    received = list(dossier.received_components.all())
    if not received:
        return [SlipComponent(c.name, c.originals, c.copies) for c in dossier.procedure.components.all()]
    lines = []
    for row in received:
        if row.form == ReceivedForm.NOT_RECEIVED:
            lines.append(SlipComponent(row.name, 0, 0, received=False))
        elif row.form == ReceivedForm.ORIGINAL:
            lines.append(SlipComponent(row.name, row.copies, 0))
        else:
            lines.append(SlipComponent(row.name, 0, row.copies, certified=row.form == ReceivedForm.CERTIFIED_COPY))
    return lines


def receipt_context(dossier: Dossier, *, request=None) -> dict:
    """Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Mẫu số 01)."""
    if dossier.status == Status.REFUSED:
        raise FormNotApplicable("a refused dossier was never received")
    book, number = register_number(dossier)
    url = lookup_url(request, dossier.code)
    day = local(dossier.received_at).date()
    desk = desk_title(dossier.receiving_unit, day)
    return {
        **_base(dossier, day),
        "header": _desk_header(dossier, day, f"{number}/{book}"),
        "desk_name": desk,
        "components": slip_components(dossier),
        "dossier_count": "01",
        "processing_time": processing_time_text(dossier.processing_days),
        "collect_at": desk,
        "book": str(book),  # printed as is: "2026", not the localised "2.026"
        "number": str(number),
        "officer_name": receipt_officer_name(dossier.receiving_unit, day, dossier.received_by),
        "lookup_url": url,
        "lookup_line": LOOKUP_LINE,
        "lookup_page": url.split("?", 1)[0],
        "qr": qr_svg(url),
    }


def supplement_items(dossier: Dossier, pause) -> list[str]:
    """What the request asks for: the required components recorded as not received at intake (and not
    received since), then the officer's own lines."""
    typed = [line.strip(" -•\t") for line in pause.reason.splitlines() if line.strip(" -•\t")]
    missing = [
        f"{row.name} (chưa nộp khi tiếp nhận hồ sơ)" for row in dossier.received_components.filter(form=ReceivedForm.NOT_RECEIVED, required=True)
        if not any(row.name.casefold() in line.casefold() for line in typed)
    ]
    return missing + typed


def supplement_context(dossier: Dossier) -> dict:
    """Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu số 02): the latest request for supplements."""
    pause = dossier.pauses.filter(kind=PauseKind.SUPPLEMENT).order_by("-started_at", "-pk").first()
    if pause is None:
        raise FormNotApplicable("the dossier was never paused for supplements")
    event = (
        dossier.events.filter(action="pause", at=pause.started_at).select_related("by").order_by("-pk").first()
    )
    guide = event.by if event is not None else dossier.officer
    day = local(pause.started_at).date()
    return {
        **_base(dossier, day),
        "header": _processing_header(dossier, day),
        "pause": pause,
        "requested_words": moment_words(pause.started_at),
        "items": supplement_items(dossier, pause),
        "guide_name": person_name(guide),
        "guide_body": processing_body(dossier, day),
    }


def refusal_context(dossier: Dossier) -> dict:
    """Phiếu từ chối tiếp nhận giải quyết hồ sơ (Mẫu số 03)."""
    if dossier.status != Status.REFUSED:
        raise FormNotApplicable("the dossier was not refused")
    event = dossier.events.filter(action="refuse").select_related("by").order_by("-at", "-pk").first()
    moment = event.at if event is not None else dossier.received_at
    day = local(moment).date()
    return {
        **_base(dossier, day),
        "header": _desk_header(dossier, day),
        "desk_name": desk_title(dossier.receiving_unit, day),
        "reason": event.note if event is not None and event.note else dossier.notes,
        "refused_words": moment_words(moment),
        "officer_name": person_name(event.by if event is not None else dossier.received_by),
    }


def apology_context(dossier: Dossier, number: str | int | None = None) -> dict:
    """Phiếu xin lỗi và hẹn lại ngày trả kết quả: the reason and the new appointment of the dossier's
    apology ``number`` (1 for its first; the latest without one), issued by the unit and agency that held
    the late stage (the handling unit for a dossier without an internal process)."""
    apologies = list(dossier.apologies.select_related("issued_by", "unit", "agency", "stage").order_by("issued_at", "pk"))
    try:
        index = int(number) - 1 if number else len(apologies) - 1
    except ValueError:
        raise FormNotApplicable("the dossier has no such apology") from None
    if not 0 <= index < len(apologies):
        raise FormNotApplicable("the dossier has no such apology")
    apology = apologies[index]
    day = local(apology.issued_at).date()
    unit = apology.unit or dossier.handling_unit
    agency = apology.agency if apology.stage_id else dossier.agency
    return {
        **_base(dossier, day),
        "header": _issuer_header(unit, agency, day),
        "apology": apology,
        "stage": apology.stage,
        "issuer": _body_of(unit, agency, day),
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
    day = local(moment).date()
    return {
        **_base(dossier, day),
        "header": _processing_header(dossier, day),
        "withdrawn": dossier.status == Status.WITHDRAWN,
        "reason": event.note if event is not None else "",
        "stopped_words": moment_words(moment),
        "issuer": processing_body(dossier, day),
        "received_desk": desk_title(dossier.receiving_unit, local(dossier.received_at).date()),
        "return_desk": desk_title(dossier.receiving_unit, day),
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
    """Who acted at a step: the desk of that day for the desk's own steps, else the agency or the unit."""
    if event.action in ("receive", "return", "refuse"):
        return desk_title(event.unit or dossier.receiving_unit, local(event.at).date())
    agency = _specialised_agency(event.agency)
    if agency is not None:
        return agency.name
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
        if event.action == "resolve":
            words = words.format(desk=desk_name(dossier.receiving_unit, local(event.at).date()))
        if event.action == "pause" and event.at in pauses:
            words = PAUSE_WORDS.get(pauses[event.at].kind, words)
        # The intake starts the clock; a handover on a reorganisation is no one's step: neither is judged.
        judged = event.action not in ("receive", "refuse", "handover")
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


@dataclass(frozen=True)
class ControlStage:
    """A stage of the internal process on the control slip: who held it, its due and actual moments."""

    number: int
    name: str
    office: str
    by: str
    started: datetime | None
    due: datetime | None
    ended: datetime | None
    outcome: str
    apologies: list


def control_stages(dossier: Dossier) -> list[ControlStage]:
    """The control slip's rows for a dossier with an internal process: one per stage, judged on its own
    due moment (``dossiers.stages``); a stage not reached prints without moments."""
    rows = []
    stages = dossier.stages.select_related("unit", "agency", "ended_by").prefetch_related("apologies").order_by("position")
    for stage in stages:
        day = local(stage.started_at or dossier.received_at).date()
        if stage.unit is None:
            office = STAGE_HOLDER_WORDS.get(stage.holder, stage.holder)  # a stage not reached: only its holder
        elif stage.holder == "desk":
            office = desk_title(stage.unit, day)
        elif stage.agency is not None:
            office = stage.agency.name
        else:
            office = f"{STAGE_HOLDER_WORDS.get(stage.holder, stage.holder)} – {stage.unit.name}"
        rows.append(ControlStage(
            number=stage.position + 1, name=stage.name, office=office, by=person_name(stage.ended_by),
            started=local(stage.started_at), due=local(stage.due_at), ended=local(stage.ended_at),
            outcome=OUTCOME_WORDS.get(stage.outcome, ""), apologies=list(stage.apologies.all()),
        ))
    return rows


def control_context(dossier: Dossier) -> dict:
    """Phiếu kiểm soát quá trình giải quyết hồ sơ: the stages of the internal process with their due and
    actual moments when the dossier has them, else the hand-overs generated from the recorded events."""
    events = list(dossier.events.select_related("by", "unit", "agency").order_by("at", "pk"))
    apology = dossier.apology
    book, number = register_number(dossier) if dossier.status != Status.REFUSED else (None, None)
    day = local(dossier.received_at).date()
    stages = control_stages(dossier)
    return {
        **_base(dossier, day),
        "header": _desk_header(dossier, day),
        "receipt_number": f"{number}/{book}" if number else "",
        "processing_body": processing_body(dossier, day),
        "partner": dossier.receiving_unit.name if dossier.is_interconnected else "",
        "stages": stages,
        "steps": [] if stages else control_steps(dossier, events),
        "apology": apology,
        "new_due_words": moment_words(apology.new_due_at) if apology else "",
        "resolved_words": moment_words(dossier.resolved_at),
        "outcome_words": OUTCOME_WORDS.get(dossier.outcome, ""),
    }
