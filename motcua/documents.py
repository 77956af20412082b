"""What an official document prints about who issues it and on what legal basis, on its date.

The one place for:

- ``LEGAL_BASES``: the table of the legal instruments the forms and reports cite, each with the topic it
  governs and the days it is in force; ``legal_basis(topic, on)`` is the one in force on a day.
- the names of a unit in documents: the heading of Nghị định 30/2020/NĐ-CP (Phụ lục I) — the issuing
  body in capitals under its superior body (``issuing_body``, ``desk_heading``, ``agency_heading``) —,
  the names in running text ("Ủy ban nhân dân xã Ngọc Kỳ", "UBND xã Ngọc Kỳ": the kind of unit in lower
  case, never "UBND Xã"), the place of the place-and-date line and the date itself;
- the name of a unit's one-stop desk (``desk_name``): the unit's own ``desk_name`` when it has one, else
  the name the law gave such desks on that day.

A unit is the version a document refers to (a dossier's receiving unit, a report's unit): it keeps its
own name and its own parent, so a document about a unit that has since merged still names it, and its
superior, as they were. Plain functions over values; the only queries are a unit's parent and an
agency's unit, each once.

The texts are Vietnamese: they are printed as they are, whatever language the interface speaks.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import AdministrativeUnit, Agency, UnitKind, UnitLevel
from .scope import reference_day

# -- the table of legal bases ----------------------------------------------------------------------------

ONE_STOP = "one_stop"  # the one-stop mechanism decree (cơ chế một cửa, một cửa liên thông)
FORMS = "forms"  # the circular whose forms the desk prints
REPORTING = "reporting"  # the periodic reporting regime (Biểu số 06/VPCP/KSTT)
TOPICS = (ONE_STOP, FORMS, REPORTING)


def short_date(day: date) -> str:
    """How a citation writes a date: '09/6/2025', '23/11/2018', '05/01/2023' (Nghị định 30/2020: a day
    below 10 and the months January and February take a leading zero)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{day.day:02d}/{month}/{day.year}"


@dataclass(frozen=True)
class LegalBasis:
    """One legal instrument as the documents cite it, in force from ``valid_from`` to ``valid_to``
    (both inclusive; empty for "since before anything the portal prints" and "still in force")."""

    topic: str
    kind: str  # Nghị định, Thông tư
    number: str  # 118/2025/NĐ-CP
    signed: date | None  # None where the day of signing could not be checked: the citation leaves it out
    issuer: str  # Chính phủ, Văn phòng Chính phủ
    title: str  # what the instrument is about, as its own title says (may be empty)
    valid_from: date | None
    valid_to: date | None
    amended_by: tuple[tuple[str, date], ...] = ()  # (number, signed) of the amending decrees in force

    @property
    def short(self) -> str:
        """'Nghị định số 118/2025/NĐ-CP'."""
        return f"{self.kind} số {self.number}"

    @property
    def reference(self) -> str:
        """'Nghị định số 118/2025/NĐ-CP ngày 09/6/2025 của Chính phủ', its amendments in brackets."""
        return self._cite(with_title=False)

    @property
    def citation(self) -> str:
        """The reference with what the instrument is about: the "Căn cứ …" of a document."""
        return self._cite(with_title=True)

    def _cite(self, *, with_title: bool) -> str:
        signed = f" ngày {short_date(self.signed)}" if self.signed else ""
        text = f"{self.short}{signed} của {self.issuer}"
        if with_title and self.title:
            text += f" {self.title}"
        if self.amended_by:
            amendments = "; ".join(f"{self.kind} số {number} ngày {short_date(day)}" for number, day in self.amended_by)
            text += f" (được sửa đổi, bổ sung bởi {amendments})"
        return text

    def in_force_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


_CHINH_PHU = "Chính phủ"
_VPCP = "Văn phòng Chính phủ"
_ONE_STOP_2018 = "về thực hiện cơ chế một cửa, một cửa liên thông trong giải quyết thủ tục hành chính"
_ONE_STOP_2025 = ("về thực hiện thủ tục hành chính theo cơ chế một cửa, một cửa liên thông tại Bộ phận Một cửa và "
                  "Cổng Dịch vụ công quốc gia")

