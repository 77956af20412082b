"""Every write of the index and of the inspections: keyword-only, atomic, recording who acted.

A score is written only here, and every write appends its ``ScoreChange`` (who, when, the points before
and after, why) in the same transaction: scored again after a correction, a score keeps its history.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.models import AdministrativeUnit
from motcua.selectors import work_calendar
from reports.report import build_report

from . import phases
from .metrics import measure, reports_sent, year_period
from .models import (
    Band, Criterion, DutyAssignment, DutyKind, Evidence, Finding, FixRequest, FixStatus, Inspection, InspectionPlan,
    InspectionStatus, Method, PlanKind, Scheme, SchemeStatus, Score, ScoreChange, Scorecard, ScorecardStatus, Stage,
)
from .rules import DEFAULT_BANDS, points_for, vn_plain

# Below the request limit (settings.REQUEST_MAX_BYTES), so that a larger file gets this message rather than a bare 413.
MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
EVIDENCE_EXTENSIONS = (".pdf", ".jpg", ".jpeg", ".png", ".doc", ".docx", ".xls", ".xlsx", ".odt", ".ods", ".zip")


class CchcError(ValueError):
    """A step the index or an inspection refuses, with the reason to show (nothing was changed)."""


def units_scored(scheme: Scheme):
    """The units a scheme scores: the children of its unit in force in the year's window (on its last day)."""
    return units_scored_for(scheme.unit, scheme.year)


# -- the scheme ------------------------------------------------------------------------------------------


@transaction.atomic
def scheme_create(*, unit: AdministrativeUnit, year: int, by, title: str = "", decision: str = "",
                  self_scoring_until=None, appraisal_until=None, publish_on=None) -> Scheme:
    """A new scheme for ``year``, with the seed's four classification bands (data: editable after)."""
    if Scheme.objects.filter(unit=unit, year=year).exists():
        raise CchcError(_("%(unit)s already has a scheme for %(year)s.") % {"unit": unit.name, "year": year})
    if not units_scored_for(unit, year).exists():
        raise CchcError(_("%(unit)s has no unit below it in force in %(year)s to score.") % {"unit": unit.name, "year": year})
    scheme = Scheme.objects.create(
        unit=unit, year=year, created_by=by, title=title or f"Chỉ số cải cách hành chính năm {year}",  # data: the official name, whatever the UI speaks
        decision=decision, self_scoring_until=self_scoring_until, appraisal_until=appraisal_until, publish_on=publish_on,
    )
    Band.objects.bulk_create([
        Band(scheme=scheme, name=band.name, min_total=band.min_total, min_total_included=band.min_total_included,
             field_floor=band.field_floor, position=position)
        for position, band in enumerate(DEFAULT_BANDS)
    ])
    return scheme


def units_scored_for(unit: AdministrativeUnit, year: int):
    """The units a scheme of ``unit`` for ``year`` scores (units_scored)."""
    return AdministrativeUnit.objects.children_in_force(unit, year_period(year).last_day)


@transaction.atomic
def bands_set(*, scheme: Scheme, bands: list[dict], by) -> None:
    """Replace the scheme's classification bands (highest first) until its results are published."""
    if scheme.status == SchemeStatus.PUBLISHED:
        raise CchcError(_("The results are published: correct a score instead of the bands."))
    scheme.bands.all().delete()
    Band.objects.bulk_create([
        Band(scheme=scheme, name=row["name"].strip(), min_total=row["min_total"], field_floor=row["field_floor"],
             min_total_included=row["min_total_included"], position=position)
        for position, row in enumerate(bands)
    ])


@transaction.atomic
def scheme_open(*, scheme: Scheme, by, now: datetime | None = None) -> Scheme:
    """Open the scheme: one scorecard per unit scored, one score per scored criterion, computed criteria
    computed from the records."""
    scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
    if scheme.status != SchemeStatus.DRAFT:
        raise CchcError(_("The scheme is already open."))
    criteria = list(scheme.criteria.filter(is_scored=True))
    if not criteria:
        raise CchcError(_("The scheme has no criterion yet: import or enter them first."))
    scheme.status = SchemeStatus.OPEN
    scheme.save(update_fields=["status"])
    # One insert of the scorecards, one of their scores (the audit trigger records bulk inserts too).
    scorecards = Scorecard.objects.bulk_create([Scorecard(scheme=scheme, unit=unit) for unit in units_scored(scheme)])
    _ensure_scorecard_pks(scheme, scorecards)
    Score.objects.bulk_create([Score(scorecard=card, criterion=criterion) for card in scorecards for criterion in criteria],
                              batch_size=1000)
    scores_compute(scheme=scheme, by=by, now=now)
    return scheme


