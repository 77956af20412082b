"""Reads of the index: the results of a scheme (each unit's points per field of reform, total, rank,
classification with the field that held it back, last year's result) and what a person sees."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from motcua.scope import Scope

from .models import FixRequest, Inspection, InspectionPlan, ReformArea, Scheme, SchemeStatus, Score, Scorecard
from .rules import BandRule, Classification, classify, share


@dataclass
class AreaResult:
    area: ReformArea
    points: Decimal
    percent: Decimal


@dataclass
class UnitResult:
    scorecard: Scorecard
    points: Decimal
    percent: Decimal
    areas: list[AreaResult]
    classification: Classification
    rank: int = 0
    previous: UnitResult | None = None
    previous_scheme: Scheme | None = field(default=None, repr=False)

    @property
    def unit(self):
        return self.scorecard.unit

    @property
    def band_name(self) -> str:
        return self.classification.band.name if self.classification.band else ""

    @property
    def held_back_area(self) -> AreaResult | None:
        code = self.classification.held_back_by
        return next((area for area in self.areas if area.area.code == code), None) if code else None

    @property
    def change(self) -> Decimal | None:
        return self.percent - self.previous.percent if self.previous else None


def band_rules(scheme: Scheme) -> list[BandRule]:
    return [BandRule(b.name, b.min_total, b.min_total_included, b.field_floor) for b in scheme.bands.order_by("position")]


def results(scheme: Scheme, *, with_previous: bool = True) -> list[UnitResult]:
    """Every scored unit of ``scheme``, best first, with its rank (ties share it). Four queries: the
    fields, the bands, the scorecards, and the points summed per scorecard and field in SQL."""
    areas = list(scheme.areas.order_by("position"))
    bands = band_rules(scheme)
    scorecards = {s.pk: s for s in scheme.scorecards.select_related("unit")}
    sums = (Score.objects.filter(scorecard__scheme=scheme).order_by()
            .values_list("scorecard_id", "criterion__area_id")
            .annotate(points=Sum(Coalesce("points", "self_points"))))
    per_card: dict[int, dict[int, Decimal]] = {pk: {} for pk in scorecards}
    for scorecard_id, area_id, points in sums:
        per_card[scorecard_id][area_id] = points or Decimal(0)
    maximum = sum((area.max_points for area in areas), Decimal(0))
    rows = []
    for pk, scorecard in scorecards.items():
        area_rows = [AreaResult(area, per_card[pk].get(area.pk, Decimal(0)), share(per_card[pk].get(area.pk, Decimal(0)), area.max_points))
                     for area in areas]
        total = sum((row.points for row in area_rows), Decimal(0))
        percent = share(total, maximum)
        classification = classify(bands, percent, {row.area.code: row.percent for row in area_rows if row.area.max_points})
        rows.append(UnitResult(scorecard, total, percent, area_rows, classification))
    rows.sort(key=lambda row: (-row.percent, row.unit.name))
    for index, row in enumerate(rows):
        row.rank = rows[index - 1].rank if index and rows[index - 1].percent == row.percent else index + 1
    if with_previous:
        previous = Scheme.objects.filter(unit=scheme.unit, year=scheme.year - 1, status=SchemeStatus.PUBLISHED).first()
        if previous is not None:
            before = {row.unit.code: row for row in results(previous, with_previous=False)}
            for row in rows:
                row.previous = before.get(row.unit.code)
                row.previous_scheme = previous
    return rows


def class_counts(rows: list[UnitResult], scheme: Scheme) -> list[tuple[str, int]]:
    names = [band.name for band in scheme.bands.order_by("position")]
    return [(name, sum(1 for row in rows if row.band_name == name)) for name in names]


# -- what a person sees ----------------------------------------------------------------------------------


def schemes_for(user) -> QuerySet[Scheme]:
    """The schemes a person sees: those of their subtree's units, and those that score their unit."""
    scope = Scope.of(user)
    if scope.everything:
        return Scheme.objects.all()
    if scope.is_empty:
        return Scheme.objects.none()
    scored = Scope.of(user).filter(Scorecard.objects.all(), "unit").values("scheme_id")
    return Scheme.objects.filter(scope.q("unit") | Q(pk__in=scored))


def scorecards_for(user, scheme: Scheme) -> QuerySet[Scorecard]:
    """The scorecards of ``scheme`` a person sees: all of them at the scheme's unit or above, their own unit's below."""
    scorecards = scheme.scorecards.select_related("unit")
    if Scope.of(user).contains(scheme.unit):
        return scorecards
    return Scope.of(user).filter(scorecards, "unit")


def plans_for(user) -> QuerySet[InspectionPlan]:
    """Plans by units of the person's subtree, and plans that inspect a unit of it."""
    scope = Scope.of(user)
    if scope.is_empty:
        return InspectionPlan.objects.none()
    inspected = scope.filter(Inspection.objects.all(), "unit").values("plan_id")
    return InspectionPlan.objects.filter(scope.q("unit") | Q(pk__in=inspected)).distinct()


def inspections_for(user, plan: InspectionPlan) -> QuerySet[Inspection]:
    inspections = plan.inspections.select_related("unit")
    if Scope.of(user).contains(plan.unit):
        return inspections
    return Scope.of(user).filter(inspections, "unit")


def overdue_fixes(user, at) -> QuerySet[FixRequest]:
    """Requests to fix past due with nothing reported, in inspections by or of the person's subtree."""
    scope = Scope.of(user)
    return (FixRequest.objects.overdue(at)
            .filter(scope.q("finding__inspection__plan__unit") | scope.q("finding__inspection__unit"))
            .select_related("finding__inspection__unit", "finding__inspection__plan__unit").order_by("due_at"))


