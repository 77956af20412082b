"""Demo dossiers: a year of work at Tứ Kỳ district and its communes, up to now; or, for the 2025
tree (motcua.demo), the work since 15/12/2023 (the 2024 reporting year on) across the unit history.

Volumes follow the seeds (Xã Ngọc Kỳ ≈ 1.600 a year, the district ≈ 3.000, the other communes a few
hundred each); about 70 % arrive online, 28 % at the desk and 2 % by post, on working days and in
working hours (online ones also in the evening and at weekends). Most are resolved early, some on
the due day, about 1 % late; the last weeks hold pending dossiers, a few of them overdue; some were
paused for supplements and some late ones carry an apology with a new appointment. Each records what
the desk received of its procedure's components (mostly as asked; an optional paper often not handed
in; a required one missing from those paused for supplements and a few others). Due moments
and outcomes come from motcua.deadlines on one WorkCalendar, codes from dossiers.numbering, and
each unit's daily counters are set to the last number used, so intake continues the sequence.

The 2025 tree is received at the units in force at each receipt moment: the 23 communes and the
district until 30/11/2024, the 20 communes and the district until 30/06/2025, then the six communes of
Thành phố Hải Phòng (which also take in the district's procedures, and its volume). A unit formed by
a merger receives what its predecessors did. The units that ended post nothing today: they handled
the catalogue of their level. A few dossiers due around a unit's last day were left open by the
reorganisation (they are on the successor's desk, overdue); every dossier open when its unit ended
carries the "handover" step the import records (dossiers.services.dossiers_hand_over), and its later
steps are taken at the unit that held it then.

A seeded random.Random makes the data the same for the same moment. Idempotent: nothing is done
when demo dossiers (notes == DEMO_NOTE) already exist.
"""
from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import accumulate

from django.db import connection, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from motcua import deadlines
from motcua.calendar import WorkCalendar
from motcua.demo import CITY_CODE, DEFAULT_TREE, DISTRICT_CODE, ID_SUFFIX, PROVINCE_CODE
from motcua.models import (
    LEVEL_RANK, AdministrativeUnit, Agency, AgencyKind, Role, StaffMembership, UnitLevel, UnitSuccession,
)
from motcua.periods import day_bounds
from motcua.selectors import work_calendar
from motcua.text import search_key
from procedures.models import Posting, Procedure, ProcedureComponent, ProcedureVersion, StageHolder
from procedures.services import CatalogueError, procedure_terms_at

from .models import (
    Apology, Channel, DailyCounter, Digitisation, Dossier, DossierEvent, DossierStage, Pause, PauseKind, ReceivedComponent,
    ReceivedForm, ReturnChannel, Status,
)
from .numbering import format_code, is_safe_code
from .services import HANDOVER_NOTE

DEMO_NOTE = "demo"
SEED = 2026
DAYS = 365
HISTORY_START = date(2023, 12, 15)  # the 2025 tree: dossiers from the first day of the 2024 reporting year
BATCH_SIZE = 2_000

# Dossiers a year per unit as they stood in 2023; the other communes get between these two. A unit
# formed later receives what its predecessors did (the communes that outlive their district also share
# the district's evenly).
YEARLY = {DISTRICT_CODE: 3_000, "11089": 1_600, "11074": 1_800}
OTHER_COMMUNE_YEARLY = (170, 330)

# Dossiers due around a unit's last day (from three weeks before to ten days after) that the
# reorganisation left open: still pending at the successor, overdue.
LEFT_OPEN = 0.06
LEFT_OPEN_BEFORE, LEFT_OPEN_AFTER = timedelta(days=21), timedelta(days=10)

CHANNEL_WEIGHTS = ((Channel.ONLINE, 70), (Channel.DIRECT, 28), (Channel.POSTAL, 2))

# How often each field's procedures are asked for (Ngọc Kỳ 2022: Chứng thực 1.197, Hộ tịch 388 …), by
# the procedure's level; a commune that took over the district's procedures asks for those less often.
FIELD_WEIGHTS = {
    UnitLevel.COMMUNE: {
        "Chứng thực": 30, "Đăng ký, quản lý cư trú": 26, "Hộ tịch": 24, "Bảo trợ xã hội": 5, "Người có công": 3,
        "Nghĩa vụ quân sự": 3, "Giảm nghèo": 1.5, "Đất đai": 1, "Hòa giải ở cơ sở": 0.5, "Nuôi con nuôi": 0.3,
    },
    UnitLevel.DISTRICT: {
        "Thành lập và hoạt động của hộ kinh doanh": 25, "Đăng ký đất đai": 20, "Xây dựng": 15,
        "Bảo hiểm xã hội, bảo hiểm y tế": 15, "Bảo trợ xã hội": 10, "Hộ tịch": 8, "Giáo dục và đào tạo": 7,
    },
}
DEFAULT_FIELD_WEIGHT = 1
ABOVE_LEVEL_SHARE = 0.35
# Within a field, the procedures citizens ask for most.
PROCEDURE_BOOST = {
    "2.000815": 8, "2.000884": 3, "1.001193": 4, "1.000656": 1.5, "1.000894": 1.5, "1.004873": 3, "2.000635": 2,
    "1.004222": 2, "1.004194": 3, "1.010041": 2, "1.001612": 3, "2.000720": 2, "1.013225": 3,
}
# The district office that processes each field (demo agency numbers, see motcua.demo).
DISTRICT_AGENCY_BY_SECTOR = {"police": "101", "social_insurance": "102", "military": "103", "land_registration": "104"}
DISTRICT_AGENCY_BY_FIELD = {
    "Hộ tịch": "001", "Chứng thực": "001", "Thành lập và hoạt động của hộ kinh doanh": "002", "Xây dựng": "007",
    "Bảo trợ xã hội": "005", "Người có công": "005", "Giảm nghèo": "005", "Đất đai": "006",
}
SOCIAL_AFFAIRS = "005"  # inter-connected commune dossiers are resolved there