# Sources (checked when this table was written, December 2026):
# - 61/2018/NĐ-CP of 23/4/2018, 107/2021/NĐ-CP of 06/12/2021 amending it, 01/2018/TT-VPCP of 23/11/2018
#   guiding it, 01/2020/TT-VPCP of 21/10/2020 (periodic reporting): numbers, days of signing and titles as
#   the seeds cite them (Tứ Kỳ's 2024 plan, Ngọc Kỳ's 2023 report, Tứ Kỳ's 2022 review).
# - 118/2025/NĐ-CP of 09/6/2025 "quy định về việc thực hiện thủ tục hành chính theo cơ chế một cửa, một cửa
#   liên thông tại Bộ phận Một cửa và Cổng Dịch vụ công quốc gia", in force from 01/7/2025, replacing
#   61/2018/NĐ-CP (and so its amendment 107/2021/NĐ-CP): public citations found with the search tool.
# - 03/2025/TT-VPCP of 15/9/2025 "hướng dẫn thi hành một số nội dung của Nghị định số 118/2025/NĐ-CP …",
#   with the forms of its Phụ lục I (Mẫu số 01 to 07) "từ ngày 15/9/2025", replacing 01/2018/TT-VPCP: its
#   heading and preamble (hethongphapluat.com, thuviennhadat.vn, found with the search tool). The issue
#   says "from 1/7/2025"; the circular did not exist before 15/9/2025, so from 1/7 to 14/9/2025 the desk
#   cites 118/2025/NĐ-CP for the mechanism and still prints the forms of 01/2018/TT-VPCP.
# - 107/2021/NĐ-CP in force from 20/01/2022: from the decree's own article on its entry into force, not
#   found with the search tool.
# No replacement of 01/2020/TT-VPCP was found: it is still the reporting regime.
LEGAL_BASES: tuple[LegalBasis, ...] = (
    LegalBasis(ONE_STOP, "Nghị định", "61/2018/NĐ-CP", date(2018, 4, 23), _CHINH_PHU, _ONE_STOP_2018,
               None, date(2022, 1, 19)),
    LegalBasis(ONE_STOP, "Nghị định", "61/2018/NĐ-CP", date(2018, 4, 23), _CHINH_PHU, _ONE_STOP_2018,
               date(2022, 1, 20), date(2025, 6, 30), amended_by=(("107/2021/NĐ-CP", date(2021, 12, 6)),)),
    LegalBasis(ONE_STOP, "Nghị định", "118/2025/NĐ-CP", date(2025, 6, 9), _CHINH_PHU, _ONE_STOP_2025,
               date(2025, 7, 1), None),
    LegalBasis(FORMS, "Thông tư", "01/2018/TT-VPCP", date(2018, 11, 23), _VPCP,
               "hướng dẫn thi hành một số quy định của Nghị định số 61/2018/NĐ-CP ngày 23/4/2018 của Chính phủ "
               + _ONE_STOP_2018, None, date(2025, 9, 14)),
    LegalBasis(FORMS, "Thông tư", "03/2025/TT-VPCP", date(2025, 9, 15), _VPCP,
               "hướng dẫn thi hành một số nội dung của Nghị định số 118/2025/NĐ-CP ngày 09/6/2025 của Chính phủ "
               + _ONE_STOP_2025, date(2025, 9, 15), None),
    LegalBasis(REPORTING, "Thông tư", "01/2020/TT-VPCP", date(2020, 10, 21), _VPCP,
               "quy định chế độ báo cáo định kỳ và quản lý, sử dụng, khai thác Hệ thống thông tin báo cáo của "
               "Văn phòng Chính phủ", None, None),
)


def legal_basis(topic: str, on: date) -> LegalBasis:
    """The instrument governing ``topic`` in force on ``on``; LookupError when the table has none."""
    for basis in LEGAL_BASES:
        if basis.topic == topic and basis.in_force_on(on):
            return basis
    raise LookupError(f"no legal basis for {topic!r} on {on:%d/%m/%Y}")


def forms_basis(on: date) -> str:
    """The line a printed form of the one-stop desk ends with: the decree and the circular of its day."""
    decree, circular = legal_basis(ONE_STOP, on), legal_basis(FORMS, on)
    return f"Biểu mẫu thực hiện theo {decree.reference} và {circular.reference}."


INSTRUMENT_NUMBER = re.compile(r"\d{1,3}/\d{4}/[A-ZĐ]+(?:-[A-ZĐ]+)*")


