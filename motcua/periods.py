"""Time windows (pure): the 15th-to-14th windows of the one-stop reports, calendar periods, and the
bounds of days in Vietnam time. Every screen, list, form and document that asks "which moments does
this day / window hold" asks here (reports, the ratings and tickets' default quarter, the register).

``2022`` annual 15/12/2021–14/12/2022; ``2022-Q1`` 15/12/2021–14/03/2022 (Q2 15/03–14/06, Q3
15/06–14/09, Q4 15/09–14/12); ``2022-H1`` 15/12/2021–14/06/2022; ``2022-M9`` 15/12/2021–14/09/2022;
a custom range ``2022-12-15..2023-05-29``; calendar periods ``cal:2022``, ``cal:2022-Q1``, ``cal:2022-03``
(the national service-quality index uses calendar periods). Both ends inclusive, in Vietnam time.

A window of days [first, last] holds the moments ``day_bounds(first, last)``: from local midnight of
the first day up to, not including, local midnight after the last.

A window that has not ended yet is counted as of a moment (``period.until(now)``): its ``end`` is
that moment, so that every figure drawn from it (pending, overdue, received, resolved) is what the
records say now, never a judgement against a last day still to come; ``as_of`` says so, and every
screen, PDF and workbook of it prints "Số liệu tính đến HH:MM ngày dd/mm/yyyy".
"""
from __future__ import annotations

import calendar as _calendar
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from .calendar import VN_TZ

__all__ = ["VN_TZ", "Period", "PeriodError", "day_bounds", "local_day", "parse_period", "quarter_containing"]


def local_day(moment: datetime) -> date:
    """The calendar day (in Vietnam) an aware moment falls on."""
    return moment.astimezone(VN_TZ).date()


def day_bounds(first: date, last: date | None = None) -> tuple[datetime, datetime]:
    """[start, end) of the days ``first``..``last`` (both inclusive; one day when ``last`` is left out):
    local midnight of the first day and local midnight after the last. Filter with ``>= start`` and
    ``< end``."""
    last = first if last is None else last
    return (datetime.combine(first, time(0), tzinfo=VN_TZ),
            datetime.combine(last + timedelta(days=1), time(0), tzinfo=VN_TZ))


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    key: str
    first_day: date
    last_day: date
    kind: str  # annual, quarter, half, nine_months, custom, calendar_year, calendar_quarter, calendar_month
    # The moment an open window is counted up to (``until``); None for a window counted whole.
    as_of: datetime | None = None

    @property
    def start(self) -> datetime:
        """The first moment inside the window (local midnight of the first day)."""
        return day_bounds(self.first_day, self.last_day)[0]

    @property
    def closes_at(self) -> datetime:
        """Local midnight after the last day: when the window ends, counted or not."""
        return day_bounds(self.first_day, self.last_day)[1]

    @property
    def end(self) -> datetime:
        """The first moment not counted: local midnight after the last day, or the ``as_of`` moment of a
        window counted before it ended. Filter with ``< end``."""
        return self.as_of if self.as_of is not None else self.closes_at

    def until(self, now: datetime) -> Period:
        """The window as counted at ``now``: itself once it has ended (or when already counted as of a
        moment), else cut at ``now`` (at its start for a window that has not begun)."""
        if self.as_of is not None or now >= self.closes_at:
            return self
        return replace(self, as_of=max(now, self.start))

    def is_open(self, now: datetime) -> bool:
        """True while the window has not ended."""
        return now < self.closes_at

    @property
    def days(self) -> tuple[date, date]:
        """(first day, last day), both inclusive."""
        return self.first_day, self.last_day

    def __contains__(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def label_vi(self) -> str:
        return f"từ ngày {self.first_day:%d/%m/%Y} đến ngày {self.last_day:%d/%m/%Y}"


def _window(year: int, first_month: int, last_month: int) -> tuple[date, date]:
    """15th of the month before ``first_month`` to the 14th of ``last_month``."""
    start_year, start_month = (year - 1, 12) if first_month == 1 else (year, first_month - 1)
    return date(start_year, start_month, 15), date(year, last_month, 14)


def _check_year(year: int) -> int:
    if not 2000 <= year <= 2100:
        raise PeriodError(f"year {year} out of range")
    return year


def parse_period(key: str) -> Period:
    key = key.strip()
    if m := re.fullmatch(r"(\d{4})", key):
        first, last = _window(_check_year(int(m[1])), 1, 12)
        return Period(key, first, last, "annual")
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", key, re.IGNORECASE):
        q = int(m[2])
        first, last = _window(_check_year(int(m[1])), 3 * q - 2, 3 * q)
        return Period(key.upper(), first, last, "quarter")
    if m := re.fullmatch(r"(\d{4})-H([12])", key, re.IGNORECASE):
        h = int(m[2])
        first, last = _window(_check_year(int(m[1])), 6 * h - 5, 6 * h)
        return Period(key.upper(), first, last, "half")
    if m := re.fullmatch(r"(\d{4})-M9", key, re.IGNORECASE):
        first, last = _window(_check_year(int(m[1])), 1, 9)
        return Period(key.upper(), first, last, "nine_months")
    if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", key):
        try:
            first, last = date.fromisoformat(m[1]), date.fromisoformat(m[2])
        except ValueError as exc:
            raise PeriodError(str(exc)) from None
        if last < first:
            raise PeriodError("the range ends before it starts")
        # The same years as every other period: a window at the edge of the calendar (9999-12-31)
        # has no moment after it, and Period.end would overflow.
        _check_year(first.year)
        _check_year(last.year)
        return Period(key, first, last, "custom")
    if m := re.fullmatch(r"cal:(\d{4})", key, re.IGNORECASE):
        year = _check_year(int(m[1]))
        return Period(key.lower(), date(year, 1, 1), date(year, 12, 31), "calendar_year")
    if m := re.fullmatch(r"cal:(\d{4})-Q([1-4])", key, re.IGNORECASE):
        year, q = _check_year(int(m[1])), int(m[2])
        last_month = 3 * q
        return Period(f"cal:{year}-Q{q}", date(year, last_month - 2, 1),
                      date(year, last_month, _calendar.monthrange(year, last_month)[1]), "calendar_quarter")
    if m := re.fullmatch(r"(?:cal:)?(\d{4})-(\d{2})", key, re.IGNORECASE):
        year, month = _check_year(int(m[1])), int(m[2])
        if not 1 <= month <= 12:
            raise PeriodError(f"month {month} out of range")
        return Period(f"cal:{year}-{month:02d}", date(year, month, 1),
                      date(year, month, _calendar.monthrange(year, month)[1]), "calendar_month")
    raise PeriodError(f"unknown period {key!r}")


def quarter_containing(day: date) -> Period:
    """The 15th–14th quarter a day belongs to (15/12 starts Q1 of the next year)."""
    year, month = day.year, day.month
    if day.day >= 15:
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return parse_period(f"{year}-Q{(month - 1) // 3 + 1}")
