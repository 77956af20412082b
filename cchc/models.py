"""The yearly administrative-reform index of communes (Chỉ số cải cách hành chính, Chỉ số CCHC), the
inspections and self-checks, as data.

A ``Scheme`` is the unit above's scoring scheme for one year (under a province decision such as Quyết
định 2452/QĐ-UBND): its fields of reform (``ReformArea``: the seven of the state programme), their
criteria and sub-criteria (``Criterion``, with the maximum points and how each is scored: by the unit
with evidence, by the unit above, or computed from the portal's records through a ``rule``) and its
classification bands (``Band``). Each commune in force that year gets a ``Scorecard``: one ``Score`` per
scored criterion, the unit's own points with notes and ``Evidence`` files, then the unit above's
appraisal (agree or change, with a reason). Every write of a score appends a ``ScoreChange`` (who,
when, why): a score is never changed without a trace.

An ``InspectionPlan`` of a year lists ``Inspection``s (which unit, topics, dates, team); a self-check plan
is the same with the unit as its own inspector. An inspection records ``Finding``s (linked to the
dossiers, procedures and postings concerned), a ``FixRequest`` per finding with its deadline in working
days, the unit's report of what it fixed, and the closing.
"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motcua.models import AdministrativeUnit

POINTS = {"max_digits": 7, "decimal_places": 2}


class SchemeStatus(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    OPEN = "open", _("Open for scoring and appraisal")
    PUBLISHED = "published", _("Published")


class Scheme(models.Model):
    """A year's scoring scheme, owned by the unit above the units it scores."""

    audited = True  # every change recorded by the audit trigger (motcua.audit)

    unit = models.ForeignKey(AdministrativeUnit, verbose_name=_("unit above"), on_delete=models.PROTECT,
                             related_name="cchc_schemes")
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=300, blank=True)
    decision = models.CharField(_("decision that sets the criteria"), max_length=300, blank=True,
                                help_text=_("E.g. Quyết định 2452/QĐ-UBND ngày 18/7/2019 của Chủ tịch UBND tỉnh."))
    self_scoring_until = models.DateField(_("self-scoring until"), null=True, blank=True)
    appraisal_until = models.DateField(_("appraisal until"), null=True, blank=True)
    publish_on = models.DateField(_("publication planned on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=SchemeStatus.choices, default=SchemeStatus.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reform index scheme")
        verbose_name_plural = _("reform index schemes")
        ordering = ["-year", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="cchc_scheme_once_per_unit_year")]

    def __str__(self) -> str:
        return f"{self.year} · {self.unit}"


class ReformArea(models.Model):
    """A field of reform (lĩnh vực CCHC) of a scheme; its maximum is the sum of its criteria's."""

    audited = True

    scheme = models.ForeignKey(Scheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="areas")
    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("name"), max_length=300)
    max_points = models.DecimalField(_("maximum points"), **POINTS)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("field of reform")
        verbose_name_plural = _("fields of reform")
        ordering = ["scheme", "position"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="cchc_area_code_once")]

    def __str__(self) -> str:
        return f"{self.code}. {self.name}"


class Method(models.TextChoices):
    SELF = "self", _("Scored by the unit, with evidence")
    SUPERIOR = "superior", _("Scored by the unit above")
    COMPUTED = "computed", _("Computed from the portal's records")


