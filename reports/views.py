"""The report screens: the figures of a unit and window (each number a link to its dossiers), the
export runs and their files, and the submissions of the units below.

Views stay thin: the unit through motcua.access (404 outside the user's subtree), the figures from
reports.report, every write through reports.services.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from motcua.access import get_agency_for_user, get_unit_for_user, staff_unit, unit_choices
from motcua.models import AdministrativeUnit, Agency, membership_of
from motcua.numbers import percent
from motcua.periods import Period, PeriodError, parse_period, quarter_containing
from motcua.permissions import can
from motcua.scope import Scope

from .forms import ChosenPeriod, chosen_period
from .models import ReportFormat, ReportRun, ReportSubmission, RunStatus
from motcua.signing import SigningError

from .figures import NO_AGENCY
from .figures import counted as counted_period
from .consolidation import NOW, SENT, consolidate, format_sources, parse_sources
from .report import build_report, report_as_dict
from .services import (
    NARRATIVE_KEYS,
    EarlySubmission,
    agency_report,
    agency_submission_rows,
    ReportError,
    SubmissionState,
    content_type_for,
    figure_dossiers,
    figure_names,
    monthly_trend,
    report_request,
    report_submit,
    submission_deadline,
    submission_rows,
    submission_signature,
)

PAGE_SIZE = 50

# The official table's columns (Biểu số 06/VPCP/KSTT): (figure behind the number, group, key).
TABLE_COLUMNS = [
    ("received", "received", "total"),
    ("new_online", "received", "online"),
    ("direct_postal", "received", None),  # direct + postal
    ("carried_over", "received", "carried_over"),
    ("resolved", "resolved", "total"),
    ("early", "resolved", "early"),
    ("on_time", "resolved", "on_time"),
    ("late", "resolved", "late"),
    ("pending", "pending", "total"),
    ("within_time", "pending", "within_time"),
    ("overdue", "pending", "overdue"),
]

FIGURE_LABELS = {
    "received": gettext_lazy("Received (total)"),
    "new": gettext_lazy("Received in the window"),
    "new_online": gettext_lazy("Received online"),
    "new_direct": gettext_lazy("Received at the desk"),
    "new_postal": gettext_lazy("Received by post"),
    "direct_postal": gettext_lazy("Received at the desk and by post"),
    "carried_over": gettext_lazy("Carried over from the previous window"),
    "resolved": gettext_lazy("Resolved (total)"),
    "early": gettext_lazy("Resolved early"),
    "on_time": gettext_lazy("Resolved on time"),
    "early_on_time": gettext_lazy("Resolved early or on time"),
    "late": gettext_lazy("Resolved late"),
    "returned_unresolved": gettext_lazy("Returned without resolution"),
    "withdrawn": gettext_lazy("Withdrawn"),
    "pending": gettext_lazy("Pending at the end (total)"),
    "within_time": gettext_lazy("Pending within time"),
    "overdue": gettext_lazy("Pending overdue"),
    "components_any": gettext_lazy("Components digitised (partly or fully)"),
    "components_full": gettext_lazy("Components fully digitised"),
    "results": gettext_lazy("Results digitised"),
    "paid_online": gettext_lazy("Fee paid online"),
    "reused": gettext_lazy("Reusing papers the citizen gave before"),
    "apologies": gettext_lazy("Apology letters issued"),
    "received_for_others": gettext_lazy("Received here for other units"),
    "returned_for_others": gettext_lazy("Results of other units returned here"),
    "waiting_to_return": gettext_lazy("Results of other units waiting here to be returned"),
    "stage_ended": gettext_lazy("With a stage ended in the window"),
    "stage_early": gettext_lazy("With a stage ended early"),
    "stage_on_time": gettext_lazy("With a stage ended on time"),
    "stage_late": gettext_lazy("With a stage that used more than its share"),
    "stage_held": gettext_lazy("With a stage held at the end"),
    "stage_held_overdue": gettext_lazy("With a stage held past its share at the end"),
}

# The rates: (label, numerator's figure and value path, denominator's figure and value path, rate key).
RATES = [
    (gettext_lazy("Dossiers received online"), "new_online", ("received", "online"), "new", ("received", "new"), "online"),
    (gettext_lazy("Dossiers with digitised components"), "components_any", ("digitized", "components_any"), "new", ("received", "new"), "components_digitized"),
    (gettext_lazy("Dossiers fully digitised"), "components_full", ("digitized", "components_full"), "new", ("received", "new"), "components_fully_digitized"),
    (gettext_lazy("Results digitised"), "results", ("digitized", "results"), "resolved", ("resolved", "total"), "results_digitized"),
    (gettext_lazy("Fees paid online"), "paid_online", ("paid_online",), "new", ("received", "new"), "paid_online"),
    (gettext_lazy("Dossiers reusing papers the citizen gave before"), "reused", ("reused",), "new", ("received", "new"), "reused"),
    (gettext_lazy("Resolved early or on time"), "early_on_time", None, "resolved", ("resolved", "total"), "resolved_on_time"),
]


# -- forms ----------------------------------------------------------------------------------------


class NarrativeFields(forms.Form):
    assessment = forms.CharField(
        label=gettext_lazy("Assessment (achievements, shortcomings)"), required=False, max_length=20000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    tasks = forms.CharField(
        label=gettext_lazy("Tasks for the next period"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 4})
    )
    proposals = forms.CharField(
        label=gettext_lazy("Proposals and recommendations"), required=False, max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ExportForm(NarrativeFields):
    unit = forms.CharField(widget=forms.HiddenInput, max_length=16)
    period = forms.CharField(widget=forms.HiddenInput, max_length=40)
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=ReportFormat.choices, initial=ReportFormat.XLSX)
    # A consolidation from the units' submissions (reports.consolidation): the per-unit sources shown.
    consolidate = forms.BooleanField(widget=forms.HiddenInput, required=False)
    sources = forms.CharField(widget=forms.HiddenInput, required=False, max_length=4000)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # PDF and Excel are what an officer sends; the data format is for the office that feeds other systems.
        if not can(user, "report.export_data"):
            self.fields["format"].choices = [c for c in ReportFormat.choices if c[0] != ReportFormat.JSON]
    number = forms.CharField(label=gettext_lazy("Document number (Số …/BC-UBND)"), required=False, max_length=40)
    recipients = forms.CharField(
        label=gettext_lazy("Recipients (Nơi nhận), one a line"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    signer_title = forms.CharField(
        label=gettext_lazy("Signer's title lines (e.g. KT. CHỦ TỊCH / PHÓ CHỦ TỊCH), one a line"), required=False,
        max_length=200, widget=forms.Textarea(attrs={"rows": 2}),
    )
    signer_name = forms.CharField(label=gettext_lazy("Signer's name"), required=False, max_length=120)

    field_order = ["unit", "period", "format", "number", "assessment", "tasks", "proposals", "recipients",
                   "signer_title", "signer_name"]

    def narrative(self) -> dict:
        return {key: self.cleaned_data.get(key, "") for key in NARRATIVE_KEYS}


class SubmitForm(NarrativeFields):
    unit = forms.CharField(widget=forms.HiddenInput, max_length=16)
    period = forms.CharField(widget=forms.HiddenInput, max_length=40)
    reason = forms.CharField(
        label=gettext_lazy("Reason of the correction"),
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}),
    )

    early = forms.BooleanField(
        label=gettext_lazy("I know the window has not ended: send the figures as they are now"), required=False,
    )

    field_order = ["unit", "period", "reason", "assessment", "tasks", "proposals", "early"]

    def __init__(self, *args, window_open: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # The confirmation is asked only while the window runs (reports.services.report_submit).
        if not window_open:
            del self.fields["early"]

    def narrative(self) -> dict:
        return {key: self.cleaned_data.get(key, "") for key in ("assessment", "tasks", "proposals")}


class AgencySubmitForm(SubmitForm):
    """An agency's report sent to its own unit (reports.services.report_submit with ``agency``)."""

    agency = forms.IntegerField(widget=forms.HiddenInput)
    unit = forms.CharField(widget=forms.HiddenInput, max_length=16, required=False)  # the agency says which


