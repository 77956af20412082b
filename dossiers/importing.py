"""Import of historical dossiers from the province's previous one-stop software.

One file (CSV or XLSX, read by motcua.tabular.read_rows), all rows or none: every row is checked in
Python against lookups loaded once (all units, the file's procedures and their versions, the
file's codes already in the database), due moments come from one WorkCalendar, and only a clean
file is written, with bulk inserts in batches inside one transaction. An imported dossier keeps its
code and its times exactly (a code of ASCII letters, digits, ".", "-" and "_" only: dossiers.numbering);
its status, outcome and steps are derived from the recorded moments.

On cut-over day the file also holds the dossiers still open in the previous software: they keep their
appointment (``due_at``, which may be ahead; only the recorded moments must be past), their pauses
(``paused_at`` / ``resumed_at``, several separated by ";", the last one open while the dossier waits),
their handling unit, agency (``agency``: its electronic identifier or its name) and officer (``officer``:
the user name of a staff account of the handling unit), and their state (``status``, optional: an open
one is kept, a closed one must match the moments). They land where a dossier taken in here would be:
pending on the desk's board and in the figures, with the intake step at the receipt moment. An open dossier of
a unit that has since ended gets the "handover" step its reorganisation would have recorded
(dossiers.services.dossiers_hand_over). A closed dossier's outcome follows the install's rule
(motcua.deadlines.classify_outcome, ``OUTCOME_RULE``).
"""
from __future__ import annotations

import re
import time as clock
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua import deadlines
from motcua.calendar import VN_TZ, WorkCalendar
from motcua.models import KEY_SEPARATOR, AdministrativeUnit, Agency, AgencyKind, StaffMembership, UnitLineage, today
from motcua.periods import local_day
from motcua.selectors import work_calendar
from motcua.tabular import Row
from motcua.text import search_key
from procedures.models import Procedure, ProcedureVersion
from procedures.services import CatalogueError, ProcedureTerms, procedure_terms_at

from .models import Channel, DailyCounter, Digitisation, Dossier, DossierEvent, Pause, PauseKind, Status
from .numbering import CODE_MAX, PORTAL_CODE, is_safe_code, portal_code_day
from .services import dossiers_hand_over, snapshot_fields

BATCH_SIZE = 2_000
CODE_CHUNK = 5_000
IMPORT_NOTE = "imported"

COLUMNS = (
    "code", "unit_code", "procedure_code", "channel", "received_at", "due_at", "resolved_at", "returned_at",
    "components_digitized", "result_digitized", "paid_online", "handling_unit_code", "applicant_name",
    "applicant_id_number", "applicant_phone", "closed_as", "closed_at",
    "status", "paused_at", "resumed_at", "pause_kind", "pause_reason", "agency", "officer",
)
REQUIRED_COLUMNS = ("code", "unit_code", "procedure_code", "channel", "received_at")

# Headings the previous software (or an officer's spreadsheet) may use, compared without diacritics.
HEADER_ALIASES = {
    "mã hồ sơ": "code", "số hồ sơ": "code",
    "mã đơn vị": "unit_code", "mã đơn vị tiếp nhận": "unit_code", "đơn vị tiếp nhận": "unit_code",
    "mã thủ tục": "procedure_code", "mã tthc": "procedure_code",
    "kênh": "channel", "kênh tiếp nhận": "channel", "hình thức nộp": "channel", "hình thức tiếp nhận": "channel",
    "ngày tiếp nhận": "received_at", "thời điểm tiếp nhận": "received_at",
    "ngày hẹn trả": "due_at", "hẹn trả": "due_at",
    "ngày giải quyết": "resolved_at", "ngày có kết quả": "resolved_at",
    "ngày trả kết quả": "returned_at", "ngày trả": "returned_at",
    "số hoá thành phần": "components_digitized", "số hóa thành phần": "components_digitized",
    "components_digitised": "components_digitized",
    "số hoá kết quả": "result_digitized", "số hóa kết quả": "result_digitized", "result_digitised": "result_digitized",
    "thanh toán trực tuyến": "paid_online",
    "mã đơn vị giải quyết": "handling_unit_code", "đơn vị giải quyết": "handling_unit_code",
    "người nộp": "applicant_name", "họ tên": "applicant_name", "họ và tên": "applicant_name",
    "số định danh": "applicant_id_number", "số cccd": "applicant_id_number", "cccd": "applicant_id_number",
    "số điện thoại": "applicant_phone", "điện thoại": "applicant_phone",
    "kết thúc": "closed_as", "hình thức kết thúc": "closed_as", "ngày kết thúc": "closed_at",
    "trạng thái": "status", "tình trạng": "status", "trạng thái hồ sơ": "status",
    "ngày tạm dừng": "paused_at", "tạm dừng từ": "paused_at", "thời điểm tạm dừng": "paused_at",
    "ngày tiếp tục": "resumed_at", "tạm dừng đến": "resumed_at", "thời điểm tiếp tục": "resumed_at",
    "loại tạm dừng": "pause_kind", "lý do tạm dừng": "pause_reason",
    "cơ quan xử lý": "agency", "cơ quan giải quyết": "agency", "cơ quan thụ lý": "agency",
    "cán bộ xử lý": "officer", "công chức xử lý": "officer", "cán bộ thụ lý": "officer", "người xử lý": "officer",
}

