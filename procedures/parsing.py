"""Reading and writing the catalogue's cells as officers type them (pure functions).

Fees: ``Lệ phí: 8.000 đồng ; Phí: 2.000 đồng`` or ``Không``. Components:
``Tờ khai (1 bản chính, 0 bản sao) ; Giấy chứng sinh (1 bản chính) [không bắt buộc]``. The writers
produce exactly what the readers accept, so an exported file imports back unchanged.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from motcua.models import AgencyKind, UnitLevel
from motcua.text import search_key

from .models import OnlineLevel, ProcedureStatus, Sector, StageHolder, stage_holder_label


class CellError(ValueError):
    """A cell that cannot be read; the message is shown to the officer as is."""


def _lookup(table: dict[str, str], text: str, message: str) -> str:
    key = search_key(text)
    if key in table:
        return table[key]
    raise CellError(message)


LEVELS = {
    "province": UnitLevel.PROVINCE, "tinh": UnitLevel.PROVINCE, "cap tinh": UnitLevel.PROVINCE,
    "district": UnitLevel.DISTRICT, "huyen": UnitLevel.DISTRICT, "cap huyen": UnitLevel.DISTRICT,
    "commune": UnitLevel.COMMUNE, "xa": UnitLevel.COMMUNE, "cap xa": UnitLevel.COMMUNE,
}
SECTORS = {
    "local": Sector.LOCAL, "": Sector.LOCAL, "dia phuong": Sector.LOCAL, "chinh quyen dia phuong": Sector.LOCAL,
    "police": Sector.POLICE, "cong an": Sector.POLICE,
    "social_insurance": Sector.SOCIAL_INSURANCE, "social insurance": Sector.SOCIAL_INSURANCE,
    "bao hiem xa hoi": Sector.SOCIAL_INSURANCE, "bhxh": Sector.SOCIAL_INSURANCE,
    "military": Sector.MILITARY, "quan su": Sector.MILITARY, "quoc phong": Sector.MILITARY,
    "land_registration": Sector.LAND_REGISTRATION, "land registration": Sector.LAND_REGISTRATION,
    "dang ky dat dai": Sector.LAND_REGISTRATION, "van phong dang ky dat dai": Sector.LAND_REGISTRATION,
}
ONLINE_LEVELS = {
    "full": OnlineLevel.FULL, "toan trinh": OnlineLevel.FULL, "muc do 4": OnlineLevel.FULL,
    "partial": OnlineLevel.PARTIAL, "mot phan": OnlineLevel.PARTIAL, "muc do 3": OnlineLevel.PARTIAL,
    "none": OnlineLevel.NONE, "": OnlineLevel.NONE, "khong": OnlineLevel.NONE, "truc tiep": OnlineLevel.NONE,
}
STATUSES = {
    "in_force": ProcedureStatus.IN_FORCE, "": ProcedureStatus.IN_FORCE, "con hieu luc": ProcedureStatus.IN_FORCE,
    "dang co hieu luc": ProcedureStatus.IN_FORCE, "hieu luc": ProcedureStatus.IN_FORCE,
    "amended": ProcedureStatus.AMENDED, "sua doi": ProcedureStatus.AMENDED, "sua doi, bo sung": ProcedureStatus.AMENDED,
    "bo sung": ProcedureStatus.AMENDED,
    "replaced": ProcedureStatus.REPLACED, "thay the": ProcedureStatus.REPLACED,
    "abolished": ProcedureStatus.ABOLISHED, "bai bo": ProcedureStatus.ABOLISHED,
}
YES = {"yes", "co", "x", "1", "true", "dung"}
NO = {"no", "khong", "0", "false", "", "sai"}


def parse_level(text: str) -> str:
    return _lookup(LEVELS, text, _("the level “%(value)s” is not province, district or commune (tỉnh, huyện, xã)") % {"value": text})


def parse_sector(text: str) -> str:
    return _lookup(SECTORS, text, _("the sector “%(value)s” is not one of: local, police, social insurance, military, land registration") % {"value": text})


def parse_online_level(text: str) -> str:
    return _lookup(ONLINE_LEVELS, text, _("the online level “%(value)s” is not full, partial or none (toàn trình, một phần, không)") % {"value": text})


def parse_status(text: str) -> str:
    return _lookup(STATUSES, text, _("the status “%(value)s” is not in force, amended, replaced or abolished") % {"value": text})


def parse_bool(text: str) -> bool:
    key = search_key(text)
    if key in YES:
        return True
    if key in NO:
        return False
    raise CellError(_("“%(value)s” is neither yes nor no (có / không)") % {"value": text})


def parse_interconnected(text: str) -> str:
    """Empty, a level (the one it is inter-connected with), or yes meaning the level above."""
    key = search_key(text)
    if key in NO:
        return ""
    if key in LEVELS:
        return LEVELS[key]
    if key in YES:
        return UnitLevel.DISTRICT
    raise CellError(_("“%(value)s” is not a level: leave it empty or write tỉnh, huyện or xã") % {"value": text})


def parse_days(text: str) -> Decimal:
    """'3', '0.5', '0,5', '3 ngày làm việc', 'Trong ngày' → working days."""
    key = search_key(text)
    if key in {"trong ngay", "ngay trong ngay", "trong ngay lam viec"}:
        return Decimal(0)
    match = re.fullmatch(r"(\d+(?:[.,]\d+)?)\s*(?:ngay(?: lam viec)?)?", key)
    if not match:
        raise CellError(_("“%(value)s” is not a number of working days") % {"value": text})
    try:
        days = Decimal(match.group(1).replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern guarantees a number
        raise CellError(_("“%(value)s” is not a number of working days") % {"value": text}) from None
    if days > 9999:
        raise CellError(_("“%(value)s” is too long a processing time") % {"value": text})
    return days.quantize(Decimal("0.01")).normalize() if days % 1 else days.quantize(Decimal(1))


def parse_cutoff(text: str) -> time | None:
    """Empty → no cut-off rule; '15:00', '15h', '15h00' → that time."""
    key = search_key(text)
    if key in NO:
        return None
    if key in YES:
        return time(15, 0)
    match = re.fullmatch(r"(\d{1,2})(?:[:h](\d{2})?)?", key)
    if not match or int(match.group(1)) > 23 or int(match.group(2) or 0) > 59:
        raise CellError(_("“%(value)s” is not a time like 15:00") % {"value": text})
    return time(int(match.group(1)), int(match.group(2) or 0))


def parse_date(text: str) -> date | None:
    """dd/mm/yyyy, yyyy-mm-dd, or what Excel gives (a date or a datetime at midnight)."""
    text = text.strip()
    if not text:
        return None
    for pattern in ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise CellError(_("“%(value)s” is not a date like 31/12/2024") % {"value": text})


@dataclass(frozen=True)
class FeeSpec:
    name: str
    amount: int
    note: str = ""


@dataclass(frozen=True)
class ComponentSpec:
    name: str
    originals: int = 1
    copies: int = 0
    required: bool = True


# What officers write for "no fee", compared without diacritics, case and final punctuation: "Không",
# "Miễn phí", "Miễn lệ phí", "Không quy định", "Không thu phí, lệ phí." …
_FREE = {
    "khong", "mien", "mien phi", "mien le phi", "mien phi, le phi", "mien phi va le phi", "khong co", "khong thu",
    "khong quy dinh", "khong thu phi", "khong thu le phi", "khong thu phi, le phi", "khong thu phi va le phi",
    "khong co phi", "khong co phi, le phi", "khong phai nop", "khong phai nop phi", "0", "0 dong", "-",
}


def _is_free(text: str) -> bool:
    return " ".join(search_key(text).strip(" .;").split()) in _FREE
# The columns' bounds (ProcedureFee.name and .amount, ProcedureComponent.originals and .copies): a
# value past them is refused here as a bad cell, not left for PostgreSQL to fail the whole request on.
FEE_NAME_MAX = 200
FEE_AMOUNT_MAX = 10**15  # a million billion đồng: beyond any fee, well within a bigint
COPIES_MAX = 32767
_AMOUNT = re.compile(r"(\d{1,3}(?:[.,]\d{3})+|\d+)\s*(?:đồng|đ|vnd|vnđ)?", re.IGNORECASE)


def _split(text: str) -> list[str]:
    """Split on ';' and new lines, but not inside parentheses: notes may hold their own ';'."""
    parts, depth, current = [], 0, []
    for ch in text or "":
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        if (ch == ";" and depth == 0) or ch == "\n":
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def parse_fees(text: str) -> list[FeeSpec]:
    """``Lệ phí: 8.000 đồng ; Phí: 2.000 đồng (ghi chú)`` → fees; ``Không`` → none."""
    if _is_free(text) or not text.strip():
        return []
    fees = []
    for part in _split(text):
        if _is_free(part):
            continue
        name, _sep, rest = part.partition(":")
        if not _sep:
            name, rest = _("Fee"), part
        match = _AMOUNT.search(rest)
        if not match:
            raise CellError(_("“%(value)s” has no amount in đồng") % {"value": part})
        amount = int(re.sub(r"[.,]", "", match.group(1)))
        if amount > FEE_AMOUNT_MAX:
            raise CellError(_("“%(value)s” is too large an amount") % {"value": part[:100]})
        if len(name.strip()) > FEE_NAME_MAX:
            raise CellError(_("the name of the fee “%(value)s…” is longer than %(max)s characters")
                            % {"value": name.strip()[:40], "max": FEE_NAME_MAX})
        note = _unwrap(rest[match.end():].strip())
        fees.append(FeeSpec(name=name.strip() or _("Fee"), amount=amount, note=note))
    return fees


def _unwrap(text: str) -> str:
    """'(ghi chú)' → 'ghi chú'; anything else, e.g. '/trang (từ trang thứ 3 …)', stays as written."""
    if text.startswith("(") and text.endswith(")"):
        depth = 0
        for index, ch in enumerate(text):
            depth += ch == "("
            depth -= ch == ")"
            if depth == 0 and index < len(text) - 1:
                return text  # the opening bracket closes before the end: not one wrapping pair
        return text[1:-1].strip()
    return text


def format_fees(fees: list[FeeSpec]) -> str:
    if not fees:
        return "Không"
    parts = []
    for fee in fees:
        amount = f"{fee.amount:,}".replace(",", ".")
        note = "" if not fee.note else fee.note if fee.note.startswith("/") else f" ({fee.note})"
        parts.append(f"{fee.name}: {amount} đồng{note}")
    return " ; ".join(parts)


_COMPONENT = re.compile(r"^(?P<name>.+?)\s*\((?P<counts>[^()]*bản[^()]*)\)\s*(?P<optional>\[không bắt buộc\])?$", re.IGNORECASE)


def parse_components(text: str) -> list[ComponentSpec]:
    components = []
    for part in _split(text):
        optional = bool(re.search(r"\[\s*không bắt buộc\s*\]", part, re.IGNORECASE))
        bare = re.sub(r"\s*\[\s*không bắt buộc\s*\]", "", part, flags=re.IGNORECASE).strip()
        match = _COMPONENT.match(bare)
        originals, copies, name = 1, 0, bare
        if match:
            name = match.group("name").strip()
            counts = search_key(match.group("counts"))
            found_originals = re.search(r"(\d+)\s*ban chinh", counts)
            found_copies = re.search(r"(\d+)\s*ban sao", counts)
            originals = int(found_originals.group(1)) if found_originals else 0
            copies = int(found_copies.group(1)) if found_copies else 0
            if not found_originals and not found_copies:
                originals, name = 1, bare
        if not name:
            raise CellError(_("a dossier component has no name"))
        if originals > COPIES_MAX or copies > COPIES_MAX:
            raise CellError(_("the dossier component “%(value)s” asks for too many copies") % {"value": name[:100]})
        components.append(ComponentSpec(name=name, originals=originals, copies=copies, required=not optional))
    return components


def format_components(components: list[ComponentSpec]) -> str:
    return " ; ".join(
        f"{c.name} ({c.originals} bản chính, {c.copies} bản sao)" + ("" if c.required else " [không bắt buộc]")
        for c in components
    )


@dataclass(frozen=True)
class StageSpec:
    """One stage of a procedure's internal process: its name, who holds it, its share in working hours."""

    name: str
    holder: str
    hours: Decimal

    @property
    def holder_label(self) -> str:
        return stage_holder_label(self.holder)

    def as_json(self) -> dict:
        return {"name": self.name, "holder": self.holder, "hours": format_days(self.hours)}

    @classmethod
    def from_json(cls, row: dict) -> StageSpec:
        return cls(row["name"], row["holder"], Decimal(row["hours"]))