# -- helpers --------------------------------------------------------------------------------------


def _chosen_unit(request: HttpRequest) -> AdministrativeUnit:
    code = request.GET.get("unit", "").strip()
    if not code:
        return staff_unit(request.user)
    return get_unit_for_user(request.user, code)


def _chosen_period(request: HttpRequest, default: Period) -> ChosenPeriod:
    """The picked period (reports.forms.chosen_period): ``period, error = _chosen_period(…)``, and
    ``.context()`` for a screen that shows the picker."""
    return chosen_period(request.GET, default, today=timezone.localdate())


def _last_closed_quarter() -> Period:
    current = quarter_containing(timezone.localdate())
    return quarter_containing(current.first_day - timedelta(days=1))


def _value(figures: dict, path: tuple | None):
    value = figures
    for key in path or ():
        value = value[key]
    return value


def _cells(figures: dict) -> list[tuple[str, int]]:
    cells = []
    for figure, group, key in TABLE_COLUMNS:
        if key is None:
            value = figures[group]["direct"] + figures[group]["postal"]
        else:
            value = figures[group][key]
        cells.append((figure, value))
    return cells


def _table(report: dict, base: dict | None) -> dict:
    """The official table by field and by unit, each number with its query string (None: no links)."""

    def query(**extra) -> str | None:
        return None if base is None else urlencode({**base, **{k: v for k, v in extra.items() if v}})

    by_field = [
        {"label": row["field_name"] or _("(no field)"), "cells": _cells(row), "query": query(field=row["field_code"])}
        for row in report["by_field"]
    ]
    by_unit = [
        {
            "label": row["unit_name"], "code": row["unit_code"], "own": row["own"], "cells": _cells(row),
            "query": query(own="1") if row["own"] else query(child=row["unit_code"]),
        }
        for row in report["by_unit"]
    ]
    totals = {"cells": _cells(report["totals"]), "query": query()}
    return {"by_field": by_field, "by_unit": by_unit, "totals": totals}