SURNAMES = (
    ("Nguyễn", 38), ("Trần", 11), ("Lê", 9), ("Phạm", 8), ("Vũ", 6), ("Hoàng", 4), ("Phan", 3), ("Đỗ", 4),
    ("Bùi", 4), ("Đặng", 3), ("Ngô", 2), ("Dương", 2), ("Đinh", 2), ("Lương", 1), ("Trịnh", 1), ("Cao", 1),
)
MALE = (("Văn", "Đức", "Minh", "Quang", "Hữu", "Xuân", "Thành", "Công", "Đình", "Tiến"),
        ("An", "Bình", "Cường", "Dũng", "Dương", "Giang", "Hải", "Hiếu", "Hoàng", "Hùng", "Huy", "Khánh", "Long",
         "Mạnh", "Nam", "Nghĩa", "Phong", "Phúc", "Quân", "Sơn", "Tâm", "Thắng", "Thịnh", "Toàn", "Trung", "Tuấn",
         "Tùng", "Việt", "Vinh"))
FEMALE = (("Thị", "Thu", "Ngọc", "Thanh", "Minh", "Thùy", "Hồng", "Phương", "Kim", "Bích"),
          ("Anh", "Chi", "Dung", "Duyên", "Giang", "Hà", "Hạnh", "Hằng", "Hoa", "Huệ", "Huyền", "Hương", "Lan",
           "Liên", "Linh", "Loan", "Mai", "Nga", "Ngân", "Nhung", "Oanh", "Phượng", "Quỳnh", "Thảo", "Thúy", "Trang",
           "Tuyết", "Vân", "Yến"))
MOBILE_PREFIXES = ("032", "033", "034", "035", "036", "037", "038", "039", "096", "097", "098", "086", "091", "094",
                   "088", "083", "084", "085", "090", "093", "089", "070", "076", "077", "078", "079", "081", "082")
VILLAGES = ("Thôn Đông", "Thôn Tây", "Thôn Nam", "Thôn Bắc", "Thôn Trung", "Thôn Thượng", "Thôn Hạ", "Thôn Cầu",
            "Thôn Đình", "Thôn Mới", "Khu dân cư số 1", "Khu dân cư số 2", "Khu dân cư số 3")

PAUSE_REASONS = {
    PauseKind.SUPPLEMENT: ("Bổ sung bản sao giấy tờ tùy thân của người yêu cầu",
                           "Bổ sung tờ khai có đầy đủ chữ ký", "Bổ sung giấy tờ chứng minh nơi cư trú",
                           "Bổ sung bản vẽ hiện trạng công trình"),
    PauseKind.VERIFICATION: ("Chờ kết quả xác minh thông tin cư trú của Công an xã",
                             "Chờ ý kiến của cơ quan có liên quan", "Chờ xác minh nguồn gốc thửa đất"),
}
APOLOGY_REASONS = ("Hồ sơ phải xác minh thêm tại cơ sở nên chưa giải quyết kịp thời hạn",
                   "Cơ quan phối hợp trả lời chậm so với thời hạn",
                   "Cán bộ thụ lý đi công tác đột xuất, hồ sơ chưa được giải quyết đúng hẹn")
STOP_REASONS = {"withdraw": "Công dân có đơn đề nghị rút hồ sơ",
                "return_unresolved": "Hồ sơ không đủ điều kiện giải quyết theo quy định"}
REFUSE_REASONS = ("Thủ tục không thuộc thẩm quyền giải quyết của đơn vị", "Thành phần hồ sơ chưa đầy đủ theo quy định")


@dataclass(frozen=True)
class _Offer:
    """A procedure as a unit handles it: its terms at receipt, where it is processed, how often asked for."""

    procedure_id: int
    version: int
    processing_days: Decimal
    cutoff: time | None
    fees: list
    fee_total: int
    online: bool
    handling_unit_id: int
    agency_id: int | None
    weight: float


@dataclass
class _Unit:
    unit: AdministrativeUnit
    identifier: str
    agency_id: int | None
    address: str = ""  # "xã Ngọc Kỳ, huyện Tứ Kỳ, tỉnh Hải Dương"
    ends: datetime | None = None  # the moment its successor took over (the unit ended the day before)
    desk: object = None
    processor: object = None  # the processing officer and their agency
    processor_agency_id: int | None = None
    offers: list[_Offer] = field(default_factory=list)


@dataclass
class _Plan:
    """One dossier as rows to insert: field name → value (ids for foreign keys)."""

    dossier: dict
    events: list[dict] = field(default_factory=list)
    pause: dict | None = None
    apology: dict | None = None


