"""Reads that several apps share: the working calendar built from the Holiday table."""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

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


def holidays_changed(**kwargs) -> None:
    """Every write of a holiday (a save, a delete, a queryset delete such as the admin's "delete
    selected") drops the cached calendar at once and again when the transaction commits, so no
    request rebuilds it from the rows as they were before. Connected in motcua.apps."""
    invalidate_work_calendar()
    transaction.on_commit(invalidate_work_calendar)