def _rates(totals: dict) -> list[dict]:
    rows = []
    for label, numerator, numerator_path, denominator, denominator_path, key in RATES:
        if numerator_path is None:
            part = totals["resolved"]["early"] + totals["resolved"]["on_time"]
        else:
            part = _value(totals, numerator_path)
        rows.append({
            "label": label, "numerator": numerator, "part": part, "denominator": denominator,
            "whole": _value(totals, denominator_path), "rate": totals["rates"].get(key),
        })
    return rows


@dataclass
class Bar:
    x: int
    y: int
    width: int
    height: int
    value: int
    color: str
    label: str = ""
    percent: Decimal | None = None

    @property
    def middle(self) -> int:
        return self.x + self.width // 2


CHART_HEIGHT = 200
CHART_TOP = 36
COLORS = {"new": "#0b5cad", "resolved": "#1f7a3a", "early": "#1f7a3a", "on_time": "#0b5cad", "late": "#b3261e",
          "within_time": "#6d9ed6", "overdue": "#a05a00"}


def _trend_chart(points) -> dict:
    """Grouped bars: new and resolved per month, drawn as inline SVG by the template."""
    top = max([max(p.new, p.resolved) for p in points] + [1])
    groups, step, bar_width = [], 110, 40
    baseline = CHART_TOP + CHART_HEIGHT
    for i, point in enumerate(points):
        x = 60 + i * step
        bars = []
        for offset, value, key in ((0, point.new, "new"), (bar_width + 4, point.resolved, "resolved")):
            height = round(CHART_HEIGHT * value / top)
            bars.append(Bar(x=x + offset, y=baseline - height, width=bar_width, height=height, value=value, color=COLORS[key]))
        groups.append({"month": point.month, "x_label": x + bar_width + 2, "bars": bars})
    return {
        "groups": groups, "width": 60 + len(points) * step + 10, "height": baseline + 30, "baseline": baseline,
        "top": top, "label_y": baseline + 20, "colors": COLORS,
    }


