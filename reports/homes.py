"""What each person's home shows: the work waiting for them now, each count linking to the list behind it.

The home gathers every app's work, so it lives in the app that may import them all. Nothing here
defines a figure: the desk's counts are the board's panels (dossiers.selectors.board_conditions),
"Hồ sơ của tôi" is the processing queue (dossiers.selectors.my_dossiers), the report's deadline and
state are reports.services', the checks reports.warnings', the index reports.dashboard's. Who sees
which part is asked of motcua.permissions, one action per part:

- ``dossier.receive`` at the unit: the desk's day (received today, due within a working day,
  overdue, results to return, supplements awaited);
- ``dossier.hold``: the dossiers assigned to the person (a leader sees the part only when he holds some);
- ``report.prepare`` at the unit: the next report, its state, the data and catalogue checks, the
  open review round;
- ``report.watch`` at the unit: the service index, the units below that reported late or not at all,
  overdue dossiers without an apology.

Each part runs a fixed number of queries whatever the number of dossiers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dossiers import selectors as dossier_selectors
from motcua.models import AdministrativeUnit, Agency, membership_of
from motcua.periods import Period, local_day, quarter_containing
from motcua.permissions import can
from procedures.models import ReviewRound

from .dashboard import compute_index
from .extensions import home_blocks
from .models import ReportSubmission
from .numbers import period_title
from .services import SubmissionState, submission_deadline, submission_rows, submission_state, units_reporting_by_agency
from .warnings import QUALITY_CHECKS, quality_counts, warning_counts

MY_DOSSIERS_SHOWN = 10
CATALOGUE_CHECKS = ("procedures_not_posted", "postings_without_dates")


@dataclass
class HomeCount:
    """One figure on the home and the list it counts."""

    key: str
    label: str
    value: int
    url: str
    alarm: bool = False  # shown in red when not zero


@dataclass
class Home:
    unit: AdministrativeUnit | None
    desk: list[HomeCount] = field(default_factory=list)
    blocks: list[dict] = field(default_factory=list)  # what other apps add to the desk's part (reports.extensions)
    can_receive: bool = False
    mine: dict | None = None
    report: dict | None = None
    watch: dict | None = None

    @property
    def has_tasks(self) -> bool:
        return bool(self.can_receive or self.mine is not None or self.report or self.watch)


def _url(name: str, **query) -> str:
    return reverse(name) + ("?" + urlencode(query) if query else "")


def last_closed_quarter(today) -> Period:
    return quarter_containing(quarter_containing(today).first_day - timedelta(days=1))


# -- the desk ---------------------------------------------------------------------------------------

DESK_LABELS = (
    ("today", _("Received today"), False),
    ("due_soon", _("Due within one working day"), True),
    ("overdue", _("Overdue"), True),
    ("to_return", _("Results waiting to be returned"), False),
    ("supplements", _("Supplements awaited"), False),
)


def desk_day(user, *, now: datetime) -> list[HomeCount]:
    """The board's panels counted (one query); each links to its panel on the board."""
    counts = dossier_selectors.desk_counts(user, now=now)
    board = reverse("dossiers:board")
    return [
        HomeCount(key, label, counts[key], f"{board}#panel-{key.replace('_', '-')}", alarm)
        for key, label, alarm in DESK_LABELS
    ]


# -- the processing officer -------------------------------------------------------------------------


def my_work(user, *, now: datetime) -> dict:
    """The dossiers assigned to the user, least time left first (one query, two when more are waiting)."""
    queryset = dossier_selectors.my_dossiers(user)
    rows = dossier_selectors.with_states(queryset[:MY_DOSSIERS_SHOWN], now)
    total = len(rows) if len(rows) < MY_DOSSIERS_SHOWN else queryset.order_by().count()
    return {"rows": rows, "count": total, "url": reverse("dossiers:queue")}


# -- the focal officer ------------------------------------------------------------------------------


def _first_submission(unit: AdministrativeUnit, period: Period, agency: Agency | None = None) -> ReportSubmission | None:
    return ReportSubmission.objects.filter(unit=unit, agency=agency, period_key=period.key).order_by("version").first()


def _state_of(first: ReportSubmission | None, period: Period, now: datetime) -> str:
    """A report's state on the home page: the submissions list's (services.submission_state), and a report
    not sent once its deadline has passed is late already."""
    state = submission_state(first.submitted_at if first else None, period)
    return SubmissionState.LATE if state == SubmissionState.MISSING and now > submission_deadline(period) else state