@transaction.atomic
def scheme_publish(*, scheme: Scheme, by, now: datetime | None = None) -> Scheme:
    """Publish the results: on or after the planned day, once every unit's scorecard is appraised (cchc.phases)."""
    scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
    not_appraised = list(scheme.scorecards.exclude(status=ScorecardStatus.APPRAISED)
                         .order_by("unit__name").values_list("unit__name", flat=True))
    refusal = phases.publication_refusal(scheme, phases.day_of(now), not_appraised=not_appraised)
    if refusal:
        raise CchcError(refusal)
    scheme.status = SchemeStatus.PUBLISHED
    scheme.published_at = now or timezone.now()
    scheme.save(update_fields=["status", "published_at"])
    return scheme


# -- scores ----------------------------------------------------------------------------------------------


def _change(score: Score, stage: str, before: Decimal | None, after: Decimal | None, reason: str, by, at) -> ScoreChange:
    """One line of a score's history (unsaved: ``_record`` writes one, ``scores_compute`` many at once)."""
    return ScoreChange(score=score, stage=stage, points_before=before, points=after, reason=reason, by=by, at=at)


def _record(score: Score, stage: str, before: Decimal | None, after: Decimal | None, reason: str, by, at) -> None:
    _change(score, stage, before, after, reason, by, at).save()


def _ensure_scorecard_pks(scheme: Scheme, scorecards: list[Scorecard]) -> None:
    """Databases that cannot return ids from a bulk insert: read them back by unit."""
    if any(card.pk is None for card in scorecards):
        ids = dict(Scorecard.objects.filter(scheme=scheme).values_list("unit_id", "pk"))
        for card in scorecards:
            card.pk = ids[card.unit_id]


def _check_points(criterion: Criterion, points: Decimal) -> Decimal:
    if points is None or points < 0 or points > criterion.max_points:
        raise CchcError(_("The points of %(code)s must be between 0 and %(max)s.")
                        % {"code": criterion.code, "max": vn_plain(criterion.max_points)})
    return Decimal(points).quantize(Decimal("0.01"))


@transaction.atomic
def scores_compute(*, scheme: Scheme, by=None, scorecards=None, now: datetime | None = None) -> int:
    """Compute (again) every computed criterion of ``scheme`` for its scorecards, from each unit's report
    of the year (the one aggregation). A score whose points change keeps the change in its history.
    Returns how many scores changed."""
    now = now or timezone.now()
    computed = list(scheme.criteria.filter(is_scored=True, method=Method.COMPUTED))
    if not computed:
        return 0
    scorecards = list(scorecards if scorecards is not None else scheme.scorecards.select_related("unit"))
    needs_reports = any(criterion.metric == "reports_on_time" for criterion in computed)
    sent = reports_sent(scheme.unit, scheme.year) if needs_reports else {}
    fixes = fixes_on_time(scheme.year, [card.unit_id for card in scorecards], now) \
        if any(criterion.metric == "fixes_on_time" for criterion in computed) else {}
    period = year_period(scheme.year)
    # A computed criterion added after the scheme opened has no score yet: all of them made in one insert.
    existing = set(Score.objects.filter(scorecard__in=scorecards, criterion__in=computed).values_list("scorecard_id", "criterion_id"))
    Score.objects.bulk_create([Score(scorecard=card, criterion=criterion) for card in scorecards for criterion in computed
                               if (card.pk, criterion.pk) not in existing], batch_size=1000)
    scores = {(score.scorecard_id, score.criterion_id): score
              for score in Score.objects.filter(scorecard__in=scorecards, criterion__in=computed)}
    updated, history = [], []
    reason = _("Computed from the records of %(period)s") % {"period": period.key}
    for scorecard in scorecards:
        data = build_report(scorecard.unit, period, now=now)
        extra = {"reports": sent.get(scorecard.unit_id, (0, 0)), "fixes": fixes.get(scorecard.unit_id, (0, 0))}
        for criterion in computed:
            score = scores[scorecard.pk, criterion.pk]
            result = measure(criterion.metric, scorecard.unit, scheme.year, data=data, extra=extra)
            points = points_for(criterion.rule, result.value, criterion.max_points)
            inputs = {**result.inputs, "links": result.links}
            if score.self_points != points or score.value != result.value or score.inputs != inputs:
                before = score.self_points
                score.value, score.inputs, score.self_points = result.value, inputs, points
                updated.append(score)
                if before != points:
                    history.append(_change(score, Stage.COMPUTED, before, points, reason, by, now))
    # One update of the scores that changed and one insert of their history, not a query per score.
    Score.objects.bulk_update(updated, ["value", "inputs", "self_points"], batch_size=500)
    ScoreChange.objects.bulk_create(history, batch_size=1000)
    return len(history)