class _People:
    """Applicants as a desk officer sees them: names, valid 12-digit CCCD of Hải Dương (030), phones."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.surnames = [name for name, _ in SURNAMES]
        self.surname_weights = [weight for _, weight in SURNAMES]

    def applicant(self, address: str, online: bool) -> dict[str, str]:
        rng = self.rng
        female = rng.random() < 0.52
        middles, givens = FEMALE if female else MALE
        surname = rng.choices(self.surnames, self.surname_weights)[0]
        given = rng.choice(givens)
        name = f"{surname} {rng.choice(middles)} {given}"
        year = rng.randint(1950, 2006)
        century_sex = (0 if year < 2000 else 2) + (1 if female else 0)
        id_number = f"030{century_sex}{year % 100:02d}{rng.randint(0, 999_999):06d}"
        phone = f"{rng.choice(MOBILE_PREFIXES)}{rng.randint(0, 9_999_999):07d}"
        address = f"{rng.choice(VILLAGES)}, {address}"
        email = f"{search_key(given).replace(' ', '')}.{search_key(surname).replace(' ', '')}{rng.randint(1, 99)}@gmail.com" if online and rng.random() < 0.3 else ""
        return {"applicant_name": name, "applicant_id_number": id_number, "applicant_phone": phone,
                "applicant_address": address, "applicant_email": email}


def _address(unit: AdministrativeUnit) -> str:
    """The unit and the units above it as an address writes them: "xã Ngọc Kỳ, huyện Tứ Kỳ, tỉnh Hải Dương"."""
    names = [unit.name, *reversed([a.name for a in unit.ancestors()])]
    return ", ".join(name[:1].lower() + name[1:] for name in names)


def _hours(value: float) -> Decimal:
    """Working hours rounded to the minute."""
    return Decimal(max(0, round(value * 60))) / 60


@dataclass(frozen=True)
class _Span:
    """The days dossiers are received on (the calendar days and the working ones among them)."""

    days: list[date]
    working_days: list[date]


@dataclass(frozen=True)
class _Handovers:
    """The unit history as the generator needs it: for each unit that ended, the moment its primary
    successor took over and that successor (empty for a tree without history)."""

    successor: dict[int, tuple[datetime, int]]
    names: dict[int, str]

    def holder(self, unit_id: int, moment: datetime) -> int:
        """The unit holding ``unit_id``'s dossiers at ``moment``."""
        while unit_id in self.successor and self.successor[unit_id][0] <= moment:
            unit_id = self.successor[unit_id][1]
        return unit_id

    def after(self, unit_id: int, moment: datetime) -> list[tuple[datetime, int, int]]:
        """(moment, ended, successor) of each change after ``moment`` down ``unit_id``'s line."""
        changes = []
        while unit_id in self.successor:
            at, successor = self.successor[unit_id]
            if at > moment:
                changes.append((at, unit_id, successor))
            unit_id = successor
        return changes


