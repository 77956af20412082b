"""What the office makes public (công khai kết quả giải quyết TTHC), mounted at /cong-khai/ket-qua/: no sign-in.

For a unit and a calendar month: the dossiers resolved, early / on time / late, read from the one
aggregation (reports.figures.compute_figures) and never counted here; the late ones, listed by
reports.figures.dossiers_behind with their procedure and the apology's reason and new appointment,
each named only by the last characters of its code (never the applicant, an ID number or a phone);
and the answers to feedback published that month. Only a unit in force during the month, and no
month that has not begun.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_safe

from dossiers.tickets.selectors import published_tickets
from motcua.models import AdministrativeUnit
from motcua.periods import Period, PeriodError, parse_period
from procedures.public_views import public_page
from reports.figures import compute_figures, dossiers_behind

LATE_PAGE_SIZE = 50
SHOWN_CODE_CHARACTERS = 4  # "…0099": enough for the applicant to recognise their dossier, nothing to find it by


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def previous_month(day: date) -> date:
    return date(day.year - 1, 12, 1) if day.month == 1 else date(day.year, day.month - 1, 1)


def recent_months(today: date) -> list[dict]:
    """The current month and the one before it, as ``{"key": "2026-12", "label": "12/2026"}``: what the
    front door links to."""
    this = today.replace(day=1)
    return [{"key": month_key(day), "label": f"{day.month:02d}/{day.year}"} for day in (this, previous_month(this))]


def top_units():
    """The units at the top of the tree in force today: where the public pages start (their children are
    reached from each page)."""
    return AdministrativeUnit.objects.active().filter(parent__isnull=True).order_by("path")


def short_code(code: str) -> str:
    return "…" + code[-SHOWN_CODE_CHARACTERS:]


def _month(key: str) -> Period:
    """The calendar month ``yyyy-mm``; 404 for anything else and for a month that has not begun."""
    if not re.fullmatch(r"\d{4}-\d{2}", key):
        raise Http404
    try:
        period = parse_period(f"cal:{key}")
    except PeriodError:
        raise Http404 from None
    if period.first_day > timezone.localdate():
        raise Http404
    return period


def _unit(key: str, period: Period) -> AdministrativeUnit:
    """The unit a key names, in force on some day of the month; 404 otherwise."""
    unit = AdministrativeUnit.objects.by_key(key, on=period.last_day)
    if unit is None:
        raise Http404
    if (unit.valid_from is not None and unit.valid_from > period.last_day) or (
        unit.valid_to is not None and unit.valid_to < period.first_day
    ):
        raise Http404
    return unit


def _late_rows(unit: AdministrativeUnit, period: Period, page_number) -> tuple:
    late = (
        dossiers_behind(unit, period, "late")
        .with_latest_apology()
        .order_by("resolved_at", "pk")
        .values("code", "procedure__name", "receiving_unit__name", "due_at", "resolved_at", "latest_apology_reason",
                "latest_new_due_at")
    )
    page = Paginator(late, LATE_PAGE_SIZE).get_page(page_number)
    rows = [
        {
            "code": short_code(row["code"]),
            "procedure_name": row["procedure__name"],
            "unit_name": row["receiving_unit__name"],
            "due_at": row["due_at"],
            "resolved_at": row["resolved_at"],
            "apology_reason": row["latest_apology_reason"] or "",
            "new_due_at": row["latest_new_due_at"],
        }
        for row in page.object_list
    ]
    return page, rows


@require_safe
@public_page
def index(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    units = [{"unit": unit, "months": recent_months(today)} for unit in top_units()]
    return HttpResponse(render_to_string("public/results_index.html", {"units": units, "nav": "home"}))


@require_safe
@public_page
def month(request: HttpRequest, unit_key: str, month: str) -> HttpResponse:
    period = _month(month)
    unit = _unit(unit_key, period)
    figures = compute_figures(unit, period)
    page, late = _late_rows(unit, period, request.GET.get("page"))
    answers = list(published_tickets(unit).filter(published_at__gte=period.start, published_at__lt=period.closes_at))
    previous = month_key(previous_month(period.first_day))
    next_first = period.last_day + timedelta(days=1)
    following = month_key(next_first) if next_first <= timezone.localdate() else None
    children = AdministrativeUnit.objects.children_in_force(unit, on=period.last_day).order_by("path")
    context = {
        "unit": unit,
        "period": period,
        "month": month,
        "resolved": figures.totals["resolved"],
        "received": figures.totals["received"],
        "on_time_rate": figures.totals["rates"]["resolved_on_time"],
        "late": late,
        "page": page,
        "answers": answers,
        "previous": previous,
        "following": following,
        "children": children,
        "nav": "home",
    }
    return HttpResponse(render_to_string("public/results_month.html", context))
