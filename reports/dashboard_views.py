"""The leaders' dashboard: this week's risks, the records to fix before the report closes, the national
service-quality index with every number linked to its records, the province's targets and the charts.

Views stay thin: the unit through motcua.access (404 outside the user's subtree, via reports.views'
helpers), the numbers from reports.dashboard, reports.targets and reports.warnings; the charts'
geometry is computed here and drawn by the templates as inline SVG, with patterns and labels so
that they read in black and white.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from motcua.access import unit_choices
from motcua.numbers import percent
from motcua.periods import Period, quarter_containing

from .dashboard import (
    NO_DATA,
    ServiceIndex,
    compare_children,
    compute_index,
    records,
)
from .models import TargetKey
from .services import monthly_counts, submission_deadline
from .targets import target_for, target_rows
from .extensions import pending_work
from .figures import received_for_others
from .stages import stage_figures
from .views import PAGE_SIZE, _chosen_period, _chosen_unit
from .warnings import QUALITY_CHECKS, WARNINGS, quality_check, quality_counts, warning_check, warning_counts

# -- links ----------------------------------------------------------------------------------------


def _query(unit, period: Period | None = None, **extra) -> str:
    params = {"unit": unit.code}
    if period is not None:
        params["period"] = period.key
    params.update({k: v for k, v in extra.items() if v})
    return urlencode(params)


def _input_url(unit, period: Period, indicator_key: str, item) -> str:
    if item.figure:
        return reverse("reports:dossiers") + "?" + _query(unit, period, figure=item.figure)
    return reverse("reports:index-detail", args=[indicator_key]) + "?" + _query(unit, period, input=item.records)


def _present(index: ServiceIndex) -> list[dict]:
    """The groups for the templates: every input with the URL of its records."""
    unit, period = index.unit, index.period
    groups = []
    for group in index.groups:
        indicators = []
        for indicator in group.indicators:
            inputs = [{"input": item, "url": _input_url(unit, period, indicator.key, item)} for item in indicator.inputs]
            indicators.append({
                "indicator": indicator, "inputs": inputs,
                "url": reverse("reports:index-detail", args=[indicator.key]) + "?" + _query(unit, period),
            })
        groups.append({"group": group, "indicators": indicators})
    return groups


# -- charts ---------------------------------------------------------------------------------------

CHART_HEIGHT = 180
CHART_TOP = 40
# Each series: its pattern (solid, hatch, cross, dots, light) — told apart without colour.
SERIES = {
    "new": "solid", "resolved": "hatch", "late": "cross",
    "early": "solid", "on_time": "hatch", "within_time": "light", "overdue": "cross", "online": "hatch",
}


@dataclass
class Bar:
    x: int
    y: int
    width: int
    height: int
    value: int | Decimal | None
    pattern: str
    label: str = ""
    percent: Decimal | None = None

    @property
    def middle(self) -> int:
        return self.x + self.width // 2


def monthly(unit, period: Period) -> list[tuple]:
    """(month, received, resolved, resolved late, received online) per calendar month: one query
    (reports.services.monthly_counts), the report's own conditions."""
    series = {"new": ("new", "received_at"), "resolved": ("resolved", "resolved_at"), "late": ("late", "resolved_at"),
              "online": ("new_online", "received_at")}
    return [(month, c["new"], c["resolved"], c["late"], c["online"]) for month, c in monthly_counts(unit, period, series)]