# -- the focal officers' register ----------------------------------------------------------------------------


@dataclass
class RegisterRow:
    unit: object
    focal: list
    desk: list


def register_rows(unit, day) -> list[RegisterRow]:
    """``unit`` and its children in force on ``day``, each with its focal officer(s) and this week's desk duty
    (two queries)."""
    from motcua.db import VietnameseOrder
    from motcua.models import AdministrativeUnit

    from .models import DutyAssignment, DutyKind

    units = [unit, *AdministrativeUnit.objects.children_in_force(unit, day).order_by(VietnameseOrder("name"))]
    current = DutyAssignment.objects.current(day).filter(unit__in=units).order_by("starts_on", "id")
    rows = {u.pk: RegisterRow(u, [], []) for u in units}
    for assignment in current:
        (rows[assignment.unit_id].focal if assignment.kind == DutyKind.FOCAL else rows[assignment.unit_id].desk).append(assignment)
    return list(rows.values())


# -- what the reports show of inspections (registered in cchc.apps through reports.extensions) ------------


def inspection_figures(unit, period) -> dict[str, int]:
    """The inspections and self-checks of the unit's subtree (as of the window's last day) that ran in the
    window, their findings and requests to fix: accepted, and past due with nothing reported at the
    window's end (an open window: now). Two queries."""
    from django.db.models import Count

    from reports.figures import counted

    from .models import FixStatus, InspectionStatus, PlanKind

    period = counted(period)
    ran = Inspection.objects.filter(Scope.below(unit, on=period.last_day).q("unit"),
                                    starts_on__lte=period.last_day, ends_on__gte=period.first_day)
    figures = ran.aggregate(
        inspections=Count("id", filter=Q(plan__kind=PlanKind.INSPECTION), distinct=True),
        self_checks=Count("id", filter=Q(plan__kind=PlanKind.SELF_CHECK), distinct=True),
        closed=Count("id", filter=Q(status=InspectionStatus.CLOSED), distinct=True),
        findings=Count("findings", distinct=True),
    )
    figures.update(FixRequest.objects.filter(finding__inspection__in=ran).aggregate(
        fixes=Count("id"),
        fixes_accepted=Count("id", filter=Q(status=FixStatus.ACCEPTED)),
        fixes_overdue=Count("id", filter=Q(status=FixStatus.OPEN, due_at__lt=period.end)),
    ))
    return figures


def inspection_section(unit, period) -> dict:
    """The periodic report's section on inspection (reports.extensions.ReportSection)."""
    from reports.numbers import vn_int as n

    f = inspection_figures(unit, period)
    line = (f"Kiểm tra công tác cải cách hành chính, kiểm soát thủ tục hành chính: {n(f['inspections'])} cuộc kiểm tra, "
            f"{n(f['self_checks'])} cuộc tự kiểm tra (đã kết thúc {n(f['closed'])}); phát hiện {n(f['findings'])} tồn tại, "
            f"yêu cầu khắc phục {n(f['fixes'])} nội dung, đã khắc phục {n(f['fixes_accepted'])}, quá hạn chưa khắc phục "
            f"{n(f['fixes_overdue'])}.")
    labels = {"inspections": "Số cuộc kiểm tra", "self_checks": "Số cuộc tự kiểm tra", "closed": "Đã kết thúc",
              "findings": "Tồn tại phát hiện", "fixes": "Nội dung yêu cầu khắc phục", "fixes_accepted": "Đã khắc phục",
              "fixes_overdue": "Quá hạn chưa khắc phục"}
    return {"lines": [line], "figures": {labels[key]: value for key, value in f.items()}}


def overdue_fix_count(unit, now) -> int:
    """Requests to fix past due with nothing reported, in inspections by or of the unit's subtree."""
    scope = Scope.below(unit)
    return FixRequest.objects.overdue(now).filter(
        scope.q("finding__inspection__plan__unit") | scope.q("finding__inspection__unit")).count()


# -- the desk's duty roster where the desk works (registered in cchc.apps) ------------------------------------


def duty_of(unit, day) -> dict:
    """Who sits at ``unit``'s counter the week of ``day`` (by counter) and its focal officer in force that day:
    {"desk": [...], "focal": [...]}, one query."""
    from .models import DutyAssignment, DutyKind

    duty = {"desk": [], "focal": []}
    for assignment in DutyAssignment.objects.current(day).filter(unit=unit).order_by("counter", "starts_on", "id"):
        duty["desk" if assignment.kind == DutyKind.DESK else "focal"].append(assignment)
    return duty


def home_duty_block(user, unit, now) -> dict:
    """The desk's home block (reports.extensions.HomeBlock): this week's desk duty and the focal officer."""
    from motcua.periods import local_day

    day = local_day(now)
    return {"day": day, "unit": unit, **duty_of(unit, day)}


def receipt_officer(unit, day, received_by) -> str:
    """The "người tiếp nhận hồ sơ" printed on a receipt slip (dossiers.printing.extensions), the one rule:
    the officer who received the dossier signs the slip, so it is the receiving account's full name; only
    a dossier no account received (one imported from the previous software) falls back to the desk roster's
    officer of the receipt's week (with several counters, the first by counter). ``""`` when neither is known."""
    from motcua.text import person_name

    name = person_name(received_by)
    if name or unit is None:
        return name
    desk = duty_of(unit, day)["desk"]
    return desk[0].person if desk else ""
