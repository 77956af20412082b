"""Early warnings (this week's risks) and data-quality checks (records that would make the report
wrong if nobody fixed them before the window closes): one function each, each a queryset in the
unit's scope, so that the dashboard counts exactly the rows the lists show.

Warnings look at the dossiers a unit received or handles (Dossier.objects.for_unit: the desk that
must return the result is warned as well as the office that handles it), at the moment ``now``:
- due_soon: pending, not paused, no apology yet, due within one working day from now;
- overdue_without_apology: pending and overdue (past due, unless paused by a pause begun before it
  fell due: dossiers.models.overdue_condition, as the board and the report count it), or resolved
  late and not yet returned, with no apology letter (Phiếu xin lỗi và hẹn lại ngày trả kết quả);
- apology_due_again: apologised, result not yet returned, the new appointment within one working
  day or already passed.

Quality checks look at the dossiers the window's report counts (reports.figures.dossiers_counted: at
the handling unit, refused ones left out):
- returned_not_closed: returned but without a resolution time or a return time (the database forbids
  a return time without a resolution time: checked anyway);
- without_return_channel: returned (with its time) but no return channel recorded;
- times_out_of_order: resolved before received, returned before resolved, due before received;
- pending_too_long: still pending although received more than 3 × the processing time ago, the
  working days approximated by calendar days × 7/5 (a same-day procedure counted as one day);
- result_not_handed_over: at the receiving desk, dossiers another unit handles whose result came
  back but was not handed to the citizen (reports.figures.others_conditions "waiting_to_return", at
  the window's end or now): the dossier ends only when the citizen has the result;
- procedures_not_posted: procedures the unit's dossiers were handled under that no unit of the
  subtree posts (a dossier's procedure always has a field: the foreign key makes sure of it);
- postings_without_dates: procedures in force the unit handles whose posting at the desk or on the
  website has no date.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Callable

from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Greatest
from django.utils.translation import gettext_lazy as _

from dossiers.models import Apology, Dossier, Outcome, Status, overdue_condition
from motcua.models import AdministrativeUnit
from motcua.periods import Period
from motcua.selectors import work_calendar
from procedures.models import Posting, Procedure

from .dashboard import posted_in, postings_in_scope
from .figures import counted, counted_condition, dossiers_counted, others_conditions

# "Far longer than the procedure allows": three times its processing time.
TOO_LONG_FACTOR = 3
# Working days → calendar days (five working days a week).
CALENDAR_DAYS_PER_WORKING_DAY = Decimal(7) / Decimal(5)


def _one_working_day_after(now: datetime) -> datetime:
    return work_calendar().add_working_time(now, days=1)


def _no_apology() -> Exists:
    return ~Exists(Apology.objects.filter(dossier=OuterRef("pk")))


# -- early warnings -------------------------------------------------------------------------------


def warning_conditions(now: datetime) -> dict[str, Q]:
    soon = _one_working_day_after(now)
    pending = Q(status__in=Status.pending())
    running = pending & ~Q(status=Status.PAUSED)
    not_returned = Q(status__in=[*Status.pending(), Status.RESOLVED])
    return {
        "due_soon": running & Q(due_at__gte=now, due_at__lte=soon) & Q(_no_apology()),
        # Overdue as the board and the report count it (dossiers.models.overdue_condition).
        "overdue_without_apology": (
            (pending & overdue_condition(now)) | Q(status=Status.RESOLVED, outcome=Outcome.LATE)
        ) & Q(_no_apology()),
        # The latest appointment given is near: an apology within it and none beyond it.
        "apology_due_again": not_returned & Q(Exists(Apology.objects.filter(dossier=OuterRef("pk"), new_due_at__lte=soon)))
        & ~Q(Exists(Apology.objects.filter(dossier=OuterRef("pk"), new_due_at__gt=soon))),
    }


def _warning_scope(unit: AdministrativeUnit) -> QuerySet[Dossier]:
    return Dossier.objects.for_unit(unit)


def _listed(dossiers: QuerySet[Dossier]) -> QuerySet[Dossier]:
    return dossiers.select_related("procedure", "handling_unit", "receiving_unit", "officer").prefetch_related("apologies")


def due_soon(unit: AdministrativeUnit, *, now: datetime) -> QuerySet[Dossier]:
    return _listed(_warning_scope(unit).filter(warning_conditions(now)["due_soon"])).order_by("due_at", "id")


def overdue_without_apology(unit: AdministrativeUnit, *, now: datetime) -> QuerySet[Dossier]:
    return _listed(_warning_scope(unit).filter(warning_conditions(now)["overdue_without_apology"])).order_by("due_at", "id")


def apology_due_again(unit: AdministrativeUnit, *, now: datetime) -> QuerySet[Dossier]:
    return _listed(_warning_scope(unit).filter(warning_conditions(now)["apology_due_again"])).with_latest_apology().order_by(
        "latest_new_due_at", "id")


def warning_counts(unit: AdministrativeUnit, *, now: datetime) -> dict[str, int]:
    """The three warnings' counts in one query."""
    terms = warning_conditions(now)
    return _warning_scope(unit).order_by().aggregate(**{key: Count("id", filter=q) for key, q in terms.items()})