class Criterion(models.Model):
    """A criterion (tiêu chí) or sub-criterion (tiêu chí thành phần) of a field of reform. Only criteria
    without sub-criteria are scored; a criterion with sub-criteria is worth the sum of theirs.

    A computed criterion names its ``metric`` (cchc.metrics.METRICS) and its ``rule``: how the value
    (a percentage) turns into points (cchc.rules.points_for)."""

    audited = True

    scheme = models.ForeignKey(Scheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="criteria")
    area = models.ForeignKey(ReformArea, verbose_name=_("field of reform"), on_delete=models.CASCADE,
                             related_name="criteria")
    parent = models.ForeignKey("self", verbose_name=_("criterion"), null=True, blank=True, on_delete=models.CASCADE,
                               related_name="children")
    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("name"), max_length=500)
    max_points = models.DecimalField(_("maximum points"), **POINTS)
    method = models.CharField(_("how it is scored"), max_length=10, choices=Method.choices, default=Method.SELF)
    metric = models.CharField(_("record it is computed from"), max_length=40, blank=True)
    rule = models.JSONField(_("rule from value to points"), default=dict, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_scored = models.BooleanField(_("scored"), default=True, help_text=_("False for a criterion with sub-criteria."))

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["scheme", "position"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="cchc_criterion_code_once")]

    def __str__(self) -> str:
        return f"{self.code}. {self.name}"

    @property
    def depth(self) -> int:
        return self.code.count(".")


class Band(models.Model):
    """A classification band: the total percentage a unit reaches (from ``min_total``, included or not)
    and the percentage every field of reform must reach (``field_floor``). A unit takes the highest band
    whose two conditions it meets (cchc.rules.classify)."""

    audited = True

    scheme = models.ForeignKey(Scheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="bands")
    name = models.CharField(_("name"), max_length=120)
    min_total = models.DecimalField(_("total from (%)"), max_digits=5, decimal_places=2, default=Decimal(0))
    min_total_included = models.BooleanField(_("the lower bound itself qualifies"), default=True)
    field_floor = models.DecimalField(_("every field at least (%)"), max_digits=5, decimal_places=2, default=Decimal(0))
    position = models.PositiveSmallIntegerField(_("position"), default=0, help_text=_("0 is the highest band."))

    class Meta:
        verbose_name = _("classification band")
        verbose_name_plural = _("classification bands")
        ordering = ["scheme", "position"]
        constraints = [models.UniqueConstraint(fields=["scheme", "name"], name="cchc_band_name_once")]

    def __str__(self) -> str:
        return self.name


class ScorecardStatus(models.TextChoices):
    DRAFT = "draft", _("Being scored by the unit")
    SUBMITTED = "submitted", _("Submitted for appraisal")
    APPRAISED = "appraised", _("Appraised")


class Scorecard(models.Model):
    """One unit's scoring of one scheme."""

    audited = True

    scheme = models.ForeignKey(Scheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="scorecards")
    unit = models.ForeignKey(AdministrativeUnit, verbose_name=_("unit"), on_delete=models.PROTECT,
                             related_name="cchc_scorecards")
    status = models.CharField(_("status"), max_length=12, choices=ScorecardStatus.choices, default=ScorecardStatus.DRAFT)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        ordering = ["scheme", "unit__name"]
        constraints = [models.UniqueConstraint(fields=["scheme", "unit"], name="cchc_scorecard_once")]

    def __str__(self) -> str:
        return f"{self.scheme} · {self.unit}"


