"""One access helper per entity of the index and the inspections: an object outside what the person
sees answers 404; an action the permission table refuses answers 403 (motcua.permissions.require).

What a person sees: a scheme of their subtree's unit, or one that scores their unit (its own scorecard
only, until the results are published); an inspection plan of their subtree, or the inspections of
their unit under another's plan.
"""
from __future__ import annotations

from django.http import Http404

from motcua.permissions import require
from motcua.scope import Scope

from .models import Evidence, FixRequest, Inspection, InspectionPlan, Scheme, Score, Scorecard
from .selectors import inspections_for, plans_for, schemes_for, scorecards_for


def get_scheme_for_user(user, pk: int, *, action: str | None = None) -> Scheme:
    """A scheme the user sees; with ``action`` (``cchc.scheme.edit``, ``cchc.appraise``, ``cchc.export``),
    one the user may act on as its unit above."""
    Scope.of(user).own_unit()  # an account without a unit sees no scheme (403)
    scheme = schemes_for(user).select_related("unit").filter(pk=pk).first()
    if scheme is None:
        raise Http404
    if action:
        require(user, action, scheme)
    return scheme


def get_scorecard_for_user(user, pk: int, *, action: str | None = None) -> Scorecard:
    scorecard = Scorecard.objects.select_related("scheme", "scheme__unit", "unit").filter(pk=pk).first()
    if scorecard is None or not scorecards_for(user, scorecard.scheme).filter(pk=pk).exists():
        raise Http404
    if action == "cchc.self_score":
        require(user, action, scorecard)
    elif action:
        require(user, action, scorecard.scheme)
    return scorecard


def get_score_for_user(user, scorecard: Scorecard, pk: int) -> Score:
    score = scorecard.scores.select_related("criterion").filter(pk=pk).first()
    if score is None:
        raise Http404
    return score


def get_evidence_for_user(user, pk: int) -> Evidence:
    evidence = Evidence.objects.select_related("score__scorecard__unit", "score__criterion").filter(pk=pk).first()
    if evidence is None:
        raise Http404
    get_scorecard_for_user(user, evidence.score.scorecard_id)
    return evidence


def get_plan_for_user(user, pk: int, *, write: bool = False) -> InspectionPlan:
    Scope.of(user).own_unit()
    plan = plans_for(user).select_related("unit").filter(pk=pk).first()
    if plan is None:
        raise Http404
    if write:
        require(user, "cchc.inspect", plan)
    return plan


def get_inspection_for_user(user, pk: int, *, action: str | None = None) -> Inspection:
    """``cchc.inspect``: the inspecting unit's staff; ``cchc.fix``: the inspected unit's."""
    inspection = Inspection.objects.select_related("plan", "plan__unit", "unit").filter(pk=pk).first()
    if inspection is None or not inspections_for(user, inspection.plan).filter(pk=pk).exists():
        raise Http404
    if action == "cchc.inspect":
        require(user, action, inspection.plan)
    elif action:
        require(user, action, inspection)
    return inspection


def get_fix_for_user(user, inspection: Inspection, pk: int) -> FixRequest:
    fix = FixRequest.objects.filter(finding__inspection=inspection, pk=pk).first()
    if fix is None:
        raise Http404
    return fix