# -- data quality ---------------------------------------------------------------------------------


def _too_long() -> ExpressionWrapper:
    """3 × max(processing days, 1) × 7/5 calendar days."""
    factor = Decimal(TOO_LONG_FACTOR) * CALENDAR_DAYS_PER_WORKING_DAY
    return ExpressionWrapper(
        Greatest(F("processing_days"), Value(Decimal(1))) * Value(factor) * Value(timedelta(days=1)),
        output_field=DurationField(),
    )


def dossier_quality_conditions(now: datetime) -> dict[str, Q]:
    returned = Q(status=Status.RETURNED) | Q(returned_at__isnull=False)
    return {
        "returned_not_closed": returned & (Q(resolved_at__isnull=True) | Q(returned_at__isnull=True)),
        # a return without its time is already "returned_not_closed": listed once, there
        "without_return_channel": Q(returned_at__isnull=False) & Q(return_channel=""),
        "times_out_of_order": (
            Q(resolved_at__lt=F("received_at")) | Q(returned_at__lt=F("resolved_at")) | Q(due_at__lt=F("received_at"))
        ),
        "pending_too_long": Q(status__in=Status.pending()) & Q(age__gt=_too_long()),
    }


def _quality_scope(unit: AdministrativeUnit, period: Period, now: datetime) -> QuerySet[Dossier]:
    return dossiers_counted(unit, period).annotate(
        age=ExpressionWrapper(Value(now) - F("received_at"), output_field=DurationField())
    )


def _dossier_check(key: str) -> Callable[..., QuerySet[Dossier]]:
    def check(unit: AdministrativeUnit, period: Period, *, now: datetime) -> QuerySet[Dossier]:
        rows = _quality_scope(unit, period, now).filter(dossier_quality_conditions(now)[key])
        return _listed(rows).order_by("received_at", "id")

    check.__name__ = key
    return check


returned_not_closed = _dossier_check("returned_not_closed")
without_return_channel = _dossier_check("without_return_channel")
times_out_of_order = _dossier_check("times_out_of_order")
pending_too_long = _dossier_check("pending_too_long")


def result_not_handed_over(unit: AdministrativeUnit, period: Period, *, now: datetime | None = None) -> QuerySet[Dossier]:
    """Results of other units' dossiers back at the unit's desks and not yet returned to the citizen."""
    return _listed(Dossier.objects.filter(_waiting_condition(unit, period, now))).order_by("resolved_at", "id")


def _waiting_condition(unit: AdministrativeUnit, period: Period, now: datetime | None) -> Q:
    return others_conditions(unit, counted(period, now))["waiting_to_return"]


def procedures_not_posted(unit: AdministrativeUnit, period: Period, *, now: datetime | None = None) -> QuerySet[Procedure]:
    used = Exists(dossiers_counted(unit, period).filter(procedure=OuterRef("pk")))
    return Procedure.objects.filter(used).exclude(posted_in(unit, period.last_day)).select_related("field").order_by("field__name", "code")


