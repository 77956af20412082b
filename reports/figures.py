"""The one aggregation behind every report, screen and format: counted in SQL at the handling unit.

For a unit (its whole subtree) and a window:
- received: new (received inside the window: online / direct / postal) + carried_over (received
  before the window, not yet resolved at its start);
- resolved inside the window: early / on time / late (returned-unresolved and withdrawn dossiers
  count as resolved, by the same time rule, and are also shown apart);
- pending at the window's end: within time (due moment not passed at the end of the last day, or
  paused then with the pause begun before it fell due) / overdue;
- digitisation: components (any, full) and payment online among new, results among resolved.

A window that has not ended is counted as of now (``counted``, motcua.periods ``Period.until``): pending
means not resolved now, overdue means past due now, exactly as the desk's board counts them.

Dossiers refused at intake are never counted. One grouped query (by handling unit and field) reads
the window's rows once; the totals, the ``by_unit`` rows and the ``by_field`` rows are sums of its
rows, so they always add up.

Performance (the benchmark, docs/benchmarks.md): the subtree is given to PostgreSQL as the list of
its unit ids rather than a join on the unit tree, so that a commune or a district reads its own
rows through the (handling unit, resolved) and (handling unit, received) indexes; and the pause
condition is an uncorrelated ``IN (SELECT …)``, computed once, which leaves the province's scan free
to run on every core (a correlated EXISTS forbids the parallel partial aggregation).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from operator import add

from django.db.models import Count, Q
from django.utils import timezone

from dossiers.files import reuse_condition
from dossiers.models import Channel, Digitisation, Dossier, Outcome, Status, overdue_condition
from motcua.db import VietnameseOrder
from motcua.models import PATH_SEPARATOR, AdministrativeUnit, UnitLineage
from motcua.numbers import percent
from motcua.periods import Period
from motcua.scope import Scope, reference_day
from procedures.models import Field


COUNT_KEYS = (
    "new", "new_online", "new_direct", "new_postal", "carried_over",
    "resolved", "early", "on_time", "late", "returned_unresolved", "withdrawn",
    "pending", "within_time", "overdue",
    "components_any", "components_full", "results", "paid_online", "reused",
)


def conditions(start: datetime, end: datetime) -> dict[str, Q]:
    """Each figure as the condition a dossier meets to be counted in it (one definition for the
    counts and for the lists of dossiers behind them)."""
    new = Q(received_at__gte=start, received_at__lt=end)
    carried = Q(received_at__lt=start) & (Q(resolved_at__isnull=True) | Q(resolved_at__gte=start))
    resolved = Q(resolved_at__gte=start, resolved_at__lt=end)
    pending = Q(received_at__lt=end) & (Q(resolved_at__isnull=True) | Q(resolved_at__gte=end))
    # The one definition of overdue (the board's and the warnings' too): past due at the end, unless
    # paused then by a pause begun before it fell due.
    overdue = overdue_condition(end)
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
        "within_time": pending & ~overdue,
        "overdue": pending & overdue,
        "components_any": new & ~Q(components_digitised=Digitisation.NONE),
        "components_full": new & Q(components_digitised=Digitisation.FULL),
        "results": resolved & Q(result_digitised=True),
        "paid_online": new & Q(paid_online=True),
        # Took in a file the citizen had given before instead of scanning it again (tái sử dụng).
        "reused": new & reuse_condition(),
    }


def _counts(start: datetime, end: datetime) -> dict:
    """One COUNT … FILTER per figure, in the order of COUNT_KEYS."""
    terms = conditions(start, end)
    return {key: Count("id", filter=terms[key]) for key in COUNT_KEYS}


def counted(period: Period, now: datetime | None = None) -> Period:
    """The window as its figures are counted: whole once it has ended, else as of ``now`` (the moment
    this is called, when not given). Every entry point below passes its period through here, so a
    screen, a list of records, a PDF and a workbook of one open window agree."""
    return period.until(now or timezone.now())


def _in_window_condition(period: Period) -> Q:
    """Every dossier that can appear in the window's figures (at any unit), as a condition."""
    return Q(received_at__lt=period.end) & ~Q(status=Status.REFUSED) & (
        Q(resolved_at__isnull=True) | Q(resolved_at__gte=period.start))


def _in_window(period: Period):
    """Every dossier that can appear in the window's figures (at any unit)."""
    return Dossier.objects.filter(_in_window_condition(period))


def dossiers_counted(unit: AdministrativeUnit, period: Period):
    """Every dossier that can appear in the window's figures, at the unit's subtree as it stood on the
    window's last day and at every unit those units took over (motcua.scope)."""
    return Dossier.objects.filter(counted_condition(unit, period))


def counted_condition(unit: AdministrativeUnit, period: Period) -> Q:
    """``dossiers_counted`` as a condition (to count it beside another set in one query)."""
    period = counted(period)
    return _in_window_condition(period) & Scope.below(unit, on=period.last_day).q("handling_unit")


