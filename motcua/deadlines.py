"""Due moments and outcomes (pure functions over the working calendar; no database).

The one place every due moment comes from: intake, the desk's live preview, the working-calendar
page, pauses, imports and the demo all call ``compute_due`` / ``due_moment`` here.

The rules, as DOMAIN.md states them: counting starts at receipt inside a session, otherwise at the
next session; with the cut-off rule a receipt at or after the cut-off starts the next working day;
N days are N × 8 working hours; 0 days is due at the end of the day counting starts in; paused
working time moves the due moment; resolved after the due moment is late, and otherwise early or
on time by the install's ``OUTCOME_RULE`` (``day``: early on a calendar day before the due day;
``moment``: early before the due moment, on time in its very minute).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import NamedTuple

from .calendar import WorkCalendar

EARLY, ON_TIME, LATE = "early", "on_time", "late"
WITHIN_TIME, OVERDUE = "within_time", "overdue"

# The two practices of the provinces for "trước hạn" (settings.OUTCOME_RULE; DOMAIN.md, issue 16):
# DAY (Hải Dương's old rule, the default): early only on a calendar day before the due day;
# MOMENT (Ngọc Kỳ's 2022 table): early before the due moment, on time in the due moment's minute.
DAY, MOMENT = "day", "moment"
OUTCOME_RULES = (DAY, MOMENT)


def counting_start(received_at: datetime, calendar: WorkCalendar, *, cutoff: time | None = None) -> datetime:
    """When the processing time starts to run for a dossier received at ``received_at``."""
    local = received_at.astimezone(calendar.tz)
    if cutoff is not None and local.time() >= cutoff:
        return calendar.start_of_next_working_day(local)
    return calendar.next_working_moment(local)


def base_due(start: datetime, days: Decimal, calendar: WorkCalendar) -> datetime:
    """Start + days × the working day; 0 days is the end of the working day counting starts in."""
    days = Decimal(days)
    if days == 0:
        return calendar.end_of_working_day(start.astimezone(calendar.tz).date())
    return calendar.add_working_time(start, days=days)


def paused_working_time(
    pauses: Iterable[tuple[datetime, datetime | None]], calendar: WorkCalendar, *, since: datetime, now: datetime
) -> timedelta:
    """Working time inside the pauses, from ``since`` on; an open pause runs until ``now``."""
    total = timedelta(0)
    for started, ended in pauses:
        start = max(started, since)
        end = ended or now
        if end > start:
            total += calendar.working_time_between(start, end)
    return total


def due_moment(
    received_at: datetime,
    days: Decimal,
    calendar: WorkCalendar,
    *,
    cutoff: time | None = None,
    pauses: Iterable[tuple[datetime, datetime | None]] = (),
    now: datetime | None = None,
) -> datetime:
    """The appointment: base due moment moved forward by the paused working time."""
    start = counting_start(received_at, calendar, cutoff=cutoff)
    due = base_due(start, days, calendar)
    extra = paused_working_time(pauses, calendar, since=start, now=now or received_at)
    if extra > timedelta(0):
        due = calendar.add_working_time(due, hours=Decimal(extra.total_seconds()) / 3600)
    return due


def stage_due(
    started_at: datetime,
    hours: Decimal,
    calendar: WorkCalendar,
    *,
    pauses: Iterable[tuple[datetime, datetime | None]] = (),
    now: datetime | None = None,
) -> datetime:
    """A stage's due moment: its share of the processing time (``hours`` of working time) counted from
    the first working moment at or after it began, moved by the working time paused since then. The
    stages of an internal process that each use exactly their share end at the dossier's due moment."""
    start = calendar.next_working_moment(started_at.astimezone(calendar.tz))
    due = calendar.add_working_time(start, hours=Decimal(hours))
    extra = paused_working_time(pauses, calendar, since=start, now=now or started_at)
    if extra > timedelta(0):
        due = calendar.add_working_time(due, hours=Decimal(extra.total_seconds()) / 3600)
    return due


def classify_outcome(resolved_at: datetime, due_at: datetime, calendar: WorkCalendar, rule: str | None = None) -> str:
    """Early, on time or late, by ``rule`` (without it, the install's ``OUTCOME_RULE``).

    ``day``: late after the due moment; early on a calendar day (Vietnam time) before the due day;
    otherwise on time. ``moment``: judged to the minute: late after the due moment's minute, on time
    in it, early before it."""
    if rule is None:
        rule = configured_outcome_rule()
    if rule == MOMENT:
        resolved_minute, due_minute = _minute(resolved_at), _minute(due_at)
        if resolved_minute > due_minute:
            return LATE
        return ON_TIME if resolved_minute == due_minute else EARLY
    if rule != DAY:
        raise ValueError(f"unknown outcome rule {rule!r}")
    if resolved_at > due_at:
        return LATE
    if resolved_at.astimezone(calendar.tz).date() < due_at.astimezone(calendar.tz).date():
        return EARLY
    return ON_TIME


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def configured_outcome_rule() -> str:
    """The install's rule (settings.OUTCOME_RULE, checked when the settings load)."""
    from django.conf import settings

    return getattr(settings, "OUTCOME_RULE", DAY)


def pending_state(due_at: datetime, at: datetime) -> str:
    """A pending dossier is within time until its due moment passes."""
    return WITHIN_TIME if at <= due_at else OVERDUE


def compute_due(
    *, received_at: datetime, processing_days: Decimal, cutoff: time | None, calendar: WorkCalendar | None = None,
    pauses: Iterable[tuple[datetime, datetime | None]] = (), now: datetime | None = None,
) -> tuple[datetime, datetime]:
    """(counting start, due moment) for a receipt: what intake shows live and saves, and what the
    working-calendar page shows. Without ``calendar``, the configured one (holidays from the table)."""
    if calendar is None:
        from .selectors import work_calendar  # the only impure step, and only when no calendar is given

        calendar = work_calendar()
    start = counting_start(received_at, calendar, cutoff=cutoff)
    due = due_moment(received_at, processing_days, calendar, cutoff=cutoff, pauses=pauses, now=now)
    return start, due


class TimeLeft(NamedTuple):
    """What a citizen reads of a pending dossier's due moment: whole working days and hours, left or past."""

    overdue: bool
    days: int
    hours: int


def time_left(due_at: datetime, now: datetime, calendar: WorkCalendar) -> TimeLeft:
    """Working time from ``now`` to ``due_at`` (or past it, ``overdue``), in whole working days of the
    calendar's length and whole hours, rounded down: "Còn 1 ngày 3 giờ làm việc", "Quá hạn 2 ngày làm việc".

    Overdue as soon as the due moment has passed, even while no working time has run since (a Saturday
    after a Friday's due moment is overdue by 0 days 0 hours)."""
    overdue = now > due_at
    span = calendar.working_time_between(due_at, now) if overdue else calendar.working_time_between(now, due_at)
    minutes_per_day = int(calendar.hours_per_day * 60)  # 480; 450 for a 7.5-hour day
    days, rest = divmod(int(span.total_seconds() // 60), minutes_per_day)
    return TimeLeft(overdue, days, rest // 60)