def _split_bar(parts: list[tuple[str, str, int]], width: int = 600) -> dict:
    total = sum(value for _key, _label, value in parts)
    bars, x = [], 0
    for key, label, value in parts:
        bar_width = round(width * value / total) if total else 0
        if key == parts[-1][0] and total:
            bar_width = width - x  # no rounding gap at the end
        share = percent(value, total)  # the one rounding (motcua.numbers); the pixels above are not a rate
        bars.append(Bar(x=x, y=0, width=bar_width, height=28, value=value, color=COLORS[key], label=label, percent=share))
        x += bar_width
    return {"bars": bars, "total": total, "width": width}


def _outcome_chart(totals: dict) -> list[tuple[str, dict]]:
    return [
        (_("Resolved in the window"), _split_bar([
            ("early", _("Early"), totals["resolved"]["early"]),
            ("on_time", _("On time"), totals["resolved"]["on_time"]),
            ("late", _("Late"), totals["resolved"]["late"]),
        ])),
        (_("Pending at the end of the window"), _split_bar([
            ("within_time", _("Within time"), totals["pending"]["within_time"]),
            ("overdue", _("Overdue"), totals["pending"]["overdue"]),
        ])),
    ]


NARRATIVE_LABELS = {
    "number": gettext_lazy("Document number"),
    "assessment": gettext_lazy("Assessment"),
    "tasks": gettext_lazy("Tasks for the next period"),
    "proposals": gettext_lazy("Proposals and recommendations"),
    "recipients": gettext_lazy("Recipients"),
    "signer_title": gettext_lazy("Signer's title"),
    "signer_name": gettext_lazy("Signer's name"),
}


def _narrative_items(narrative: dict) -> list[tuple[str, str]]:
    return [(NARRATIVE_LABELS[key], narrative[key]) for key in NARRATIVE_LABELS if narrative.get(key)]


def _latest_narrative(unit: AdministrativeUnit, period: Period, submission: ReportSubmission | None) -> dict:
    """The narrative the export form starts from: the latest PDF run's, else the latest submission's."""
    run = (
        ReportRun.objects.filter(unit=unit, period_key=period.key, format=ReportFormat.PDF)
        .exclude(parameters={}).order_by("-requested_at").first()
    )
    if run is not None:
        return run.narrative
    return submission.narrative if submission else {}


# -- the report page ------------------------------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return _index_page(request, _chosen_unit(request), _chosen_period(request, quarter_containing(timezone.localdate())))


def _index_page(request: HttpRequest, unit, chosen: ChosenPeriod, *, export_form=None, submit_form=None,
                status: int = 200) -> HttpResponse:
    """The report page; a refused export or submission comes back here bound, with what was typed."""
    period = chosen.period
    data = build_report(unit, period)
    report = report_as_dict(data)
    base = {"unit": unit.code, "period": period.key}
    submission = None
    if unit.parent_id is not None:  # a top unit submits to nobody (reports.services.report_submit)
        submission = (
            ReportSubmission.objects.filter(unit=unit, agency__isnull=True, period_key=period.key).select_related("submitted_by").order_by("-version").first()
        )
        if submit_form is None and can(request.user, "report.submit", unit):
            submit_form = SubmitForm(initial={**base, **(submission.narrative if submission else {})},
                                     window_open=period.is_open(timezone.now()))
    narrative = _latest_narrative(unit, period, submission)
    if export_form is None and can(request.user, "report.export"):
        export_form = ExportForm(initial={**base, **narrative}, user=request.user)
    context = {
        "unit": unit,
        **chosen.context(),
        "period": data.period,  # as counted: an open window's "as of" moment with it
        "report": report,
        "table": _table(report, base),
        "rates": _rates(report["totals"]),
        "trend": _trend_chart(monthly_trend(unit, period)),
        "outcome_rows": _outcome_chart(report["totals"]),
        "dossiers_url": reverse("reports:dossiers"),
        "base_query": urlencode(base),
        "unit_choices": unit_choices(request.user, unit),
        "export_form": export_form,
        "submit_form": submit_form,
        "submission": submission,
        "deadline": submission_deadline(period),
        "has_children": unit.children.exists(),
        "my_agency": _own_agency_at(request.user, unit),
        "has_agencies": unit.agencies.exists,  # asked only for a unit without units below
        "runs": ReportRun.objects.filter(unit=unit, period_key=period.key).select_related("requested_by")[:5],
    }
    return render(request, "reports/index.html", context, status=status)


