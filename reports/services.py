"""Report runs, exports and submissions: the writes (and the few reads the screens and jobs share).

One job builds every export: ``report_generate`` (the Celery task's body) and ``report_export``
(the management command) both build the report with ``build_report`` and render it with the
format's formatter. A run is claimed with a conditional UPDATE, so that two workers never both
produce it; a done run is left alone.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Callable

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Trim, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.models import Dossier
from motcua.db import VietnameseOrder
from motcua.jobs import job_send
from motcua.models import AdministrativeUnit, Agency, AgencyKind, StaffMembership, in_force_q
from motcua.periods import VN_TZ, Period, parse_period, quarter_containing
from motcua.permissions import RULES
from motcua.scope import reference_day
from motcua.signing import identity_of, sign_pdf, verify_pdf
from motcua.text import vn_moment

from .figures import compute_figures, conditions, counted, dossiers_behind, dossiers_counted, others_conditions

OTHERS_FIGURES = ("received_for_others", "returned_for_others", "waiting_to_return")
from .models import ReportFormat, ReportRun, ReportSubmission, RunStatus, period_slug
from .report import ReportData, _Encoder, apologies_in, build_report, to_json
from .stages import STAGE_KEYS, stage_dossiers

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# A run whose worker died is sent once more by the beat (its second attempt); dead again, it is failed.
DEAD_RUN_ATTEMPTS = 2
# A queued run whose message was sent this long ago and never claimed is taken for a lost message.
QUEUED_RESEND_AFTER = timedelta(minutes=10)


def stale_after() -> timedelta:
    """How long a run "running" may go without a heartbeat before it is taken for a dead worker's
    (claimable again, sent again by the beat or failed): settings.REPORT_STALE_AFTER_SECONDS (90 s
    unless the environment says otherwise; read at each call, so that a test can shorten it)."""
    return timedelta(seconds=getattr(settings, "REPORT_STALE_AFTER_SECONDS", 90))


def heartbeat_every() -> float:
    """Seconds between two heartbeats of a running job: settings.REPORT_HEARTBEAT_SECONDS (15)."""
    return float(getattr(settings, "REPORT_HEARTBEAT_SECONDS", 15))


def dead_runs(now: datetime | None = None) -> Q:
    """Runs "running" with no heartbeat for ``stale_after()``: their worker died (killed, out of memory)."""
    cutoff = (now or timezone.now()) - stale_after()
    return Q(status=RunStatus.RUNNING) & (
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    )


class Heartbeat:
    """While the block runs, ``beat()`` is called every ``every`` seconds from a thread of its own
    (with its own database connection, closed at the end): a job busy in one long step (WeasyPrint
    laying out a hundred pages) still shows it is alive. A failed beat is logged, never raised."""

    def __init__(self, beat: Callable[[], object], every: float):
        self.beat, self.every = beat, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="report-heartbeat", daemon=True)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.every):
                try:
                    self.beat()
                except Exception as error:  # the database is briefly away: the next beat may pass
                    logger.warning("report heartbeat failed: %s", error)
        finally:
            connection.close()

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


# The PDF's editable parts (reports.formatters.pdf_context): paragraphs, the document number, the
# recipients ("Nơi nhận", one a line) and the signature block (title lines and name).
NARRATIVE_KEYS = ("number", "assessment", "tasks", "proposals", "recipients", "signer_title", "signer_name")
NARRATIVE_ALIASES = {"signer": "signer_name"}
SUBMISSION_DEADLINE_DAY = 17


class ReportError(Exception):
    """Refused; the message is for the person in front of the screen."""


# -- parameters ---------------------------------------------------------------------------------


def _period(period: Period | str) -> Period:
    return period if isinstance(period, Period) else parse_period(period)


def clean_narrative(narrative: dict | None) -> dict:
    """The PDF's editable paragraphs: known keys only, text stripped, empty ones left out."""
    given = dict(narrative or {})
    for alias, key in NARRATIVE_ALIASES.items():
        if alias in given and not given.get(key):
            given[key] = given[alias]
    cleaned = {}
    for key in NARRATIVE_KEYS:
        value = given.get(key)
        if value is None:
            continue
        value = str(value).replace("\r\n", "\n").strip()
        if value:
            cleaned[key] = value
    return cleaned


