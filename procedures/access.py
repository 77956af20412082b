"""Who may read and change the catalogue: the access helpers over motcua.scope and motcua.permissions.

The catalogue is published for the whole province, so any staff member reads every procedure.
Changing a procedure's terms (``procedure.edit``: at the user's level or below), importing
(``procedure.import``), posting and the review rounds follow the one permission table. Postings
and review rounds belong to a unit: outside the user's subtree they answer 404.
"""
from __future__ import annotations

from django.http import Http404

from motcua.permissions import require
from motcua.scope import Scope

from .models import Posting, Procedure, ReviewRound


def get_procedure_for_user(user, code: str, *, write: bool = False) -> Procedure:
    Scope.of(user).own_unit()  # an account without a unit has no catalogue (403)
    procedure = Procedure.objects.select_related("field", "replaced_by").filter(code=code).first()
    if procedure is None:
        raise Http404
    if write:
        require(user, "procedure.edit", procedure)
    return procedure


def get_posting_for_user(user, *, unit_code: str, procedure_code: str, write: bool = False) -> Posting:
    posting = (
        Scope.of(user).filter(Posting.objects.select_related("unit", "procedure"), "unit")
        .filter(unit__code=unit_code, unit__valid_to__isnull=True, procedure__code=procedure_code)
        .first()
    )
    if posting is None:
        raise Http404
    if write:
        require(user, "posting.edit", posting.unit)
    return posting


def get_review_round_for_user(user, pk: int, *, write: bool = False) -> ReviewRound:
    """A review round of the user's subtree. Only the round's own unit may change it."""
    round_ = Scope.of(user).filter(ReviewRound.objects.select_related("unit"), "unit").filter(pk=pk).first()
    if round_ is None:
        raise Http404
    if write:
        require(user, "review.edit", round_.unit)
    return round_