# Who holds a stage, as officers write it (compared without diacritics or case).
STAGE_HOLDERS = {
    "desk": StageHolder.DESK, "bo phan mot cua": StageHolder.DESK, "mot cua": StageHolder.DESK,
    "bo phan tiep nhan va tra ket qua": StageHolder.DESK, "trung tam phuc vu hanh chinh cong": StageHolder.DESK,
    "one-stop desk": StageHolder.DESK,
    "leader": StageHolder.LEADER, "lanh dao": StageHolder.LEADER, "lanh dao ubnd": StageHolder.LEADER,
    "lanh dao don vi": StageHolder.LEADER,
    "unit": StageHolder.UNIT, "cap co tham quyen": StageHolder.UNIT, "co quan cap tren": StageHolder.UNIT,
    "co quan co tham quyen": StageHolder.UNIT, "don vi co tham quyen": StageHolder.UNIT,
    "competent unit": StageHolder.UNIT,
    "phong chuyen mon": AgencyKind.SPECIALISED_OFFICE, "phong": AgencyKind.SPECIALISED_OFFICE,
    "cong chuc chuyen mon": AgencyKind.SPECIALISED_OFFICE,
    "cong an": AgencyKind.POLICE, "bao hiem xa hoi": AgencyKind.SOCIAL_INSURANCE, "bhxh": AgencyKind.SOCIAL_INSURANCE,
    "quan su": AgencyKind.MILITARY, "ban chi huy quan su": AgencyKind.MILITARY,
    "van phong dang ky dat dai": AgencyKind.LAND_REGISTRATION, "dang ky dat dai": AgencyKind.LAND_REGISTRATION,
    "chi nhanh van phong dang ky dat dai": AgencyKind.LAND_REGISTRATION,
    "ubnd": AgencyKind.PEOPLES_COMMITTEE, "uy ban nhan dan": AgencyKind.PEOPLES_COMMITTEE,
}
# The holder as the catalogue writes it back (read by STAGE_HOLDERS above).
STAGE_HOLDER_WORDS = {
    StageHolder.DESK: "Bộ phận một cửa", StageHolder.LEADER: "Lãnh đạo", StageHolder.UNIT: "Cấp có thẩm quyền",
    AgencyKind.SPECIALISED_OFFICE: "Phòng chuyên môn", AgencyKind.POLICE: "Công an",
    AgencyKind.SOCIAL_INSURANCE: "Bảo hiểm xã hội", AgencyKind.MILITARY: "Quân sự",
    AgencyKind.LAND_REGISTRATION: "Văn phòng đăng ký đất đai", AgencyKind.PEOPLES_COMMITTEE: "UBND",
}
_STAGE = re.compile(r"^(?P<name>.+?)\s*\[(?P<holder>[^\]]+)\]\s*(?P<hours>\d+(?:[.,]\d+)?)\s*(?:giờ|gio|h)?\.?$",
                    re.IGNORECASE)
