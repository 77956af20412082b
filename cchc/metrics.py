"""The criteria the portal's own records answer, read from the one aggregation of the year's window.

Each metric takes a unit's report of the year (reports.report.build_report(unit, parse_period("2021")):
the same figures the report screens and exports print) and gives a percentage, the inputs it was divided
from, and the figures of the report page that list the records behind it (reports:dossiers?figure=…).
Nothing here counts dossiers: every number comes from the report.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from motcua.models import AdministrativeUnit
from motcua.numbers import percent
from motcua.periods import Period, parse_period
from reports.dashboard import POSTING_WORKING_DAYS
from reports.report import ReportData, build_report

__all__ = ["METRICS", "Measure", "measure", "metric_choices", "year_period"]


@dataclass(frozen=True)
class Measure:
    value: Decimal | None
    inputs: dict
    figures: tuple[str, ...] = ()  # the report page's figures listing the records behind the value
    links: list = field(default_factory=list)


@dataclass(frozen=True)
class Metric:
    label: str
    read: Callable[[ReportData, dict], tuple[Decimal | None, dict]]
    figures: tuple[str, ...] = ()
    # The records behind the value when they are not report figures: (unit, period) → [(label, url)].
    links: Callable[[AdministrativeUnit, Period], list] | None = None
    description: str = ""  # the rule, as the scheme's page states it


def _rate(key: str, part: Callable[[dict], int], whole: Callable[[dict], int]):
    def read(data: ReportData, extra: dict):
        totals = data.figures.totals
        return totals["rates"][key], {"part": part(totals), "whole": whole(totals)}
    return read


def _apologies(data: ReportData, extra: dict):
    late = data.figures.totals["resolved"]["late"]
    # Every late dossier should have its apology: the share of the late ones covered (None with none late).
    return percent(min(data.apologies, late), late), {"part": data.apologies, "whole": late}


def _feedback(data: ReportData, extra: dict):
    feedback = data.feedback
    handled = (feedback.get("handled_on_time") or 0) + (feedback.get("handled_late") or 0)
    return feedback.get("on_time_rate"), {"part": feedback.get("handled_on_time") or 0, "whole": handled}


def _satisfaction(data: ReportData, extra: dict):
    satisfaction = data.satisfaction
    return satisfaction["rate"], {"part": satisfaction["very_satisfied"] + satisfaction["satisfied"],
                                  "whole": satisfaction["ratings"]}


def _reports_on_time(data: ReportData, extra: dict):
    on_time, due = extra.get("reports", (0, 0))
    return percent(on_time, due), {"part": on_time, "whole": due}


def _fixes_on_time(data: ReportData, extra: dict):
    on_time, due = extra.get("fixes", (0, 0))
    return percent(on_time, due), {"part": on_time, "whole": due}


def postings_on_time(unit: AdministrativeUnit, period: Period) -> dict[str, int]:
    """The unit's postings in force on the window's last day (its subtree's, as the service index reads them) and
    how many were posted on time at the desk, on the website, and both: one aggregate in SQL over the postings
    with their deadline (reports.dashboard: posted at most POSTING_WORKING_DAYS working days after the procedure
    takes effect, ``effective_from``, else after its publication decision, ``decision_date``; a procedure with
    neither date: posted with a date is enough)."""
    from django.db.models import Count

    from reports.dashboard import posting_conditions, records

    terms = posting_conditions()
    _kind, postings = records(unit, period, "postings")
    return postings.order_by().aggregate(
        postings=Count("id"),
        desk=Count("id", filter=terms["postings_desk_on_time"]),
        website=Count("id", filter=terms["postings_website_on_time"]),
        both=Count("id", filter=terms["postings_desk_on_time"] & terms["postings_website_on_time"]),
    )


def _posted_on_time(data: ReportData, extra: dict):
    counts = extra.get("postings") or postings_on_time(data.unit, data.period)
    return percent(counts["both"], counts["postings"]), {
        "part": counts["both"], "whole": counts["postings"], "desk": counts["desk"], "website": counts["website"]}


def _posting_links(unit: AdministrativeUnit, period: Period) -> list[tuple[str, str]]:
    """The postings behind the value, as the service index lists them (reports:index-detail)."""
    def url(indicator: str, records_key: str) -> str:
        query = urlencode({"unit": unit.code, "period": period.key, "input": records_key})
        return f"{reverse('reports:index-detail', args=[indicator])}?{query}"

    return [
        (str(_("Postings of procedures in force")), url("transparency_desk", "postings")),
        (str(_("Posted at the desk on time")), url("transparency_desk", "postings_desk_on_time")),
        (str(_("Posted on the website on time")), url("transparency_website", "postings_website_on_time")),
    ]


METRICS: dict[str, Metric] = {
    "resolved_on_time": Metric(_("Dossiers resolved early or on time"),
                               _rate("resolved_on_time", lambda t: t["resolved"]["early"] + t["resolved"]["on_time"],
                                     lambda t: t["resolved"]["total"]), ("early_on_time", "late")),
    "online": Metric(_("Dossiers received online"),
                     _rate("online", lambda t: t["received"]["online"], lambda t: t["received"]["new"]), ("new_online", "new")),
    "components_digitized": Metric(_("Dossiers with digitised components"),
                                   _rate("components_digitized", lambda t: t["digitized"]["components_any"],
                                         lambda t: t["received"]["new"]), ("components_any", "new")),
    "results_digitized": Metric(_("Results digitised"),
                                _rate("results_digitized", lambda t: t["digitized"]["results"],
                                      lambda t: t["resolved"]["total"]), ("results", "resolved")),
    "paid_online": Metric(_("Fees paid online"),
                          _rate("paid_online", lambda t: t["paid_online"], lambda t: t["received"]["new"]), ("paid_online", "new")),
    "apologies": Metric(_("Late dossiers with an apology letter"), _apologies, ("apologies", "late")),
    "feedback_on_time": Metric(_("Feedback answered on time"), _feedback),
    "satisfaction": Metric(_("Satisfied citizens"), _satisfaction),
    "reports_on_time": Metric(_("Quarterly reports sent by the 17th"), _reports_on_time),
    # From the index's own records (cchc.services.fixes_on_time): inspections' findings fixed by their deadline.
    "fixes_on_time": Metric(_("Inspection findings fixed by their deadline"), _fixes_on_time),
    # From the catalogue's postings (procedures.Posting), counted in SQL by postings_on_time.
    "posted_on_time": Metric(
        _("Procedures posted on time"), _posted_on_time, links=_posting_links,
        description=format_lazy(_(
            "Share of the procedures in force that the unit handles (its postings on the window's last day) posted both "
            "at the desk and on the website within {days} working days of the day the procedure takes effect (else of "
            "its publication decision's date); a procedure with neither date counts as on time once both posting "
            "dates are recorded."), days=POSTING_WORKING_DAYS),
    ),
}


def metric_choices() -> list[tuple[str, str]]:
    return [(key, metric.label) for key, metric in METRICS.items()]


def year_period(year: int) -> Period:
    """The index's window: the year's annual reporting window (15/12 of the year before … 14/12)."""
    return parse_period(str(year))


def reports_sent(parent: AdministrativeUnit, year: int) -> dict[int, tuple[int, int]]:
    """Per child of ``parent``: (quarterly reports of the year first sent by the 17th, quarters whose
    deadline has passed), from reports.services.submission_rows (two queries per quarter)."""
    from django.utils import timezone

    from reports.services import SubmissionState, submission_deadline, submission_rows

    sent: dict[int, list[int]] = {}
    now = timezone.now()
    for quarter in range(1, 5):
        period = parse_period(f"{year}-Q{quarter}")
        if submission_deadline(period) > now:
            continue
        for row in submission_rows(parent, period):
            counts = sent.setdefault(row.unit.pk, [0, 0])
            counts[0] += row.state == SubmissionState.ON_TIME
            counts[1] += 1
    return {unit_id: (on_time, due) for unit_id, (on_time, due) in sent.items()}


def links_for(unit: AdministrativeUnit, period: Period, figures: tuple[str, ...]) -> list[tuple[str, str]]:
    from reports.views import FIGURE_LABELS

    return [
        (str(FIGURE_LABELS.get(figure, figure)),
         f"{reverse('reports:dossiers')}?{urlencode({'unit': unit.code, 'period': period.key, 'figure': figure})}")
        for figure in figures
    ]


def measure(key: str, unit: AdministrativeUnit, year: int, *, data: ReportData | None = None,
            extra: dict | None = None) -> Measure:
    """The value of metric ``key`` for ``unit`` in ``year``, with its inputs and the records behind it."""
    metric = METRICS[key]
    period = year_period(year)
    data = data if data is not None else build_report(unit, period)
    value, inputs = metric.read(data, extra or {})
    inputs = {**inputs, "period": data.period.key}
    links = metric.links(unit, data.period) if metric.links else links_for(unit, data.period, metric.figures)
    return Measure(value=value, inputs=inputs, figures=metric.figures, links=links)
