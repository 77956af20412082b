from decimal import Decimal

from django.conf import settings
from django.core import checks

from .calendar import WorkCalendar


def check_working_sessions(app_configs=None, **kwargs):
    """WORKING_SESSIONS must be ordered, non-overlapping and add up to WORKING_DAY_HOURS."""
    try:
        WorkCalendar(sessions=settings.WORKING_SESSIONS, hours_per_day=Decimal(settings.WORKING_DAY_HOURS))
    except ValueError as exc:
        return [checks.Error(f"WORKING_SESSIONS is not a valid working day: {exc}", id="motcua.E001")]
    return []