STAGE_NAME_MAX = 200


def parse_stages(text: str) -> list[StageSpec]:
    """``Tiếp nhận hồ sơ [Bộ phận một cửa] 4 giờ ; Thẩm định [Phòng chuyên môn] 16 giờ`` → the stages
    in order (one per line or separated by ';'); empty → none."""
    stages = []
    for part in _split(text):
        match = _STAGE.match(part)
        if not match:
            raise CellError(_("the stage “%(value)s” is not written as “Name [who holds it] hours giờ”, e.g. "
                              "“Thẩm định [Phòng chuyên môn] 16 giờ”") % {"value": part[:100]})
        name = match.group("name").strip(" :-")
        if not name or len(name) > STAGE_NAME_MAX:
            raise CellError(_("the stage “%(value)s” needs a name of at most %(max)s characters")
                            % {"value": part[:100], "max": STAGE_NAME_MAX})
        holder = _lookup(STAGE_HOLDERS, match.group("holder").strip(), _(
            "“%(value)s” is not who may hold a stage: the one-stop desk, the leader, the competent unit, a "
            "specialised office, the police, social insurance, the military or the land registration office"
        ) % {"value": match.group("holder").strip()})
        hours = Decimal(match.group("hours").replace(",", "."))
        if hours <= 0 or hours > 99999:
            raise CellError(_("the stage “%(value)s” must take more than 0 working hours") % {"value": name[:100]})
        stages.append(StageSpec(name=name, holder=str(holder), hours=hours))
    return stages