def fixes_on_time(year: int, unit_ids: list[int], now: datetime) -> dict[int, tuple[int, int]]:
    """Per inspected unit: (requests to fix of the year's inspections and self-checks reported by their
    deadline, requests due by ``now``), one grouped query."""
    from django.db.models import Count, F, Q

    rows = (FixRequest.objects.filter(finding__inspection__plan__year=year, finding__inspection__unit_id__in=unit_ids,
                                      due_at__lte=now).order_by().values("finding__inspection__unit_id")
            .annotate(due=Count("id"), on_time=Count("id", filter=Q(reported_at__lte=F("due_at")))))
    return {row["finding__inspection__unit_id"]: (row["on_time"], row["due"]) for row in rows}


def _check_self_scoring_open(scheme: Scheme, now: datetime | None) -> None:
    """Self-scoring is accepted only in its window (cchc.phases: until the end of ``self_scoring_until``)."""
    refusal = phases.self_scoring_refusal(scheme, phases.day_of(now))
    if refusal:
        raise CchcError(refusal)


@transaction.atomic
def score_self(*, score: Score, points: Decimal, note: str, by, now: datetime | None = None) -> Score:
    """The unit's own points on a criterion it scores itself, with its notes."""
    score = Score.objects.select_for_update().select_related("criterion", "scorecard__scheme").get(pk=score.pk)
    if score.scorecard.scheme.status != SchemeStatus.OPEN or score.scorecard.status != ScorecardStatus.DRAFT:
        raise CchcError(_("The scorecard has been submitted: the unit can no longer change it."))
    if score.criterion.method != Method.SELF:
        raise CchcError(_("This criterion is not scored by the unit."))
    _check_self_scoring_open(score.scorecard.scheme, now)
    points = _check_points(score.criterion, points)
    before = score.self_points
    score.self_points, score.self_note = points, note.strip()
    score.save(update_fields=["self_points", "self_note"])
    if before != points:
        _record(score, Stage.SELF, before, points, score.self_note, by, now or timezone.now())
    return score


@transaction.atomic
def evidence_add(*, score: Score, upload: UploadedFile, by, now: datetime | None = None) -> Evidence:
    if score.scorecard.status != ScorecardStatus.DRAFT:
        raise CchcError(_("The scorecard has been submitted: the unit can no longer change it."))
    _check_self_scoring_open(score.scorecard.scheme, now)
    name = (upload.name or "").rsplit("/", 1)[-1][-200:]
    if not name.lower().endswith(EVIDENCE_EXTENSIONS):
        raise CchcError(_("Evidence must be a PDF, an image, a Word or Excel document or a ZIP archive."))
    limit = min(MAX_EVIDENCE_BYTES, settings.REQUEST_MAX_BYTES - 256 * 1024)
    if upload.size > limit:
        raise CchcError(_("An evidence file may not exceed %(size)s MB.") % {"size": f"{limit / 1024 / 1024:.1f}".replace(".", ",")})
    evidence = Evidence(score=score, name=name, uploaded_by=by, uploaded_at=now or timezone.now())
    evidence.file.save(name, upload, save=False)
    evidence.save()
    return evidence


