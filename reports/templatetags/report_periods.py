"""``{{ period|period_title }}``: 'Quý IV năm 2026 (15/09/2026 – 14/12/2026)' (reports.numbers.period_title);
``{{ period|as_of_line }}``: 'Số liệu tính đến 14:05 ngày 04/12/2026' for a window counted before it ended."""
from django import template

from motcua.periods import Period, PeriodError, parse_period

from ..figures import counted
from ..numbers import as_of_line as _as_of_line
from ..numbers import period_title as _period_title

register = template.Library()


@register.filter
def period_title(period) -> str:
    """A Period, or a period key as stored on a run or a submission ('2026-Q4')."""
    if not isinstance(period, Period):
        try:
            period = parse_period(str(period))
        except PeriodError:
            return str(period)
    return _period_title(period)


@register.filter
def as_of_line(period) -> str:
    """The period as its figures are counted now (reports.figures.counted): '' once it has ended."""
    if not isinstance(period, Period):
        return ""
    return _as_of_line(counted(period))
