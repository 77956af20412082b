"""The internal process of a dossier (quy trình nội bộ): its stages, who holds each, and who was late.

A procedure's version may carry ordered stages (``procedures.parsing.StageSpec``: a name, who holds it,
its share of the processing time in working hours). At intake they are copied onto the dossier
(``stages_create``) and the first begins. From then on only the dossier's steps move them: the one
transition mechanism (``dossiers.steps.StepTable.take``) calls ``follow`` after every step, inside the
step's transaction:

- a transfer, the start of processing after the desk's stage, and the hand-on to the next stage end the
  stage being held and begin the next one; a transfer within the held stage's kind of holder (the
  district's desk sending on to the right phòng, another agency of the same kind) keeps the stage and
  moves its holder;
- the result (resolve) ends the stage being held; the stages not reached are left not carried out, and
  a last stage held by the desk (the return of the result) begins;
- the return of the result, a return without resolution and a withdrawal end the stage being held;
- a resume moves the held stage's due moment by the working time the pause took.

Each stage's due moment is its own share counted from when it began (``deadlines.stage_due``): a stage
that used more than its share is late even if the dossier as a whole is not, and a stage that began
late because the one before overran is not blamed for it. Outcomes use ``deadlines.classify_outcome``,
the dossier's rule. A dossier whose procedure has no internal process has no stages; nothing here
changes it.
"""
from __future__ import annotations

from datetime import datetime

from motcua import deadlines
from motcua.models import Agency
from motcua.selectors import work_calendar
from procedures.models import StageHolder

from .models import Dossier, DossierStage, Outcome

# The steps that hand the dossier on to the next stage, and those that end the stage being held.
ADVANCING = {"transfer", "hand_on"}
ENDING = {"return", "return_unresolved", "withdraw"}


def stages_create(dossier: Dossier, stages, *, at: datetime) -> list[DossierStage]:
    """Copy the version's stages onto a dossier just received and begin the first (its due counted from
    the dossier's counting start, so that the cut-off rule holds for it as for the dossier)."""
    if not stages:
        return []
    rows = DossierStage.objects.bulk_create(
        DossierStage(dossier=dossier, position=i, name=s.name, holder=s.holder, hours=s.hours)
        for i, s in enumerate(stages)
    )
    _begin(dossier, rows[0], at=at, count_from=dossier.counting_from)
    _hold(dossier)
    return rows


def _hold(dossier: Dossier) -> None:
    """Write who holds the stage held now on the dossier (``Dossier.stage_holder``, read by the permissions)."""
    held = held_stage(dossier)
    holder = held.holder if held is not None else ""
    if dossier.stage_holder != holder:
        Dossier.objects.filter(pk=dossier.pk).update(stage_holder=holder)
        dossier.stage_holder = holder


def held_stage(dossier: Dossier) -> DossierStage | None:
    """The stage being held now (begun, not ended), or None."""
    return dossier.stages.filter(started_at__isnull=False, ended_at__isnull=True).order_by("position").first()


def holder_of(dossier: Dossier, holder: str) -> tuple:
    """(unit, agency) that hold a stage of ``holder`` for this dossier: the desk is the receiving unit's;
    the leader and the competent unit are the handling unit; an agency kind is the handling unit's
    agency of that kind (the one the dossier was sent to when it is of that kind)."""
    if holder == StageHolder.DESK:
        return dossier.receiving_unit, None
    if holder in (StageHolder.LEADER, StageHolder.UNIT):
        return dossier.handling_unit, None
    if dossier.agency_id and dossier.agency.kind == holder and dossier.agency.unit_id == dossier.handling_unit_id:
        return dossier.handling_unit, dossier.agency
    agency = Agency.objects.filter(unit_id=dossier.handling_unit_id, kind=holder, is_active=True).order_by("pk").first()
    return dossier.handling_unit, agency