def _own_agency_at(user, unit: AdministrativeUnit) -> Agency | None:
    """The user's agency when it belongs to ``unit``: the page then links to the agency's own report."""
    membership = membership_of(user)
    if membership is None or membership.agency_id is None or membership.agency.unit_id != unit.pk:
        return None
    return membership.agency


def _posted_period(request: HttpRequest) -> ChosenPeriod:
    """The window a posted export or submission was about, as the picker would show it."""
    return chosen_period(QueryDict(urlencode({"period": request.POST.get("period", "")[:40]})),
                         quarter_containing(timezone.localdate()), today=timezone.localdate())


def _agency_param(request: HttpRequest) -> int | str | None:
    """?agency=<id> or ?agency=none (the dossiers no agency holds); anything else is no filter."""
    value = request.GET.get("agency", "").strip()
    if value == NO_AGENCY:
        return NO_AGENCY
    return int(value) if value.isdigit() else None


def _stage_holder_param(request: HttpRequest) -> tuple[int | None, str | None]:
    """?stage_unit=<id>&holder=<kind>: a row of the table by stage holder (reports.stages)."""
    unit, holder = request.GET.get("stage_unit", "").strip(), request.GET.get("holder", "").strip()[:20]
    return (int(unit) if unit.isdigit() else None), (holder or None)


@login_required
@require_GET
def dossiers(request: HttpRequest) -> HttpResponse:
    """The dossiers behind one number of the report page: exactly those the figure counts."""
    code = request.GET.get("unit", "").strip()
    if not code:
        raise Http404
    unit = get_unit_for_user(request.user, code)
    try:
        period = parse_period(request.GET.get("period", ""))
    except PeriodError:
        raise Http404 from None
    figure = request.GET.get("figure", "")
    if figure not in figure_names():
        raise Http404
    child = None
    if request.GET.get("child"):
        child = get_unit_for_user(request.user, request.GET["child"].strip())
        if not unit.contains(child):
            raise Http404
    field_code = request.GET.get("field", "").strip() or None
    own = request.GET.get("own") == "1"
    rows = (
        figure_dossiers(unit, period, figure, field_code=field_code, child=child, own=own,
                        reason=request.GET.get("reason", "")[:2000] or None, agency=_agency_param(request),
                        stage_holder=_stage_holder_param(request))
        .select_related("procedure", "procedure__field", "handling_unit")
        .order_by("received_at", "id")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "unit": unit,
        "period": period,
        "figure": figure,
        "figure_label": FIGURE_LABELS.get(figure, figure),
        "reason": request.GET.get("reason", "")[:2000],
        "agency": _agency_param(request),
        "child": child,
        "own": own,
        "field_code": field_code,
        "field_name": page.object_list[0].procedure.field.name if field_code and page.object_list else field_code,
        "page": page,
        "back_query": urlencode({"unit": unit.code, "period": period.key}),
    }
    return render(request, "reports/dossiers.html", context)


# -- export runs ----------------------------------------------------------------------------------


