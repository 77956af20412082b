"""Who may read and change the catalogue.

The catalogue is published for the whole province, so any signed-in staff member reads every
procedure. Changing a procedure's terms is for focal officers, the district office and
administrators, and only for procedures at their unit's level or below (a commune's focal officer
edits commune procedures, the district edits district and commune ones). Postings and review
rounds belong to a unit: outside the user's subtree they answer 404.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from motcua.access import membership_of
from motcua.models import LEVEL_RANK, AdministrativeUnit, Role

from .models import Posting, Procedure, ReviewRound

CATALOGUE_EDITORS = {Role.FOCAL_OFFICER, Role.DISTRICT_OFFICE, Role.ADMINISTRATOR}
POSTING_EDITORS = {Role.FOCAL_OFFICER, Role.DISTRICT_OFFICE, Role.UNIT_LEADER, Role.ADMINISTRATOR}


def can_edit_procedure(user, procedure: Procedure) -> bool:
    if user.is_superuser:
        return True
    membership = membership_of(user)
    if membership is None or membership.role not in CATALOGUE_EDITORS:
        return False
    return LEVEL_RANK[procedure.level] >= LEVEL_RANK[membership.unit.level]


def can_import(user) -> bool:
    if user.is_superuser:
        return True
    membership = membership_of(user)
    return membership is not None and membership.role in CATALOGUE_EDITORS


def can_edit_postings(user, unit: AdministrativeUnit) -> bool:
    if user.is_superuser:
        return True
    membership = membership_of(user)
    return membership is not None and membership.role in POSTING_EDITORS and membership.unit.contains(unit)


def get_procedure_for_user(user, code: str, *, write: bool = False) -> Procedure:
    procedure = Procedure.objects.select_related("field", "replaced_by").filter(code=code).first()
    if procedure is None or (not user.is_superuser and membership_of(user) is None):
        raise Http404
    if write and not can_edit_procedure(user, procedure):
        raise PermissionDenied
    return procedure


def get_posting_for_user(user, *, unit_code: str, procedure_code: str, write: bool = False) -> Posting:
    posting = (
        Posting.objects.for_unit(_scope(user))
        .select_related("unit", "procedure")
        .filter(unit__code=unit_code, procedure__code=procedure_code)
        .first()
    )
    if posting is None:
        raise Http404
    if write and not can_edit_postings(user, posting.unit):
        raise PermissionDenied
    return posting


def get_review_round_for_user(user, pk: int, *, write: bool = False) -> ReviewRound:
    """A review round of the user's subtree. Only the round's own unit may change it."""
    round_ = ReviewRound.objects.filter(unit__path__startswith=_scope(user).path, pk=pk).select_related("unit").first()
    if round_ is None:
        raise Http404
    if write and not user.is_superuser:
        membership = membership_of(user)
        if membership is None or membership.unit_id != round_.unit_id or membership.role not in POSTING_EDITORS:
            raise PermissionDenied
    return round_


def _scope(user) -> AdministrativeUnit:
    """The root of what the user may see; a superuser sees from the top of the tree."""
    membership = membership_of(user)
    if membership is not None:
        return membership.unit
    if user.is_superuser:
        return AdministrativeUnit(path="")
    raise Http404