def unbroken(text: str) -> SafeString:
    """``text`` as HTML in which no instrument number is split at the end of a line ('01/2018/TT-VPCP' may
    otherwise break after a slash or a hyphen, as a word processor never does)."""
    return mark_safe(INSTRUMENT_NUMBER.sub(
        lambda match: f'<span class="nowrap">{match.group(0)}</span>', escape(text)
    ))


# -- names of units ------------------------------------------------------------------------------------

# The word a unit's name starts with, as running text writes it (longest first: "thành phố" before "xã").
KIND_WORDS = {
    UnitKind.PROVINCE: "tỉnh", UnitKind.CITY_PROVINCE: "thành phố", UnitKind.RURAL_DISTRICT: "huyện",
    UnitKind.TOWN: "thị xã", UnitKind.CITY: "thành phố", UnitKind.URBAN_DISTRICT: "quận", UnitKind.COMMUNE: "xã",
    UnitKind.WARD: "phường", UnitKind.TOWNSHIP: "thị trấn", UnitKind.SPECIAL_ZONE: "đặc khu",
}
LEVEL_WORDS = {UnitLevel.PROVINCE: "tỉnh", UnitLevel.DISTRICT: "huyện", UnitLevel.COMMUNE: "xã"}
UNIT_PREFIXES = tuple(sorted(set(KIND_WORDS.values()), key=len, reverse=True))


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def upper(text: str) -> str:
    """Capitals for a heading, composed first so every Vietnamese letter has one: 'XÃ TỨ KỲ'."""
    return nfc(text).upper()


def kind_and_name(unit: AdministrativeUnit) -> tuple[str, str]:
    """('xã', 'Ngọc Kỳ') for 'Xã Ngọc Kỳ', ('thành phố', 'Hải Phòng') for 'Thành phố Hải Phòng'.

    The kind is read off the name (whatever its case); a name without one takes the unit's kind, else
    its level's ('xã' for a commune)."""
    name = " ".join(nfc(unit.name).split())
    lowered = name.lower()
    for word in UNIT_PREFIXES:
        if lowered.startswith(word + " "):
            return word, name[len(word) + 1:]
    return KIND_WORDS.get(unit.kind) or LEVEL_WORDS.get(unit.level, ""), name


def running_name(unit: AdministrativeUnit) -> str:
    """The unit in running text: 'Xã Ngọc Kỳ' → 'xã Ngọc Kỳ', 'Thị trấn Tứ Kỳ' → 'thị trấn Tứ Kỳ'."""
    return " ".join(part for part in kind_and_name(unit) if part)


def committee_name(unit: AdministrativeUnit) -> str:
    """'Ủy ban nhân dân xã Ngọc Kỳ'."""
    return f"Ủy ban nhân dân {running_name(unit)}"


def committee_short(unit: AdministrativeUnit) -> str:
    """'UBND xã Ngọc Kỳ' (never 'UBND Xã Ngọc Kỳ')."""
    return f"UBND {running_name(unit)}"


def place_name(unit: AdministrativeUnit) -> str:
    """The place of the place-and-date line: 'Xã Ngọc Kỳ' → 'Ngọc Kỳ'; a unit named by a number keeps its
    kind ('Phường 1'), as Nghị định 30/2020 asks."""
    kind, name = kind_and_name(unit)
    if name.replace(" ", "").isdigit() and kind:
        return f"{kind[:1].upper()}{kind[1:]} {name}"
    return name


def official_date(day: date) -> str:
    """Nghị định 30/2020: 'ngày 05 tháng 01 năm 2026', 'ngày 16 tháng 3 năm 2023' (a day below 10 and the
    months January and February take a leading zero)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def place_and_date(unit: AdministrativeUnit, day: date) -> str:
    """'Ngọc Kỳ, ngày 16 tháng 01 năm 2026'."""
    return f"{place_name(unit)}, {official_date(day)}"


def superior(unit: AdministrativeUnit) -> AdministrativeUnit | None:
    """The unit above, as it stood: the version's own parent (a unit that ended keeps its old one)."""
    return unit.parent if unit.parent_id else None


