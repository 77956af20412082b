"""The province's targets (reports.models.Target, per year and optionally per unit level): the one
source of every target shown (the dashboard, the satisfaction page through motcua.targets, the
report's PDF and Excel through reports.report), and a unit's figure against each: achieved when the figure reaches the target, "no data" when there was nothing
to measure (never counted as achieved or missed).

The figures are those of the index (reports.dashboard.compute_index's counts) and of the ratings
(dossiers.ratings.services), so the page and the index never disagree:
- online dossiers: received online / new dossiers (reports.figures);
- online payment: dossiers paid online / new dossiers with a fee (the index's payment A);
- components digitised: new dossiers with digitised components (partly or fully) / new dossiers;
- results digitised: resolved dossiers with a digitised result / resolved dossiers;
- satisfaction, overall and for land, construction and investment: satisfied ratings / ratings.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from dossiers.ratings.services import land_group_filter, ratings_in, satisfaction_figures
from motcua.models import AdministrativeUnit
from motcua.numbers import percent
from motcua.periods import Period

from .dashboard import ServiceIndex
from .models import Target, TargetKey


def targets_for(unit: AdministrativeUnit, year: int) -> dict[str, Target]:
    """The targets of a year that apply to the unit: its level's own row wins over the general one."""
    chosen: dict[str, Target] = {}
    for target in Target.objects.filter(year=year, level__in=[unit.level, ""]).order_by("level"):
        # "" sorts first: a level's own row, read later, replaces the general one.
        chosen[target.key] = target
    return chosen


@dataclass(frozen=True)
class TargetRow:
    key: str
    label: str
    target: Decimal
    part: int
    whole: int
    figure: str = ""  # numerator's list: a reports.figures key (reports:dossiers) …
    records: str = ""  # … or a reports.dashboard.RECORDS key (reports:index-detail)
    indicator: str = ""  # the index indicator the records belong to
    ratings: bool = False  # the counts are ratings (listed on the satisfaction screens)

    @property
    def actual(self) -> Decimal | None:
        return percent(self.part, self.whole)

    @property
    def achieved(self) -> bool | None:
        actual = self.actual
        return None if actual is None else actual >= self.target

    @property
    def gap(self) -> Decimal | None:
        """Percentage points still missing (0 when achieved)."""
        actual = self.actual
        return None if actual is None else max(Decimal(0), self.target - actual)


def target_rows(index: ServiceIndex) -> list[TargetRow]:
    """Each target of the window's year (the year its last day falls in) against the unit's figure."""
    unit, period, facts = index.unit, index.period, index.facts
    targets = targets_for(unit, period.last_day.year)
    counts = {
        TargetKey.ONLINE_DOSSIERS: dict(part=facts["received"]["online"], whole=facts["received"]["new"], figure="new_online"),
        TargetKey.ONLINE_PAYMENT: dict(part=facts["paid_online_with_fee"], whole=facts["new_with_fee"],
                                       records="paid_online_with_fee", indicator="online_payment_dossiers"),
        TargetKey.COMPONENTS_DIGITISED: dict(part=facts["digitized"]["components_any"], whole=facts["received"]["new"],
                                             figure="components_any"),
        TargetKey.RESULTS_DIGITISED: dict(part=facts["digitized"]["results"], whole=facts["resolved"]["total"], figure="results"),
    }
    if TargetKey.SATISFACTION in targets or TargetKey.LAND_GROUP_SATISFACTION in targets:
        counts.update(_satisfaction_counts(unit, period))
    rows = []
    for key in TargetKey.values:
        if key in targets and key in counts:
            rows.append(TargetRow(key=key, label=TargetKey(key).label, target=targets[key].value, **counts[key]))
    return rows


def _satisfaction_counts(unit: AdministrativeUnit, period: Period) -> dict:
    ratings = ratings_in(unit, period.start, period.end)
    overall = satisfaction_figures(ratings)
    land = satisfaction_figures(ratings.filter(land_group_filter()))
    return {
        TargetKey.SATISFACTION: dict(part=overall.satisfied_total, whole=overall.total, ratings=True),
        TargetKey.LAND_GROUP_SATISFACTION: dict(part=land.satisfied_total, whole=land.total, ratings=True),
    }


def target_values(unit: AdministrativeUnit, year: int) -> dict[str, Decimal]:
    """{key: value %} of the year's targets for the unit: what every screen and document shows
    (motcua.targets.province_targets reads through this)."""
    return {key: target.value for key, target in targets_for(unit, year).items()}


def target_for(unit: AdministrativeUnit, year: int, key: str) -> Decimal | None:
    target = targets_for(unit, year).get(key)
    return target.value if target else None
