"""The one aggregation behind every report, screen and format: counted in SQL at the handling unit.

For a unit (its whole subtree) and a window:
- received: new (received inside the window: online / direct / postal) + carried_over (received
  before the window, not yet resolved at its start);
- resolved inside the window: early / on time / late (returned-unresolved and withdrawn dossiers
  count as resolved, by the same time rule, and are also shown apart);
- pending at the window's end: within time (due moment not passed at the end of the last day, or
  paused then with the pause begun before it fell due) / overdue;
- digitisation: components (any, full) and payment online among new, results among resolved.

Dossiers refused at intake are never counted. One grouped query per breakdown (by handling unit,
by field); the totals and the ``by_unit`` rows are sums of the per-unit rows, so they always add up.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q

from dossiers.models import Channel, Digitisation, Dossier, Outcome, Pause, Status
from motcua.models import AdministrativeUnit

from .periods import Period

COUNT_KEYS = (
    "new", "new_online", "new_direct", "new_postal", "carried_over",
    "resolved", "early", "on_time", "late", "returned_unresolved", "withdrawn",
    "pending", "within_time", "overdue",
    "components_any", "components_full", "results", "paid_online",
)


def conditions(start: datetime, end: datetime) -> dict[str, Q]:
    """Each figure as the condition a dossier meets to be counted in it (one definition for the
    counts and for the lists of dossiers behind them)."""
    new = Q(received_at__gte=start, received_at__lt=end)
    carried = Q(received_at__lt=start) & (Q(resolved_at__isnull=True) | Q(resolved_at__gte=start))
    resolved = Q(resolved_at__gte=start, resolved_at__lt=end)
    pending = Q(received_at__lt=end) & (Q(resolved_at__isnull=True) | Q(resolved_at__gte=end))
    # A dossier paused at the end, whose pause began before it fell due, has its clock stopped.
    paused_in_time = Exists(
        Pause.objects.filter(dossier=OuterRef("pk"), started_at__lt=end, started_at__lte=OuterRef("due_at"))
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=end))
    )
    within = Q(due_at__gte=end) | Q(paused_in_time)
    return {
        "received": new | carried,
        "new": new,
        "new_online": new & Q(channel=Channel.ONLINE),
        "new_direct": new & Q(channel=Channel.DIRECT),
        "new_postal": new & Q(channel=Channel.POSTAL),
        "carried_over": carried,
        "resolved": resolved,
        "early": resolved & Q(outcome=Outcome.EARLY),
        "on_time": resolved & Q(outcome=Outcome.ON_TIME),
        "late": resolved & Q(outcome=Outcome.LATE),
        "returned_unresolved": resolved & Q(status=Status.RETURNED_UNRESOLVED),
        "withdrawn": resolved & Q(status=Status.WITHDRAWN),
        "pending": pending,
        "within_time": pending & within,
        "overdue": pending & ~within,
        "components_any": new & ~Q(components_digitised=Digitisation.NONE),
        "components_full": new & Q(components_digitised=Digitisation.FULL),
        "results": resolved & Q(result_digitised=True),
        "paid_online": new & Q(paid_online=True),
    }


def _counts(start: datetime, end: datetime) -> dict:
    return {key: Count("id", filter=q) for key, q in conditions(start, end).items() if key in COUNT_KEYS}


def dossiers_counted(unit: AdministrativeUnit, period: Period):
    """Every dossier that can appear in the window's figures, at the unit's subtree."""
    return (
        Dossier.objects.filter(handling_unit__path__startswith=unit.path, received_at__lt=period.end)
        .exclude(status=Status.REFUSED)
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=period.start))
    )


def dossiers_behind(unit: AdministrativeUnit, period: Period, figure: str, *, field_code: str | None = None,
                    child: AdministrativeUnit | None = None):
    """The dossiers a figure counts, so a reader can check any number (KeyError for an unknown figure)."""
    scope = child if child is not None else unit
    dossiers = dossiers_counted(scope, period).filter(conditions(period.start, period.end)[figure])
    if field_code:
        dossiers = dossiers.filter(procedure__field__code=field_code)
    return dossiers


def rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def shape(counts: dict) -> dict:
    """Flat counts → the report's nested figures with their rates."""
    c = defaultdict(int, counts)
    return {
        "received": {
            "total": c["new"] + c["carried_over"],
            "new": c["new"],
            "online": c["new_online"],
            "direct": c["new_direct"],
            "postal": c["new_postal"],
            "carried_over": c["carried_over"],
        },
        "resolved": {
            "total": c["resolved"],
            "early": c["early"],
            "on_time": c["on_time"],
            "late": c["late"],
            "returned_unresolved": c["returned_unresolved"],
            "withdrawn": c["withdrawn"],
        },
        "pending": {"total": c["pending"], "within_time": c["within_time"], "overdue": c["overdue"]},
        "digitized": {
            "components_any": c["components_any"],
            "components_full": c["components_full"],
            "results": c["results"],
        },
        "paid_online": c["paid_online"],
        "rates": {
            "online": rate(c["new_online"], c["new"]),
            "components_digitized": rate(c["components_any"], c["new"]),
            "components_fully_digitized": rate(c["components_full"], c["new"]),
            "results_digitized": rate(c["results"], c["resolved"]),
            "paid_online": rate(c["paid_online"], c["new"]),
            "resolved_on_time": rate(c["early"] + c["on_time"], c["resolved"]),
        },
    }


def _add(into: dict, row: dict) -> None:
    for key in COUNT_KEYS:
        into[key] = into.get(key, 0) + (row.get(key) or 0)


@dataclass
class Figures:
    unit: AdministrativeUnit
    period: Period
    totals: dict
    by_field: list[dict]
    by_unit: list[dict]


def compute_figures(unit: AdministrativeUnit, period: Period) -> Figures:
    """The report's figures: two grouped queries (by handling unit, by field) and one for the units."""
    base = dossiers_counted(unit, period).order_by()
    counts = _counts(period.start, period.end)

    per_unit = list(base.values("handling_unit_id").annotate(**counts))
    per_field = list(
        base.values("procedure__field__code", "procedure__field__name").annotate(**counts).order_by("procedure__field__name")
    )

    # Roll the per-unit rows up into the unit's own row and one row per direct child (their subtrees).
    children = list(unit.children.order_by("name").only("id", "code", "name", "path", "parent_id"))
    paths = dict(AdministrativeUnit.objects.filter(id__in=[r["handling_unit_id"] for r in per_unit]).values_list("id", "path"))
    own: dict = {}
    by_child: dict[int, dict] = {child.id: {} for child in children}
    totals: dict = {}
    for row in per_unit:
        _add(totals, row)
        path = paths[row["handling_unit_id"]]
        child = next((c for c in children if path.startswith(c.path)), None)
        _add(by_child[child.id] if child else own, row)

    by_unit = []
    if own:
        by_unit.append({"unit_code": unit.code, "unit_name": unit.name, "own": True, **shape(own)})
    for child in children:
        by_unit.append({"unit_code": child.code, "unit_name": child.name, "own": False, **shape(by_child[child.id])})
    by_field = [
        {"field_code": row["procedure__field__code"], "field_name": row["procedure__field__name"], **shape(row)}
        for row in per_field
    ]
    return Figures(unit=unit, period=period, totals=shape(totals), by_field=by_field, by_unit=by_unit)