CHANNELS = {
    "direct": Channel.DIRECT, "truc tiep": Channel.DIRECT,
    "online": Channel.ONLINE, "truc tuyen": Channel.ONLINE,
    "postal": Channel.POSTAL, "post": Channel.POSTAL, "buu chinh": Channel.POSTAL,
    "qua buu chinh": Channel.POSTAL, "buu chinh cong ich": Channel.POSTAL,
}
DIGITISATION = {
    "": Digitisation.NONE, "none": Digitisation.NONE, "0": Digitisation.NONE, "khong": Digitisation.NONE,
    "chua": Digitisation.NONE, "chua so hoa": Digitisation.NONE,
    "partial": Digitisation.PARTIAL, "mot phan": Digitisation.PARTIAL, "so hoa mot phan": Digitisation.PARTIAL,
    "full": Digitisation.FULL, "toan bo": Digitisation.FULL, "toan phan": Digitisation.FULL,
    "day du": Digitisation.FULL, "so hoa toan bo": Digitisation.FULL,
}
FLAGS = {
    "": False, "0": False, "khong": False, "no": False, "false": False, "n": False,
    "1": True, "co": True, "yes": True, "true": True, "y": True, "x": True,
}
CLOSINGS = {
    "returned_unresolved": Status.RETURNED_UNRESOLVED, "tra khong giai quyet": Status.RETURNED_UNRESOLVED,
    "tra ho so khong giai quyet": Status.RETURNED_UNRESOLVED,
    "withdrawn": Status.WITHDRAWN, "rut ho so": Status.WITHDRAWN, "cong dan rut ho so": Status.WITHDRAWN,
}
CLOSING_ACTIONS = {Status.RETURNED_UNRESOLVED: "return_unresolved", Status.WITHDRAWN: "withdraw"}
# The state the previous software gives (optional): an open one is kept; a closed one must be what the
# recorded moments say.
STATUSES = {
    **{status.value: status for status in Status if status != Status.REFUSED},
    **CLOSINGS,
    "da tiep nhan": Status.RECEIVED, "moi tiep nhan": Status.RECEIVED, "tiep nhan": Status.RECEIVED,
    "cho xu ly": Status.RECEIVED,
    "da chuyen xu ly": Status.TRANSFERRED, "chuyen xu ly": Status.TRANSFERRED, "da luan chuyen": Status.TRANSFERRED,
    "dang xu ly": Status.IN_PROGRESS, "dang giai quyet": Status.IN_PROGRESS,
    "tam dung": Status.PAUSED, "dang tam dung": Status.PAUSED, "cho bo sung": Status.PAUSED,
    "da giai quyet": Status.RESOLVED, "da co ket qua": Status.RESOLVED, "cho tra ket qua": Status.RESOLVED,
    "da tra ket qua": Status.RETURNED,
}
PAUSE_KINDS = {
    "": PauseKind.SUPPLEMENT, "supplement": PauseKind.SUPPLEMENT, "bo sung": PauseKind.SUPPLEMENT,
    "yeu cau bo sung": PauseKind.SUPPLEMENT, "cho bo sung": PauseKind.SUPPLEMENT,
    "bo sung hoan thien ho so": PauseKind.SUPPLEMENT,
    "verification": PauseKind.VERIFICATION, "xac minh": PauseKind.VERIFICATION, "cho xac minh": PauseKind.VERIFICATION,
    "legal": PauseKind.LEGAL, "tam dung theo quy dinh": PauseKind.LEGAL, "theo quy dinh": PauseKind.LEGAL,
}
# Open at a unit that ended: what a reorganisation hands over (dossiers.services.dossiers_hand_over).
HANDED_OVER = frozenset([*Status.pending(), Status.RESOLVED])

_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_ISO_WITH_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")
_LIST = re.compile(r"[;\n]")
_FUTURE_TOLERANCE = timedelta(minutes=5)


@dataclass
class DossierImportReport:
    dry_run: bool
    rows: int = 0
    created: int = 0
    due_computed: int = 0
    # Open dossiers of a unit that ended before today: handed over to the unit that took over its dossiers.
    handed_over: int = 0
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors


def _printable(text: str) -> str:
    """A refused value as the message may show it: control characters (a line break) as "?"."""
    return re.sub(r"[\x00-\x1f\x7f]", "?", text)


def parse_moment(text: str) -> datetime:
    """ISO 8601 (with an offset; without one it is Vietnam time) or dd/mm/yyyy HH:MM[:SS] in Vietnam time."""
    match = _DMY.match(text)
    if match:
        day, month, year, hour, minute, second = (int(part or 0) for part in match.groups())
        return datetime(year, month, day, hour, minute, second, tzinfo=VN_TZ)
    if not _ISO_WITH_TIME.match(text):
        raise ValueError(text)
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=VN_TZ)


class _Terms:
    """procedure_terms_at, asked once per procedure version: the versions of every procedure in the
    file are read in one query, and the version in force at a moment is chosen by the same rule."""

    def __init__(self, procedures: Iterable[Procedure]):
        self.procedures = {p.id: p for p in procedures}
        self.versions: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
        rows = ProcedureVersion.objects.filter(procedure_id__in=list(self.procedures)).values_list(
            "procedure_id", "valid_from", "number"
        )
        for procedure_id, valid_from, number in rows:
            self.versions[procedure_id].append((valid_from, number))
        self.cache: dict[tuple[int, int], ProcedureTerms] = {}

    def _version_at(self, procedure_id: int, moment: datetime) -> int | None:
        versions = self.versions.get(procedure_id)
        if not versions:
            return None
        in_force = [v for v in versions if v[0] <= moment]
        if in_force:
            return max(in_force)[1]  # latest valid_from, then highest number
        return min(number for _, number in versions)

    def at(self, procedure_id: int, moment: datetime) -> ProcedureTerms:
        number = self._version_at(procedure_id, moment)
        procedure = self.procedures[procedure_id]
        if number is None:  # let the catalogue say what is wrong
            return procedure_terms_at(procedure=procedure, moment=moment)
        key = (procedure_id, number)
        terms = self.cache.get(key)
        if terms is None:
            terms = procedure_terms_at(procedure=procedure, moment=moment)
            if terms.version == number:
                self.cache[key] = terms
        return terms


@dataclass
class _Parsed:
    dossier: Dossier
    steps: list[tuple[str, str, str, datetime, int]]  # action, from, to, at, unit id
    pauses: list[tuple[str, str, datetime, datetime | None]] = field(default_factory=list)  # kind, reason, from, until


