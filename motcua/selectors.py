"""Reads that several apps share: the working calendar built from the Holiday table."""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.cache import cache

from .calendar import WorkCalendar
from .models import Holiday, HolidayKind

_CACHE_KEY = "motcua:work-calendar:v1"
_CACHE_SECONDS = 60 * 60


def build_work_calendar() -> WorkCalendar:
    """The calendar as configured: sessions from settings, holidays and make-up days from the table."""
    days_off, makeup = set(), set()
    for day, kind in Holiday.objects.values_list("date", "kind"):
        (makeup if kind == HolidayKind.MAKEUP_WORKING_DAY else days_off).add(day)
    return WorkCalendar(
        sessions=settings.WORKING_SESSIONS,
        days_off=frozenset(days_off),
        makeup_days=frozenset(makeup),
        hours_per_day=Decimal(settings.WORKING_DAY_HOURS),
    )


def work_calendar() -> WorkCalendar:
    """The cached calendar; cheap enough to call on every request."""
    calendar = cache.get(_CACHE_KEY)
    if calendar is None:
        calendar = build_work_calendar()
        cache.set(_CACHE_KEY, calendar, _CACHE_SECONDS)
    return calendar


def invalidate_work_calendar() -> None:
    cache.delete(_CACHE_KEY)