class Score(models.Model):
    """A unit's score on one criterion: its own points (or the computed ones, with the value and inputs
    they come from) and the unit above's appraised points. The final points are the appraised ones once
    given, else the unit's own."""

    audited = True

    scorecard = models.ForeignKey(Scorecard, verbose_name=_("scorecard"), on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, verbose_name=_("criterion"), on_delete=models.CASCADE, related_name="scores")
    self_points = models.DecimalField(_("points given by the unit"), null=True, blank=True, **POINTS)
    self_note = models.TextField(_("the unit's notes"), blank=True)
    value = models.DecimalField(_("computed value (%)"), max_digits=7, decimal_places=2, null=True, blank=True)
    inputs = models.JSONField(_("inputs of the computation"), default=dict, blank=True)
    points = models.DecimalField(_("appraised points"), null=True, blank=True, **POINTS)
    appraisal_reason = models.TextField(_("reason of the appraisal"), blank=True)
    appraised_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("appraised by"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    appraised_at = models.DateTimeField(_("appraised at"), null=True, blank=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["scorecard", "criterion__position"]
        constraints = [models.UniqueConstraint(fields=["scorecard", "criterion"], name="cchc_score_once")]

    def __str__(self) -> str:
        return f"{self.scorecard} · {self.criterion.code}"

    @property
    def final(self) -> Decimal | None:
        return self.points if self.points is not None else self.self_points


class Stage(models.TextChoices):
    SELF = "self", _("Scored by the unit")
    COMPUTED = "computed", _("Computed from the records")
    APPRAISAL = "appraisal", _("Appraised by the unit above")


class ScoreChange(models.Model):
    """One write of a score, kept for good: who, when, what, why."""

    score = models.ForeignKey(Score, verbose_name=_("score"), on_delete=models.CASCADE, related_name="changes")
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    points_before = models.DecimalField(_("points before"), null=True, blank=True, **POINTS)
    points = models.DecimalField(_("points"), null=True, blank=True, **POINTS)
    reason = models.TextField(_("reason or note"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("score change")
        verbose_name_plural = _("score changes")
        ordering = ["score", "at", "id"]

    def __str__(self) -> str:
        return f"{self.score} {self.points_before} → {self.points}"


class Evidence(models.Model):
    """A file the unit gives as evidence of a score (tài liệu kiểm chứng), served only through
    cchc.views.evidence_download, which checks access."""

    score = models.ForeignKey(Score, verbose_name=_("score"), on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("file"), upload_to="cchc/evidence/%Y/", max_length=255)
    name = models.CharField(_("file name"), max_length=255)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["score", "uploaded_at"]

    def __str__(self) -> str:
        return self.name


# -- inspections and self-checks ------------------------------------------------------------------------


class PlanKind(models.TextChoices):
    INSPECTION = "inspection", _("Inspection of the units below")
    SELF_CHECK = "self_check", _("Self-check")


class InspectionPlan(models.Model):
    """A year's plan of inspections by ``unit`` (kiểm tra), or of its own self-check (tự kiểm tra)."""

    audited = True

    unit = models.ForeignKey(AdministrativeUnit, verbose_name=_("inspecting unit"), on_delete=models.PROTECT,
                             related_name="cchc_plans")
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=12, choices=PlanKind.choices, default=PlanKind.INSPECTION)
    title = models.CharField(_("title"), max_length=300)
    decision = models.CharField(_("plan or decision"), max_length=300, blank=True,
                                help_text=_("E.g. Kế hoạch số 145/KH-UBND ngày 30/8/2021."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        ordering = ["-year", "unit__path", "id"]

    def __str__(self) -> str:
        return self.title


class InspectionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    OPEN = "open", _("Under way")
    CLOSED = "closed", _("Closed")


class Inspection(models.Model):
    """One inspection of one unit under a plan (for a self-check, the plan's own unit)."""

    audited = True

    plan = models.ForeignKey(InspectionPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="inspections")
    unit = models.ForeignKey(AdministrativeUnit, verbose_name=_("inspected unit"), on_delete=models.PROTECT,
                             related_name="cchc_inspections")
    topics = models.TextField(_("topics"))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    team = models.TextField(_("team"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=InspectionStatus.choices, default=InspectionStatus.PLANNED)
    conclusion = models.TextField(_("conclusion"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("closed by"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["starts_on", "unit__name", "id"]
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="cchc_inspection_dates")]

    def __str__(self) -> str:
        return f"{self.plan} · {self.unit}"


class Finding(models.Model):
    """What an inspection found, with the dossiers, procedures or postings concerned."""

    audited = True

    inspection = models.ForeignKey(Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="findings")
    description = models.TextField(_("finding"))
    dossiers = models.ManyToManyField("dossiers.Dossier", verbose_name=_("dossiers concerned"), blank=True, related_name="+")
    procedures = models.ManyToManyField("procedures.Procedure", verbose_name=_("procedures concerned"), blank=True,
                                        related_name="+")
    postings = models.ManyToManyField("procedures.Posting", verbose_name=_("postings concerned"), blank=True, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["inspection", "recorded_at", "id"]

    def __str__(self) -> str:
        return self.description[:80]


class FixStatus(models.TextChoices):
    OPEN = "open", _("To fix")
    REPORTED = "reported", _("Fix reported")
    ACCEPTED = "accepted", _("Fix accepted")


class FixRequestQuerySet(models.QuerySet):
    def overdue(self, at) -> FixRequestQuerySet:
        """Requests past their due moment at ``at`` with no fix reported (FixRequest.is_overdue_at, one rule)."""
        return self.filter(status=FixStatus.OPEN, due_at__lt=at)


class FixRequest(models.Model):
    """A request to fix a finding within a number of working days (the due moment from the working
    calendar: motcua.calendar through motcua.selectors.work_calendar), the unit's report, the acceptance."""

    audited = True

    finding = models.ForeignKey(Finding, verbose_name=_("finding"), on_delete=models.CASCADE, related_name="fixes")
    request = models.TextField(_("what to fix"))
    working_days = models.DecimalField(_("within (working days)"), max_digits=5, decimal_places=1)
    issued_at = models.DateTimeField(_("requested at"))
    due_at = models.DateTimeField(_("due at"))
    status = models.CharField(_("status"), max_length=10, choices=FixStatus.choices, default=FixStatus.OPEN)
    report = models.TextField(_("what the unit fixed"), blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reported by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    objects = FixRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("request to fix")
        verbose_name_plural = _("requests to fix")
        ordering = ["due_at", "id"]
        indexes = [
            # The overdue list of a district reads open requests by due moment.
            models.Index(fields=["status", "due_at"], name="cchc_fix_status_due_idx"),
        ]

    def is_overdue_at(self, at) -> bool:
        """Past its due moment at ``at`` with no fix reported (FixRequestQuerySet.overdue, row by row)."""
        return self.status == FixStatus.OPEN and self.due_at < at

    def __str__(self) -> str:
        return self.request[:80]


# -- the focal officers' register ----------------------------------------------------------------------------


class DutyKind(models.TextChoices):
    FOCAL = "focal", _("Focal officer for procedure control (công chức đầu mối)")
    DESK = "desk", _("Desk duty (trực Bộ phận Một cửa)")


class DutyAssignmentQuerySet(models.QuerySet):
    def current(self, day) -> DutyAssignmentQuerySet:
        """Assignments in force on ``day``: a focal officer from the decision's start until replaced or ended; a
        desk duty for the week that contains the day."""
        from datetime import timedelta

        week = day - timedelta(days=day.weekday())
        focal = Q(kind=DutyKind.FOCAL, starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        return self.filter(focal | Q(kind=DutyKind.DESK, starts_on=week))


class DutyAssignment(models.Model):
    """A unit's focal officer for procedure control, or who sits at the desk's counter one week, with the
    decision that named them (Quyết định … của Chủ tịch UBND)."""

    audited = True

    unit = models.ForeignKey(AdministrativeUnit, verbose_name=_("unit"), on_delete=models.PROTECT,
                             related_name="cchc_assignments")
    kind = models.CharField(_("kind"), max_length=8, choices=DutyKind.choices)
    person = models.CharField(_("full name"), max_length=200)
    position = models.CharField(_("position"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    counter = models.CharField(_("counter"), max_length=60, blank=True, help_text=_("For desk duty: which counter."))
    starts_on = models.DateField(_("from"), help_text=_("For desk duty: the Monday of the week."))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    decision = models.CharField(_("decision that named them"), max_length=300,
                                help_text=_("E.g. Quyết định số 12/QĐ-UBND ngày 05/01/2021 của Chủ tịch UBND xã."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = DutyAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("duty assignment")
        verbose_name_plural = _("duty assignments")
        ordering = ["unit__path", "kind", "-starts_on"]

    def __str__(self) -> str:
        return f"{self.unit} · {self.person}"
