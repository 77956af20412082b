"""The national service-quality index (Bộ chỉ số chỉ đạo, điều hành và đánh giá chất lượng phục vụ người
dân, doanh nghiệp — Quyết định 766/QĐ-TTg), computed from our own records for a unit (its subtree) and
a window (motcua.periods: calendar ``cal:…`` or 15th–14th keys).

Six groups, one function each, each returning its indicators with the formula written out in
Vietnamese, the numbers it used, the value, the maximum and, for every number, where the records
behind it are listed: ``figure`` (a key of reports.figures.conditions, listed by reports:dossiers)
or ``records`` (a key of RECORDS, listed by reports:index-detail).

- Tiến độ giải quyết (20)        reports.figures totals: (early + on_time + within_time) / (resolved + pending).
- Dịch vụ công trực tuyến (12)   min(2, 2·A/0,8) + 4·B + min(6, 6·C/0,5).
- Thanh toán trực tuyến (10)     6·A + min(2; 2,5·B) + 2,5·C, capped at 10 (B and C as the issue defines them).
- Số hoá hồ sơ (22)              results (6) and components (4) measured; the five others have no data here.
- Mức độ hài lòng (18)           tickets handled on time (6), satisfaction with ticket handling (no data),
                                 satisfaction with dossier handling (6, full at 90 %).
- Công khai, minh bạch (18)      posted at the desk (6) and on the website (6) within 5 working days,
                                 pending dossiers with a step in the last 10 working days (6).

An indicator we cannot measure has ``value`` None ("không có dữ liệu"): it is never invented, and a
group's score is the sum of its measurable indicators, shown beside the points it was measured on.

Every count is SQL (one aggregate per kind of record); the formulas are pure functions below, tested
on hand numbers in tests/unit/test_index_formulas.py.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Case, Count, DateField, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone


from dossiers.tickets.services import ticket_counts, ticket_figures, tickets_in
from dossiers.models import DossierEvent, FeedbackTicket, Rating, RatingLevel
from motcua.calendar import WorkCalendar
from motcua.db import VietnameseOrder
from motcua.models import AdministrativeUnit, in_force_q
from motcua.numbers import percent, round_half_up
from motcua.periods import Period, day_bounds, local_day
from motcua.scope import Scope, reference_day
from motcua.selectors import work_calendar
from procedures.models import OnlineLevel, Posting, Procedure, ProcedureFee

from .figures import Figures, compute_figures, conditions, counted, dossiers_counted, shape

NO_DATA = "không có dữ liệu"
# Posting counts as on time when both dates are at most this many working days after the procedure
# takes effect (effective_from, else the publication decision's date).
POSTING_WORKING_DAYS = 5
# A pending dossier is kept current when it had a recorded step (or was received) in this many
# working days before the window's end (or now, for a window still open).
CURRENT_WORKING_DAYS = 10

ZERO = Decimal(0)


# -- the formulas, pure ---------------------------------------------------------------------------


def fraction(part: int, whole: int) -> Decimal | None:
    """part / whole as an exact Decimal between 0 and 1 (None when there is nothing to divide)."""
    if not whole:
        return None
    return Decimal(part) / Decimal(whole)


def points(maximum: Decimal | int, share: Decimal | None, *, full_at: Decimal | str | int = 1) -> Decimal | None:
    """maximum × min(1, share / full_at), rounded to hundredths; None stays None (no data).

    ``min(2, 2·A/0,8)`` is points(2, A, full_at="0.8"); ``4·B`` is points(4, B); ``min(2; 2,5·B)`` is
    points(2, B, full_at="0.8") — the same thing written the other way."""
    if share is None:
        return None
    maximum, full_at = Decimal(maximum), Decimal(full_at)
    value = min(maximum, maximum * share / full_at)
    return round_half_up(max(ZERO, value))


def total(values, *, cap: Decimal | int | None = None) -> Decimal | None:
    """The sum of the measurable values (None when none is), capped."""
    measured = [v for v in values if v is not None]
    if not measured:
        return None
    result = sum(measured, ZERO)
    return min(result, Decimal(cap)) if cap is not None else result


def as_percent(share: Decimal | None) -> Decimal | None:
    """A share (0–1) as the percentage shown beside it: motcua.numbers.percent, the one rounding."""
    return None if share is None else percent(share, 1)


def progress_points(*, early: int, on_time: int, within_time: int, resolved: int, pending: int) -> Decimal | None:
    """Tiến độ giải quyết: 20 × (early + on time + pending within time) / (resolved + pending)."""
    return points(20, fraction(early + on_time + within_time, resolved + pending))


def online_service_points(a: Decimal | None, b: Decimal | None, c: Decimal | None) -> tuple:
    """min(2, 2·A/0,8), 4·B, min(6, 6·C/0,5)."""
    return points(2, a, full_at="0.8"), points(4, b), points(6, c, full_at="0.5")


def payment_points(a: Decimal | None, b: Decimal | None, c: Decimal | None) -> tuple:
    """6·A, min(2; 2,5·B), 2,5·C (their sum is capped at the group's 10 points)."""
    return points(6, a), points(2, b, full_at="0.8"), points("2.5", c)


def dossier_satisfaction_points(*, dossiers: int, dissatisfied: int) -> Decimal | None:
    """6 × min(1, ((dossiers − dissatisfied) / dossiers) / 0,9)."""
    return points(6, fraction(dossiers - dissatisfied, dossiers), full_at="0.9")


def ticket_points(*, on_time: int, due: int) -> Decimal:
    """6 × tickets handled on time / tickets that had to be handled; full when there was none."""
    share = fraction(on_time, due)
    return points(6, Decimal(1) if share is None else share)


# -- working days ---------------------------------------------------------------------------------


def working_days_after(calendar: WorkCalendar, day: date, days: int) -> date:
    """The ``days``-th working day after ``day``."""
    for _i in range(days):
        day = calendar.next_working_day(day)
    return day


def start_of_last_working_days(calendar: WorkCalendar, moment: datetime, days: int) -> datetime:
    """Midnight starting the earliest of the ``days`` working days up to the moment's day (the
    moment's own day included when it is a working day)."""
    day = local_day(moment)
    counted = 0
    while True:
        if calendar.is_working_day(day):
            counted += 1
            if counted >= days:
                break
        day -= timedelta(days=1)
    return day_bounds(day)[0]


# -- what the index is made of --------------------------------------------------------------------


@dataclass(frozen=True)
class Input:
    key: str
    label: str
    value: int | Decimal | None
    figure: str = ""  # reports:dossiers?figure=… lists it
    records: str = ""  # reports:index-detail?input=… lists it (a key of RECORDS)


@dataclass
class Indicator:
    key: str
    name: str
    formula: str
    maximum: Decimal
    value: Decimal | None
    inputs: list[Input] = field(default_factory=list)
    share: Decimal | None = None  # the rate it scores, 0–1, where there is one
    note: str = ""

    @property
    def measured(self) -> bool:
        return self.value is not None

    @property
    def percent(self) -> Decimal | None:
        return as_percent(self.share)


@dataclass
class Group:
    key: str
    name: str
    maximum: Decimal
    indicators: list[Indicator]
    note: str = ""

    @property
    def value(self) -> Decimal | None:
        return total((i.value for i in self.indicators), cap=self.maximum)

    @property
    def measured_maximum(self) -> Decimal:
        """The points the group was measured on (its measurable indicators' maxima, capped)."""
        return min(self.maximum, sum((i.maximum for i in self.indicators if i.measured), ZERO))

    @property
    def fully_measured(self) -> bool:
        return all(i.measured for i in self.indicators)


@dataclass
class ServiceIndex:
    unit: AdministrativeUnit
    period: Period
    at: datetime  # the moment "pending" and "late so far" are judged at: the window's end, or now
    groups: list[Group]
    figures: Figures
    facts: dict  # the raw counts, for the targets and the charts

    @property
    def value(self) -> Decimal | None:
        return total(g.value for g in self.groups)

    @property
    def maximum(self) -> Decimal:
        return sum((g.maximum for g in self.groups), ZERO)

    @property
    def measured_maximum(self) -> Decimal:
        return sum((g.measured_maximum for g in self.groups), ZERO)

    def indicator(self, key: str) -> Indicator | None:
        return next((i for g in self.groups for i in g.indicators if i.key == key), None)

    def group_of(self, key: str) -> Group | None:
        return next((g for g in self.groups if any(i.key == key for i in g.indicators)), None)


# -- the records behind the numbers: one condition each, used for the count and for the list ------


def posted_in(unit: AdministrativeUnit, on: date | None = None) -> Exists:
    """The procedure (OuterRef "pk") has an active posting at the unit or a unit below it (as it stood
    ``on`` that day, with the units they took over, when given)."""
    scope = Scope.below(unit, on=on, taken_over=False)  # its ``on``: the unit's own last day if it ended before
    return Exists(Posting.objects.in_force(scope.on).filter(scope.q("unit"), procedure=OuterRef("pk")))


def _day_of(unit: AdministrativeUnit, on: date | None) -> date | None:
    """The day the unit's postings are read as of, as the report reads them (motcua.scope.reference_day)."""
    return reference_day(unit, on) if on is not None else None


def procedures_in_scope(unit: AdministrativeUnit, on: date | None = None) -> QuerySet[Procedure]:
    """The procedures in force that the unit or a unit below it handles and posts."""
    return Procedure.objects.in_force(_day_of(unit, on)).filter(posted_in(unit, on))


def procedure_conditions(unit: AdministrativeUnit, period: Period, *, counted: QuerySet | None = None) -> dict[str, Q]:
    """``counted``: the dossiers a procedure's use is looked for in (by default the unit's counted ones;
    compare_children gives its children's, each matched to the row's child)."""
    terms = conditions(period.start, period.end)
    counted = dossiers_counted(unit, period) if counted is None else counted
    online = Q(online_level__in=[OnlineLevel.FULL, OnlineLevel.PARTIAL])
    with_online_dossiers = Exists(counted.filter(terms["new_online"], procedure=OuterRef("pk")))
    with_fee = Q(Exists(ProcedureFee.objects.filter(procedure=OuterRef("pk"), amount__gt=0)))
    with_online_payment = Exists(counted.filter(terms["paid_online"], procedure=OuterRef("pk")))
    return {
        "procedures": Q(),
        "procedures_online": online,
        "procedures_online_used": online & Q(with_online_dossiers),
        "procedures_with_fee": with_fee,
        "procedures_with_fee_paid_online": with_fee & Q(with_online_payment),
    }


def dossier_conditions(period: Period, *, since: datetime, at: datetime) -> dict[str, Q]:
    """Figures of the index that reports.figures has not: built on its conditions, never beside them."""
    terms = conditions(period.start, period.end)
    fee = Q(fee_total__gt=0)
    unsatisfied = Exists(Rating.objects.filter(dossier=OuterRef("pk"), level=RatingLevel.UNSATISFIED))
    with_ticket = Exists(FeedbackTicket.objects.filter(dossier=OuterRef("pk")))
    recent_step = Exists(DossierEvent.objects.filter(dossier=OuterRef("pk"), at__gte=since, at__lt=at))
    return {
        "new_with_fee": terms["new"] & fee,
        "paid_online_with_fee": terms["paid_online"] & fee,
        "resolved_dissatisfied": terms["late"] | (terms["resolved"] & (Q(unsatisfied) | Q(with_ticket))),
        "pending_current": terms["pending"] & (Q(received_at__gte=since) | Q(recent_step)),
    }


def ticket_conditions(at: datetime) -> dict[str, Q]:
    """The rules of dossiers.tickets.services.ticket_figures, as conditions for the lists."""
    handled = Q(answered_at__isnull=False, answered_at__lte=at)
    return {
        "tickets": Q(),
        "tickets_on_time": handled & Q(answered_at__lte=F("due_at")),
        "tickets_due": handled | Q(due_at__lt=at),
    }


def postings_in_scope(unit: AdministrativeUnit, on: date | None = None) -> QuerySet[Posting]:
    scope = Scope.below(unit, on=on, taken_over=False)
    return Posting.objects.in_force(scope.on).filter(scope.q("unit")).filter(
        procedure__in=Procedure.objects.in_force(scope.on)
    )


def _posting_deadlines(unit: AdministrativeUnit, calendar: WorkCalendar, on: date) -> QuerySet[Posting]:
    """The postings with ``reference`` (the day the procedure takes effect) and ``deadline`` (5 working
    days later): the deadline of each distinct reference day is computed once, then written into
    the query (a publication decision covers many procedures, so there are few)."""
    postings = postings_in_scope(unit, on).annotate(
        reference=Coalesce("procedure__effective_from", "procedure__decision_date", output_field=DateField())
    )
    days = sorted(d for d in postings.order_by().values_list("reference", flat=True).distinct() if d is not None)
    whens = [When(reference=d, then=Value(working_days_after(calendar, d, POSTING_WORKING_DAYS))) for d in days]
    return postings.annotate(deadline=Case(*whens, default=Value(None), output_field=DateField()))


def posting_conditions() -> dict[str, Q]:
    """Posted with a date, and not later than the deadline (a procedure without an effective or
    decision date: posted with a date is enough)."""
    def on_time(field_name: str) -> Q:
        return Q(**{f"{field_name}__isnull": False}) & (
            Q(deadline__isnull=True) | Q(**{f"{field_name}__lte": F("deadline")})
        )

    return {
        "postings": Q(),
        "postings_desk_on_time": on_time("posted_at_desk"),
        "postings_website_on_time": on_time("posted_on_website"),
    }


def _at(period: Period, now: datetime) -> datetime:
    """The moment the window is counted up to (reports.figures.counted: its end, or now while it runs)."""
    return counted(period, now).end


def _since(period: Period, now: datetime, calendar: WorkCalendar) -> datetime:
    return start_of_last_working_days(calendar, _at(period, now) - timedelta(microseconds=1), CURRENT_WORKING_DAYS)


# The lists behind the inputs that are not a reports.figures figure: key → (kind, queryset builder).
RECORD_KINDS = {
    **{key: "procedure" for key in ("procedures", "procedures_online", "procedures_online_used", "procedures_with_fee",
                                    "procedures_with_fee_paid_online")},
    **{key: "dossier" for key in ("new_with_fee", "paid_online_with_fee", "resolved_dissatisfied", "pending_current")},
    **{key: "ticket" for key in ("tickets", "tickets_on_time", "tickets_due")},
    **{key: "posting" for key in ("postings", "postings_desk_on_time", "postings_website_on_time")},
}


def records(unit: AdministrativeUnit, period: Period, key: str, *, now: datetime | None = None) -> tuple[str, QuerySet]:
    """The records an input counts (KeyError for an unknown key): (kind, queryset)."""
    kind = RECORD_KINDS[key]
    now = now or timezone.now()
    period = counted(period, now)
    if kind == "procedure":
        rows = procedures_in_scope(unit, period.last_day).filter(procedure_conditions(unit, period)[key])
        return kind, rows.select_related("field").order_by("field__name", "code")
    if kind == "dossier":
        calendar = work_calendar()
        terms = dossier_conditions(period, since=_since(period, now, calendar), at=_at(period, now))
        rows = dossiers_counted(unit, period).filter(terms[key])
        return kind, rows.select_related("procedure", "handling_unit", "officer").order_by("received_at", "id")
    if kind == "ticket":
        rows = tickets_in(unit, period.start, period.end).filter(ticket_conditions(_at(period, now))[key])
        return kind, rows.select_related("unit", "dossier").order_by("received_at", "id")
    rows = _posting_deadlines(unit, work_calendar(), period.last_day).filter(posting_conditions()[key])
    return kind, rows.select_related("unit", "procedure").order_by("unit__path", "procedure__code")


# -- the counts -----------------------------------------------------------------------------------


def _counts_of(terms: dict[str, Q]) -> dict[str, Count]:
    return {key: Count("id", filter=q) for key, q in terms.items()}


def _count(queryset: QuerySet, terms: dict[str, Q]) -> dict[str, int]:
    return queryset.order_by().aggregate(**_counts_of(terms))


def gather(unit: AdministrativeUnit, period: Period, *, now: datetime | None = None) -> tuple[Figures, dict]:
    """Everything the index counts: the report's figures (3 queries) and one aggregate per kind of
    record (procedures, dossiers, tickets, postings — plus one for the postings' reference days)."""
    now = now or timezone.now()
    period = counted(period, now)
    calendar = work_calendar()
    at = _at(period, now)
    figures = compute_figures(unit, period)
    facts = dict(figures.totals)
    facts.update(_count(procedures_in_scope(unit, period.last_day), procedure_conditions(unit, period)))
    facts.update(_count(dossiers_counted(unit, period), dossier_conditions(period, since=_since(period, now, calendar), at=at)))
    facts["ticket_figures"] = ticket_figures(tickets_in(unit, period.start, period.end), at=at)
    facts.update(_count(_posting_deadlines(unit, calendar, period.last_day), posting_conditions()))
    return figures, facts


def _child_of(relation: str, children: list[AdministrativeUnit], on: date) -> Case:
    """The id of the child whose subtree (as of ``on``, with what it took over) holds the unit reached
    through ``relation`` (NULL for none)."""
    whens = [When(Scope.below(child, on=on).q(relation), then=Value(child.id)) for child in children]
    return Case(*whens, default=Value(None), output_field=IntegerField())


def _count_by_child(queryset: QuerySet, relation: str, children: list[AdministrativeUnit], counts: dict,
                    on: date) -> dict[int, dict]:
    """The ``counts`` aggregates of each child's rows (zeros for a child without any): one query, grouped
    by the child holding each row's unit (rows held by none are left out)."""
    rows = queryset.order_by().annotate(child_unit=_child_of(relation, children, on)).values("child_unit").annotate(**counts)
    found = {row.pop("child_unit"): row for row in rows}
    return {child.id: found.get(child.id) or dict.fromkeys(counts, 0) for child in children}


def _procedures_by_child(unit: AdministrativeUnit, children: list[AdministrativeUnit], period: Period) -> dict[int, dict]:
    """procedures_in_scope and procedure_conditions for every child: a procedure is counted once per
    child holding one of its active postings, its dossiers looked for in that same child."""
    on = period.last_day
    counted = dossiers_counted(unit, period).annotate(child_unit=_child_of("handling_unit", children, on))
    terms = procedure_conditions(unit, period, counted=counted.filter(child_unit=OuterRef("child_unit")))
    scope = Scope.below(unit, on=on, taken_over=False)
    posted = Procedure.objects.in_force(scope.on).filter(scope.q("postings__unit"), in_force_q(scope.on, "postings__"))
    counts = {key: Count("id", filter=q, distinct=True) for key, q in terms.items()}
    return _count_by_child(posted, "postings__unit", children, counts, on)


def _tickets_by_child(unit: AdministrativeUnit, children: list[AdministrativeUnit], period: Period,
                      at: datetime) -> dict[int, dict]:
    """ticket_figures for every child (its ``on_time_rate`` computed the same way)."""
    figures = _count_by_child(tickets_in(unit, period.start, period.end), "unit", children, ticket_counts(at),
                              period.last_day)
    for row in figures.values():
        row["on_time_rate"] = percent(row["handled_on_time"], row["handled_on_time"] + row["handled_late"])
    return figures


def gather_children(unit: AdministrativeUnit, children: list[AdministrativeUnit], period: Period, *,
                    now: datetime) -> dict[int, tuple[Figures, dict]]:
    """gather() for each of the unit's children (their subtrees), in a fixed number of queries: the
    report's figures of the unit (its ``by_unit`` rows are the children's totals) and one aggregate
    per kind of record grouped by child. A child's Figures hold its totals only (no by_field, by_unit)."""
    period = counted(period, now)
    calendar = work_calendar()
    at = _at(period, now)
    figures = compute_figures(unit, period)
    keys = tuple(shape({}))  # a by_unit row is the figures' totals with the unit's code and name
    totals = {row["unit_code"]: {key: row[key] for key in keys} for row in figures.by_unit if not row["own"]}
    procedures = _procedures_by_child(unit, children, period)
    dossier_terms = dossier_conditions(period, since=_since(period, now, calendar), at=at)
    dossiers = _count_by_child(dossiers_counted(unit, period), "handling_unit", children, _counts_of(dossier_terms),
                               period.last_day)
    tickets = _tickets_by_child(unit, children, period, at)
    postings = _count_by_child(_posting_deadlines(unit, calendar, period.last_day), "unit", children, _counts_of(posting_conditions()),
                               period.last_day)
    gathered = {}
    for child in children:
        facts = {**totals[child.code], **procedures[child.id], **dossiers[child.id], "ticket_figures": tickets[child.id],
                 **postings[child.id]}
        gathered[child.id] = (Figures(unit=child, period=period, totals=totals[child.code], by_field=[], by_unit=[]), facts)
    return gathered


# -- the six groups -------------------------------------------------------------------------------


def group_progress(facts: dict) -> Group:
    r, p = facts["resolved"], facts["pending"]
    share = fraction(r["early"] + r["on_time"] + p["within_time"], r["total"] + p["total"])
    indicator = Indicator(
        key="progress",
        name="Tiến độ giải quyết hồ sơ",
        formula="20 × (số hồ sơ giải quyết trước hạn + đúng hạn + đang giải quyết trong hạn) / "
                "(số hồ sơ đã giải quyết + đang giải quyết trong kỳ)",
        maximum=Decimal(20),
        value=progress_points(early=r["early"], on_time=r["on_time"], within_time=p["within_time"],
                              resolved=r["total"], pending=p["total"]),
        share=share,
        inputs=[
            Input("early", "Giải quyết trước hạn", r["early"], figure="early"),
            Input("on_time", "Giải quyết đúng hạn", r["on_time"], figure="on_time"),
            Input("within_time", "Đang giải quyết trong hạn", p["within_time"], figure="within_time"),
            Input("resolved", "Đã giải quyết", r["total"], figure="resolved"),
            Input("pending", "Đang giải quyết", p["total"], figure="pending"),
        ],
        note="Hồ sơ trả lại, rút hồ sơ được tính là đã giải quyết, theo cùng quy tắc thời hạn như báo cáo định kỳ.",
    )
    return Group("progress", "Tiến độ giải quyết", Decimal(20), [indicator])


def group_online_service(facts: dict) -> Group:
    procedures, online, used = facts["procedures"], facts["procedures_online"], facts["procedures_online_used"]
    new, new_online = facts["received"]["new"], facts["received"]["online"]
    a, b, c = fraction(online, procedures), fraction(used, online), fraction(new_online, new)
    pa, pb, pc = online_service_points(a, b, c)
    return Group("online_service", "Dịch vụ công trực tuyến", Decimal(12), [
        Indicator(
            key="online_service_offered",
            name="Thủ tục cung cấp dịch vụ công trực tuyến",
            formula="min(2; 2 × A / 0,8), A = số thủ tục cung cấp dịch vụ công trực tuyến (toàn trình hoặc một phần) / "
                    "số thủ tục đang có hiệu lực do đơn vị niêm yết, giải quyết",
            maximum=Decimal(2), value=pa, share=a,
            inputs=[
                Input("procedures_online", "Thủ tục có dịch vụ công trực tuyến", online, records="procedures_online"),
                Input("procedures", "Thủ tục đang có hiệu lực do đơn vị niêm yết", procedures, records="procedures"),
            ],
        ),
        Indicator(
            key="online_service_used",
            name="Thủ tục trực tuyến phát sinh hồ sơ trực tuyến",
            formula="4 × B, B = số thủ tục dịch vụ công trực tuyến có hồ sơ tiếp nhận trực tuyến trong kỳ / "
                    "số thủ tục dịch vụ công trực tuyến",
            maximum=Decimal(4), value=pb, share=b,
            inputs=[
                Input("procedures_online_used", "Thủ tục trực tuyến có hồ sơ trực tuyến trong kỳ", used,
                      records="procedures_online_used"),
                Input("procedures_online", "Thủ tục có dịch vụ công trực tuyến", online, records="procedures_online"),
            ],
        ),
        Indicator(
            key="online_service_dossiers",
            name="Tỷ lệ hồ sơ tiếp nhận trực tuyến",
            formula="min(6; 6 × C / 0,5), C = số hồ sơ tiếp nhận trực tuyến / tổng số hồ sơ tiếp nhận mới trong kỳ",
            maximum=Decimal(6), value=pc, share=c,
            inputs=[
                Input("new_online", "Hồ sơ tiếp nhận trực tuyến", new_online, figure="new_online"),
                Input("new", "Hồ sơ tiếp nhận mới trong kỳ", new, figure="new"),
            ],
        ),
    ])


def group_online_payment(facts: dict) -> Group:
    with_fee, paid = facts["new_with_fee"], facts["paid_online_with_fee"]
    fee_procedures, fee_paid = facts["procedures_with_fee"], facts["procedures_with_fee_paid_online"]
    a, b = fraction(paid, with_fee), fraction(fee_paid, fee_procedures)
    c = b  # the issue gives B and C the same definition
    pa, pb, pc = payment_points(a, b, c)
    procedure_inputs = [
        Input("procedures_with_fee_paid_online", "Thủ tục có phí, lệ phí phát sinh thanh toán trực tuyến", fee_paid,
              records="procedures_with_fee_paid_online"),
        Input("procedures_with_fee", "Thủ tục có phí, lệ phí", fee_procedures, records="procedures_with_fee"),
    ]
    return Group("online_payment", "Thanh toán trực tuyến", Decimal(10), [
        Indicator(
            key="online_payment_dossiers",
            name="Hồ sơ thanh toán trực tuyến",
            formula="6 × A, A = số hồ sơ thanh toán phí, lệ phí trực tuyến / số hồ sơ tiếp nhận mới có phí, lệ phí",
            maximum=Decimal(6), value=pa, share=a,
            inputs=[
                Input("paid_online_with_fee", "Hồ sơ có phí, lệ phí đã thanh toán trực tuyến", paid, records="paid_online_with_fee"),
                Input("new_with_fee", "Hồ sơ tiếp nhận mới có phí, lệ phí", with_fee, records="new_with_fee"),
            ],
        ),
        Indicator(
            key="online_payment_procedures",
            name="Thủ tục có phí, lệ phí phát sinh thanh toán trực tuyến",
            formula="min(2; 2,5 × B), B = số thủ tục có phí, lệ phí phát sinh thanh toán trực tuyến trong kỳ / "
                    "số thủ tục có phí, lệ phí",
            maximum=Decimal(2), value=pb, share=b, inputs=procedure_inputs,
        ),
        Indicator(
            key="online_payment_procedures_c",
            name="Thủ tục có phí, lệ phí phát sinh thanh toán trực tuyến (thành phần C)",
            formula="2,5 × C, C = số thủ tục có phí, lệ phí phát sinh thanh toán trực tuyến trong kỳ / số thủ tục có phí, "
                    "lệ phí (bộ chỉ số áp dụng định nghĩa C giống hệt B, nên C = B)",
            maximum=Decimal("2.5"), value=pc, share=c, inputs=procedure_inputs,
        ),
    ], note="Tổng ba thành phần có thể đạt 10,5 điểm; điểm của nhóm được giới hạn ở 10 điểm.")


def _unmeasured(key: str, name: str, formula: str, maximum: int, note: str) -> Indicator:
    return Indicator(key=key, name=name, formula=formula, maximum=Decimal(maximum), value=None, note=note)


def group_digitisation(facts: dict) -> Group:
    resolved, results = facts["resolved"]["total"], facts["digitized"]["results"]
    new, components = facts["received"]["new"], facts["digitized"]["components_any"]
    results_share, components_share = fraction(results, resolved), fraction(components, new)
    no_field = "Hệ thống chưa ghi nhận dữ liệu này trên hồ sơ: chỉ tiêu không được tính điểm."
    return Group("digitisation", "Số hoá hồ sơ", Decimal(22), [
        Indicator(
            key="digitisation_results",
            name="Cấp kết quả giải quyết điện tử",
            formula="6 × số hồ sơ đã giải quyết có kết quả được số hoá / số hồ sơ đã giải quyết trong kỳ",
            maximum=Decimal(6), value=points(6, results_share), share=results_share,
            inputs=[
                Input("results", "Hồ sơ có kết quả được số hoá", results, figure="results"),
                Input("resolved", "Hồ sơ đã giải quyết", resolved, figure="resolved"),
            ],
        ),
        Indicator(
            key="digitisation_components",
            name="Số hoá thành phần hồ sơ",
            formula="4 × số hồ sơ tiếp nhận mới có thành phần được số hoá (toàn bộ hoặc một phần) / "
                    "số hồ sơ tiếp nhận mới trong kỳ",
            maximum=Decimal(4), value=points(4, components_share), share=components_share,
            inputs=[
                Input("components_any", "Hồ sơ có thành phần được số hoá", components, figure="components_any"),
                Input("new", "Hồ sơ tiếp nhận mới trong kỳ", new, figure="new"),
            ],
        ),
        _unmeasured("digitisation_certified_copies", "Chứng thực bản sao điện tử",
                    "2 × số hồ sơ chứng thực bản sao điện tử / số hồ sơ chứng thực bản sao", 2, no_field),
        _unmeasured("digitisation_reuse", "Tái sử dụng dữ liệu số hoá",
                    "min(2; 2 × tỷ lệ hồ sơ tái sử dụng dữ liệu đã số hoá / 0,8)", 2, no_field),
        _unmeasured("digitisation_shared", "Số hoá và chia sẻ, kết nối dữ liệu",
                    "4 × tỷ lệ hồ sơ số hoá được chia sẻ lên kho dữ liệu dùng chung", 4, no_field),
        _unmeasured("digitisation_use_per_dossier", "Khai thác dữ liệu theo hồ sơ",
                    "2 × tỷ lệ hồ sơ có khai thác, sử dụng lại dữ liệu", 2, no_field),
        _unmeasured("digitisation_use_per_procedure", "Khai thác dữ liệu theo thủ tục",
                    "2 × tỷ lệ thủ tục có khai thác, sử dụng lại dữ liệu", 2, no_field),
    ])


def group_satisfaction(facts: dict) -> Group:
    tickets = facts["ticket_figures"]
    on_time = tickets["handled_on_time"]
    due = tickets["handled_on_time"] + tickets["handled_late"] + tickets["pending_overdue"]
    resolved, dissatisfied = facts["resolved"]["total"], facts["resolved_dissatisfied"]
    ticket_share = fraction(on_time, due)
    dossier_share = fraction(resolved - dissatisfied, resolved)
    return Group("satisfaction", "Mức độ hài lòng", Decimal(18), [
        Indicator(
            key="satisfaction_tickets_on_time",
            name="Xử lý phản ánh, kiến nghị đúng hạn",
            formula="6 × số phản ánh, kiến nghị xử lý đúng hạn / số phản ánh, kiến nghị đã đến hạn xử lý "
                    "(đã xử lý, hoặc chưa xử lý mà đã quá hạn); đủ 6 điểm khi không có phản ánh nào đến hạn",
            maximum=Decimal(6), value=ticket_points(on_time=on_time, due=due), share=ticket_share,
            inputs=[
                Input("tickets_on_time", "Phản ánh, kiến nghị xử lý đúng hạn", on_time, records="tickets_on_time"),
                Input("tickets_due", "Phản ánh, kiến nghị đã đến hạn xử lý", due, records="tickets_due"),
                Input("tickets", "Phản ánh, kiến nghị tiếp nhận trong kỳ", tickets["received"], records="tickets"),
            ],
        ),
        _unmeasured("satisfaction_tickets", "Hài lòng về việc xử lý phản ánh, kiến nghị",
                    "6 × tỷ lệ người phản ánh hài lòng với kết quả xử lý", 6,
                    "Hệ thống chưa có đánh giá của người dân về việc xử lý phản ánh, kiến nghị."),
        Indicator(
            key="satisfaction_dossiers",
            name="Hài lòng trong tiếp nhận, giải quyết hồ sơ",
            formula="6 × min(1; T / 0,9), T = (số hồ sơ đã giải quyết − số hồ sơ bị đánh giá không hài lòng, "
                    "có phản ánh, kiến nghị hoặc giải quyết quá hạn) / số hồ sơ đã giải quyết",
            maximum=Decimal(6), value=dossier_satisfaction_points(dossiers=resolved, dissatisfied=dissatisfied),
            share=dossier_share,
            inputs=[
                Input("resolved_dissatisfied", "Hồ sơ không hài lòng, có phản ánh hoặc quá hạn", dissatisfied,
                      records="resolved_dissatisfied"),
                Input("resolved", "Hồ sơ đã giải quyết", resolved, figure="resolved"),
            ],
        ),
    ])


def group_transparency(facts: dict) -> Group:
    postings = facts["postings"]
    desk, website = facts["postings_desk_on_time"], facts["postings_website_on_time"]
    pending, current = facts["pending"]["total"], facts["pending_current"]
    desk_share, website_share, current_share = fraction(desk, postings), fraction(website, postings), fraction(current, pending)
    posting_rule = (f"niêm yết không muộn hơn {POSTING_WORKING_DAYS} ngày làm việc kể từ ngày thủ tục có hiệu lực "
                    "(hoặc ngày quyết định công bố nếu không ghi ngày hiệu lực)")
    return Group("transparency", "Công khai, minh bạch", Decimal(18), [
        Indicator(
            key="transparency_desk",
            name="Niêm yết thủ tục tại Bộ phận Một cửa đầy đủ, đúng hạn",
            formula=f"6 × số thủ tục đang có hiệu lực được {posting_rule} tại Bộ phận Một cửa / "
                    "số thủ tục đang có hiệu lực đơn vị giải quyết",
            maximum=Decimal(6), value=points(6, desk_share), share=desk_share,
            inputs=[
                Input("postings_desk_on_time", "Niêm yết tại Bộ phận Một cửa đúng hạn", desk, records="postings_desk_on_time"),
                Input("postings", "Thủ tục đơn vị giải quyết (lượt niêm yết)", postings, records="postings"),
            ],
        ),
        Indicator(
            key="transparency_website",
            name="Công khai thủ tục trên Trang thông tin điện tử đầy đủ, đúng hạn",
            formula=f"6 × số thủ tục đang có hiệu lực được {posting_rule} trên Trang thông tin điện tử / "
                    "số thủ tục đang có hiệu lực đơn vị giải quyết",
            maximum=Decimal(6), value=points(6, website_share), share=website_share,
            inputs=[
                Input("postings_website_on_time", "Công khai trên Trang thông tin điện tử đúng hạn", website,
                      records="postings_website_on_time"),
                Input("postings", "Thủ tục đơn vị giải quyết (lượt niêm yết)", postings, records="postings"),
            ],
        ),
        Indicator(
            key="transparency_status",
            name="Cập nhật tình trạng hồ sơ",
            formula=f"6 × số hồ sơ đang giải quyết cuối kỳ có cập nhật xử lý (hoặc được tiếp nhận) trong "
                    f"{CURRENT_WORKING_DAYS} ngày làm việc gần nhất / số hồ sơ đang giải quyết cuối kỳ",
            maximum=Decimal(6), value=points(6, current_share), share=current_share,
            inputs=[
                Input("pending_current", f"Hồ sơ có cập nhật trong {CURRENT_WORKING_DAYS} ngày làm việc", current,
                      records="pending_current"),
                Input("pending", "Hồ sơ đang giải quyết cuối kỳ", pending, figure="pending"),
            ],
        ),
    ])


GROUPS = (group_progress, group_online_service, group_online_payment, group_digitisation, group_satisfaction,
          group_transparency)


def compute_index(unit: AdministrativeUnit, period: Period, *, now: datetime | None = None) -> ServiceIndex:
    """The whole index of a unit for a window, with every number behind it (about nine queries)."""
    now = now or timezone.now()
    return _index(unit, period, now, *gather(unit, period, now=now))


def _index(unit: AdministrativeUnit, period: Period, now: datetime, figures: Figures, facts: dict) -> ServiceIndex:
    """The six groups built on the gathered facts."""
    return ServiceIndex(unit=unit, period=period, at=_at(period, now), groups=[build(facts) for build in GROUPS],
                        figures=figures, facts=facts)


def compare_children(unit: AdministrativeUnit, period: Period, *, now: datetime | None = None) -> list[ServiceIndex]:
    """The index of each active direct child (its subtree), best first (units without any measurable
    indicator last): the numbers of compute_index for each child, in about ten queries whatever the
    number of children or dossiers (gather_children)."""
    now = now or timezone.now()
    children = list(AdministrativeUnit.objects.children_in_force(unit, period.last_day).order_by(VietnameseOrder("name")))
    if not children:
        return []
    gathered = gather_children(unit, children, period, now=now)
    rows = [_index(child, period, now, *gathered[child.id]) for child in children]
    return sorted(rows, key=lambda row: (row.value is None, -(row.value or ZERO), row.unit.name))