@login_required
@require_POST
def request_export(request: HttpRequest) -> HttpResponse:
    if not can(request.user, "report.export"):
        raise PermissionDenied
    unit = get_unit_for_user(request.user, request.POST.get("unit", "").strip()[:40])  # 404 outside the scope first
    form = ExportForm(request.POST, user=request.user)
    if not form.is_valid():  # said beside the fields, with the narrative typed kept
        return _index_page(request, unit, _posted_period(request), export_form=form, status=400)
    try:
        period = parse_period(form.cleaned_data["period"])
    except PeriodError as exc:
        messages.error(request, str(exc))
        return redirect("reports:index")
    try:
        run = report_request(
            unit=unit, period=period, fmt=form.cleaned_data["format"], by=request.user,
            parameters={"narrative": form.narrative(), **(
                {"consolidated": parse_sources(form.cleaned_data["sources"])} if form.cleaned_data["consolidate"] else {})},
        )
    except ReportError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("reports:index") + "?" + urlencode({"unit": unit.code, "period": period.key}))
    run.refresh_from_db(fields=["status", "sent_at"])
    if run.status == RunStatus.QUEUED and run.sent_at is None:  # the broker did not answer: sent again later
        messages.warning(request, _(
            "The export is queued: the service that produces reports is not answering right now. It will start "
            "by itself as soon as the service is back; this page shows its progress."
        ))
    return redirect("reports:run", pk=run.pk)


def _get_run_for_user(user, pk: int) -> ReportRun:
    return get_object_or_404(ReportRun.objects.for_user(user).select_related("unit", "requested_by"), pk=pk)