class _Generator:
    def __init__(self, calendar: WorkCalendar, now: datetime, rng: random.Random, handovers: _Handovers):
        self.cal = calendar
        self.now = now
        self.rng = rng
        self.people = _People(rng)
        self.handovers = handovers

    def span(self, first: date, last: date) -> _Span:
        days = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
        return _Span(days, [day for day in days if self.cal.is_working_day(day)])

    # -- receipt ---------------------------------------------------------------------------

    def _moment_in_session(self, day: date) -> datetime:
        sessions = self.cal.sessions_on(day)
        start, end = sessions[0] if self.rng.random() < 0.6 or len(sessions) == 1 else sessions[-1]
        minutes = int((end - start).total_seconds() // 60)
        return start + timedelta(minutes=self.rng.randrange(minutes), seconds=self.rng.randrange(60))

    def received_at(self, channel: str, span: _Span) -> datetime:
        rng = self.rng
        if channel == Channel.ONLINE and rng.random() < 0.18:  # submitted online in the evening or at a weekend
            day = rng.choice(span.days)
            hour = rng.choice((6, 12, 18, 19, 20, 21, 22))
            moment = datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), tzinfo=self.cal.tz)
        else:
            moment = self._moment_in_session(rng.choice(span.working_days))
        return moment

    # -- one dossier's life ----------------------------------------------------------------------

    def plan(self, place: _Unit, offer: _Offer, channel: str, received_at: datetime) -> _Plan:
        rng, cal, now = self.rng, self.cal, self.now
        desk_id = place.desk.pk if place.desk else None
        common = dict(
            receiving_unit_id=place.unit.id, handling_unit_id=offer.handling_unit_id, procedure_id=offer.procedure_id,
            procedure_version=offer.version, processing_days=offer.processing_days,
            cutoff_applies=offer.cutoff is not None, cutoff_time=offer.cutoff, fees=offer.fees,
            fee_total=offer.fee_total, channel=channel, received_at=received_at,
            received_by_id=desk_id, **self.people.applicant(place.address, channel == Channel.ONLINE),
        )
        if channel == Channel.DIRECT and rng.random() < 0.005:
            reason = rng.choice(REFUSE_REASONS)
            dossier = dict(common, status=Status.REFUSED, counting_from=received_at, due_at=received_at, notes=reason)
            event = dict(action="refuse", from_status="", to_status=Status.REFUSED, at=received_at, by_id=desk_id,
                         unit_id=place.unit.id, agency_id=None, note=reason)
            return _Plan(dossier, [event])

        start = deadlines.counting_start(received_at, cal, cutoff=offer.cutoff)
        base_due = deadlines.base_due(start, offer.processing_days, cal)
        if offer.processing_days:  # working hours allowed
            total = float(offer.processing_days) * float(cal.hours_per_day)
        else:  # the same day: what is left of it
            total = cal.working_time_between(start, base_due).total_seconds() / 3600

        def at(elapsed: float) -> datetime:
            return cal.add_working_time(start, hours=_hours(elapsed))

        fate = rng.random()
        late = fate < 0.011
        stop = "withdraw" if 0.011 <= fate < 0.015 else "return_unresolved" if 0.015 <= fate < 0.018 else None
        resolve_h = total * rng.triangular(0.05, 0.98, 0.3)  # most well before the due moment
        transfer_h = resolve_h * rng.uniform(0.01, 0.2)
        start_h = transfer_h + resolve_h * rng.uniform(0.01, 0.2)

        pause_h = pause_len = None
        recent = now - received_at < timedelta(days=10)  # so that a few are paused right now
        if not stop and offer.processing_days >= 2 and rng.random() < (0.15 if recent else 0.025):
            pause_h = start_h + (resolve_h - start_h) * rng.uniform(0.1, 0.6)
            pause_len = rng.choice((4, 8, 12, 16, 24, 40))
        due_at = base_due
        pause = None
        if pause_h is not None:
            paused_from, paused_until = at(pause_h), at(pause_h + pause_len)
            if paused_from <= now:
                kind = PauseKind.SUPPLEMENT if rng.random() < 0.7 else PauseKind.VERIFICATION
                pause = dict(kind=kind, reason=rng.choice(PAUSE_REASONS[kind]), started_at=paused_from,
                             ended_at=paused_until if paused_until <= now else None)
                if pause["ended_at"]:  # resumed: the appointment moved by the paused working time
                    due_at = deadlines.due_moment(received_at, offer.processing_days, cal, cutoff=offer.cutoff,
                                                  pauses=[(paused_from, paused_until)], now=paused_until)
                resolve_h += pause_len
        if late:
            resolve_h = cal.working_time_between(start, due_at).total_seconds() / 3600 + rng.uniform(0.5, 20)
        resolved_at = at(resolve_h)
        # A few dossiers of the last weeks got stuck: overdue, still pending.
        stuck = not late and not stop and not pause and now - timedelta(days=21) < due_at < now and rng.random() < 0.06
        if not stuck and place.ends is not None and not late and not stop and not pause:  # left open by the change
            stuck = place.ends - LEFT_OPEN_BEFORE < due_at < place.ends + LEFT_OPEN_AFTER and rng.random() < LEFT_OPEN
        if stuck:
            resolved_at = None

        matches = offer.agency_id and offer.agency_id == place.processor_agency_id and place.processor
        processor = place.processor.pk if matches else None
        handler_unit = offer.handling_unit_id
        events: list[dict] = []

        def step(action: str, source: str, target: str, moment: datetime, by, unit_id: int, note: str = "", agency=None):
            events.append(dict(action=action, from_status=source, to_status=target, at=moment, by_id=by,
                               unit_id=unit_id, agency_id=agency, note=note))

        status = Status.RECEIVED
        step("receive", "", Status.RECEIVED, received_at, desk_id, place.unit.id)
        for action, target, moment, by in (
            ("transfer", Status.TRANSFERRED, at(transfer_h), desk_id),
            ("start", Status.IN_PROGRESS, at(start_h), processor),
        ):
            if moment <= now and (resolved_at is None or moment <= resolved_at):
                step(action, status, target, moment, by, handler_unit, agency=offer.agency_id if action == "transfer" else None)
                status = target
        if pause is not None:
            step("pause", status, Status.PAUSED, pause["started_at"], processor, handler_unit, note=pause["reason"])
            status = Status.PAUSED
            if pause["ended_at"]:
                step("resume", Status.PAUSED, Status.IN_PROGRESS, pause["ended_at"], processor, handler_unit)
                status = Status.IN_PROGRESS

        values = dict(counting_from=start, due_at=due_at, notes=DEMO_NOTE, agency_id=offer.agency_id,
                      officer_id=processor, components_digitised=self._components(channel),
                      paid_online=offer.fee_total > 0 and rng.random() < (0.68 if channel == Channel.ONLINE else 0.05))
        apology = None
        if resolved_at is not None and resolved_at <= now and status != Status.PAUSED:
            action = stop or "resolve"
            target = Status.RESOLVED if not stop else (Status.WITHDRAWN if stop == "withdraw" else Status.RETURNED_UNRESOLVED)
            step(action, status, target, resolved_at, processor, handler_unit, note=STOP_REASONS.get(action, ""))
            status = target
            values.update(resolved_at=resolved_at, outcome=deadlines.classify_outcome(resolved_at, due_at, cal))
            if not stop:
                values["result_digitised"] = rng.random() < 0.3
                return_channel = self._return_channel(channel)
                delay = rng.uniform(0.02, 0.5) if return_channel == ReturnChannel.ONLINE else rng.uniform(0.3, 24)
                returned_at = cal.add_working_time(resolved_at, hours=_hours(delay))
                if returned_at <= now and rng.random() > 0.01:
                    step("return", Status.RESOLVED, Status.RETURNED, returned_at, desk_id, place.unit.id)
                    status = Status.RETURNED
                    values.update(returned_at=returned_at, return_channel=return_channel)
        if (late or stuck) and rng.random() < 0.6:
            apology = self._apology(events, start, due_at, resolved_at, processor, handler_unit)
        if self._hand_over(events, place.unit.id, handler_unit, received_at) and status in (*Status.pending(), Status.RESOLVED):
            values.update(agency_id=None, officer_id=None)  # as dossiers_hand_over: the successor assigns it again
        values["status"] = status
        return _Plan(dict(common, **values), events, pause, apology)

    def _hand_over(self, events: list[dict], receiving_id: int, handling_id: int, received_at: datetime) -> bool:
        """The steps of a dossier whose unit ended while it was open: "handover" at the first moment of
        the successor's first day (as dossiers.services.dossiers_hand_over records it, for each of the
        dossier's units that ended, down the line of successors), and every later step at the unit
        holding it then."""
        handovers = self.handovers
        changes = sorted({*handovers.after(receiving_id, received_at), *handovers.after(handling_id, received_at)})
        if not changes:
            return False
        handed = False
        open_statuses = {*Status.pending(), Status.RESOLVED}
        for event in events:
            event["unit_id"] = handovers.holder(event["unit_id"], event["at"])
        for at, ended, successor in changes:
            status = max((event for event in events if event["at"] < at), key=lambda event: event["at"])["to_status"]
            if status not in open_statuses:
                break
            note = HANDOVER_NOTE % {"ended": handovers.names[ended], "successor": handovers.names[successor]}
            events.append(dict(action="handover", from_status=status, to_status=status, at=at, by_id=None,
                               unit_id=successor, agency_id=None, note=str(note)))
            handed = True
        events.sort(key=lambda event: event["at"])
        return handed

    def _apology(self, events, start, due_at, resolved_at, by, unit_id) -> dict | None:
        """Issued shortly before the due moment, with a new appointment after it (and after the result)."""
        rng, cal = self.rng, self.cal
        to_due = cal.working_time_between(start, due_at).total_seconds() / 3600
        issued_at = cal.add_working_time(start, hours=_hours(max(to_due * 0.8, to_due - rng.uniform(0.5, 4))))
        if issued_at > self.now:
            return None
        anchor = max(due_at, resolved_at or self.now)
        new_due_at = cal.add_working_time(anchor, hours=_hours(rng.uniform(4, 40)))
        reason = rng.choice(APOLOGY_REASONS)
        status = Status.RECEIVED
        for event in events:
            if event["at"] <= issued_at:
                status = event["to_status"]
        events.append(dict(action="apologise", from_status=status, to_status=status, at=issued_at, by_id=by,
                           unit_id=unit_id, agency_id=None, note=reason))
        events.sort(key=lambda event: event["at"])
        return dict(reason=reason, new_due_at=new_due_at, issued_at=issued_at, issued_by_id=by)

    def _components(self, channel: str) -> str:
        weights = {Channel.ONLINE: (93, 7, 0), Channel.DIRECT: (72, 16, 12), Channel.POSTAL: (50, 20, 30)}[channel]
        return self.rng.choices((Digitisation.FULL, Digitisation.PARTIAL, Digitisation.NONE), weights)[0]

    def _return_channel(self, channel: str) -> str:
        weights = {Channel.ONLINE: (55, 10, 35), Channel.DIRECT: (93, 7, 0), Channel.POSTAL: (20, 80, 0)}[channel]
        return self.rng.choices((ReturnChannel.DESK, ReturnChannel.POST, ReturnChannel.ONLINE), weights)[0]


