"""The access helper for dossiers: outside the user's scope (as receiving or handling unit) → 404; a
step the user may not take on it (``motcua.permissions``) → 403."""
from __future__ import annotations

from django.http import Http404

from motcua.permissions import require
from motcua.scope import Scope

from .models import Dossier


def get_dossier_for_user(user, code: str, *, action: str | None = None) -> Dossier:
    """The dossier if the user's unit received or handles it (or lies above one that does).

    With ``action`` (a step's name), ``can(user, "dossier.<action>", dossier)`` must also hold (403
    otherwise): a processing step at the handling unit, the return at the receiving desk.
    """
    dossier = (
        Scope.of(user).filter(Dossier.objects.all(), "receiving_unit", "handling_unit")
        .select_related("procedure", "procedure__field", "receiving_unit", "handling_unit", "agency", "officer")
        .filter(code=code)
        .first()
    )
    if dossier is None:
        raise Http404
    if action is not None:
        require(user, f"dossier.{action}", dossier)
    return dossier