@login_required
@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = _get_run_for_user(request.user, pk)
    response = render(request, "reports/run.html", {"run": run, "period": run.period, "narrative": _narrative_items(run.narrative)})
    if run.is_active:
        response["Refresh"] = "3"  # the page reloads itself every 3 s until the run is done
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def download(request: HttpRequest, pk: int) -> FileResponse:
    run = _get_run_for_user(request.user, pk)
    if run.status != RunStatus.DONE or not run.file:
        raise Http404
    try:
        handle = run.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=run.download_name, content_type=content_type_for(run.format))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def runs(request: HttpRequest) -> HttpResponse:
    rows = ReportRun.objects.for_user(request.user).select_related("unit", "requested_by")
    unit = None
    if request.GET.get("unit"):
        unit = get_unit_for_user(request.user, request.GET["unit"].strip())
        rows = Scope.below(unit).filter(rows, "unit")
    page = Paginator(rows.order_by("-requested_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reports/runs.html", {"page": page, "unit": unit})


# -- submissions ----------------------------------------------------------------------------------


@login_required
@require_GET
def submissions(request: HttpRequest) -> HttpResponse:
    """For a unit with units below it: each one's report for the window, on time, late or missing."""
    unit = _chosen_unit(request)
    chosen = _chosen_period(request, _last_closed_quarter())
    period = chosen.period
    rows = submission_rows(unit, period)
    counts = {state: sum(1 for row in rows if row.state == state)
              for state in (SubmissionState.ON_TIME, SubmissionState.LATE, SubmissionState.MISSING)}
    # The consolidation the officer composes here: per unit, its figures as sent or as now (?src-<code>=).
    consolidation = None
    if rows:
        chosen_sources = {key[4:]: value for key, value in request.GET.items() if key.startswith("src-")}
        consolidation = consolidate(unit, period, sources=chosen_sources)
        lines = {line.code: line for line in consolidation.lines}
        for row in rows:
            row.line = lines.get(row.unit.code)
            row.changes = [(FIGURE_LABELS.get(key, key), sent, now) for key, sent, now in (row.line.changes if row.line else [])]
    # The unit's own agencies: each one's report sent to the unit, on time, late or missing (issue 17).
    agency_rows = agency_submission_rows(unit, period)
    agency_counts = {state: sum(1 for row in agency_rows if row.state == state)
                     for state in (SubmissionState.ON_TIME, SubmissionState.LATE, SubmissionState.MISSING)}
    context = {
        "unit": unit,
        **chosen.context(),
        "rows": rows,
        "counts": counts,
        "agency_rows": agency_rows,
        "agency_counts": agency_counts,
        "States": SubmissionState,
        "deadline": submission_deadline(period),
        # Not yet sent before the deadline is no fault: said plainly, not in red.
        "deadline_passed": timezone.now() > submission_deadline(period),
        "export_form": (ExportForm(initial={"unit": unit.code, "period": period.key, "consolidate": consolidation is not None,
                                            "sources": format_sources(consolidation.sources()) if consolidation else ""},
                                   user=request.user)
                        if can(request.user, "report.export") else None),
        "consolidation": consolidation,
        "consolidated_table": consolidation and _table({"by_field": [], "by_unit": consolidation.figures.by_unit,
                                                        "totals": consolidation.figures.totals}, None),
        "Sources": {"SENT": SENT, "NOW": NOW},
        "unit_choices": unit_choices(request.user, unit),
        "report_query": urlencode({"unit": unit.code, "period": period.key}),
    }
    return render(request, "reports/submissions.html", context)


@login_required
@require_POST
def submit(request: HttpRequest) -> HttpResponse:
    unit = get_unit_for_user(request.user, request.POST.get("unit", "").strip()[:40])  # 404 outside the scope
    if not can(request.user, "report.submit", unit):
        raise PermissionDenied
    chosen = _posted_period(request)
    form = SubmitForm(request.POST, window_open=chosen.period.is_open(timezone.now()))
    if not form.is_valid():  # said beside the fields, with the assessment typed kept
        return _index_page(request, unit, chosen, submit_form=form, status=400)
    try:
        submission = report_submit(
            unit=unit, period=form.cleaned_data["period"], by=request.user, narrative=form.narrative(),
            reason=form.cleaned_data["reason"], early=form.cleaned_data.get("early", False),
        )
    except EarlySubmission as exc:  # beside the confirmation box, the rest kept
        form.add_error("early" if "early" in form.fields else None, str(exc))
        return _index_page(request, unit, chosen, submit_form=form, status=400)
    except (ReportError, PeriodError, SigningError) as exc:
        form.add_error(None, str(exc))
        return _index_page(request, unit, _posted_period(request), submit_form=form, status=400)
    messages.success(
        request,
        _("The report of %(unit)s for %(period)s was submitted to %(parent)s (version %(version)s).")
        % {"unit": unit.name, "period": submission.period_key, "parent": unit.parent.name, "version": submission.version},
    )
    return redirect("reports:submission", pk=submission.pk)


@login_required
@require_GET
def submission_pdf(request: HttpRequest, pk: int) -> FileResponse:
    """The report as the unit signed and sent it (for whoever may see the submission)."""
    submission = get_object_or_404(ReportSubmission.objects.for_user(request.user), pk=pk)
    if not submission.signed_pdf:
        raise Http404
    try:
        handle = submission.signed_pdf.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=submission.signed_pdf.name.rsplit("/", 1)[-1],
                            content_type="application/pdf")
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    submission = get_object_or_404(
        ReportSubmission.objects.for_user(request.user).select_related("unit", "unit__parent", "agency", "submitted_by"), pk=pk
    )
    membership = membership_of(request.user)
    if (submission.agency_id and membership is not None and membership.agency_id not in (None, submission.agency_id)
            and not can(request.user, "report.watch", submission.unit)):
        raise Http404  # another agency's report: a member of an agency sees its own only (_agency_for_user)
    versions = ReportSubmission.objects.filter(unit=submission.unit, agency=submission.agency, period_key=submission.period_key).select_related(
        "submitted_by"
    ).order_by("version")
    period = submission.period
    deadline = submission_deadline(period)
    first = versions[0] if versions else submission
    context = {
        "submission": submission,
        "signature": submission_signature(submission),
        "period": period,
        "report": submission.figures,
        "table": _table(submission.figures, None),
        "rates": _rates(submission.figures["totals"]),
        "versions": versions,
        "deadline": deadline,
        "on_time": first.submitted_at <= deadline,
        "narrative": _narrative_items(submission.narrative or {}),
    }
    return render(request, "reports/submission.html", context)