def clean_parameters(fmt: str, parameters: dict | None) -> dict:
    """Only what changes the output is kept: the narrative for the PDF, its signer for Excel, and for
    every format the per-unit sources of a consolidation (so that two requests differing only in
    unused text attach to the same run)."""
    cleaned = {}
    consolidated = (parameters or {}).get("consolidated")
    if isinstance(consolidated, dict):  # built from the units' submissions (reports.consolidation)
        cleaned["consolidated"] = {str(code): source for code, source in sorted(consolidated.items())
                                   if source in ("sent", "now")}
    if fmt == ReportFormat.JSON:
        return cleaned
    narrative = clean_narrative((parameters or {}).get("narrative"))
    if fmt != ReportFormat.PDF:
        narrative = {key: value for key, value in narrative.items() if key in ("signer_title", "signer_name")}
    if narrative:
        cleaned["narrative"] = narrative
    return cleaned


def parameters_hash(parameters: dict) -> str:
    canonical = json.dumps(parameters, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# -- rendering (the one job) ----------------------------------------------------------------------


def formatter_for(fmt: str) -> Callable[..., bytes]:
    from .formatters import FORMATTERS

    return FORMATTERS[fmt]


def content_type_for(fmt: str) -> str:
    from .formatters import CONTENT_TYPES

    return CONTENT_TYPES[fmt]


def _build_snapshot(unit: AdministrativeUnit, period: Period) -> ReportData:
    """build_report in one REPEATABLE READ transaction on PostgreSQL, so that every table of the
    report sees the same moment (when not already inside a transaction, as in a worker)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return build_report(unit, period)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        return build_report(unit, period)


def _render(unit: AdministrativeUnit, period: Period, fmt: str, parameters: dict,
            progress: Callable[[int], None] = lambda percent: None) -> bytes:
    if fmt not in ReportFormat.values:
        raise ReportError(_("Unknown format %(format)s.") % {"format": fmt})
    parameters = dict(parameters)
    consolidated = parameters.pop("consolidated", None)
    data = _build_snapshot(unit, period)
    if consolidated is not None:
        from .consolidation import consolidated_report

        data = consolidated_report(data, sources=consolidated)
    progress(60)
    content = formatter_for(fmt)(data, **parameters)
    if fmt == ReportFormat.PDF:  # signed with the unit's certificate when it has one (motcua.signing)
        from motcua.signing import sign_for_unit

        content = sign_for_unit(unit, content, reason=f"Báo cáo {data.period.key} của {unit.name}")
    progress(90)
    return content


def report_export(*, unit: AdministrativeUnit, period: Period | str, fmt: str, parameters: dict | None = None) -> bytes:
    """The very same build and render as a run's, synchronously (the export_report command)."""
    return _render(unit, _period(period), fmt, clean_parameters(fmt, parameters))


# -- runs ---------------------------------------------------------------------------------------


@transaction.atomic
def report_request(*, unit: AdministrativeUnit, period: Period | str, fmt: str, by=None,
                   parameters: dict | None = None) -> ReportRun:
    """Ask for an export. While the same job (unit, period, format, parameters) is queued or running,
    the request attaches to it; otherwise a queued run is created and its task enqueued after commit."""
    period = _period(period)
    if fmt not in ReportFormat.values:
        raise ReportError(_("Unknown format %(format)s.") % {"format": fmt})
    parameters = clean_parameters(fmt, parameters)
    job = {"unit": unit, "period_key": period.key, "format": fmt, "parameters_hash": parameters_hash(parameters)}
    active = ReportRun.objects.active().filter(**job).first()
    if active is not None:
        # A dead worker's run is never joined: it is marked failed, and this request gets a run of its own.
        if not _fail_dead(active.pk):
            return active
    try:
        with transaction.atomic():
            run = ReportRun.objects.create(
                **job, first_day=period.first_day, last_day=period.last_day, parameters=parameters,
                status=RunStatus.QUEUED, requested_by=by if getattr(by, "pk", None) else None,
            )
    except IntegrityError:
        # A concurrent request created the same job first (the partial unique constraint): attach.
        active = ReportRun.objects.active().filter(**job).first()
        if active is None:
            raise
        return active
    run_id = run.pk
    transaction.on_commit(lambda: _enqueue(run_id))
    return run


def _enqueue(run_id: int, *, sent_before: datetime | None = None) -> bool:
    """Send a queued run's job to the workers and mark it sent in the same transaction (the status
    is the marker): if the broker is down the transaction rolls back, the run stays queued and
    unmarked, and ``report_requeue_waiting`` sends it once Redis is back. A run already sent is not
    sent again, unless it was sent before ``sent_before`` (its message lost). Returns whether it
    was sent."""
    from .tasks import generate_report

    unsent = Q(sent_at__isnull=True)
    if sent_before is not None:
        unsent |= Q(sent_at__lt=sent_before)
    return job_send(ReportRun.objects.filter(unsent, status=RunStatus.QUEUED), run_id, generate_report, what="Report run")


def report_requeue_waiting(*, older_than=timedelta(minutes=2)) -> int:
    """The beat's round (every minute): send the runs still queued whose message was never sent (Redis
    was down), or was sent so long ago (``QUEUED_RESEND_AFTER``) that it must have been lost — a run
    sent a moment ago and waiting for a free worker is left alone; and deal with the runs whose worker
    died (no heartbeat for ``stale_after()``): sent once more, or marked failed (``report_reap_dead``).
    Returns how many runs it sent or failed."""
    now = timezone.now()
    resend_before = now - QUEUED_RESEND_AFTER
    waiting = ReportRun.objects.filter(status=RunStatus.QUEUED, requested_at__lt=now - older_than).filter(
        Q(sent_at__isnull=True) | Q(sent_at__lt=resend_before)
    )
    sent = sum(_enqueue(run_id, sent_before=resend_before) for run_id in waiting.values_list("pk", flat=True))
    dead = ReportRun.objects.filter(dead_runs(now)).values_list("pk", flat=True)
    return sent + sum(report_reap_dead(run_id) is not None for run_id in dead)


def dead_worker_message() -> str:
    return _("The export stopped: the worker producing it stopped answering (it was restarted or ran out of "
             "memory), and a second attempt stopped too. Ask for the export again.")


def report_reap_dead(run_id: int) -> str | None:
    """A run whose worker died: after one attempt it is queued and sent again in one transaction (the
    status is the marker: if the broker is down nothing changes, and the next beat tries again);
    after ``DEAD_RUN_ATTEMPTS`` it is marked failed with the reason, so that the officer can ask again.
    Returns "resent", "failed", or None when the run is not (or no longer) a dead one."""
    from .tasks import generate_report

    try:
        with transaction.atomic():
            if ReportRun.objects.filter(dead_runs(), pk=run_id, attempts__lt=DEAD_RUN_ATTEMPTS).update(
                status=RunStatus.QUEUED, sent_at=timezone.now(), progress=0, heartbeat_at=None,
            ):
                generate_report.delay(run_id)
                logger.warning("report run %s: its worker died; sent again", run_id)
                return "resent"
    except Exception as error:  # kombu/redis raise several kinds when the broker is unreachable
        logger.warning("Report run %s stays as it was: the broker is unavailable (%s)", run_id, error)
        return None
    return "failed" if _fail_dead(run_id) else None


def _fail_dead(run_id: int) -> bool:
    """Mark a dead worker's run failed with the reason (whatever its attempts); whether it was one."""
    failed = ReportRun.objects.filter(dead_runs(), pk=run_id).update(
        status=RunStatus.FAILED, error=dead_worker_message(), finished_at=timezone.now(),
    )
    if failed:
        logger.warning("report run %s: its worker died; marked failed", run_id)
    return bool(failed)


def _claim(run_id: int) -> int | None:
    """Take the run for this worker: one conditional UPDATE (queued; running without a heartbeat for
    ``stale_after()``; failed with attempts left, for Celery's retry). Returns the attempt's number,
    or None if not ours to do."""
    now = timezone.now()
    claimable = (
        Q(status=RunStatus.QUEUED)
        | dead_runs(now)
        | Q(status=RunStatus.FAILED, attempts__lt=MAX_ATTEMPTS)
    )
    try:
        with transaction.atomic():
            claimed = ReportRun.objects.filter(claimable, pk=run_id).update(
                status=RunStatus.RUNNING, started_at=now, heartbeat_at=now, finished_at=None, progress=5,
                attempts=F("attempts") + 1,
            )
    except IntegrityError:
        # A failed run being retried while the same job was requested again: the new run does it.
        return None
    if not claimed:
        return None
    return ReportRun.objects.filter(pk=run_id).values_list("attempts", flat=True).get()


def _mine(run_id: int, attempt: int):
    return ReportRun.objects.filter(pk=run_id, status=RunStatus.RUNNING, attempts=attempt)


def report_generate(run_id: int, *, heartbeat: bool = True) -> ReportRun:
    """The job: claim the run, build and render it, store the file with its checksum. While it works
    the run's heartbeat is touched every ``heartbeat_every()`` seconds (and with each progress step),
    so that a dead worker's run is told from a slow one (``heartbeat=False`` in-process, where the
    request itself is the worker).

    Idempotent: a done run (or one another worker is running) is left alone. On failure the run is
    marked failed with the reason, and the exception is raised again while attempts remain, for
    Celery's retry policy."""
    attempt = _claim(run_id)
    run = ReportRun.objects.select_related("unit").get(pk=run_id)
    if attempt is None:
        return run

    def beat(**fields):
        return _mine(run_id, attempt).update(heartbeat_at=timezone.now(), **fields)

    try:
        with Heartbeat(beat, heartbeat_every()) if heartbeat else nullcontext():
            content = _render(
                run.unit, run.period, run.format, run.parameters or {},
                progress=lambda percent: beat(progress=percent),
            )
        name = default_storage.save(run.storage_name(attempt), ContentFile(content))
    except Exception as exc:
        reason = f"{exc.__class__.__name__}: {exc}"[:2000]
        _mine(run_id, attempt).update(status=RunStatus.FAILED, error=reason, finished_at=timezone.now())
        logger.warning("report run %s failed (attempt %s): %s", run_id, attempt, reason)
        if attempt < MAX_ATTEMPTS:
            raise
        run.refresh_from_db()
        return run
    finished = _mine(run_id, attempt).update(
        status=RunStatus.DONE, progress=100, file=name, checksum=hashlib.sha256(content).hexdigest(),
        size=len(content), error="", finished_at=timezone.now(),
    )
    if not finished:
        # Overtaken (our claim went stale and another worker took the run): keep one file only.
        default_storage.delete(name)
    run.refresh_from_db()
    return run


def report_draft_quarter(*, today: date) -> list[ReportRun]:
    """On the 15th of March, June, September and December (a 15th–14th quarter has just closed):
    request the JSON and Excel drafts of that quarter for every unit in force on its last day that has
    dossiers, units below it or units it took over. Runs already drafted for the quarter are not requested again."""
    if today.day != 15 or today.month not in (3, 6, 9, 12):
        return []
    period = quarter_containing(today - timedelta(days=1))
    units = (
        AdministrativeUnit.objects.in_force(period.last_day)
        .filter(
            Q(Exists(AdministrativeUnit.objects.filter(parent=OuterRef("pk"))))
            | ~Q(taken_over=[])  # holds the dossiers of units it took over
            | Q(Exists(Dossier.objects.filter(handling_unit=OuterRef("pk"))))
            | Q(Exists(Dossier.objects.filter(receiving_unit=OuterRef("pk"))))
        )
        .order_by("path")
    )
    drafted = set(
        ReportRun.objects.filter(period_key=period.key, requested_by__isnull=True, parameters_hash=parameters_hash({}))
        .exclude(status=RunStatus.FAILED)
        .values_list("unit_id", "format")
    )
    runs = []
    for unit in units:
        for fmt in (ReportFormat.JSON, ReportFormat.XLSX):
            if (unit.pk, fmt) not in drafted:
                runs.append(report_request(unit=unit, period=period, fmt=fmt, by=None))
    logger.info("drafted %s report runs for %s", len(runs), period.key)
    return runs


# -- reads the screens share ----------------------------------------------------------------------

# The figures a screen can list the dossiers of: the keys of reports.figures.conditions, plus the
# official table's "direct and postal" column, the resolved-in-time share and the apologies issued.
FIGURE_UNIONS = {"direct_postal": ("new_direct", "new_postal"), "early_on_time": ("early", "on_time")}
EXTRA_FIGURES = ("apologies", "received_for_others", "returned_for_others", "waiting_to_return")


# The stages' figures (reports.stages): "stage_late" is the dossiers with a stage that ended late.
STAGE_FIGURE = "stage_"


def figure_names() -> set[str]:
    return (set(conditions(timezone.now(), timezone.now())) | set(FIGURE_UNIONS) | set(EXTRA_FIGURES)
            | {STAGE_FIGURE + key for key in STAGE_KEYS})


def figure_dossiers(unit: AdministrativeUnit, period: Period, figure: str, *, field_code: str | None = None,
                    child: AdministrativeUnit | None = None, own: bool = False, reason: str | None = None,
                    agency: int | str | None = None, stage_holder: tuple[int | None, str | None] = (None, None)):
    """The dossiers behind one number of the report page (KeyError for an unknown figure).

    ``child`` narrows to a unit's subtree (a by-unit row), ``own`` to the dossiers the unit handles
    itself (its own by-unit row), ``reason`` the apologies to those giving that reason (the report's
    table of late reasons, reports.report.late_reasons)."""
    period = counted(period)
    scope = child or unit
    if figure.startswith(STAGE_FIGURE):  # a row of the table by stage holder: (its unit, its kind) and agency
        holder_unit, holder = stage_holder
        return stage_dossiers(scope, period, figure.removeprefix(STAGE_FIGURE), holder_unit=holder_unit,
                              agency=agency if isinstance(agency, int) else None, holder=holder)
    if figure in OTHERS_FIGURES:  # the receiving desk's work for other units (reports.figures.received_for_others)
        return Dossier.objects.filter(others_conditions(scope, period)[figure])
    if figure == "apologies":
        dossiers = Dossier.objects.filter(pk__in=apologies_in(scope, period).values("dossier_id"))
        if reason:
            dossiers = dossiers.filter(pk__in=apologies_in(scope, period).annotate(text=Trim("reason"))
                                       .filter(text=reason.strip()).values("dossier_id"))
        if field_code:
            dossiers = dossiers.filter(procedure__field__code=field_code)
    elif figure in FIGURE_UNIONS:
        first, *others = FIGURE_UNIONS[figure]
        dossiers = dossiers_behind(unit, period, first, field_code=field_code, child=child, agency=agency)
        for other in others:
            dossiers = dossiers | dossiers_behind(unit, period, other, field_code=field_code, child=child, agency=agency)
    else:
        dossiers = dossiers_behind(unit, period, figure, field_code=field_code, child=child, agency=agency)
    if own:
        dossiers = dossiers.filter(handling_unit_id__in=[scope.pk, *scope.taken_over])
    return dossiers


@dataclass(frozen=True)
class MonthPoint:
    month: date
    new: int
    resolved: int


def monthly_counts(unit: AdministrativeUnit, period: Period, series: dict[str, tuple[str, str]]) -> list[tuple[date, dict[str, int]]]:
    """Per calendar month of the window, in Vietnam time: for each series ``name: (figure, date field)``,
    the dossiers the report's figure counts, by the month of that date (zeros for a month without any).
    One SQL query (one grouped half per series, joined by UNION ALL)."""
    terms = conditions(period.start, period.end)
    base = dossiers_counted(unit, period).order_by()
    halves = [
        base.filter(terms[figure]).annotate(month=TruncMonth(field, tzinfo=VN_TZ)).values("month")
        .annotate(**{other: Count("id") if other == name else Value(0) for other in series}).values("month", *series)
        for name, (figure, field) in series.items()
    ]
    counts: dict[date, dict[str, int]] = {}
    for row in halves[0].union(*halves[1:], all=True):
        month = row["month"]
        month = (month.astimezone(VN_TZ).date() if isinstance(month, datetime) else month).replace(day=1)
        totals = counts.setdefault(month, dict.fromkeys(series, 0))
        for name in series:
            totals[name] += row[name]
    months, month = [], period.first_day.replace(day=1)
    while month <= period.last_day:
        months.append((month, counts.get(month, dict.fromkeys(series, 0))))
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def monthly_trend(unit: AdministrativeUnit, period: Period) -> list[MonthPoint]:
    """New and resolved dossiers per calendar month of the window (monthly_counts: one SQL query)."""
    series = {"new": ("new", "received_at"), "resolved": ("resolved", "resolved_at")}
    return [MonthPoint(month, c["new"], c["resolved"]) for month, c in monthly_counts(unit, period, series)]


# -- submissions ----------------------------------------------------------------------------------


def submission_deadline(period: Period) -> datetime:
    """23:59 (Vietnam time) on the 17th of the window's last month — for a quarter ending 14/03,
    17/03; a window ending after the 17th of its month gets three days after its end."""
    last = period.last_day
    day = last.replace(day=SUBMISSION_DEADLINE_DAY) if last.day <= SUBMISSION_DEADLINE_DAY - 3 else last + timedelta(days=3)
    return datetime.combine(day, time(23, 59, 59, 999999), tzinfo=VN_TZ)


def frozen_figures(data: ReportData) -> dict:
    """report_as_dict as plain JSON values (through the JSON export's own encoder)."""
    return json.loads(to_json(data))


def agency_report(unit: AdministrativeUnit, agency: Agency, period: Period | str) -> dict:
    """An agency's report: the unit's figures (the one aggregation, reports.figures.compute_figures)
    of the dossiers the agency holds, in the shape of report_as_dict's dossier tables, as plain JSON
    values. What the agency's focal officer sees and what its submission freezes."""
    period = counted(_period(period))
    figures = compute_figures(unit, period, agency=agency.pk)
    report = {
        "unit": {"code": unit.code, "name": unit.name},
        "agency": {"id": agency.pk, "name": agency.name, "identifier": agency.identifier},
        "period": {"key": period.key, "start": period.first_day.isoformat(), "end": period.last_day.isoformat(),
                   "as_of": period.as_of.isoformat() if period.as_of else None},
        "totals": figures.totals,
        "by_field": figures.by_field,
        "by_unit": [],
        "generated_at": timezone.now().isoformat(),
    }
    return json.loads(json.dumps(report, cls=_Encoder))


def submission_signature(submission: ReportSubmission):
    """What the signature of a submitted report says now (motcua.signing.verify_pdf), or None unsigned."""
    if not submission.signed_pdf:
        return None
    with submission.signed_pdf.open("rb") as handle:
        return verify_pdf(handle.read())


class EarlySubmission(ReportError):
    """A report of a window that has not ended, sent without the sender's confirmation."""


@transaction.atomic
def report_submit(*, unit: AdministrativeUnit, period: Period | str, by, narrative: dict | None = None,
                  reason: str = "", early: bool = False, agency: Agency | None = None) -> ReportSubmission:
    """Send the unit's report for the window to the unit above: its figures are frozen now. A later
    correction creates the next version, which must give its reason. Before the window has ended the
    sender must confirm it (``early``): the figures are then those as of now, and the submission says so.

    With ``agency`` (an agency of the unit): the agency's report (``agency_report``) sent to the unit
    itself, by the same deadline and rules, its versions counted apart from the unit's."""
    period = _period(period)
    if agency is not None and agency.unit_id != unit.pk:
        raise ReportError(_("The agency does not belong to this unit."))
    if agency is None and unit.parent_id is None:
        raise ReportError(_("This unit has no unit above it to submit to."))
    if period.is_open(timezone.now()) and not early:
        raise EarlySubmission(_(
            "The window has not ended yet (it runs to %(last)s): figures sent now are counted as of this "
            "moment and will not include what is received or resolved until then. Tick the confirmation to "
            "send them early anyway."
        ) % {"last": f"{period.last_day:%d/%m/%Y}"})
    # Lock the unit's row: two submissions at once would otherwise take the same version number.
    AdministrativeUnit.objects.select_for_update().filter(pk=unit.pk).first()
    last = ReportSubmission.objects.filter(unit=unit, agency=agency, period_key=period.key).order_by("-version").first()
    version = last.version + 1 if last else 1
    reason = (reason or "").strip()
    if version > 1 and not reason:
        raise ReportError(_("The report was already submitted: a correction must give its reason."))
    if agency is not None:
        period = counted(period)  # as of now while the window runs (the confirmation above)
        figures = agency_report(unit, agency, period)
        return ReportSubmission.objects.create(
            unit=unit, agency=agency, period_key=period.key, first_day=period.first_day, last_day=period.last_day,
            version=version, figures=figures, narrative=clean_narrative(narrative),
            submitted_by=by if getattr(by, "pk", None) else None, submitted_at=timezone.now(),
            reason=reason if version > 1 else "", as_of=period.as_of,
        )
    data = _build_snapshot(unit, period)
    submission = ReportSubmission(
        unit=unit, period_key=period.key, first_day=period.first_day, last_day=period.last_day, version=version,
        figures=frozen_figures(data), narrative=clean_narrative(narrative),
        submitted_by=by if getattr(by, "pk", None) else None, submitted_at=timezone.now(),
        reason=reason if version > 1 else "", as_of=data.period.as_of,
    )
    identity = identity_of(unit)
    if identity is not None:  # the unit signs what it sends: that PDF is the version the unit above reads
        from .formatters import to_pdf

        signed = sign_pdf(to_pdf(data, narrative=submission.narrative), identity,
                          reason=f"Báo cáo {period.key} gửi {unit.parent.name}")
        submission.signed_pdf.save(f"{unit.key}-{period_slug(period.key)}-v{version}.pdf", ContentFile(signed), save=False)
    submission.save()
    return submission


class SubmissionState:
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"


@dataclass
class SubmissionRow:
    unit: AdministrativeUnit
    state: str
    latest: ReportSubmission | None
    first_submitted_at: datetime | None
    agency: Agency | None = None  # a row of agency_submission_rows

    @property
    def version(self) -> int | None:
        return self.latest.version if self.latest else None


def submission_state(first_submitted_at: datetime | None, period: Period) -> str:
    """On time (the first version by the deadline), late, or missing: for a unit and for an agency alike."""
    if first_submitted_at is None:
        return SubmissionState.MISSING
    return SubmissionState.ON_TIME if first_submitted_at <= submission_deadline(period) else SubmissionState.LATE


def submission_rows(unit: AdministrativeUnit, period: Period) -> list[SubmissionRow]:
    """One row per direct child: submitted on time (its first version by the deadline), late, or
    missing; with the latest version. Two queries whatever the number of children."""
    of_child = ReportSubmission.objects.filter(unit=OuterRef("pk"), agency__isnull=True, period_key=period.key)
    children = list(
        unit.children.annotate(
            latest_id=Subquery(of_child.order_by("-version").values("pk")[:1]),
            first_submitted_at=Subquery(of_child.order_by("version").values("submitted_at")[:1]),
        )
        .filter(in_force_q(reference_day(unit, period.last_day)) | Q(latest_id__isnull=False))
        .order_by(VietnameseOrder("name"))
    )
    latest = ReportSubmission.objects.select_related("submitted_by").in_bulk([c.latest_id for c in children if c.latest_id])
    return [SubmissionRow(unit=child, state=submission_state(child.first_submitted_at, period), latest=latest.get(child.latest_id),
                          first_submitted_at=child.first_submitted_at) for child in children]


def agency_submission_rows(unit: AdministrativeUnit, period: Period) -> list[SubmissionRow]:
    """One row per agency of the unit (active, or inactive with a submission for the window): its own
    report sent to the unit, on time, late or missing, with the latest version. Two queries."""
    of_agency = ReportSubmission.objects.filter(agency=OuterRef("pk"), period_key=period.key)
    agencies = list(
        Agency.objects.filter(unit=unit).annotate(
            latest_id=Subquery(of_agency.order_by("-version").values("pk")[:1]),
            first_submitted_at=Subquery(of_agency.order_by("version").values("submitted_at")[:1]),
        )
        .filter(Q(is_active=True) | Q(latest_id__isnull=False))
        .order_by(VietnameseOrder("name"))
    )
    latest = ReportSubmission.objects.select_related("submitted_by").in_bulk([a.latest_id for a in agencies if a.latest_id])
    return [SubmissionRow(unit=unit, agency=agency, state=submission_state(agency.first_submitted_at, period),
                          latest=latest.get(agency.latest_id), first_submitted_at=agency.first_submitted_at)
            for agency in agencies]


def submission_remind_missing(*, today: date) -> list[AdministrativeUnit]:
    """On the 17th of March, June, September and December: every active unit that has not yet
    submitted the quarter that closed on the 14th is reminded (logged, and e-mailed to its leaders
    and focal officers when they have an address); and every agency of a unit that reports by agency
    (one has submitted its own report once) and has not yet submitted to its unit, its own leaders and
    focal officers. Returns the units reminded."""
    if today.day != SUBMISSION_DEADLINE_DAY or today.month not in (3, 6, 9, 12):
        return []
    period = quarter_containing(today - timedelta(days=3))
    missing = list(
        AdministrativeUnit.objects.active()
        .filter(parent__isnull=False)
        .exclude(Exists(ReportSubmission.objects.filter(unit=OuterRef("pk"), agency__isnull=True, period_key=period.key)))
        .select_related("parent")
        .order_by("path")
    )
    deadline = timezone.localtime(submission_deadline(period), VN_TZ)
    roles = RULES["report.prepare"].roles
    # The unit's own people (not those of its phòng or agencies, who are reminded of their agency's report).
    unit_people = Q(agency__isnull=True) | Q(agency__kind=AgencyKind.PEOPLES_COMMITTEE)
    emails = _emails_of(StaffMembership.objects.filter(unit_people, unit__in=missing, role__in=roles), "unit_id")
    for unit in missing:
        logger.warning("report %s of %s (%s) not yet submitted to %s", period.key, unit.name, unit.code, unit.parent.name)
        _remind(emails.get(unit.pk), period, deadline, sender=unit.name, to=unit.parent.name)
    agencies = list(_agencies_owing(period).select_related("unit"))
    emails = _emails_of(StaffMembership.objects.filter(agency__in=agencies, role__in=RULES["report.submit_agency"].roles),
                        "agency_id")
    for agency in agencies:
        logger.warning("report %s of %s not yet submitted to %s", period.key, agency.name, agency.unit.name)
        _remind(emails.get(agency.pk), period, deadline, sender=agency.name, to=agency.unit.name)
    return missing


def units_reporting_by_agency():
    """The units whose agencies report to them: one of their agencies has sent its own report once. Only
    their agencies owe a report (the reminder on the 17th, the focal officer's home)."""
    return ReportSubmission.objects.filter(agency__isnull=False).values("unit_id")


def _agencies_owing(period: Period):
    """The agencies (not a People's Committee: that is the unit) of units reporting by agency that have not
    sent this window's report."""
    return (Agency.objects.filter(is_active=True, unit_id__in=units_reporting_by_agency(), unit__valid_to__isnull=True)
            .exclude(kind=AgencyKind.PEOPLES_COMMITTEE)
            .exclude(Exists(ReportSubmission.objects.filter(agency=OuterRef("pk"), period_key=period.key))))


def _emails_of(members, key: str) -> dict[int, list[str]]:
    emails: dict[int, list[str]] = {}
    for owner, email in members.exclude(user__email="").filter(user__is_active=True).values_list(key, "user__email"):
        emails.setdefault(owner, []).append(email)
    return emails


def _remind(emails: list[str] | None, period: Period, deadline, *, sender: str, to: str) -> None:
    if not emails:
        return
    send_mail(
        _("Report %(period)s not yet submitted") % {"period": period.key},
        _("%(unit)s has not yet submitted its report for %(period)s (%(first)s – %(last)s) to %(parent)s. "
          "The deadline is %(deadline)s.") % {
            "unit": sender, "period": period.key, "first": f"{period.first_day:%d/%m/%Y}",
            "last": f"{period.last_day:%d/%m/%Y}", "parent": to, "deadline": vn_moment(deadline),
        },
        settings.DEFAULT_FROM_EMAIL,
        sorted(set(emails)),
        fail_silently=True,
    )
