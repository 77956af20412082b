"""Vietnamese number, percent, date and period wording for the printed and exported reports (pure).

Wording only: a rate arrives already rounded by motcua.numbers.percent, and the one rounding rule
(half up) is motcua.numbers.round_half_up here too.

Documents write 1.639 (dot for thousands), 71,02 % (decimal comma, a space before the sign), dates
dd/mm/yyyy and, in the place-and-date line, "ngày 14 tháng 12 năm 2022". A missing value (a rate
with nothing to divide) is written "—", never 0.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from motcua.numbers import round_half_up
from motcua.periods import VN_TZ, Period, local_day

MISSING = "—"

_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
          (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def _group(digits: str) -> str:
    """'1639' → '1.639'."""
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)]
    return ".".join(parts)


def vn_int(value: int | None) -> str:
    """1639 → '1.639'; None → '—'."""
    if value is None:
        return MISSING
    number = int(value)
    return ("-" if number < 0 else "") + _group(str(abs(number)))


def vn_decimal(value: Decimal | float | int | None, places: int = 2) -> str:
    """Decimal('1234.5') → '1.234,50' (rounded half up to ``places``); None → '—'."""
    if value is None:
        return MISSING
    number = round_half_up(value, places)
    sign = "-" if number < 0 else ""
    whole, _, fraction = f"{abs(number):f}".partition(".")
    text = sign + _group(whole)
    return f"{text},{fraction}" if places > 0 else text


def vn_percent(value: Decimal | float | int | None, places: int = 2) -> str:
    """Decimal('71.02') → '71,02 %' (the value is already a percentage); None → '—'."""
    if value is None:
        return MISSING
    return f"{vn_decimal(value, places)} %"


def _day(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return local_day(value) if value.tzinfo is not None else value.date()
    return value


def vn_date(value: date | datetime | None) -> str:
    """'14/12/2022' (an aware moment is read in Vietnam time); None → '—'."""
    if value is None:
        return MISSING
    return f"{_day(value):%d/%m/%Y}"


def vn_long_date(value: date | datetime) -> str:
    """'ngày 14 tháng 12 năm 2022'. Nghị định 30/2020: a day below 10 and the months January and
    February take a leading zero ('ngày 05 tháng 01 năm 2023', 'ngày 14 tháng 3 năm 2023')."""
    day = _day(value)
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def roman(number: int) -> str:
    """4 → 'IV' (quarters and section numbers of official documents)."""
    if number <= 0:
        raise ValueError(number)
    text = ""
    for value, letters in _ROMAN:
        count, number = divmod(number, value)
        text += letters * count
    return text


def period_range(period: Period) -> str:
    """'từ ngày 15/12/2021 đến ngày 14/12/2022'."""
    return f"từ ngày {vn_date(period.first_day)} đến ngày {vn_date(period.last_day)}"


def period_label(period: Period) -> str:
    """How a document names its period: 'năm 2022', 'quý I năm 2023', '6 tháng đầu năm 2022',
    '6 tháng cuối năm 2022', '9 tháng năm 2022', 'tháng 3 năm 2022', or for a custom range
    'từ ngày 15/12/2022 đến ngày 29/05/2023'. The year is the year the window ends in (the 2023
    first quarter starts on 15/12/2022)."""
    year = period.last_day.year
    month = period.last_day.month
    if period.kind in ("annual", "calendar_year"):
        return f"năm {year}"
    if period.kind in ("quarter", "calendar_quarter"):
        return f"quý {roman((month + 2) // 3)} năm {year}"
    if period.kind == "half":
        return f"6 tháng {'đầu' if month <= 6 else 'cuối'} năm {year}"
    if period.kind == "nine_months":
        return f"9 tháng năm {year}"
    if period.kind == "calendar_month":
        return f"tháng {month} năm {year}"
    return period_range(period)


def period_title(period: Period) -> str:
    """How a screen titles its period: 'Quý IV năm 2026 (15/09/2026 – 14/12/2026)', 'Năm 2022
    (15/12/2021 – 14/12/2022)', or for a custom range 'Từ ngày 15/12/2022 đến ngày 29/05/2023'
    (period_label with a capital and the window's days)."""
    label = period_label(period)
    title = label[:1].upper() + label[1:]
    if period.kind == "custom":
        return title
    return f"{title} ({vn_date(period.first_day)} – {vn_date(period.last_day)})"


def as_of_line(period: Period) -> str:
    """'Số liệu tính đến 14:05 ngày 04/12/2026' for a window counted before it ended (Period.until),
    '' for a window counted whole: under the title of every screen, PDF and workbook of a report."""
    return f"Số liệu tính đến {as_of_moment(period)}" if period.as_of is not None else ""


def as_of_moment(period: Period) -> str:
    """'14:05 ngày 04/12/2026': the moment an open window is counted up to ('' for a closed one)."""
    if period.as_of is None:
        return ""
    return f"{period.as_of.astimezone(VN_TZ):%H:%M} ngày {vn_date(period.as_of)}"