def _chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing_codes(codes: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(codes, CODE_CHUNK):
        found.update(Dossier.objects.filter(code__in=list(chunk)).values_list("code", flat=True))
    return found


def _versions(units) -> dict[str, list[AdministrativeUnit]]:
    versions: dict[str, list[AdministrativeUnit]] = {}
    for unit in units.order_by("valid_from").only("id", "code", "valid_from", "valid_to"):
        versions.setdefault(unit.code, []).append(unit)
    return versions


class _RowChecker:
    """Checks one row at a time against lookups loaded once; collects the row's problems."""

    def __init__(self, rows: list[Row], calendar: WorkCalendar, now: datetime, within: AdministrativeUnit | None = None):
        self.calendar = calendar
        self.now = now
        self.within = within
        # A code names the unit in force with it at the row's receipt moment (codes are reused across
        # reorganisations): code → its versions (id, first day, last day).
        every_unit = _versions(AdministrativeUnit.objects.all())
        # A unit's own migration may only carry its own dossiers and those of the units below it or
        # taken over by them.
        self.units = every_unit if within is None else _versions(AdministrativeUnit.objects.subtree_of(within))
        self.outside = every_unit.keys() - self.units.keys()
        procedure_codes = {row.get("procedure_code") for row in rows}
        procedures = list(Procedure.objects.filter(code__in=procedure_codes).only("id", "code"))
        self.procedures = {p.code: p.id for p in procedures}
        self.terms = _Terms(procedures)
        codes = [row.get("code") for row in rows if row.get("code")]
        self.existing = _existing_codes(sorted(set(codes)))
        # The People's Committees' identifiers (the first part of the portal's own codes) → unit code.
        self.identifiers = dict(
            Agency.objects.filter(kind=AgencyKind.PEOPLES_COMMITTEE).values_list("identifier", "unit__code")
        )
        self.first_line: dict[str, int] = {}
        self.due_computed = 0
        self.today = today()
        self.ended_before_today = {
            u.pk for versions in every_unit.values() for u in versions if u.valid_to is not None and u.valid_to < self.today
        }
        # The agencies (by electronic identifier, or by name within their unit) and the officers (by user
        # name) the file names, each read once.
        self.agencies: dict[str, list[tuple[int, int]]] = defaultdict(list)  # key → (agency id, unit id)
        if any(row.get("agency") for row in rows):
            for pk, unit_id, identifier, name in Agency.objects.values_list("id", "unit_id", "identifier", "name"):
                self.agencies[identifier].append((pk, unit_id))
                self.agencies[search_key(name)].append((pk, unit_id))
        usernames = {row.get("officer") for row in rows if row.get("officer")}
        self.officers = {
            username: (user_id, {unit_id, *(taken_over or [])})
            for username, user_id, unit_id, taken_over in StaffMembership.objects.filter(
                user__username__in=usernames
            ).values_list("user__username", "user_id", "unit_id", "unit__taken_over")
        } if usernames else {}

    def portal_code_problem(self, code: str, unit_code: str) -> str | None:
        """A code in the portal's own format ({identifier}-{YYMMDD}-{NNNN}) with one of the portal's
        identifiers must be a code the portal could have given: a real day, the receiving unit's
        identifier (the daily counters move past it, so the unit never gives the same code again)."""
        match = PORTAL_CODE.match(code)
        if match is None or match["identifier"] not in self.identifiers:
            return None  # another software's code: kept as it is
        try:
            portal_code_day(code)
        except ValueError:
            return _("the code “%(code)s” has the portal's format but %(day)s is not a day (YYMMDD)") % {
                "code": code, "day": match["day"],
            }
        if unit_code in self.units and self.identifiers[match["identifier"]] != unit_code:
            return _("the code “%(code)s” starts with the identifier of another unit than “%(unit)s”") % {
                "code": code, "unit": unit_code,
            }
        return None

    def unit_at(self, code: str, day: date | None) -> int | None:
        """The id of the unit with ``code`` in force on ``day`` (the only version, or the one in force
        now, when the day is not known yet). A key (``code~YYYYMMDD``, AdministrativeUnit.key) names one
        version, which must have been in force that day."""
        key = code
        code, separator, _last_day = key.partition(KEY_SEPARATOR)
        versions = self.units.get(code) or []
        if separator:
            versions = [u for u in versions if u.key == key]
        if day is None:
            return next((u.pk for u in versions if u.is_active), versions[0].pk if len(versions) == 1 else None)
        return next((u.pk for u in versions if u.in_force_on(day)), None)

    def unit_problem(self, code: str, unknown: str, day: date | None = None) -> str:
        known = code.partition(KEY_SEPARATOR)[0]
        if day is not None and self.units.get(known):
            return _("the unit “%(code)s” was not in force on %(day)s, the day the dossier was received") % {
                "code": code, "day": f"{day:%d/%m/%Y}",
            }
        if known in self.outside:
            return _("the unit “%(code)s” is neither %(unit)s nor a unit under it") % {
                "code": code, "unit": self.within.name,
            }
        return unknown % {"code": code}

    def moment(self, row: Row, column: str, problems: list[str], *, text: str | None = None,
               ahead: bool = False) -> datetime | None:
        """The column's moment (or ``text``, one item of a list); a recorded moment may not be in the
        future, an appointment (``ahead``) may."""
        text = row.get(column) if text is None else text
        if not text:
            return None
        try:
            value = parse_moment(text)
        except ValueError:
            problems.append(
                _("%(column)s: “%(value)s” is not a date and time (dd/mm/yyyy HH:MM or ISO 8601 with its offset)")
                % {"column": column, "value": text}
            )
            return None
        if not ahead and value > self.now + _FUTURE_TOLERANCE:
            problems.append(_("%(column)s is in the future") % {"column": column})
        return value

    def pauses(self, row: Row, problems: list[str]) -> list[tuple[str, datetime, datetime | None]]:
        """(kind, from, until) of each pause: ``paused_at`` and ``resumed_at`` list the moments in order,
        separated by ";"; ``resumed_at`` may lack the last one, the pause still open."""
        starts_text = [item.strip() for item in _LIST.split(row.get("paused_at")) if item.strip()]
        ends_text = [item.strip() for item in _LIST.split(row.get("resumed_at")) if item.strip()]
        kinds_text = [item.strip() for item in _LIST.split(row.get("pause_kind"))] if row.get("pause_kind") else [""]
        if len(ends_text) > len(starts_text) or len(starts_text) > len(ends_text) + 1:
            problems.append(
                _("paused_at lists %(starts)s moment(s) and resumed_at %(ends)s: each pause has its start, and only "
                  "the last one may still be open") % {"starts": len(starts_text), "ends": len(ends_text)}
            )
            return []
        if len(kinds_text) not in (1, len(starts_text)):
            problems.append(_("pause_kind: give one kind for all the pauses or one per pause"))
            return []
        kinds = []
        for text in kinds_text:
            kind = PAUSE_KINDS.get(search_key(text))
            if kind is None:
                problems.append(
                    _("pause_kind: “%(value)s” is not supplement, verification or legal") % {"value": text}
                )
                return []
            kinds.append(kind)
        before = len(problems)
        starts = [self.moment(row, "paused_at", problems, text=text) for text in starts_text]
        ends = [self.moment(row, "resumed_at", problems, text=text) for text in ends_text]
        if len(problems) > before:
            return []
        pauses = []
        for index, start in enumerate(starts):
            end = ends[index] if index < len(ends) else None
            if end is not None and end < start:
                problems.append(_("a pause ends before it starts (%(start)s)") % {"start": starts_text[index]})
            elif pauses and start < (pauses[-1][2] or start):
                problems.append(_("the pauses overlap or are not in order (%(start)s)") % {"start": starts_text[index]})
            pauses.append((kinds[index] if len(kinds) > 1 else kinds[0], start, end))
        return pauses if len(problems) == before else []

    def agency(self, key: str, handling_id: int | None, problems: list[str]) -> int | None:
        """An agency of the handling unit, by electronic identifier or name."""
        found = self.agencies.get(key) or self.agencies.get(search_key(key)) or []
        if not found:
            problems.append(_("unknown agency “%(value)s”") % {"value": key})
            return None
        own = [pk for pk, unit_id in found if unit_id == handling_id]
        if handling_id is not None and not own:
            problems.append(_("the agency “%(value)s” does not belong to the handling unit") % {"value": key})
            return None
        return own[0] if own else None

    def officer(self, username: str, handling_id: int | None, problems: list[str]) -> int | None:
        """A staff account of the handling unit (or of the unit that took it over)."""
        found = self.officers.get(username)
        if found is None:
            problems.append(_("unknown officer “%(value)s” (the user name of a staff account)") % {"value": username})
            return None
        user_id, units = found
        if handling_id is not None and handling_id not in units:
            problems.append(_("the officer “%(value)s” does not work at the handling unit") % {"value": username})
            return None
        return user_id

    def check(self, row: Row) -> tuple[_Parsed | None, list[str]]:
        problems: list[str] = []
        get = row.get

        code = get("code")
        if not code:
            problems.append(_("the dossier code is missing"))
        elif len(code) > CODE_MAX:
            problems.append(_("the code “%(code)s” is longer than 48 characters") % {"code": _printable(code)})
        elif not is_safe_code(code):
            # A code goes into addresses, file names and printed forms: "/", spaces, quotes and control
            # characters would break them, so the previous software's code is kept only in this set.
            problems.append(
                _("the code “%(code)s” may hold only letters and digits without diacritics, “.”, “-” and “_” "
                  "(and starts with a letter or a digit)") % {"code": _printable(code)}
            )
        elif (problem := self.portal_code_problem(code, get("unit_code"))):
            problems.append(problem)
        elif code in self.first_line:
            problems.append(
                _("the code “%(code)s” appears twice in the file (first on row %(line)s)")
                % {"code": code, "line": self.first_line[code]}
            )
        elif code in self.existing:
            problems.append(_("a dossier with the code “%(code)s” already exists") % {"code": code})
        if code and code not in self.first_line:
            self.first_line[code] = row.line

        try:
            received_day = local_day(parse_moment(get("received_at"))) if get("received_at") else None
        except ValueError:
            received_day = None
        unit_id = self.unit_at(get("unit_code"), received_day)
        if unit_id is None:
            problems.append(self.unit_problem(get("unit_code"), _("unknown unit “%(code)s”"), received_day))
        handling_id = unit_id
        if get("handling_unit_code"):
            handling_id = self.unit_at(get("handling_unit_code"), received_day)
            if handling_id is None:
                problems.append(self.unit_problem(get("handling_unit_code"), _("unknown handling unit “%(code)s”"),
                                                  received_day))
        procedure_id = self.procedures.get(get("procedure_code"))
        if procedure_id is None:
            problems.append(_("unknown procedure “%(code)s”") % {"code": get("procedure_code")})

        channel = CHANNELS.get(search_key(get("channel")))
        if channel is None:
            problems.append(
                _("the channel “%(value)s” is not direct, online or postal (Trực tiếp, Trực tuyến, Bưu chính)")
                % {"value": get("channel")}
            )
        components = DIGITISATION.get(search_key(get("components_digitized")))
        if components is None:
            problems.append(
                _("components_digitized: “%(value)s” is not none, partial or full") % {"value": get("components_digitized")}
            )
        flags = {}
        for column in ("result_digitized", "paid_online"):
            flags[column] = FLAGS.get(search_key(get(column)))
            if flags[column] is None:
                problems.append(_("%(column)s: “%(value)s” is not 0 or 1") % {"column": column, "value": get(column)})

        id_number = get("applicant_id_number").replace(" ", "")
        if id_number and not (len(id_number) == 12 and id_number.isdigit()):
            problems.append(_("the identification number (CCCD) must have 12 digits"))
        name, phone = get("applicant_name"), get("applicant_phone")
        if len(name) > 200:
            problems.append(_("the applicant's name is longer than 200 characters"))
        if len(phone) > 20:
            problems.append(_("the phone number is longer than 20 characters"))

        received_at = self.moment(row, "received_at", problems)
        if received_at is None and not get("received_at"):
            problems.append(_("received_at is missing"))
        due_at = self.moment(row, "due_at", problems, ahead=True)  # an open dossier's appointment is ahead
        resolved_at = self.moment(row, "resolved_at", problems)
        returned_at = self.moment(row, "returned_at", problems)
        closed_at = self.moment(row, "closed_at", problems)

        closed_as = None
        if get("closed_as"):
            closed_as = CLOSINGS.get(search_key(get("closed_as")))
            if closed_as is None:
                problems.append(
                    _("closed_as: “%(value)s” is not returned_unresolved or withdrawn") % {"value": get("closed_as")}
                )
            elif get("returned_at"):
                problems.append(_("a dossier closed without a result cannot have returned_at"))
            elif closed_at and resolved_at and closed_at != resolved_at:
                problems.append(_("closed_at and resolved_at differ"))
            else:
                closed_at = closed_at or resolved_at
                if closed_at is None and not get("closed_at") and not get("resolved_at"):
                    problems.append(_("closed_as is given without closed_at"))
                resolved_at = closed_at
        elif get("closed_at"):
            problems.append(_("closed_at is given without closed_as"))

        pauses = self.pauses(row, problems)
        given = None
        if get("status"):
            given = STATUSES.get(search_key(get("status")))
            if given is None:
                problems.append(_("status: “%(value)s” is not a status of a dossier (received, transferred, in_progress, "
                                  "paused, resolved, returned, returned_unresolved, withdrawn)") % {"value": get("status")})
        agency_id = self.agency(get("agency"), handling_id, problems) if get("agency") else None
        officer_id = self.officer(get("officer"), handling_id, problems) if get("officer") else None

        if received_at and due_at and due_at < received_at:
            problems.append(_("the due date is before the receipt"))
        if received_at and resolved_at and resolved_at < received_at:
            problems.append(_("resolved before it was received"))
        if returned_at and not get("resolved_at"):
            problems.append(_("returned_at is given without resolved_at"))
        elif returned_at and resolved_at and returned_at < resolved_at:
            problems.append(_("the result was returned before it was resolved"))
        closed = bool(get("resolved_at") or get("returned_at") or get("closed_as") or get("closed_at"))
        if given in Status.pending() and closed:
            problems.append(
                _("the status “%(value)s” is that of a dossier still being processed, yet it has resolved_at, "
                  "returned_at or closed_as") % {"value": get("status")}
            )
        elif given is not None and given not in Status.pending():
            derived = (Status.RETURNED if get("returned_at") else closed_as if closed_as
                       else Status.RESOLVED if get("resolved_at") else None)
            if derived is not None and given != derived:
                problems.append(_("the status “%(value)s” does not match the recorded moments") % {"value": get("status")})
            elif derived is None:
                problems.append(
                    _("the status “%(value)s” is that of a closed dossier, yet the moment it closed is missing")
                    % {"value": get("status")}
                )
        if pauses:
            if received_at and pauses[0][1] < received_at:
                problems.append(_("a pause starts before the dossier was received"))
            if closed and pauses[-1][2] is None:
                problems.append(_("a closed dossier cannot have a pause still open (resumed_at is missing)"))
            elif resolved_at and any(start > resolved_at or (end or start) > resolved_at for _k, start, end in pauses):
                problems.append(_("a pause ends after the dossier was resolved"))
            if given in Status.pending() and (given == Status.PAUSED) != (pauses[-1][2] is None):
                problems.append(
                    _("the status and the pauses disagree: a dossier is “paused” exactly while a pause is still open "
                  "(paused_at without its resumed_at)")
                )
        elif given == Status.PAUSED:
            problems.append(
                _("the status and the pauses disagree: a dossier is “paused” exactly while a pause is still open "
                  "(paused_at without its resumed_at)")
            )

        terms = None
        if procedure_id is not None and received_at is not None:
            try:
                terms = self.terms.at(procedure_id, received_at)
            except CatalogueError as exc:
                problems.append(str(exc))

        if problems or terms is None:
            return None, problems

        cutoff = time.fromisoformat(terms.cutoff_time) if terms.cutoff_applies else None
        counting_from = deadlines.counting_start(received_at, self.calendar, cutoff=cutoff)
        if due_at is None:
            # As the desk computes it: moved by the working time of the pauses already over (an open pause
            # moves it when it ends, dossiers.services.dossier_resume).
            closed_pauses = [(start, end) for _kind, start, end in pauses if end is not None]
            due_at = deadlines.due_moment(received_at, terms.processing_days, self.calendar, cutoff=cutoff,
                                          pauses=closed_pauses, now=received_at)
            self.due_computed += 1

        steps = [("receive", "", Status.RECEIVED, received_at, unit_id)]
        current = Status.RECEIVED
        for _kind, start, end in pauses:
            steps.append(("pause", current, Status.PAUSED, start, handling_id))
            current = Status.PAUSED
            if end is not None:
                steps.append(("resume", Status.PAUSED, Status.IN_PROGRESS, end, handling_id))
                current = Status.IN_PROGRESS
        if returned_at:
            status = Status.RETURNED
            steps += [("resolve", current, Status.RESOLVED, resolved_at, handling_id),
                      ("return", Status.RESOLVED, Status.RETURNED, returned_at, unit_id)]
        elif closed_as:
            status = closed_as
            steps.append((CLOSING_ACTIONS[closed_as], current, closed_as, resolved_at, handling_id))
        elif resolved_at:
            status = Status.RESOLVED
            steps.append(("resolve", current, Status.RESOLVED, resolved_at, handling_id))
        else:
            # Still being processed: as the previous software says, else as its pauses leave it (received,
            # as intake leaves a dossier, when it had none).
            status = given or current
        outcome = deadlines.classify_outcome(resolved_at, due_at, self.calendar) if resolved_at else ""

        dossier = Dossier(
            code=code,
            receiving_unit_id=unit_id,
            handling_unit_id=handling_id,
            procedure_id=procedure_id,
            **snapshot_fields(terms),
            applicant_name=name,
            applicant_id_number=id_number,
            applicant_phone=phone,
            channel=channel,
            received_at=received_at,
            counting_from=counting_from,
            due_at=due_at,
            status=status,
            agency_id=agency_id,
            officer_id=officer_id,
            resolved_at=resolved_at,
            outcome=outcome,
            returned_at=returned_at,
            components_digitised=components,
            result_digitised=flags["result_digitized"],
            paid_online=flags["paid_online"],
            imported=True,
        )
        reason = get("pause_reason") or _("Paused in the previous software")
        return _Parsed(dossier, steps, [(kind, reason, start, end) for kind, start, end in pauses]), []


def dossiers_import(
    *, rows: list[Row], dry_run: bool = False, within: AdministrativeUnit | None = None
) -> DossierImportReport:
    """Check every row and, when all are good and it is not a dry run, write them. All rows or none.

    ``within``: the unit whose history this is; a row received or handled by a unit outside its subtree
    is refused. Returns the report; its ``errors`` name each bad row ("Row N: …") and then nothing is
    written.
    """
    started = clock.perf_counter()
    report = DossierImportReport(dry_run=dry_run, rows=len(rows))
    checker = _RowChecker(rows, work_calendar(), timezone.now(), within)
    parsed: list[_Parsed] = []
    for row in rows:
        result, problems = checker.check(row)
        if problems:
            report.errors.append(_("Row %(line)s: %(problems)s.") % {"line": row.line, "problems": "; ".join(problems)})
        elif not report.errors:
            parsed.append(result)
    if report.errors:
        report.seconds = clock.perf_counter() - started
        return report

    report.due_computed = checker.due_computed
    report.statuses = Counter(item.dossier.status for item in parsed)
    report.handed_over = sum(
        1 for item in parsed
        if item.dossier.status in HANDED_OVER
        and {item.dossier.receiving_unit_id, item.dossier.handling_unit_id} & checker.ended_before_today
    )
    if not dry_run:
        try:
            _write(parsed)
        except IntegrityError:  # a desk took in a dossier with one of these codes meanwhile
            report.errors.append(_("A dossier with one of these codes was saved while the file was imported; nothing was imported. Try again."))
            report.seconds = clock.perf_counter() - started
            return report
        report.created = len(parsed)
    report.seconds = clock.perf_counter() - started
    return report


@transaction.atomic
def _write(parsed: list[_Parsed]) -> None:
    for batch in _chunks(parsed, BATCH_SIZE):
        dossiers = [item.dossier for item in batch]
        Dossier.objects.bulk_create(dossiers, batch_size=BATCH_SIZE)
        _ensure_pks(dossiers)
        events = [
            DossierEvent(dossier_id=item.dossier.pk, action=action, from_status=source, to_status=target, at=at,
                         by=None, unit_id=unit_id, note=IMPORT_NOTE)
            for item in batch
            for action, source, target, at, unit_id in item.steps
        ]
        for chunk in _chunks(events, BATCH_SIZE):
            DossierEvent.objects.bulk_create(chunk, batch_size=BATCH_SIZE)
        Pause.objects.bulk_create(
            [Pause(dossier_id=item.dossier.pk, kind=kind, reason=reason, started_at=start, ended_at=end)
             for item in batch for kind, reason, start, end in item.pauses],
            batch_size=BATCH_SIZE,
        )
    _advance_counters([item.dossier for item in parsed])
    _hand_over([item.dossier for item in parsed])


def _hand_over(dossiers: list[Dossier]) -> int:
    """The open dossiers of a unit that ended before today get the steps its reorganisation recorded on
    the dossiers open there (dossiers.services.dossiers_hand_over, the same helper): one per change, to
    the unit that took over its dossiers, then to the one that took that over, and so on."""
    open_here = [d for d in dossiers if d.status in HANDED_OVER]
    units = {unit_id for d in open_here for unit_id in (d.receiving_unit_id, d.handling_unit_id)}
    ended = list(AdministrativeUnit.objects.filter(pk__in=units, valid_to__lt=today()).values_list("pk", flat=True))
    if not ended:
        return 0
    # The chain of each ended unit is its lineage (motcua.models.UnitLineage: the units that took over its
    # dossiers, at distance 1, 2 …); each link of a chain is a lineage row at distance 1.
    chain = UnitLineage.objects.filter(predecessor_id__in=ended).values("unit_id")
    pairs: dict[int, int] = dict(  # ended unit, or a unit of its chain → the unit that took over its dossiers
        UnitLineage.objects.filter(Q(predecessor_id__in=ended) | Q(predecessor_id__in=chain), distance=1)
        .values_list("predecessor_id", "unit_id")
    )
    by_id = AdministrativeUnit.objects.in_bulk([*pairs, *pairs.values()])
    changes: dict[date, list[tuple[AdministrativeUnit, AdministrativeUnit]]] = defaultdict(list)
    for unit_id, successor_id in pairs.items():
        unit = by_id[unit_id]
        if unit.valid_to is not None and unit.valid_to < today():
            changes[unit.valid_to + timedelta(days=1)].append((unit, by_id[successor_id]))
    ids = [d.pk for d in open_here]
    return sum(dossiers_hand_over(handovers=handovers, effective=effective, dossiers=ids)
               for effective, handovers in sorted(changes.items()))


def _ensure_pks(dossiers: list[Dossier]) -> None:
    """Databases that cannot return ids from a bulk insert: read them back by code."""
    missing = [d for d in dossiers if d.pk is None]
    if missing:
        ids = dict(Dossier.objects.filter(code__in=[d.code for d in missing]).values_list("code", "id"))
        for dossier in missing:
            dossier.pk = ids[dossier.code]


def _advance_counters(dossiers: list[Dossier]) -> None:
    """Imported codes in this portal's own format move the units' daily counters past them, so a
    dossier taken in later the same day can never get an imported dossier's code."""
    identifiers: dict[int, set[str]] = defaultdict(set)
    for unit_id, identifier in Agency.objects.filter(kind=AgencyKind.PEOPLES_COMMITTEE).values_list("unit_id", "identifier"):
        identifiers[unit_id].add(identifier)
    highest: dict[tuple[int, date], int] = {}
    for dossier in dossiers:
        match = PORTAL_CODE.match(dossier.code)
        if not match or match["identifier"] not in identifiers.get(dossier.receiving_unit_id, ()):
            continue
        digits = match["day"]
        try:
            day = date(2000 + int(digits[:2]), int(digits[2:4]), int(digits[4:]))
        except ValueError:
            continue
        key = (dossier.receiving_unit_id, day)
        highest[key] = max(highest.get(key, 0), int(match["number"]))
    if not highest:
        return
    days = [day for _, day in highest]
    existing = {
        (c.unit_id, c.day): c
        for c in DailyCounter.objects.select_for_update().filter(
            unit_id__in={unit for unit, _ in highest}, day__range=(min(days), max(days))
        )
    }
    changed, new = [], []
    for (unit_id, day), number in highest.items():
        counter = existing.get((unit_id, day))
        if counter is None:
            new.append(DailyCounter(unit_id=unit_id, day=day, last=number))
        elif counter.last < number:
            counter.last = number
            changed.append(counter)
    DailyCounter.objects.bulk_create(new, batch_size=BATCH_SIZE)
    DailyCounter.objects.bulk_update(changed, ["last"], batch_size=BATCH_SIZE)