def agency_report_duty(agency: Agency, *, now: datetime) -> dict:
    """An agency's own report to its unit (reports:agency): the window it owes next, by the same 17th, and
    whether it was sent, on time or late."""
    period = last_closed_quarter(local_day(now))
    if now > submission_deadline(period) and _first_submission(agency.unit, period, agency) is not None:
        period = quarter_containing(local_day(now))  # the last one is sent: the current one is next
    first = _first_submission(agency.unit, period, agency)
    deadline = submission_deadline(period)
    state = _state_of(first, period, now)
    return {"agency": agency, "period_title": period_title(period), "deadline": deadline, "submitted": first,
            "state": state, "url": _url("reports:agency", agency=agency.pk, period=period.key)}


def next_report(unit: AdministrativeUnit, *, now: datetime) -> tuple[Period, ReportSubmission | None, Period | None]:
    """The report to send next and its first submission: the quarter that closed last until its
    deadline (the 17th), then the current quarter; and the closed quarter again when its deadline has
    passed without a report (still owed)."""
    closed = last_closed_quarter(local_day(now))
    if now <= submission_deadline(closed):
        return closed, _first_submission(unit, closed), None
    current = quarter_containing(local_day(now))
    owed = closed if _first_submission(unit, closed) is None else None
    return current, _first_submission(unit, current), owed


def report_duties(unit: AdministrativeUnit, *, now: datetime) -> dict:
    """The next report's deadline and state, the checks to fix before the window closes (the
    catalogue ones apart), the open review round."""
    period, first, owed = next_report(unit, now=now)
    deadline = submission_deadline(period)
    state = _state_of(first, period, now)
    query = {"unit": unit.code, "period": period.key}
    counts = quality_counts(unit, period, now=now)
    checks = [
        HomeCount(check.key, check.label, counts.get(check.key, 0),
              _url("reports:quality", **query, check=check.key), alarm=True)
        for check in QUALITY_CHECKS
    ]
    review = ReviewRound.objects.filter(unit=unit, status=ReviewRound.Status.OPEN).order_by("-year").first()
    return {
        "period": period,
        "period_title": period_title(period),
        "deadline": deadline,
        "days_left": (local_day(deadline) - local_day(now)).days,
        "submitted": first,
        "state": state,
        "report_url": _url("reports:index", **query),
        "data_checks": [c for c in checks if c.key not in CATALOGUE_CHECKS],
        "data_to_fix": sum(c.value for c in checks if c.key not in CATALOGUE_CHECKS),
        "catalogue_checks": [c for c in checks if c.key in CATALOGUE_CHECKS],
        "review": review,
        "owed": owed and {"period": owed, "title": period_title(owed), "deadline": submission_deadline(owed),
                          "url": _url("reports:index", unit=unit.code, period=owed.key)},
        "reviews_url": reverse("reviews:round-list"),
    }


# -- the leader and the district office --------------------------------------------------------------


def overview(unit: AdministrativeUnit, *, now: datetime) -> dict:
    """The current quarter's service index, the units below that reported the last closed quarter
    late or not at all, the dossiers overdue without an apology."""
    today = local_day(now)
    period = quarter_containing(today)
    index = compute_index(unit, period, now=now)
    closed = last_closed_quarter(today)
    rows = submission_rows(unit, closed)
    warnings = warning_counts(unit, now=now)
    return {
        "period": period,
        "period_title": period_title(period),
        "index": index,
        "dashboard_url": _url("reports:dashboard", unit=unit.code, period=period.key),
        "closed": closed,
        "closed_title": period_title(closed),
        "late": [row for row in rows if row.state == SubmissionState.LATE],
        "missing": [row for row in rows if row.state == SubmissionState.MISSING],
        "has_children": bool(rows),
        "submissions_url": _url("reports:submissions", unit=unit.code, period=closed.key),
        "overdue_without_apology": HomeCount(
            "overdue_without_apology", _("Overdue without an apology letter"), warnings["overdue_without_apology"],
            _url("reports:warnings", unit=unit.code, check="overdue_without_apology"), alarm=True,
        ),
    }


# -- the whole home ---------------------------------------------------------------------------------


def home_for(user, unit: AdministrativeUnit | None, *, now: datetime) -> Home:
    home = Home(unit=unit)
    if unit is None:
        return home
    if can(user, "dossier.receive", unit):
        home.can_receive = True
        home.desk = desk_day(user, now=now)
        home.blocks = home_blocks(user, unit, now)
    watching = can(user, "report.watch", unit)
    if can(user, "dossier.hold"):
        mine = my_work(user, now=now)
        # A leader may hold dossiers too: his part shows when he does.
        if mine["count"] or not watching:
            home.mine = mine
    if can(user, "report.prepare", unit):
        home.report = report_duties(unit, now=now)
        membership = membership_of(user)
        if (membership is not None and membership.agency_id and can(user, "report.submit_agency", membership.agency)
                and units_reporting_by_agency().filter(unit_id=unit.pk).exists()):
            home.report["agency_report"] = agency_report_duty(membership.agency, now=now)
    if watching:
        home.watch = overview(unit, now=now)
    return home