def _begin(dossier: Dossier, stage: DossierStage, *, at: datetime, count_from: datetime | None = None) -> None:
    stage.unit, stage.agency = holder_of(dossier, stage.holder)
    stage.started_at = at
    stage.due_at = deadlines.stage_due(count_from or at, stage.hours, work_calendar())
    stage.save(update_fields=["unit", "agency", "started_at", "due_at"])
    if stage.agency is not None and dossier.agency_id != stage.agency.pk:
        # The agency holding the stage is the one that may act on the dossier (motcua.permissions HANDLING).
        Dossier.objects.filter(pk=dossier.pk).update(agency=stage.agency)
        dossier.agency = stage.agency


def _end(stage: DossierStage, *, at: datetime, by) -> None:
    stage.ended_at = at
    stage.ended_by = by if getattr(by, "pk", None) else None
    stage.outcome = deadlines.classify_outcome(at, stage.due_at, work_calendar())
    stage.save(update_fields=["ended_at", "ended_by", "outcome"])


def _next(dossier: Dossier, after: DossierStage | None) -> DossierStage | None:
    later = dossier.stages.filter(started_at__isnull=True)
    if after is not None:
        later = later.filter(position__gt=after.position)
    return later.order_by("position").first()


def follow(dossier: Dossier, step: str, *, at: datetime, by) -> None:
    """Move the dossier's stages after ``step`` was taken (see the module's rules). Called by the one
    transition mechanism inside the step's transaction; a dossier without stages is left as it is."""
    stages = list(dossier.stages.order_by("position"))
    if not stages:
        return
    held = next((s for s in stages if s.started_at is not None and s.ended_at is None), None)
    if step == "resume" and held is not None:
        pauses = list(dossier.pauses.filter(started_at__gte=held.started_at).values_list("started_at", "ended_at"))
        count_from = dossier.counting_from if held.position == 0 else held.started_at
        held.due_at = deadlines.stage_due(count_from, held.hours, work_calendar(), pauses=pauses, now=at)
        held.save(update_fields=["due_at"])
        return
    if step == "transfer" and held is not None and held.holder != StageHolder.DESK and (
            dossier.agency_id is None or dossier.agency.kind == held.holder):
        # Moved within the stage's holder (the district's desk sends it on to the right phòng, another officer
        # of the same kind takes it): the stage goes on, held by where the dossier is now.
        held.unit, held.agency = holder_of(dossier, held.holder)
        held.save(update_fields=["unit", "agency"])
        _hold(dossier)
        return
    advancing = step in ADVANCING or (step == "start" and held is not None and held.holder == StageHolder.DESK
                                      and held.position == 0)
    if advancing:
        following = _next(dossier, held)
        if following is None:
            return  # the last stage stays held: nothing to hand on to
        if held is not None:
            _end(held, at=at, by=by)
        _begin(dossier, following, at=at)
    elif step == "resolve":
        if held is not None and not (held.holder == StageHolder.DESK and held.position == len(stages) - 1):
            _end(held, at=at, by=by)
        last = stages[-1]
        if last.holder == StageHolder.DESK and last.started_at is None and len(stages) > 1:
            _begin(dossier, last, at=at)
    elif step in ENDING and held is not None:
        _end(held, at=at, by=by)
    _hold(dossier)


def apology_stage(dossier: Dossier, now: datetime) -> DossierStage | None:
    """The stage an apology is issued for now, by its holder: the first stage that ended late without an
    apology of its own; else the stage held now when it is past its due moment, or, for the dossier's
    first apology, when it will be within one working day. None: every late stage has its apology."""
    candidates = dossier.stages.filter(apologies__isnull=True).select_related("unit", "agency")
    late = candidates.filter(outcome=Outcome.LATE).order_by("position").first()
    if late is not None:
        return late
    held = candidates.filter(started_at__isnull=False, ended_at__isnull=True).order_by("position").first()
    if held is None:
        return None
    if held.due_at < now:
        return held  # already past its share
    if not dossier.apologies.exists() and held.due_at <= work_calendar().add_working_time(now, days=1):
        return held  # the first apology, sent before the dossier falls late, by whoever holds it then
    return None

