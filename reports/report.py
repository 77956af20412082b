"""A report's content for a unit and a window: the dossier figures plus satisfaction, feedback,
the catalogue and apologies. Every format (JSON, Excel, PDF, the screen) is drawn from this."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, Q
from django.db.models.functions import Trim
from django.utils import timezone

from dossiers.ratings.services import land_group_filter, ratings_in, satisfaction_figures

from dossiers.tickets.services import ticket_figures, tickets_in
from dossiers.models import Apology
from motcua.deadlines import configured_outcome_rule
from motcua.models import AdministrativeUnit
from motcua.periods import Period
from motcua.scope import Scope
from procedures.models import Procedure, ReviewRound
from procedures.selectors import review_totals

from .extensions import report_sections
from .figures import Figures, compute_figures, counted, received_for_others
from .stages import stage_figures
from .models import TargetKey
from .targets import target_values


@dataclass
class ReportData:
    unit: AdministrativeUnit
    period: Period
    figures: Figures
    satisfaction: dict
    feedback: dict
    procedures: dict
    apologies: int
    generated_at: datetime = field(default_factory=timezone.now)
    # The province's targets for the window's year ({reports.models.TargetKey: value %}), read from
    # the Target table like every other screen; a key without a row has no target.
    targets: dict = field(default_factory=dict)
    # The rule the stored outcomes follow (settings.OUTCOME_RULE, motcua.deadlines): every format
    # states it under its table.
    outcome_rule: str = field(default_factory=configured_outcome_rule)
    # The report's other tables (reports.report.other_tables): the year's review of procedures and the
    # reasons of the late dossiers, from the apologies issued in the window.
    review: dict = field(default_factory=dict)
    late_reasons: list = field(default_factory=list)
    # The receiving desks' work for units outside the subtree (reports.figures.received_for_others).
    for_others: dict = field(default_factory=dict)
    # The sections other apps add (reports.extensions: the inspections of cchc), by key.
    sections: dict = field(default_factory=dict)
    # The stages of the internal process by holder (reports.stages.stage_figures), as dicts.
    stages: list = field(default_factory=list)
    # A consolidated report's sources (reports.consolidation.Consolidation): which units' figures are
    # as they sent them and which as the records give them now. None for a report of the records.
    consolidation: object | None = None


def _satisfaction(unit: AdministrativeUnit, period: Period, targets: dict) -> dict:
    ratings = ratings_in(unit, period.start, period.end)
    overall = satisfaction_figures(ratings)
    land = satisfaction_figures(ratings.filter(land_group_filter()))
    return {
        "ratings": overall.total,
        "very_satisfied": overall.very_satisfied,
        "satisfied": overall.satisfied,
        "unsatisfied": overall.unsatisfied,
        "rate": overall.rate,
        "target": targets.get(TargetKey.SATISFACTION),
        "land_construction_investment": {"ratings": land.total, "rate": land.rate,
                                         "target": targets.get(TargetKey.LAND_GROUP_SATISFACTION)},
    }


def apologies_in(unit: AdministrativeUnit, period: Period):
    """The apologies (phiếu xin lỗi) issued in the window for dossiers handled in the unit's subtree."""
    return Apology.objects.filter(Scope.below(unit, on=period.last_day).q("dossier__handling_unit"),
                                  issued_at__gte=period.start, issued_at__lt=period.end)


def late_reasons(unit: AdministrativeUnit, period: Period) -> list[dict]:
    """The reasons given in the window's apologies, each with how many (one grouped query), most
    frequent first: the report's table of why dossiers ran late."""
    rows = (apologies_in(unit, period).annotate(text=Trim("reason")).order_by().values("text")
            .annotate(count=Count("id")).order_by("-count", "text"))
    return [{"reason": row["text"], "count": row["count"]} for row in rows]


def review_figures(unit: AdministrativeUnit, period: Period) -> dict:
    """The window's year's review of procedures (rà soát, đánh giá TTHC) in the unit's subtree: rounds
    opened and submitted, and procedures.selectors.review_totals over them."""
    rounds = Scope.below(unit, on=period.last_day).filter(ReviewRound.objects.filter(year=period.last_day.year), "unit")
    figures = review_totals(rounds)
    figures.update(rounds.order_by().aggregate(
        rounds=Count("id"), rounds_submitted=Count("id", filter=Q(status=ReviewRound.Status.SUBMITTED))))
    figures["year"] = period.last_day.year
    return figures


def build_report(unit: AdministrativeUnit, period: Period, *, now: datetime | None = None) -> ReportData:
    """Every table of the report, of a window counted whole once it has ended and as of ``now`` (this
    moment) before: ``data.period.as_of`` then says when."""
    period = counted(period, now)
    procedures = Procedure.objects.posted_in(unit, on=period.last_day).in_force()
    targets = target_values(unit, period.last_day.year)
    return ReportData(
        unit=unit,
        period=period,
        figures=compute_figures(unit, period),
        satisfaction=_satisfaction(unit, period, targets),
        feedback=ticket_figures(tickets_in(unit, period.start, period.end), at=period.end),
        procedures=Procedure.objects.filter(pk__in=procedures.values("pk")).counts(),
        apologies=apologies_in(unit, period).count(),
        targets=targets,
        review=review_figures(unit, period),
        for_others=received_for_others(unit, period),
        sections=report_sections(unit, period),
        late_reasons=late_reasons(unit, period),
        stages=[row.as_dict() for row in stage_figures(unit, period)],
    )


def report_as_dict(data: ReportData) -> dict:
    """The JSON shape: unit, period, totals, by_field, by_unit (+ satisfaction, feedback, procedures)."""
    figures = data.figures
    return {
        "unit": {"code": data.unit.code, "name": data.unit.name},
        "period": {"key": data.period.key, "start": data.period.first_day.isoformat(), "end": data.period.last_day.isoformat(),
                   # An open window's figures are counted up to this moment (None once the window has ended).
                   "as_of": data.period.as_of.isoformat() if data.period.as_of else None},
        "totals": figures.totals,
        "by_field": figures.by_field,
        "by_unit": figures.by_unit,
        "by_agency": figures.by_agency,
        "for_others": data.for_others,
        "by_stage": data.stages,
        "satisfaction": data.satisfaction,
        "feedback": data.feedback,
        "procedures": data.procedures,
        "apologies": data.apologies,
        "review": {key: (float(value) if isinstance(value, Decimal) else value) for key, value in data.review.items()},
        "late_reasons": data.late_reasons,
        "sections": data.sections,
        "generated_at": data.generated_at.isoformat(),
        "outcome_rule": data.outcome_rule,
        "consolidated_from": [
            {"unit_code": line.code, "unit_name": line.name, "submission": line.state,
             "version": line.submission.version if line.submission else None,
             "figures": line.source, "differs_now": line.differences}
            for line in data.consolidation.lines
        ] if data.consolidation else None,
    }


class _Encoder(json.JSONEncoder):
    def default(self, value):
        if isinstance(value, Decimal):
            return float(value)
        if isinstance(value, (date, datetime)):
            return value.isoformat()
        return super().default(value)


def to_json(data: ReportData, **options) -> bytes:
    return json.dumps(report_as_dict(data), cls=_Encoder, ensure_ascii=False, indent=2).encode("utf-8")