@transaction.atomic
def scorecard_submit(*, scorecard: Scorecard, by, now: datetime | None = None) -> Scorecard:
    scorecard = Scorecard.objects.select_for_update().get(pk=scorecard.pk)
    if scorecard.status != ScorecardStatus.DRAFT:
        raise CchcError(_("The scorecard has already been submitted."))
    _check_self_scoring_open(scorecard.scheme, now)
    missing = scorecard.scores.filter(criterion__method=Method.SELF, self_points__isnull=True).select_related("criterion")
    if missing.exists():
        raise CchcError(_("Score every criterion first: %(codes)s.")
                        % {"codes": ", ".join(score.criterion.code for score in missing[:20])})
    scorecard.status, scorecard.submitted_at, scorecard.submitted_by = ScorecardStatus.SUBMITTED, now or timezone.now(), by
    scorecard.save(update_fields=["status", "submitted_at", "submitted_by"])
    return scorecard


@transaction.atomic
def score_appraise(*, score: Score, points: Decimal | None, reason: str, by, now: datetime | None = None) -> Score:
    """The unit above's appraisal of one criterion: ``points=None`` agrees with the unit's (or the
    computed) points; other points change them and need a reason. A published result may be corrected
    the same way: the history keeps every version."""
    now = now or timezone.now()
    score = Score.objects.select_for_update().select_related("criterion", "scorecard__scheme").get(pk=score.pk)
    scheme = score.scorecard.scheme
    still_scoring = score.criterion.method == Method.SELF and score.scorecard.status == ScorecardStatus.DRAFT
    refusal = phases.appraisal_refusal(scheme, phases.day_of(now), unit_still_scoring=still_scoring)
    if refusal:
        raise CchcError(refusal)
    reason = reason.strip()
    if points is None:
        if score.self_points is None:
            raise CchcError(_("There are no points to agree with: give the points."))
        points = score.self_points
    else:
        points = _check_points(score.criterion, points)
    if points != score.self_points and not reason:
        raise CchcError(_("Say why the points differ from the unit's."))
    if score.points is not None and points != score.points and not reason:
        raise CchcError(_("Say why the appraised points change."))
    before = score.final
    score.points, score.appraisal_reason, score.appraised_by, score.appraised_at = points, reason, by, now
    score.save(update_fields=["points", "appraisal_reason", "appraised_by", "appraised_at"])
    _record(score, Stage.APPRAISAL, before, points, reason or _("Agreed"), by, now)
    scorecard = score.scorecard
    if not scorecard.scores.filter(points__isnull=True).exists() and scorecard.status != ScorecardStatus.APPRAISED:
        scorecard.status = ScorecardStatus.APPRAISED
        scorecard.save(update_fields=["status"])
    return score


# -- inspections -----------------------------------------------------------------------------------------


@transaction.atomic
def plan_create(*, unit: AdministrativeUnit, year: int, kind: str, title: str, decision: str, by) -> InspectionPlan:
    return InspectionPlan.objects.create(unit=unit, year=year, kind=kind, title=title.strip(), decision=decision.strip(),
                                         created_by=by)


@transaction.atomic
def inspection_add(*, plan: InspectionPlan, unit: AdministrativeUnit, topics: str, starts_on, ends_on, team: str) -> Inspection:
    """An inspection of ``unit`` under ``plan``: a unit in force below the plan's unit, or the plan's unit
    itself for a self-check."""
    if plan.kind == PlanKind.SELF_CHECK and unit.pk != plan.unit_id:
        raise CchcError(_("A self-check inspects the unit itself."))
    if plan.kind == PlanKind.INSPECTION and (unit.pk == plan.unit_id or not plan.unit.contains(unit)):
        raise CchcError(_("An inspection is of a unit below the inspecting unit."))
    if not unit.is_active:
        raise CchcError(_("%(unit)s is no longer in force.") % {"unit": unit.name})
    if ends_on < starts_on:
        raise CchcError(_("The inspection cannot end before it starts."))
    return Inspection.objects.create(plan=plan, unit=unit, topics=topics.strip(), starts_on=starts_on, ends_on=ends_on,
                                      team=team.strip())