@dataclass(frozen=True)
class _Period:
    """Days of receipt and the units in force over all of them."""

    first: date
    last: date
    units: list[AdministrativeUnit]


def _periods(tree: str, today: date) -> list[_Period]:
    """The 2023 tree: the last DAYS days at Tứ Kỳ district and its communes. The 2025 tree: from
    HISTORY_START to today, cut at each day the unit tree changed, each part with the units in force
    then (below the two demo provinces)."""
    if tree != "2025":
        district = AdministrativeUnit.objects.by_key(DISTRICT_CODE)
        if district is None:
            return []
        return [_Period(today - timedelta(days=DAYS - 1), today, list(district.subtree().order_by("path")))]
    roots = Q()
    for code in (PROVINCE_CODE, CITY_CODE):
        root = AdministrativeUnit.objects.by_key(code)
        if root is not None:
            roots |= Q(path__startswith=root.path)
    if not roots:
        return []
    demo_units = AdministrativeUnit.objects.filter(roots).filter(level__in=[UnitLevel.DISTRICT, UnitLevel.COMMUNE])
    changes = sorted({day for day in demo_units.values_list("valid_from", flat=True) if day and HISTORY_START < day <= today})
    firsts = [HISTORY_START, *changes]
    lasts = [day - timedelta(days=1) for day in changes] + [today]
    return [_Period(first, last, list(demo_units.in_force(first).order_by("path"))) for first, last in zip(firsts, lasts)]


def _handovers(units: list[AdministrativeUnit]) -> _Handovers:
    """Each ended unit's primary successor and the moment it took over."""
    successor = {
        predecessor: (day_bounds(valid_from)[0], successor_id)
        for predecessor, successor_id, valid_from in UnitSuccession.objects.filter(primary=True).values_list(
            "predecessor_id", "successor_id", "successor__valid_from")
    }
    names = dict(AdministrativeUnit.objects.filter(
        Q(pk__in=list(successor)) | Q(pk__in=[s for _at, s in successor.values()])).values_list("id", "name"))
    return _Handovers(successor, names)


def _yearly(units: list[AdministrativeUnit], rng: random.Random) -> dict[int, int]:
    """Dossiers a year per unit: the seeds' figures for the units as they stood, the sum of its
    predecessors' for a unit formed by a merger, and for the communes that outlive their district an
    even share of the district's too."""
    taken_over = defaultdict(list)
    for predecessor, successor in UnitSuccession.objects.filter(primary=True).values_list("predecessor_id", "successor_id"):
        taken_over[successor].append(predecessor)
    yearly = {}
    for unit in sorted(units, key=lambda u: (u.valid_from or date.min, u.path)):
        if unit.valid_from is None:
            yearly[unit.id] = YEARLY.get(unit.code) or rng.randint(*OTHER_COMMUNE_YEARLY)
        else:
            yearly[unit.id] = sum(yearly.get(p, 0) for p in taken_over[unit.id])
    for district in units:
        if district.level == UnitLevel.DISTRICT and district.valid_to is not None:
            heirs = [u for u in units if u.level == UnitLevel.COMMUNE and u.parent_id != district.id
                     and u.valid_from == district.valid_to + timedelta(days=1)]
            for heir in heirs:
                yearly[heir.id] += yearly[district.id] // len(heirs)
    return yearly


