"""Report runs (one export job: queued → running → done / failed, with its file) and the reports a
unit submits to the unit above it (figures frozen with each version)."""
from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motcua.models import AdministrativeUnit, Agency, JobStatus
from motcua.scope import Scope

from motcua.periods import Period, parse_period


class ReportFormat(models.TextChoices):
    JSON = "json", "JSON"
    XLSX = "xlsx", "Excel"
    PDF = "pdf", "PDF"


RunStatus = JobStatus


class ReportRunQuerySet(models.QuerySet):
    def active(self) -> ReportRunQuerySet:
        return self.filter(status__in=RunStatus.active())

    def for_user(self, user) -> ReportRunQuerySet:
        return Scope.of(user).filter(self, "unit")


def period_slug(key: str) -> str:
    """A period key safe in a file name, as reports.formatters.report_filename writes it:
    ``2023-Q1`` stays, ``cal:2023-03`` → ``nam-2023-03``, ``2022-12-15..2023-05-29`` → ``2022-12-15_2023-05-29``."""
    key = key.replace("cal:", "nam-").replace("..", "_")
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in key)


class ReportRun(models.Model):
    """One export of a unit's report for a window in one format (with its parameters, e.g. the
    PDF's narrative): the job's state, progress and, when done, the file and its checksum."""

    unit = models.ForeignKey(AdministrativeUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="report_runs")
    period_key = models.CharField(_("period"), max_length=40)
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    format = models.CharField(_("format"), max_length=8, choices=ReportFormat.choices)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    # sha256 of the parameters' canonical JSON: part of the job's identity.
    parameters_hash = models.CharField(max_length=64, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    file = models.FileField(_("file"), upload_to="reports/", max_length=255, blank=True)
    checksum = models.CharField(_("SHA-256 checksum"), max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    error = models.TextField(_("reason of the failure"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="report_runs",
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    # When the job's message was handed to the broker, set in the transaction that sends it: a queued
    # run without it was never sent (the broker was down); reports.services.report_requeue_waiting.
    sent_at = models.DateTimeField(_("sent to the workers at"), null=True, blank=True, editable=False)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Touched by the worker every few seconds while it works (reports.services.Heartbeat; progress
    # updates count): a running run whose heartbeat is older than settings.REPORT_STALE_AFTER_SECONDS
    # is a dead worker's, sent again once or marked failed (reports.services.report_requeue_waiting).
    heartbeat_at = models.DateTimeField(_("last sign of life at"), null=True, blank=True, editable=False)

    objects = ReportRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("report run")
        verbose_name_plural = _("report runs")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # A duplicate request while a run is queued or running attaches to it: at most one active
            # run per (unit, period, format, parameters).
            models.UniqueConstraint(
                fields=["unit", "period_key", "format", "parameters_hash"],
                condition=Q(status__in=["queued", "running"]),
                name="report_run_one_active_per_job",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_run_progress_at_most_100"),
        ]
        indexes = [
            # The list of runs of a unit, newest first.
            models.Index(fields=["unit", "-requested_at"], name="report_run_unit_requested_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.unit.code} {self.period_key} {self.format} #{self.pk}"

    @property
    def period(self) -> Period:
        return parse_period(self.period_key)

    @property
    def is_active(self) -> bool:
        return self.status in RunStatus.active()

    @property
    def narrative(self) -> dict:
        return (self.parameters or {}).get("narrative") or {}

    @property
    def download_name(self) -> str:
        """The file name the officer receives, e.g. ``bao-cao-298-2023-Q1.xlsx``."""
        return f"bao-cao-{self.unit.code}-{period_slug(self.period_key)}.{self.format}"

    def storage_name(self, attempt: int) -> str:
        """Where an attempt writes its file: one directory per run and attempt, so that an attempt
        overtaken by another never overwrites the file the run records."""
        return f"reports/{self.unit.code}/{self.pk}-{attempt}/{self.download_name}"


class ReportSubmissionQuerySet(models.QuerySet):
    def for_user(self, user) -> ReportSubmissionQuerySet:
        return Scope.of(user).filter(self, "unit")


class ReportSubmission(models.Model):
    """A unit's report sent to the unit above for a window: the figures frozen at submission.
    A later correction is a new version with its reason; earlier versions stay as they were.

    With an ``agency``: that agency's report (the unit's figures of the dossiers it holds) sent by its
    focal officer to its own unit, by the same deadline; without one, the unit's own report."""

    unit = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="report_submissions"
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="report_submissions",
    )
    period_key = models.CharField(_("period"), max_length=40)
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    figures = models.JSONField(_("figures"))
    narrative = models.JSONField(_("narrative"), default=dict, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True, on_delete=models.SET_NULL,
        related_name="report_submissions",
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    reason = models.TextField(_("reason of the correction"), blank=True)
    # Sent before the window ended (confirmed by the sender): the figures are counted up to this moment.
    as_of = models.DateTimeField(_("figures as of"), null=True, blank=True)
    # The report as the unit signed it (motcua.signing), when the unit has a signing identity: the
    # version the unit above reads, its signature verified when shown.
    signed_pdf = models.FileField(_("signed report"), upload_to="submissions/", max_length=255, blank=True)

    objects = ReportSubmissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("report submission")
        verbose_name_plural = _("report submissions")
        ordering = ["unit__path", "period_key", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "period_key", "version"], condition=Q(agency__isnull=True),
                                    name="report_submission_unique_version"),
            models.UniqueConstraint(fields=["agency", "period_key", "version"], condition=Q(agency__isnull=False),
                                    name="report_submission_agency_unique_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="report_submission_version_from_1"),
            # A correction (version 2 and later) always says why.
            models.CheckConstraint(
                condition=Q(version=1) | ~Q(reason=""), name="report_submission_correction_has_reason"
            ),
        ]

    def __str__(self) -> str:
        agency = f" {self.agency.identifier}" if self.agency_id else ""
        return f"{self.unit.code}{agency} {self.period_key} v{self.version}"

    @property
    def period(self) -> Period:
        """The window as its frozen figures were counted (up to ``as_of`` for an early submission)."""
        period = parse_period(self.period_key)
        return period.until(self.as_of) if self.as_of else period

    @property
    def early(self) -> bool:
        """Sent before its window ended."""
        return self.as_of is not None


# -- The province's targets (chỉ tiêu) the leaders' dashboard measures a unit against ------------

from motcua.models import UnitLevel  # noqa: E402  (kept with the model that uses it)


class TargetKey(models.TextChoices):
    ONLINE_DOSSIERS = "online_dossiers", _("Dossiers received online")
    ONLINE_PAYMENT = "online_payment", _("Fees paid online (dossiers with a fee)")
    COMPONENTS_DIGITISED = "components_digitised", _("Dossiers with digitised components")
    RESULTS_DIGITISED = "results_digitised", _("Results digitised")
    SATISFACTION = "satisfaction", _("Satisfaction")
    LAND_GROUP_SATISFACTION = "land_group_satisfaction", _("Satisfaction: land, construction and investment")


class Target(models.Model):
    """One target of the province's yearly plan, in per cent: for every unit level (``level`` empty)
    or for one level, which then wins over the general row (online dossiers: 55 % for a district,
    50 % for a commune)."""

    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    level = models.CharField(
        _("unit level"), max_length=16, choices=UnitLevel.choices, blank=True,
        help_text=_("Empty: every level that has no target of its own."),
    )
    key = models.CharField(_("target"), max_length=32, choices=TargetKey.choices)
    value = models.DecimalField(
        _("target (%)"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    note = models.CharField(_("source"), max_length=300, blank=True, help_text=_("The plan or decision that sets it."))

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["-year", "key", "level"]
        constraints = [
            models.UniqueConstraint(fields=["year", "level", "key"], name="target_unique_year_level_key"),
            models.CheckConstraint(condition=Q(value__gte=0) & Q(value__lte=100), name="target_value_is_a_percentage"),
        ]

    def __str__(self) -> str:
        level = self.get_level_display() if self.level else _("every level")
        return f"{self.year} · {self.get_key_display()} · {level}: {self.value} %"