@transaction.atomic
def finding_record(*, inspection: Inspection, description: str, by, dossiers=(), procedures=(), postings=(),
                   request: str = "", working_days: Decimal | None = None, now: datetime | None = None) -> Finding:
    """A finding, with what it concerns and, when given, the request to fix it within ``working_days``
    (the due moment walked forward on the working calendar)."""
    now = now or timezone.now()
    if inspection.status == InspectionStatus.CLOSED:
        raise CchcError(_("The inspection is closed."))
    finding = Finding.objects.create(inspection=inspection, description=description.strip(), recorded_by=by, recorded_at=now)
    finding.dossiers.set(dossiers)
    finding.procedures.set(procedures)
    finding.postings.set(postings)
    if request.strip():
        fix_request(finding=finding, request=request, working_days=working_days or Decimal(0), now=now)
    if inspection.status == InspectionStatus.PLANNED:
        inspection.status = InspectionStatus.OPEN
        inspection.save(update_fields=["status"])
    return finding


def fix_request(*, finding: Finding, request: str, working_days: Decimal, now: datetime) -> FixRequest:
    if working_days is None or working_days < 0:
        raise CchcError(_("The deadline is a number of working days."))
    due = work_calendar().add_working_time(now, days=Decimal(working_days))
    return FixRequest.objects.create(finding=finding, request=request.strip(), working_days=working_days, issued_at=now,
                                     due_at=due)


@transaction.atomic
def fix_report(*, fix: FixRequest, report: str, by, now: datetime | None = None) -> FixRequest:
    """The inspected unit's report of what it fixed."""
    fix = FixRequest.objects.select_for_update().get(pk=fix.pk)
    if fix.status == FixStatus.ACCEPTED:
        raise CchcError(_("This fix has already been accepted."))
    if not report.strip():
        raise CchcError(_("Say what was fixed."))
    fix.report, fix.reported_at, fix.reported_by, fix.status = report.strip(), now or timezone.now(), by, FixStatus.REPORTED
    fix.save(update_fields=["report", "reported_at", "reported_by", "status"])
    return fix


@transaction.atomic
def fix_accept(*, fix: FixRequest, by, now: datetime | None = None) -> FixRequest:
    fix = FixRequest.objects.select_for_update().get(pk=fix.pk)
    if fix.status != FixStatus.REPORTED:
        raise CchcError(_("Only a reported fix can be accepted."))
    fix.status, fix.accepted_at = FixStatus.ACCEPTED, now or timezone.now()
    fix.save(update_fields=["status", "accepted_at"])
    return fix


@transaction.atomic
def inspection_close(*, inspection: Inspection, conclusion: str, by, now: datetime | None = None) -> Inspection:
    """Close an inspection once every request to fix has been accepted."""
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if inspection.status == InspectionStatus.CLOSED:
        raise CchcError(_("The inspection is already closed."))
    if FixRequest.objects.filter(finding__inspection=inspection).exclude(status=FixStatus.ACCEPTED).exists():
        raise CchcError(_("Every request to fix must be reported and accepted before closing."))
    if not conclusion.strip():
        raise CchcError(_("Write the conclusion of the inspection."))
    inspection.status, inspection.conclusion = InspectionStatus.CLOSED, conclusion.strip()
    inspection.closed_at, inspection.closed_by = now or timezone.now(), by
    inspection.save(update_fields=["status", "conclusion", "closed_at", "closed_by"])
    return inspection


# -- the focal officers' register ----------------------------------------------------------------------------


@transaction.atomic
def duty_assign(*, unit: AdministrativeUnit, kind: str, person: str, decision: str, starts_on, by, ends_on=None,
                position: str = "", phone: str = "", counter: str = "") -> DutyAssignment:
    """Record who a decision names: the unit's focal officer (the one before ends the day before, if still
    open) or the desk's duty for a week (``starts_on`` moved to that week's Monday)."""
    from datetime import timedelta

    if not unit.is_active:
        raise CchcError(_("%(unit)s is no longer in force.") % {"unit": unit.name})
    if ends_on is not None and ends_on < starts_on:
        raise CchcError(_("The assignment cannot end before it starts."))
    if kind == DutyKind.DESK:
        starts_on = starts_on - timedelta(days=starts_on.weekday())
        ends_on = starts_on + timedelta(days=6)
    else:
        DutyAssignment.objects.filter(unit=unit, kind=DutyKind.FOCAL, ends_on__isnull=True, starts_on__lt=starts_on).update(
            ends_on=starts_on - timedelta(days=1))
    return DutyAssignment.objects.create(unit=unit, kind=kind, person=person.strip(), position=position.strip(),
                                         phone=phone.strip(), counter=counter.strip(), starts_on=starts_on, ends_on=ends_on,
                                         decision=decision.strip(), created_by=by)