NO_AGENCY = "none"  # the dossiers_behind ``agency`` of the dossiers no agency holds


def dossiers_behind(unit: AdministrativeUnit, period: Period, figure: str, *, field_code: str | None = None,
                    child: AdministrativeUnit | None = None, agency: int | str | None = None):
    """The dossiers a figure counts, so a reader can check any number (KeyError for an unknown figure);
    ``agency`` (an id, or NO_AGENCY) narrows to a by_agency row."""
    scope = child if child is not None else unit
    period = counted(period)
    dossiers = dossiers_counted(scope, period).filter(conditions(period.start, period.end)[figure])
    if field_code:
        dossiers = dossiers.filter(procedure__field__code=field_code)
    if agency == NO_AGENCY:
        dossiers = dossiers.filter(agency__isnull=True)
    elif agency is not None:
        dossiers = dossiers.filter(agency_id=agency)
    return dossiers


def received_for_others(unit: AdministrativeUnit, period: Period) -> dict[str, int]:
    """The receiving desk's own work for other units (one query): dossiers its desks received in the
    window for a unit outside its subtree, results of such dossiers it returned in the window, and
    those whose result is back and waiting at its desk at the end. Never part of the official table,
    which counts a dossier at its handling unit only, so no dossier is counted twice."""
    period = counted(period)
    terms = others_conditions(unit, period)
    return Dossier.objects.order_by().aggregate(**{key: Count("id", filter=q) for key, q in terms.items()})


def others_conditions(unit: AdministrativeUnit, period: Period) -> dict[str, Q]:
    """Each figure of ``received_for_others`` as its condition (the counts and the lists behind them)."""
    scope = Scope.below(unit, on=period.last_day)
    for_others = scope.q("receiving_unit") & ~scope.q("handling_unit") & ~Q(status=Status.REFUSED)
    return {
        "received_for_others": for_others & Q(received_at__gte=period.start, received_at__lt=period.end),
        "returned_for_others": for_others & Q(returned_at__gte=period.start, returned_at__lt=period.end),
        "waiting_to_return": for_others & Q(resolved_at__lt=period.end)
        & (Q(returned_at__isnull=True) | Q(returned_at__gte=period.end)) & Q(received_at__lt=period.end)
        & Q(status__in=[Status.RESOLVED, Status.RETURNED]),
    }


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
        "reused": c["reused"],
        "rates": {
            "online": percent(c["new_online"], c["new"]),
            "components_digitized": percent(c["components_any"], c["new"]),
            "components_fully_digitized": percent(c["components_full"], c["new"]),
            "results_digitized": percent(c["results"], c["resolved"]),
            "paid_online": percent(c["paid_online"], c["new"]),
            "resolved_on_time": percent(c["early"] + c["on_time"], c["resolved"]),
            "reused": percent(c["reused"], c["new"]),
        },
    }


# Where each flat count sits in the shaped figures (the inverse of ``shape``).
SHAPED_AT = {
    "new": ("received", "new"), "new_online": ("received", "online"), "new_direct": ("received", "direct"),
    "new_postal": ("received", "postal"), "carried_over": ("received", "carried_over"),
    "resolved": ("resolved", "total"), "early": ("resolved", "early"), "on_time": ("resolved", "on_time"),
    "late": ("resolved", "late"), "returned_unresolved": ("resolved", "returned_unresolved"),
    "withdrawn": ("resolved", "withdrawn"), "pending": ("pending", "total"),
    "within_time": ("pending", "within_time"), "overdue": ("pending", "overdue"),
    "components_any": ("digitized", "components_any"), "components_full": ("digitized", "components_full"),
    "results": ("digitized", "results"), "paid_online": ("paid_online",), "reused": ("reused",),
}


def flatten(figures: dict) -> dict[str, int]:
    """Shaped figures (a total, a by_unit or by_field row, or the same read back from a submission's
    frozen JSON) → the flat counts: ``shape(flatten(f)) == f`` for the counts."""
    flat = {}
    for key, path in SHAPED_AT.items():
        value = figures
        for step in path:
            value = value.get(step, 0) if isinstance(value, dict) else 0
        flat[key] = int(value or 0)
    return flat


def _sum(rows) -> list[int]:
    total = [0] * len(COUNT_KEYS)
    for row in rows:
        total = list(map(add, total, row))
    return total


@dataclass
class Figures:
    unit: AdministrativeUnit
    period: Period
    totals: dict
    by_field: list[dict]
    by_unit: list[dict]
    # The handling units' figures by the agency holding each dossier (phòng chuyên môn, vertical-sector
    # agency at the desk), "" for the dossiers no agency holds: the rows add up to the totals.
    by_agency: list[dict] = field(default_factory=list)
    # The same rows for the dossiers the unit handles itself (its own by_unit row): they add up to that
    # row. A consolidated report's by-agency table (reports.consolidation) is these.
    own_by_agency: list[dict] = field(default_factory=list)


