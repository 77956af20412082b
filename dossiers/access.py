"""The access helper for dossiers: outside the user's subtree (as receiving or handling unit) → 404."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from motcua.access import membership_of
from motcua.models import Role

from .models import Dossier

# Which roles may take which step (superusers may take every step).
ACTION_ROLES: dict[str, set[str]] = {
    "receive": {Role.DESK_OFFICER, Role.ADMINISTRATOR},
    "refuse": {Role.DESK_OFFICER, Role.ADMINISTRATOR},
    "transfer": {Role.DESK_OFFICER, Role.PROCESSING_OFFICER, Role.UNIT_LEADER, Role.ADMINISTRATOR},
    "start": {Role.PROCESSING_OFFICER, Role.UNIT_LEADER, Role.DESK_OFFICER, Role.ADMINISTRATOR},
    "pause": {Role.PROCESSING_OFFICER, Role.UNIT_LEADER, Role.DESK_OFFICER, Role.ADMINISTRATOR},
    "resume": {Role.PROCESSING_OFFICER, Role.UNIT_LEADER, Role.DESK_OFFICER, Role.ADMINISTRATOR},
    "resolve": {Role.PROCESSING_OFFICER, Role.UNIT_LEADER, Role.ADMINISTRATOR},
    "return": {Role.DESK_OFFICER, Role.ADMINISTRATOR},
    "return_unresolved": {Role.DESK_OFFICER, Role.PROCESSING_OFFICER, Role.UNIT_LEADER, Role.ADMINISTRATOR},
    "withdraw": {Role.DESK_OFFICER, Role.PROCESSING_OFFICER, Role.UNIT_LEADER, Role.ADMINISTRATOR},
    "apologise": {Role.DESK_OFFICER, Role.PROCESSING_OFFICER, Role.UNIT_LEADER, Role.ADMINISTRATOR},
}


def can_act(user, action: str) -> bool:
    if user.is_superuser:
        return True
    membership = membership_of(user)
    return membership is not None and membership.role in ACTION_ROLES.get(action, set())


def get_dossier_for_user(user, code: str, *, action: str | None = None) -> Dossier:
    """The dossier if the user's unit received or handles it (or lies above one that does).

    With ``action``, the user's role must also allow that step (403 otherwise).
    """
    dossier = (
        Dossier.objects.for_user(user)
        .select_related("procedure", "procedure__field", "receiving_unit", "handling_unit", "agency", "officer")
        .filter(code=code)
        .first()
    )
    if dossier is None:
        raise Http404
    if action is not None and not can_act(user, action):
        raise PermissionDenied
    return dossier