def _places(units: list[AdministrativeUnit], now: datetime, yearly: dict[int, int]) -> dict[int, tuple[_Unit, int]]:
    """The demo units with what each handles and how many dossiers it receives in a year, by unit id.

    A unit in force handles what it posts; one that has ended posts nothing now, and handled the
    catalogue of its level. An inter-connected commune procedure is resolved at the district above
    (at the commune itself where there is none)."""
    unit_ids = [unit.id for unit in units]
    districts = {unit.id: unit for unit in units if unit.level == UnitLevel.DISTRICT}
    agencies = {a.identifier: a.id for a in Agency.objects.filter(unit__in=list(districts))}
    committee = {}  # the People's Committee of each unit (switched off once the unit ended): id, identifier
    for unit_id, agency_id, identifier in (
        Agency.objects.filter(unit__in=unit_ids, kind=AgencyKind.PEOPLES_COMMITTEE)
        .order_by("-is_active", "pk").values_list("unit_id", "id", "identifier")
    ):
        committee.setdefault(unit_id, (agency_id, identifier))
    staff = defaultdict(dict)
    for membership in StaffMembership.objects.filter(unit__in=unit_ids).select_related("user"):
        staff[membership.unit_id][membership.role] = membership
    posted = defaultdict(list)
    for unit_id, procedure_id in Posting.objects.filter(unit__in=unit_ids, is_active=True).values_list("unit_id", "procedure_id"):
        posted[unit_id].append(procedure_id)
    levels = {unit.level for unit in units if not unit.is_active}
    procedures = {
        p.id: p for p in Procedure.objects.in_force().select_related("field").filter(
            Q(postings__unit__in=unit_ids) | Q(level__in=levels)).distinct()
    }
    terms = {}
    for procedure in procedures.values():
        try:
            terms[procedure.id] = procedure_terms_at(procedure=procedure, moment=now)
        except CatalogueError:
            continue
    by_level = defaultdict(list)
    for procedure in procedures.values():
        by_level[procedure.level].append(procedure.id)

    places = {}
    for unit in units:
        agency_id, identifier = committee.get(unit.id, (None, ""))
        if not is_safe_code(identifier):
            continue
        handled = posted[unit.id] if unit.is_active else sorted(by_level[unit.level])
        handled = [procedures[pid] for pid in handled if pid in terms]
        desk = staff[unit.id].get(Role.DESK_OFFICER)
        processor = staff[unit.id].get(Role.PROCESSING_OFFICER)
        place = _Unit(unit=unit, identifier=identifier, agency_id=agency_id, address=_address(unit),
                      ends=day_bounds(unit.valid_to + timedelta(days=1))[0] if unit.valid_to else None,
                      desk=desk.user if desk else None, processor=processor.user if processor else None,
                      processor_agency_id=processor.agency_id if processor else None)
        district = districts.get(unit.parent_id)
        in_field = defaultdict(float)
        for procedure in handled:
            in_field[(procedure.level, procedure.field.name)] += PROCEDURE_BOOST.get(procedure.code, 1)
        for procedure in handled:
            t = terms[procedure.id]
            handling_id, agency_id = unit.id, place.agency_id
            if unit.level == UnitLevel.DISTRICT:
                number = DISTRICT_AGENCY_BY_SECTOR.get(procedure.sector) or DISTRICT_AGENCY_BY_FIELD.get(procedure.field.name, "000")
                agency_id = agencies.get(f"{number}.00.{ID_SUFFIX}", agency_id)
            elif procedure.interconnected_with == UnitLevel.DISTRICT and district is not None:  # liên thông
                handling_id, agency_id = district.id, agencies.get(f"{SOCIAL_AFFAIRS}.00.{ID_SUFFIX}")
            weight = FIELD_WEIGHTS.get(procedure.level, {}).get(procedure.field.name, DEFAULT_FIELD_WEIGHT)
            weight *= PROCEDURE_BOOST.get(procedure.code, 1) / in_field[(procedure.level, procedure.field.name)]
            if LEVEL_RANK[procedure.level] < LEVEL_RANK[unit.level]:  # taken over from the district
                weight *= ABOVE_LEVEL_SHARE
            place.offers.append(_Offer(
                procedure_id=procedure.id, version=t.version, processing_days=t.processing_days,
                cutoff=time.fromisoformat(t.cutoff_time) if t.cutoff_applies else None, fees=t.fees,
                fee_total=t.fee_total, online=procedure.online_level != "none", handling_unit_id=handling_id,
                agency_id=agency_id, weight=weight,
            ))
        if place.offers:
            places[unit.id] = (place, yearly[unit.id])
    return places