# -- headings (Nghị định 30/2020, Phụ lục I) ---------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    """The issuing body at the top left of a document: its superior body, in capitals, not bold (empty for
    a People's Committee, which has none in the heading), over the body itself, in bold, on one or more
    lines."""

    superior: str
    body: tuple[str, ...]

    @property
    def lines(self) -> tuple[str, ...]:
        return ((self.superior,) if self.superior else ()) + self.body


HEADING_LINE = 32  # characters of a bold 12 pt capital line in the issuer's half of an A4 page


def heading_lines(text: str) -> tuple[str, ...]:
    """A body name in capitals as heading lines: one line, or two of about equal length when it is too long
    for one ('TRUNG TÂM PHỤC VỤ' / 'HÀNH CHÍNH CÔNG'), before a dash when both parts fit on a line."""
    text = upper(" ".join(text.split()))
    spaces = [i for i, ch in enumerate(text) if ch == " "]
    if len(text) <= HEADING_LINE or not spaces:
        return (text,)
    at_dash = [i for i in spaces if text[i + 1:i + 2] in ("–", "-") and max(i, len(text) - i - 1) <= HEADING_LINE]
    cut = min(at_dash or spaces, key=lambda i: max(i, len(text) - i - 1))
    return text[:cut], text[cut + 1:]


def issuing_body(unit: AdministrativeUnit) -> Heading:
    """The unit's People's Committee as issuing body: ('ỦY BAN NHÂN DÂN', 'XÃ TỨ KỲ')."""
    return Heading("", ("ỦY BAN NHÂN DÂN", upper(running_name(unit))))


def agency_heading(agency: Agency) -> Heading:
    """A specialised office under its People's Committee: 'UBND HUYỆN TỨ KỲ' over 'PHÒNG TƯ PHÁP'."""
    return Heading(upper(committee_short(agency.unit)), heading_lines(agency.name))


# -- the one-stop desk --------------------------------------------------------------------------------------

TWO_TIERS = date(2025, 7, 1)  # Nghị định 118/2025/NĐ-CP: communes' desks become public administration centres
RECEPTION_DESK = "Bộ phận Tiếp nhận và Trả kết quả"
SERVICE_CENTRE = "Trung tâm Phục vụ hành chính công"


def _as_of(unit: AdministrativeUnit, day: date) -> date:
    """``day``, kept within the days the unit was in force (its names are those of its own days): the
    scope's reference day, and not before the unit began."""
    day = reference_day(unit, day)
    if unit.valid_from is not None and day < unit.valid_from:
        return unit.valid_from
    return day


def desk_name(unit: AdministrativeUnit, on: date) -> str:
    """The name of the unit's one-stop desk on ``on``: the unit's own ``desk_name`` when set; else, before
    1/7/2025, 'Bộ phận Tiếp nhận và Trả kết quả'; from then on, a commune's or a province's public
    administration centre, 'Trung tâm Phục vụ hành chính công xã Tứ Kỳ' ('… phường …', '… đặc khu …',
    '… tỉnh …', '… thành phố …'). A district left in the tree after 1/7/2025 keeps its reception desk."""
    if unit.desk_name.strip():
        return " ".join(nfc(unit.desk_name).split())
    if _as_of(unit, on) < TWO_TIERS or unit.level == UnitLevel.DISTRICT:
        return RECEPTION_DESK
    return f"{SERVICE_CENTRE} {running_name(unit)}"


def _without_unit(name: str, unit: AdministrativeUnit) -> str:
    """The desk's name without the unit's name at its end ('Trung tâm Phục vụ hành chính công xã Tứ Kỳ'
    → 'Trung tâm Phục vụ hành chính công'), for a heading whose superior line already names the unit."""
    suffix = running_name(unit)
    if name.lower().endswith(" " + suffix.lower()):
        return name[: -len(suffix) - 1].rstrip(" -–,")
    return name


def desk_title(unit: AdministrativeUnit, on: date) -> str:
    """The desk in running text, naming its unit: 'Trung tâm Phục vụ hành chính công xã Ngọc Kỳ',
    'Bộ phận Tiếp nhận và Trả kết quả UBND xã Ngọc Kỳ'."""
    name = desk_name(unit, on)
    if kind_and_name(unit)[1].lower() in name.lower():  # the desk's name already names the unit
        return name
    return f"{name} {committee_short(unit)}"


def desk_heading(unit: AdministrativeUnit, on: date) -> Heading:
    """The desk as issuing body: 'UBND XÃ NGỌC KỲ' over 'TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG' (from 1/7/2025)
    or 'BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ' (before)."""
    return Heading(upper(committee_short(unit)), heading_lines(_without_unit(desk_name(unit, on), unit)))