def trend_chart(rows: list[tuple]) -> dict:
    """Received, resolved and resolved late per calendar month: three patterned bars, each labelled."""
    top = max([max(new, resolved, late) for _m, new, resolved, late, _o in rows] + [1])
    baseline = CHART_TOP + CHART_HEIGHT
    step, width = 112, 30
    groups = []
    for i, (month, new, resolved, late, _online) in enumerate(rows):
        x = 60 + i * step
        bars = []
        for j, (key, value) in enumerate((("new", new), ("resolved", resolved), ("late", late))):
            height = round(CHART_HEIGHT * value / top)
            bars.append(Bar(x=x + j * (width + 2), y=baseline - height, width=width, height=height, value=value,
                            pattern=SERIES[key]))
        groups.append({"month": month, "x_label": x + (3 * width + 4) // 2, "bars": bars})
    legend = [(SERIES["new"], _("Received")), (SERIES["resolved"], _("Resolved")), (SERIES["late"], _("Resolved late"))]
    return {"groups": groups, "width": max(620, 60 + len(rows) * step + 10), "height": baseline + 28, "baseline": baseline,
            "top": top, "label_y": baseline + 18, "legend": [(180 * i + 60, p, label) for i, (p, label) in enumerate(legend)]}


def _split(parts: list[tuple[str, str, int]], width: int = 600) -> dict:
    whole = sum(value for _k, _l, value in parts)
    bars, x = [], 0
    for i, (key, label, value) in enumerate(parts):
        bar_width = round(width * value / whole) if whole else 0
        if i == len(parts) - 1 and whole:
            bar_width = width - x
        bars.append(Bar(x=x, y=0, width=bar_width, height=28, value=value, pattern=SERIES[key], label=label,
                        percent=percent(value, whole)))
        x += bar_width
    return {"bars": bars, "total": whole, "width": width}


def outcome_chart(facts: dict) -> list[tuple[str, dict]]:
    resolved, pending = facts["resolved"], facts["pending"]
    return [
        (_("Resolved in the window"), _split([
            ("early", _("Early"), resolved["early"]),
            ("on_time", _("On time"), resolved["on_time"]),
            ("late", _("Late"), resolved["late"]),
        ])),
        (_("Pending at the end of the window"), _split([
            ("within_time", _("Within time"), pending["within_time"]),
            ("overdue", _("Overdue"), pending["overdue"]),
        ])),
    ]


def online_chart(rows: list[tuple], target: Decimal | None) -> dict:
    """The share of new dossiers received online per month against the province's target line."""
    baseline = CHART_TOP + CHART_HEIGHT
    step, width = 80, 44
    bars = []
    for i, (month, new, _resolved, _late, online) in enumerate(rows):
        share = percent(online, new)
        height = round(CHART_HEIGHT * (share or 0) / 100)
        bars.append({"month": month, "bar": Bar(x=60 + i * step, y=baseline - height, width=width, height=height,
                                                value=online, pattern=SERIES["online"], percent=share),
                     "new": new, "x_label": 60 + i * step + width // 2})
    total_width = max(420, 60 + len(rows) * step + 120)
    target_y = baseline - round(CHART_HEIGHT * target / 100) if target is not None else None
    return {"bars": bars, "width": total_width, "height": baseline + 28, "baseline": baseline, "label_y": baseline + 18,
            "target": target, "target_y": target_y, "target_x": total_width - 112, "top_y": CHART_TOP}


# -- pages ----------------------------------------------------------------------------------------


def _check_rows(checks, counts: dict, selected) -> list[dict]:
    return [{"check": c, "count": counts.get(c.key, 0), "selected": selected is not None and c.key == selected.key} for c in checks]


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    unit = _chosen_unit(request)
    chosen = _chosen_period(request, quarter_containing(timezone.localdate()))
    period = chosen.period
    now = timezone.now()
    common = {
        "unit": unit, **chosen.context(),
        "unit_choices": unit_choices(request.user, unit),
        "query": _query(unit, period), "unit_query": _query(unit), "has_children": unit.children.exists(), "no_data": NO_DATA,
    }
    if request.GET.get("compare") == "1":
        rows = compare_children(unit, period, now=now)
        return render(request, "reports/dashboard_compare.html", {
            **common, "rows": rows, "group_names": [(g.name, g.maximum) for g in rows[0].groups] if rows else [],
        })
    index = compute_index(unit, period, now=now)
    months = monthly(unit, period)
    online_target = target_for(unit, period.last_day.year, TargetKey.ONLINE_DOSSIERS)
    context = {
        **common,
        "index": index,
        "groups": _present(index),
        "targets": target_rows(index),
        "warnings": _check_rows(WARNINGS, warning_counts(unit, now=now), None),
        "pending_work": pending_work(unit, now),  # what other apps count as overdue (reports.extensions)
        "quality": _check_rows(QUALITY_CHECKS, quality_counts(unit, period, now=now), None),
        "deadline": submission_deadline(period),
        # The receiving desk's work for units outside the subtree: its own table, never in the index's figures.
        "for_others": received_for_others(unit, period),
        "by_agency": index.figures.by_agency,
        "by_stage": [row.as_dict() for row in stage_figures(unit, period)],  # who used more than their share
        "report_query": urlencode({"unit": unit.code, "period": period.key}),
        "trend": trend_chart(months),
        "outcome_rows": outcome_chart(index.facts),
        "online": online_chart(months, online_target),
        "ratings_query": urlencode({"unit": unit.code, "from": f"{period.first_day:%d/%m/%Y}", "to": f"{period.last_day:%d/%m/%Y}"}),
    }
    return render(request, "reports/dashboard.html", context)


@login_required
@require_GET
def index_detail(request: HttpRequest, key: str) -> HttpResponse:
    """One indicator: its formula, its numbers and, for a number that is not a report figure, the
    records behind it (paginated)."""
    unit = _chosen_unit(request)
    period, period_error = _chosen_period(request, quarter_containing(timezone.localdate()))
    now = timezone.now()
    index = compute_index(unit, period, now=now)
    indicator = index.indicator(key)
    if indicator is None:
        raise Http404
    listed = [item for item in indicator.inputs if item.records]
    chosen = request.GET.get("input", "").strip()
    item = next((i for i in listed if i.records == chosen), None) if chosen else (listed[0] if listed else None)
    if chosen and item is None:
        raise Http404
    page = kind = None
    if item is not None:
        kind, rows = records(unit, period, item.records, now=now)
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    presented = next(i for g in _present(index) for i in g["indicators"] if i["indicator"].key == key)
    return render(request, "reports/dashboard_indicator.html", {
        "unit": unit, "period": period, "period_error": period_error, "index": index, "group": index.group_of(key),
        "indicator": indicator, "inputs": presented["inputs"], "item": item, "kind": kind, "page": page,
        "query": _query(unit, period), "no_data": NO_DATA,
    })


@login_required
@require_GET
def warnings(request: HttpRequest) -> HttpResponse:
    """The early warnings of a unit now: the counts, and the chosen warning's dossiers."""
    unit = _chosen_unit(request)
    now = timezone.now()
    counts = warning_counts(unit, now=now)
    key = request.GET.get("check", "").strip()
    check = warning_check(key) if key else next((c for c in WARNINGS if counts.get(c.key)), WARNINGS[0])
    if check is None:
        raise Http404
    page = Paginator(check.rows(unit, now=now), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reports/dashboard_warnings.html", {
        "unit": unit, "now": now, "check": check, "checks": _check_rows(WARNINGS, counts, check), "page": page,
        "kind": check.kind, "unit_choices": unit_choices(request.user, unit), "query": _query(unit),
    })


@login_required
@require_GET
def quality(request: HttpRequest) -> HttpResponse:
    """The data-quality checks of a unit for a window: the counts, and the chosen check's records."""
    unit = _chosen_unit(request)
    chosen = _chosen_period(request, quarter_containing(timezone.localdate()))
    period = chosen.period
    now = timezone.now()
    counts = quality_counts(unit, period, now=now)
    key = request.GET.get("check", "").strip()
    check = quality_check(key) if key else next((c for c in QUALITY_CHECKS if counts.get(c.key)), QUALITY_CHECKS[0])
    if check is None:
        raise Http404
    page = Paginator(check.rows(unit, period, now=now), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reports/dashboard_quality.html", {
        "unit": unit, **chosen.context(), "check": check,
        "checks": _check_rows(QUALITY_CHECKS, counts, check), "page": page, "kind": check.kind,
        "deadline": submission_deadline(period), "unit_choices": unit_choices(request.user, unit),
        "query": _query(unit, period),
    })