@transaction.atomic
def demo_seed(tree: str = DEFAULT_TREE) -> dict[str, int]:
    """Add the demo dossiers to the demo units, once: a year of them, or for the 2025 tree those since
    HISTORY_START at the units in force on each day. Returns counts."""
    if Dossier.objects.filter(notes=DEMO_NOTE).exists():
        return {"dossiers": 0, "already_seeded": 1}
    rng = random.Random(SEED)
    now = timezone.now().replace(microsecond=0)
    calendar = work_calendar()
    periods = _periods(tree, now.astimezone(calendar.tz).date())
    if not periods:
        return {"dossiers": 0}
    units = list({unit.id: unit for period in periods for unit in period.units}.values())
    places = _places(units, now, _yearly(units, rng))
    generator = _Generator(calendar, now, rng, _handovers(units))
    channels, channel_weights = zip(*CHANNEL_WEIGHTS)

    plans: list[tuple[_Unit, _Plan]] = []
    per_period = []
    for period in periods:
        span = generator.span(period.first, period.last)
        planned = len(plans)
        for unit in period.units:
            if unit.id not in places:
                continue
            place, yearly = places[unit.id]
            online_offers = [offer for offer in place.offers if offer.online]
            weights = {
                True: list(accumulate(offer.weight for offer in online_offers)),
                False: list(accumulate(offer.weight for offer in place.offers)),
            }
            for channel in rng.choices(channels, channel_weights, k=round(yearly * len(span.days) / DAYS)):
                online = channel == Channel.ONLINE and bool(online_offers)
                if channel == Channel.ONLINE and not online:
                    channel = Channel.DIRECT
                offer = rng.choices(online_offers if online else place.offers, cum_weights=weights[online])[0]
                received_at = generator.received_at(channel, span)
                if received_at <= now:
                    plans.append((place, generator.plan(place, offer, channel, received_at)))
        per_period.append(len(plans) - planned)

    counters = _number(plans)
    _insert(Dossier, [plan.dossier for _, plan in plans], now=now)
    ids = _ids_by_code([plan.dossier["code"] for _, plan in plans])
    events, pauses, apologies = [], [], []
    for _, plan in plans:
        dossier_id = ids[plan.dossier["code"]]
        events += [dict(event, dossier_id=dossier_id) for event in plan.events]
        if plan.pause is not None:
            pauses.append(dict(plan.pause, dossier_id=dossier_id))
        if plan.apology is not None:
            apologies.append(dict(plan.apology, dossier_id=dossier_id))
    _insert(DossierEvent, events, now=now)
    _insert(Pause, pauses, now=now)
    _insert(Apology, apologies, now=now)
    received = _received_components(plans, ids)
    _insert(ReceivedComponent, received, now=now)
    stages = _stages(plans, ids, calendar, now)
    _insert(DossierStage, stages, now=now)
    held = DossierStage.objects.filter(dossier=OuterRef("pk"), started_at__isnull=False, ended_at__isnull=True)
    Dossier.objects.filter(pk__in=[row["dossier_id"] for row in stages if row["started_at"] and not row["ended_at"]]).update(
        stage_holder=Subquery(held.order_by("position").values("holder")[:1]))  # as dossiers.stages keeps it
    _save_counters(counters)
    summary = {"dossiers": len(plans), "events": len(events), "pauses": len(pauses), "apologies": len(apologies),
               "components": len(received), "stages": len(stages)}
    if len(periods) > 1:
        summary["by_period"] = {f"{p.first:%d/%m/%Y}–{p.last:%d/%m/%Y}": n for p, n in zip(periods, per_period)}
    return summary


# Of the demo dossiers' papers: an optional one ("if applicable") is often not handed in; a required one is
# missing from those paused for supplements and from a few others; a paper asked as a copy is certified
# (chứng thực) about as often as not.
OPTIONAL_NOT_GIVEN = 0.35
REQUIRED_MISSING = 0.02
CERTIFIED = 0.4


def _received_components(plans: list[tuple[_Unit, _Plan]], ids: dict[str, int]) -> list[dict]:
    """What the desk received of each component of each demo dossier's procedure (as
    dossiers.files.components_record records it at intake): mostly what the procedure asks. Drawn
    from a random stream of its own, so that the dossiers themselves stay as they were."""
    rng = random.Random(SEED + 18)
    papers = defaultdict(list)
    for paper in (
        ProcedureComponent.objects.filter(procedure_id__in={plan.dossier["procedure_id"] for _, plan in plans})
        .order_by("procedure_id", "position", "id").values("id", "procedure_id", "name", "required", "originals", "copies")
    ):
        papers[paper["procedure_id"]].append(paper)
    rows = []
    for _, plan in plans:
        dossier_id, asked = ids[plan.dossier["code"]], papers.get(plan.dossier["procedure_id"], [])
        short = (plan.pause is not None and plan.pause["kind"] == PauseKind.SUPPLEMENT) or rng.random() < REQUIRED_MISSING
        required = [position for position, paper in enumerate(asked) if paper["required"]]
        missing = rng.choice(required) if short and required else None
        for position, paper in enumerate(asked):
            if position == missing or (not paper["required"] and rng.random() < OPTIONAL_NOT_GIVEN):
                form, copies = ReceivedForm.NOT_RECEIVED, 0
            elif paper["originals"]:
                form, copies = ReceivedForm.ORIGINAL, paper["originals"]
            else:
                form = ReceivedForm.CERTIFIED_COPY if rng.random() < CERTIFIED else ReceivedForm.COPY
                copies = max(1, paper["copies"])
            rows.append(dict(dossier_id=dossier_id, component_id=paper["id"], position=position, name=paper["name"],
                             required=paper["required"], form=form, copies=copies))
    return rows


def _stages(plans: list[tuple[_Unit, _Plan]], ids: dict[str, int], cal: WorkCalendar, now: datetime) -> list[dict]:
    """The stages of the demo dossiers whose procedure version has an internal process, as the steps
    would have moved them (dossiers.stages): the desk's first stage until the transfer, the stages between
    the transfer and the result sharing that time by their hours, the desk's last stage from the result to
    its return. Each stage's due moment and outcome come from the same functions as a real dossier's."""
    processes = {
        (row["procedure_id"], row["number"]): row["terms"]["stages"]
        for row in ProcedureVersion.objects.filter(procedure_id__in={plan.dossier["procedure_id"] for _, plan in plans})
        .values("procedure_id", "number", "terms") if row["terms"].get("stages")
    }
    if not processes:
        return []
    agencies: dict[tuple[int, str], int] = {}
    for agency in Agency.objects.filter(is_active=True).order_by("-pk").values("id", "unit_id", "kind"):
        agencies[(agency["unit_id"], agency["kind"])] = agency["id"]  # the first by id wins
    rows = []
    for _, plan in plans:
        d = plan.dossier
        process = processes.get((d["procedure_id"], d["procedure_version"]))
        if not process:
            continue
        moments = {event["action"]: event["at"] for event in reversed(plan.events)}  # each step's first moment
        handed = moments.get("transfer") or moments.get("start")
        closed = d.get("resolved_at")
        pauses = [(plan.pause["started_at"], plan.pause["ended_at"])] if plan.pause else []
        last_is_return = len(process) > 1 and process[-1]["holder"] == StageHolder.DESK
        middle = process[1:-1] if last_is_return else process[1:]
        spans: list[tuple[datetime | None, datetime | None]] = [(d["received_at"], handed or closed)]
        if handed is None:
            spans += [(None, None)] * len(middle)
        else:
            until = closed or now
            total = cal.working_time_between(handed, until).total_seconds() / 3600
            weights = [Decimal(stage["hours"]) for stage in middle]
            start, used = handed, Decimal(0)
            for index, weight in enumerate(weights):
                used += weight
                end = cal.add_working_time(handed, hours=_hours(total * float(used / sum(weights))))
                last = index == len(weights) - 1
                spans.append((start, (closed if last else end) if closed or end <= now else None))
                if not closed and end > now:  # the stage held now
                    spans += [(None, None)] * (len(weights) - index - 1)
                    break
                start = end
        if last_is_return:
            returning = closed if closed is not None and d["status"] in (Status.RESOLVED, Status.RETURNED) else None
            spans.append((returning, d.get("returned_at") if returning else None))
        for position, (stage, (started, ended)) in enumerate(zip(process, spans)):
            holder, due = stage["holder"], None
            unit_id = d["receiving_unit_id"] if holder == StageHolder.DESK else d["handling_unit_id"]
            if started is not None:
                count_from = d["counting_from"] if position == 0 else started
                due = deadlines.stage_due(count_from, Decimal(stage["hours"]), cal, pauses=pauses, now=ended or now)
            rows.append(dict(
                dossier_id=ids[d["code"]], position=position, name=stage["name"], holder=holder, hours=Decimal(stage["hours"]),
                unit_id=unit_id if started is not None else None,
                agency_id=agencies.get((d["handling_unit_id"], holder)) if started is not None else None,
                started_at=started, due_at=due, ended_at=ended,
                outcome=deadlines.classify_outcome(ended, due, cal) if ended is not None else "",
            ))
    return rows