def format_stages(stages: list[StageSpec]) -> str:
    return " ; ".join(
        f"{s.name} [{STAGE_HOLDER_WORDS.get(s.holder, stage_holder_label(s.holder))}] {format_days(s.hours).replace('.', ',')} giờ"
        for s in stages
    )


def check_stage_hours(stages: list[StageSpec], days: Decimal, hours_per_day: Decimal) -> None:
    """The stages share the processing time: their hours add up to ``days`` working days (a procedure
    resolved within the day: at most one working day)."""
    if not stages:
        return
    total = sum((s.hours for s in stages), Decimal(0))
    whole = Decimal(days) * Decimal(hours_per_day)
    if (days == 0 and total > hours_per_day) or (days != 0 and total != whole):
        raise CellError(_(
            "the stages add up to %(total)s working hours, but the processing time is %(days)s working days, "
            "that is %(whole)s hours"
        ) % {"total": format_days(total).replace(".", ","), "days": format_days(Decimal(days)).replace(".", ","),
             "whole": format_days(whole if days else Decimal(hours_per_day)).replace(".", ",")})


def format_days(days: Decimal) -> str:
    return format(days.normalize(), "f") if days % 1 else str(int(days))


# What a spreadsheet evaluates: anything after "=" (and a leading tab or CR, which hides the "=" of
# a CSV cell); after "+", "-" or "@" an expression: a number, a bracket, a quote, another operator,
# a name or cell reference run straight on ("+A1", "-SUM(…)", "@cmd"), a function call or a DDE
# link ("|") anywhere. Text after the sign and a space ("- Bản sao giấy khai sinh", a bullet) is prose.
_ALWAYS_FORMULA = ("=", "\t", "\r")
_SIGNS = ("+", "-", "@")
_EXPRESSION_START = re.compile(r"[^\s]|\s*[^\w\s]|\s*\d")
_CALL_OR_LINK = re.compile(r"[A-Za-z_][\w.]*\(|\|")


def is_formula(value: str) -> bool:
    """Would a spreadsheet evaluate this text typed in a cell (or opened from a CSV file)?"""
    if value.startswith(_ALWAYS_FORMULA):
        return True
    if not value.startswith(_SIGNS):
        return False
    rest = value[1:]
    if not rest.strip():
        return False  # a lone "-" stays text
    return bool(_EXPRESSION_START.match(rest) or _CALL_OR_LINK.search(rest))


def escape_formula(value):
    """A cell an officer's spreadsheet would run as a formula is written as text instead (with a
    leading "'"); ordinary text, a "- bullet" too, is written as typed."""
    if isinstance(value, str) and is_formula(value):
        return "'" + value
    return value
