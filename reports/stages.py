"""Figures by stage of the internal process (issue 17): who used more than their share.

For a unit (its subtree) and a window, over the stages of the dossiers the unit handles: per holder of a
stage (the unit, the agency for an agency's stage, and the kind of holder), the stages that ended in the
window, early / on time / late by the dossier's rule (``dossiers.stages``), and the stages held at the
window's end, overdue or not. One grouped query; each number has its list of dossiers
(``stage_dossiers``) under the same condition. A dossier of a procedure without an internal process has
no stages and appears in none of these rows (its figures are the official table's).
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from dossiers.models import Dossier, DossierStage, Outcome, Status
from motcua.models import AdministrativeUnit
from motcua.periods import Period
from motcua.scope import Scope
from procedures.models import stage_holder_label
from procedures.parsing import STAGE_HOLDER_WORDS

from .figures import counted

STAGE_KEYS = ("ended", "early", "on_time", "late", "held", "held_overdue")


def stage_conditions(period: Period) -> dict[str, Q]:
    """Each stage figure as the condition a stage meets (the counts and the lists share them)."""
    start, end = period.start, period.end
    ended = Q(ended_at__gte=start, ended_at__lt=end)
    held = Q(started_at__lt=end) & (Q(ended_at__isnull=True) | Q(ended_at__gte=end))
    return {
        "ended": ended,
        "early": ended & Q(outcome=Outcome.EARLY),
        "on_time": ended & Q(outcome=Outcome.ON_TIME),
        "late": ended & Q(outcome=Outcome.LATE),
        "held": held,
        "held_overdue": held & Q(due_at__lt=end),
    }


def _stages(unit: AdministrativeUnit, period: Period):
    return DossierStage.objects.filter(
        Scope.below(unit, on=period.last_day).q("dossier__handling_unit"),
        dossier__received_at__lt=period.end,
    ).exclude(dossier__status=Status.REFUSED)


@dataclass(frozen=True)
class StageRow:
    unit_id: int
    agency_id: int | None
    holder: str
    holder_name: str  # for the screens (translated)
    holder_words: str  # for the documents (Vietnamese whatever the interface says)
    counts: dict

    @property
    def late_share(self) -> int:
        return self.counts["late"] + self.counts["held_overdue"]

    def as_dict(self) -> dict:
        return {"unit_id": self.unit_id, "agency_id": self.agency_id, "holder": self.holder,
                "holder_name": str(self.holder_name), "holder_words": self.holder_words, **self.counts}


def stage_figures(unit: AdministrativeUnit, period: Period) -> list[StageRow]:
    """One row per holder (unit, agency, kind of holder), the ones that ran late most first."""
    period = counted(period)
    terms = stage_conditions(period)
    rows = (
        _stages(unit, period).order_by()
        .values("unit_id", "unit__name", "agency_id", "agency__name", "holder")
        .annotate(**{key: Count("id", filter=q) for key, q in terms.items()})
    )
    result = []
    for row in rows:
        counts = {key: row[key] for key in STAGE_KEYS}
        if not counts["ended"] and not counts["held"]:
            continue
        label, words = stage_holder_label(row["holder"]), STAGE_HOLDER_WORDS.get(row["holder"], row["holder"])
        if row["agency__name"]:
            label = words = row["agency__name"]
        elif row["unit__name"]:
            label, words = f"{label} – {row['unit__name']}", f"{words} – {row['unit__name']}"
        result.append(StageRow(row["unit_id"], row["agency_id"], row["holder"], label, words, counts))
    return sorted(result, key=lambda r: (-r.late_share, -r.counts["ended"], r.holder_name))


def stage_dossiers(unit: AdministrativeUnit, period: Period, figure: str, *, holder_unit: int | None = None,
                   agency: int | None = None, holder: str | None = None):
    """The dossiers behind a stage figure (KeyError for an unknown one), narrowed to one row's holder."""
    period = counted(period)
    stages = _stages(unit, period).filter(stage_conditions(period)[figure])
    if holder_unit is not None:
        stages = stages.filter(unit_id=holder_unit)
    if agency is not None:
        stages = stages.filter(agency_id=agency)
    elif holder is not None:
        stages = stages.filter(agency__isnull=True)
    if holder is not None:
        stages = stages.filter(holder=holder)
    return Dossier.objects.filter(pk__in=stages.values("dossier_id"))