def _number(plans: list[tuple[_Unit, _Plan]]) -> dict[tuple[int, date], int]:
    """Give each dossier its code in order of receipt, after any number already used that day."""
    tz = timezone.get_current_timezone()
    by_day = defaultdict(list)
    for place, plan in plans:
        by_day[(place.unit.id, plan.dossier["received_at"].astimezone(tz).date())].append((place, plan))
    if not by_day:
        return {}
    existing = {
        (c.unit_id, c.day): c.last
        for c in DailyCounter.objects.filter(unit_id__in={unit for unit, _ in by_day}, day__gte=min(d for _, d in by_day))
    }
    last = {}
    for (unit_id, day), items in by_day.items():
        number = existing.get((unit_id, day), 0)
        for place, plan in sorted(items, key=lambda item: item[1].dossier["received_at"]):
            number += 1
            plan.dossier["code"] = format_code(place.identifier, day, number)
        last[(unit_id, day)] = number
    return last


def _save_counters(last: dict[tuple[int, date], int]) -> None:
    if not last:
        return
    existing = {
        (c.unit_id, c.day): c
        for c in DailyCounter.objects.select_for_update().filter(
            unit_id__in={unit for unit, _ in last}, day__gte=min(day for _, day in last)
        )
    }
    changed, new = [], []
    for key, number in last.items():
        counter = existing.get(key)
        if counter is None:
            new.append(DailyCounter(unit_id=key[0], day=key[1], last=number))
        elif counter.last < number:
            counter.last = number
            changed.append(counter)
    DailyCounter.objects.bulk_create(new, batch_size=BATCH_SIZE)
    DailyCounter.objects.bulk_update(changed, ["last"], batch_size=BATCH_SIZE)


def _ids_by_code(codes: list[str]) -> dict[str, int]:
    ids = {}
    for start in range(0, len(codes), 500):
        ids.update(Dossier.objects.filter(code__in=codes[start : start + 500]).values_list("code", "id"))
    return ids


_PLAIN_TYPES = {
    "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField", "EmailField", "ForeignKey",
    "IntegerField", "OneToOneField", "PositiveBigIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
    "SmallIntegerField", "TextField",
}


def _insert(model, rows: list[dict], *, now: datetime) -> None:
    """INSERT the rows in batches (COPY on PostgreSQL).

    bulk_create compiles every value of every row through the ORM, which costs more than the whole
    calendar arithmetic of the demo, and `make run` must stay quick. Each column is still prepared
    the way its field does it (datetimes and JSON per backend); missing columns take the field's
    default, the creation and update stamps take ``now``.
    """
    if not rows:
        return
    # Generated columns (the dossier's search key) are the database's to write.
    fields = [f for f in model._meta.concrete_fields if not f.primary_key and not f.generated]
    defaults = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        elif f.has_default():
            defaults[f.attname] = f.get_default()
        elif f.null:
            defaults[f.attname] = None
        else:
            defaults[f.attname] = ""
    adapt_datetime = connection.ops.adapt_datetimefield_value
    if connection.vendor == "sqlite":  # what that adapter does there (naive text in the connection's zone), faster
        zone = connection.timezone

        def adapt_datetime(value: datetime) -> str:
            return str(value.astimezone(zone).replace(tzinfo=None))

    def preparer(f):
        kind = f.get_internal_type()
        if kind in _PLAIN_TYPES:
            return None
        if kind == "DateTimeField":
            return adapt_datetime
        return lambda value: f.get_db_prep_save(value, connection)

    prepare = [(f.attname, preparer(f)) for f in fields]
    params = []
    for row in rows:
        values = []
        for name, convert in prepare:
            value = row[name] if name in row else defaults[name]
            values.append(value if convert is None or value is None else convert(value))
        params.append(values)

    quote = connection.ops.quote_name
    table, columns = quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if connection.vendor == "postgresql" and hasattr(raw, "copy"):  # psycopg 3 streams the rows
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for values in params:
                    copy.write_row(values)
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        for start in range(0, len(params), BATCH_SIZE):
            cursor.executemany(sql, params[start : start + BATCH_SIZE])