def compute_figures(unit: AdministrativeUnit, period: Period, *, agency: int | None = None) -> Figures:
    """The report's figures: the units counted, one grouped query (by handling unit and field) and
    the names of the fields counted — four queries whatever the number of dossiers, units or mergers.

    ``agency`` (an agency's id) counts only the dossiers that agency holds: the report an agency's
    focal officer sees and submits to its unit (reports.services.report_submit).

    The units counted are those of ``Scope.below(unit, on=<the window's last day>)``: the subtree in
    force that day and every unit they took over. Each unit taken over is rolled up into the row of
    the unit that held its dossiers that day (its heir), so a dossier counts once, in one row."""
    day = reference_day(unit, period.last_day)
    in_force = list(
        Scope.below(unit, on=day, taken_over=False).units()  # the unit and the units below it in force that day
        .order_by(VietnameseOrder("name")).only("id", "code", "name", "path", "parent_id", "valid_from", "valid_to")
    )
    heir = {u.id: u for u in in_force}
    by_id = dict(heir)
    for predecessor_id, unit_id in UnitLineage.objects.filter(unit_id__in=list(by_id)).values_list("predecessor_id", "unit_id"):
        heir.setdefault(predecessor_id, by_id[unit_id])
    counts = _counts(period.start, period.end)
    dossiers = _in_window(period).filter(handling_unit_id__in=list(heir))
    if agency is not None:
        dossiers = dossiers.filter(agency_id=agency)
    rows = (
        dossiers.order_by()
        .values_list("handling_unit_id", "procedure__field_id", "agency_id", "agency__name", "agency__unit__name")
        .annotate(**counts)
    )
    per_unit: dict[int, list[int]] = {}
    per_field: dict[int, list[int]] = {}
    per_agency: dict[int | None, list[int]] = {}
    own_per_agency: dict[int | None, list[int]] = {}
    agency_names: dict[int | None, tuple[str, str]] = {}
    zero = [0] * len(COUNT_KEYS)
    for unit_id, field_id, agency_id, agency_name, agency_unit, *values in rows:
        per_unit[unit_id] = list(map(add, per_unit.get(unit_id, zero), values))
        per_field[field_id] = list(map(add, per_field.get(field_id, zero), values))
        per_agency[agency_id] = list(map(add, per_agency.get(agency_id, zero), values))
        agency_names[agency_id] = (agency_name or "", agency_unit or "")
        if heir[unit_id].pk == unit.pk:  # handled by the unit itself (or a unit it took over)
            own_per_agency[agency_id] = list(map(add, own_per_agency.get(agency_id, zero), values))

    # Roll the per-unit rows up into the unit's own row and one row per direct child in force (their
    # subtrees, with what they took over), by name.
    children = [u for u in in_force if u.parent_id == unit.id and u.id != unit.id]
    child_by_path = {child.path: child for child in children}
    own: list[list[int]] = []
    by_child: dict[int, list[list[int]]] = {child.id: [] for child in children}
    for unit_id, values in per_unit.items():
        path = heir[unit_id].path
        head = path[len(unit.path):].split(PATH_SEPARATOR, 1)[0] if path.startswith(unit.path) else ""
        child = child_by_path.get(f"{unit.path}{head}{PATH_SEPARATOR}") if head else None
        (by_child[child.id] if child else own).append(values)

    def flat(values: list[int]) -> dict:
        return dict(zip(COUNT_KEYS, values))

    by_unit = []
    if own:
        by_unit.append({"unit_code": unit.code, "unit_name": unit.name, "own": True, **shape(flat(_sum(own)))})
    for child in children:
        by_unit.append({"unit_code": child.code, "unit_name": child.name, "own": False,
                        **shape(flat(_sum(by_child[child.id])))})
    fields = Field.objects.filter(id__in=list(per_field)).order_by("name").values_list("id", "code", "name") if per_field else []
    by_field = [
        {"field_code": code, "field_name": name, **shape(flat(per_field[field_id]))}
        for field_id, code, name in fields
    ]
    def agency_rows(counts: dict[int | None, list[int]]) -> list[dict]:
        return [
            {"agency_id": agency_id, "agency_name": agency_names[agency_id][0], "agency_unit": agency_names[agency_id][1],
             **shape(flat(values))}
            for agency_id, values in sorted(counts.items(), key=lambda item: (item[0] is None, agency_names[item[0]]))
        ]

    totals = _sum(per_unit.values())
    return Figures(unit=unit, period=period, totals=shape(flat(totals)), by_field=by_field, by_unit=by_unit,
                   by_agency=agency_rows(per_agency), own_by_agency=agency_rows(own_per_agency))