def postings_without_dates(unit: AdministrativeUnit, period: Period | None = None, *, now: datetime | None = None) -> QuerySet[Posting]:
    return (
        postings_in_scope(unit, period.last_day if period else None).filter(Q(posted_at_desk__isnull=True) | Q(posted_on_website__isnull=True))
        .select_related("unit", "procedure").order_by("unit__path", "procedure__code")
    )


def quality_counts(unit: AdministrativeUnit, period: Period, *, now: datetime) -> dict[str, int]:
    """Every check's count: one query for the dossier checks, one each for procedures and postings."""
    terms = dossier_quality_conditions(now)
    # One query for the dossier checks: the dossiers the report counts, and beside them the results of
    # other units waiting at the unit's desks (result_not_handed_over).
    in_report = counted_condition(unit, period)
    waiting = _waiting_condition(unit, period, now)
    counts = (
        Dossier.objects.filter(in_report | waiting)
        .annotate(age=ExpressionWrapper(Value(now) - F("received_at"), output_field=DurationField()))
        .order_by()
        .aggregate(**{k: Count("id", filter=in_report & q) for k, q in terms.items()},
                   result_not_handed_over=Count("id", filter=waiting))
    )
    counts["procedures_not_posted"] = procedures_not_posted(unit, period).order_by().count()
    counts["postings_without_dates"] = postings_without_dates(unit).order_by().count()
    return counts


# -- the registry the screens and the digest use --------------------------------------------------


@dataclass(frozen=True)
class Check:
    key: str
    label: str
    explanation: str
    kind: str  # dossier, procedure, posting
    rows: Callable[..., QuerySet]


WARNINGS = (
    Check("due_soon", _("Due within one working day"),
          _("Pending dossiers, not paused and without an apology, whose due moment falls within one working day."),
          "dossier", due_soon),
    Check("overdue_without_apology", _("Overdue without an apology letter"),
          _("Pending dossiers past their due moment, or resolved late and not yet returned, for which no apology "
            "letter with a new appointment has been issued."), "dossier", overdue_without_apology),
    Check("apology_due_again", _("New appointment near or passed"),
          _("Apologised dossiers not yet returned whose new appointment falls within one working day or has passed: "
            "they are about to be late a second time."), "dossier", apology_due_again),
)

QUALITY_CHECKS = (
    Check("returned_not_closed", _("Returned but not closed"),
          _("Dossiers marked returned without a resolution time or a return time: the report counts them as pending."),
          "dossier", returned_not_closed),
    Check("without_return_channel", _("Returned without a return channel"),
          _("Results returned with no channel recorded (at the desk, by post or online)."), "dossier", without_return_channel),
    Check("times_out_of_order", _("Times out of order"),
          _("Resolved before received, returned before resolved, or due before received."), "dossier", times_out_of_order),
    Check("pending_too_long", _("Pending far longer than the procedure allows"),
          _("Still pending although received more than three times the processing time ago (working days approximated "
            "as calendar days × 7/5; a same-day procedure counts as one day): probably resolved but never closed."),
          "dossier", pending_too_long),
    Check("result_not_handed_over", _("Results of other units not handed over"),
          _("Dossiers received at this unit's desk for another unit whose result came back but was not handed to the "
            "citizen: the dossier ends only when the citizen has the result."), "dossier", result_not_handed_over),
    Check("procedures_not_posted", _("Procedures handled but not posted"),
          _("Procedures the unit's dossiers were handled under that no unit of the subtree posts."),
          "procedure", procedures_not_posted),
    Check("postings_without_dates", _("Postings without a date"),
          _("Procedures in force handled by the unit whose posting at the desk or on the website has no date."),
          "posting", postings_without_dates),
)


def warning_check(key: str) -> Check | None:
    return next((c for c in WARNINGS if c.key == key), None)


def quality_check(key: str) -> Check | None:
    return next((c for c in QUALITY_CHECKS if c.key == key), None)
