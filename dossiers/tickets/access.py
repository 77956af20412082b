"""The access helper for feedback tickets: outside the user's subtree → 404; a step the role may not
take → 403. Every ticket view fetches through ``get_ticket_for_user``.

Staff of the ticket's unit or of any unit above it see the ticket and take its steps; answering and
publishing speak for the unit, so they need the unit leader, the focal officer, the district office
or an administrator.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from motcua.access import membership_of
from motcua.models import Role

from dossiers.models import FeedbackTicket

# Steps that speak for the unit; every other step is open to any staff member in scope.
ANSWERING_ROLES = frozenset({Role.UNIT_LEADER, Role.FOCAL_OFFICER, Role.DISTRICT_OFFICE, Role.ADMINISTRATOR})
ROLE_BOUND_ACTIONS = frozenset({"answer", "publish"})


def tickets_for_user(user) -> QuerySet[FeedbackTicket]:
    """Tickets of the user's unit subtree (all of them for a superuser, none without a unit)."""
    if user.is_superuser:
        return FeedbackTicket.objects.all()
    membership = membership_of(user)
    if membership is None:
        return FeedbackTicket.objects.none()
    return FeedbackTicket.objects.filter(unit__path__startswith=membership.unit.path)


def can_take(user, action: str) -> bool:
    """Whether the user's role allows the step (scope is checked by the fetch)."""
    if user.is_superuser:
        return True
    membership = membership_of(user)
    if membership is None:
        return False
    return action not in ROLE_BOUND_ACTIONS or membership.role in ANSWERING_ROLES


def get_ticket_for_user(user, code: str, *, action: str | None = None) -> FeedbackTicket:
    """The ticket if it belongs to the user's unit or a unit below it (404 otherwise).

    With ``action``, the user's role must also allow that step (403 otherwise).
    """
    ticket = (
        tickets_for_user(user)
        .select_related("unit", "agency", "procedure", "dossier", "entered_by")
        .filter(code=code)
        .first()
    )
    if ticket is None:
        raise Http404
    if action is not None and not can_take(user, action):
        raise PermissionDenied
    return ticket
