"""Working-time arithmetic under Vietnamese administrative rules.

A working day is ``hours_per_day`` hours (8 by default) spread over sessions
(07:30–11:30 and 13:30–17:30 by default, Asia/Ho_Chi_Minh). Monday to Friday are
working days, except ``days_off`` (public holidays, Tết, substituted days off);
``makeup_days`` (ngày làm bù) are working days even on a weekend.

Pure Python (stdlib only) so it can be imported without Django settings.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from .numbers import round_half_up

__all__ = [
    "DEFAULT_SESSIONS",
    "VN_TZ",
    "WorkCalendar",
    "add_working_days",
]

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DEFAULT_SESSIONS: tuple[tuple[time, time], ...] = (
    (time(7, 30), time(11, 30)),
    (time(13, 30), time(17, 30)),
)

# Guard against calendars where no working day can ever be found (e.g. every day off).
_MAX_SEARCH_DAYS = 3660
_MICROSECONDS_PER_HOUR = Decimal(3_600_000_000)
_ZERO = timedelta(0)


def _to_decimal(value, name: str) -> Decimal:
    """Exact Decimal for an int, float, Decimal or numeric string."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a number, not bool")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))  # 0.1 -> Decimal("0.1"), not the binary expansion
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{name} is not a number: {value!r}") from None
    else:
        raise TypeError(f"{name} must be int, float or Decimal, not {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return result


def _to_time(value, name: str) -> time:
    if isinstance(value, str):
        try:
            value = time.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{name} is not a valid time: {value!r}") from None
    if not isinstance(value, time):
        raise TypeError(f"{name} must be a datetime.time, not {type(value).__name__}")
    if value.tzinfo is not None:
        raise ValueError(f"{name} must be a naive local time (the calendar's tz applies)")
    return value


def _to_date(value, name: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{name} contains an invalid date: {value!r}") from None
    raise TypeError(f"{name} must contain dates, not {type(value).__name__}")


def _microseconds_of_day(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


@dataclass(frozen=True)
class WorkCalendar:
    """Working days and sessions of one office; all arithmetic is in ``tz``."""

    sessions: tuple[tuple[time, time], ...] = DEFAULT_SESSIONS
    days_off: frozenset[date] = frozenset()
    makeup_days: frozenset[date] = frozenset()
    hours_per_day: Decimal = Decimal(8)
    tz: ZoneInfo = VN_TZ

    def __post_init__(self) -> None:
        hours = _to_decimal(self.hours_per_day, "hours_per_day")
        if hours <= 0:
            raise ValueError(f"hours_per_day must be positive, got {hours}")
        object.__setattr__(self, "hours_per_day", hours)

        tz = self.tz
        if isinstance(tz, str):
            tz = ZoneInfo(tz)
        object.__setattr__(self, "tz", tz)

        object.__setattr__(self, "sessions", self._validated_sessions(self.sessions, hours))

        days_off = frozenset(_to_date(d, "days_off") for d in (self.days_off or ()))
        makeup = frozenset(_to_date(d, "makeup_days") for d in (self.makeup_days or ()))
        clash = days_off & makeup
        if clash:
            listed = ", ".join(d.isoformat() for d in sorted(clash))
            raise ValueError(f"dates cannot be both a day off and a make-up day: {listed}")
        object.__setattr__(self, "days_off", days_off)
        object.__setattr__(self, "makeup_days", makeup)

    @staticmethod
    def _validated_sessions(raw, hours: Decimal) -> tuple[tuple[time, time], ...]:
        if raw is None:
            raise ValueError("sessions must not be empty")
        sessions: list[tuple[time, time]] = []
        for index, pair in enumerate(raw):
            try:
                start, end = pair
            except (TypeError, ValueError):
                raise ValueError(
                    f"session #{index + 1} must be a (start, end) pair, got {pair!r}"
                ) from None
            start = _to_time(start, f"session #{index + 1} start")
            end = _to_time(end, f"session #{index + 1} end")
            if start >= end:
                raise ValueError(
                    f"session #{index + 1} must start before it ends: {start}–{end}"
                )
            if sessions and start < sessions[-1][1]:
                prev_start, prev_end = sessions[-1]
                if start < prev_start:
                    raise ValueError(
                        f"sessions must be in chronological order: {start}–{end} "
                        f"comes after {prev_start}–{prev_end}"
                    )
                raise ValueError(
                    f"sessions overlap: {prev_start}–{prev_end} and {start}–{end}"
                )
            sessions.append((start, end))
        if not sessions:
            raise ValueError("sessions must not be empty")
        total_us = sum(_microseconds_of_day(e) - _microseconds_of_day(s) for s, e in sessions)
        if Decimal(total_us) != hours * _MICROSECONDS_PER_HOUR:
            total_hours = Decimal(total_us) / _MICROSECONDS_PER_HOUR
            raise ValueError(
                f"sessions add up to {total_hours.normalize():f} hours "
                f"but hours_per_day is {hours.normalize():f}"
            )
        return tuple(sessions)

    # -- helpers -------------------------------------------------------------

    def _local(self, moment: datetime, name: str = "moment") -> datetime:
        if not isinstance(moment, datetime):
            raise TypeError(f"{name} must be a datetime, not {type(moment).__name__}")
        if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
            raise ValueError(
                f"{name} must be timezone-aware (got naive {moment.isoformat()}); "
                f"attach a tzinfo, e.g. {self.tz.key if hasattr(self.tz, 'key') else self.tz}"
            )
        return moment.astimezone(self.tz)

    def _day(self, day: date) -> date:
        if isinstance(day, datetime):
            if day.tzinfo is None:
                return day.date()
            return day.astimezone(self.tz).date()
        if not isinstance(day, date):
            raise TypeError(f"day must be a date, not {type(day).__name__}")
        return day

    def _microseconds(self, *, days, hours) -> int:
        total = (
            _to_decimal(days, "days") * self.hours_per_day + _to_decimal(hours, "hours")
        )
        if total < 0:
            raise ValueError(f"working time must not be negative (days={days}, hours={hours})")
        return int((total * _MICROSECONDS_PER_HOUR).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    # -- days ----------------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        """Mon–Fri unless a day off; weekends only if a make-up day."""
        day = self._day(day)
        if day in self.days_off:
            return False
        if day in self.makeup_days:
            return True
        return day.weekday() < 5

    def next_working_day(self, day: date) -> date:
        """First working day strictly after ``day``."""
        day = self._day(day)
        for offset in range(1, _MAX_SEARCH_DAYS + 1):
            candidate = day + timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError(f"no working day within {_MAX_SEARCH_DAYS} days after {day}")

    def sessions_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """Aware (start, end) of each session on ``day``; [] if not a working day."""
        day = self._day(day)
        if not self.is_working_day(day):
            return []
        return [
            (
                datetime.combine(day, start, tzinfo=self.tz),
                datetime.combine(day, end, tzinfo=self.tz),
            )
            for start, end in self.sessions
        ]

    def end_of_working_day(self, day: date) -> datetime:
        """End of the last session of ``day``, which must be a working day."""
        day = self._day(day)
        if not self.is_working_day(day):
            raise ValueError(f"{day.isoformat()} is not a working day")
        return datetime.combine(day, self.sessions[-1][1], tzinfo=self.tz)

    # -- moments -------------------------------------------------------------

    def next_working_moment(self, moment: datetime) -> datetime:
        """``moment`` if inside a session (start inclusive, end exclusive), else the next session start."""
        local = self._local(moment)
        for start, end in self.sessions_on(local.date()):
            if start <= local < end:
                return local
            if local < start:
                return start
        return self.sessions_on(self.next_working_day(local.date()))[0][0]

    def start_of_next_working_day(self, moment: datetime) -> datetime:
        """First session start of the first working day after ``moment``'s local date."""
        local = self._local(moment)
        return self.sessions_on(self.next_working_day(local.date()))[0][0]

    # -- durations -----------------------------------------------------------

    def add_working_time(self, start: datetime, *, days=0, hours=0) -> datetime:
        """Moment when ``days`` × hours_per_day + ``hours`` working hours are used up."""
        remaining = timedelta(microseconds=self._microseconds(days=days, hours=hours))
        current = self.next_working_moment(start)
        if remaining == _ZERO:
            return current
        day = current.date()
        while True:
            for session_start, session_end in self.sessions_on(day):
                if session_end <= current:
                    continue
                begin = max(session_start, current)
                available = session_end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
            day = self.next_working_day(day)

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time inside sessions between two moments; zero if ``end <= start``."""
        start = self._local(start, "start")
        end = self._local(end, "end")
        if end <= start:
            return _ZERO
        total = _ZERO
        day, last_day = start.date(), end.date()
        while day <= last_day:
            for session_start, session_end in self.sessions_on(day):
                overlap = min(session_end, end) - max(session_start, start)
                if overlap > _ZERO:
                    total += overlap
            day += timedelta(days=1)
        return total

    def working_days_between(self, start: datetime, end: datetime) -> Decimal:
        """Working time between two moments in working days, rounded to 2 places."""
        micro = self.working_time_between(start, end) // timedelta(microseconds=1)
        days = Decimal(micro) / (self.hours_per_day * _MICROSECONDS_PER_HOUR)
        return round_half_up(days)


def add_working_days(start: datetime, days, calendar: WorkCalendar | None = None) -> datetime:
    """``start`` plus ``days`` working days on ``calendar`` (default rules if None)."""
    if calendar is None:
        calendar = WorkCalendar()
    return calendar.add_working_time(start, days=days)