# -- an agency's own report, sent to its unit -----------------------------------------------------


def _agency_for_user(user, value: str) -> Agency:
    """The agency asked for (?agency=, or the user's own agency when none is given): 404 outside the
    user's scope; 403 for a member of another agency, who sees and sends only their own agency's report
    (unless they watch the unit — its leaders and office read every agency's report they receive)."""
    membership = membership_of(user)
    own_agency = membership.agency_id if membership is not None else None
    value = (value or "").strip()
    if not value and own_agency is None:
        raise Http404
    if value and not value.isdigit():
        raise Http404
    agency = get_agency_for_user(user, int(value) if value else own_agency)
    if own_agency is not None and agency.pk != own_agency and not can(user, "report.watch", agency.unit):
        raise PermissionDenied
    return agency


def _agency_page(request: HttpRequest, agency: Agency, chosen: ChosenPeriod, *, submit_form=None,
                 status: int = 200) -> HttpResponse:
    unit = agency.unit
    period = chosen.period
    report = agency_report(unit, agency, period)
    base = {"unit": unit.code, "period": period.key, "agency": agency.pk}
    submission = (ReportSubmission.objects.filter(agency=agency, period_key=period.key)
                  .select_related("submitted_by").order_by("-version").first())
    if submit_form is None and can(request.user, "report.submit_agency", agency):
        submit_form = AgencySubmitForm(initial={**base, **(submission.narrative if submission else {})},
                                       window_open=period.is_open(timezone.now()))
    context = {
        "agency": agency,
        "unit": unit,
        **chosen.context(),
        "period": counted_period(period),
        "report": report,
        "table": _table(report, base),
        "rates": _rates(report["totals"]),
        "dossiers_url": reverse("reports:dossiers"),
        "base_query": urlencode(base),
        "submission": submission,
        "submit_form": submit_form,
        "deadline": submission_deadline(period),
    }
    return render(request, "reports/agency.html", context, status=status)


@login_required
@require_GET
def agency(request: HttpRequest) -> HttpResponse:
    """An agency's own figures (the unit's report restricted to the dossiers it holds), and for its
    focal officer the form that sends them to the unit by the 17th."""
    chosen_agency = _agency_for_user(request.user, request.GET.get("agency", ""))
    return _agency_page(request, chosen_agency, _chosen_period(request, quarter_containing(timezone.localdate())))


@login_required
@require_POST
def agency_submit(request: HttpRequest) -> HttpResponse:
    chosen_agency = _agency_for_user(request.user, request.POST.get("agency", "")[:12])
    if not can(request.user, "report.submit_agency", chosen_agency):
        raise PermissionDenied
    chosen = _posted_period(request)
    form = AgencySubmitForm(request.POST, window_open=chosen.period.is_open(timezone.now()))
    if not form.is_valid():
        return _agency_page(request, chosen_agency, chosen, submit_form=form, status=400)
    try:
        submission = report_submit(
            unit=chosen_agency.unit, agency=chosen_agency, period=form.cleaned_data["period"], by=request.user,
            narrative=form.narrative(), reason=form.cleaned_data["reason"], early=form.cleaned_data.get("early", False),
        )
    except EarlySubmission as exc:
        form.add_error("early" if "early" in form.fields else None, str(exc))
        return _agency_page(request, chosen_agency, chosen, submit_form=form, status=400)
    except (ReportError, PeriodError) as exc:
        form.add_error(None, str(exc))
        return _agency_page(request, chosen_agency, chosen, submit_form=form, status=400)
    messages.success(
        request,
        _("The report of %(agency)s for %(period)s was submitted to %(unit)s (version %(version)s).")
        % {"agency": chosen_agency.name, "period": submission.period_key, "unit": chosen_agency.unit.name,
           "version": submission.version},
    )
    return redirect("reports:submission", pk=submission.pk)
