"""The access helper for feedback tickets: outside the user's scope → 404; a step the user may not
take → 403 (``motcua.permissions``: "ticket.handle" for every step, "ticket.answer" for answering and
publishing, which speak for the unit). Every ticket view fetches through ``get_ticket_for_user``.
"""
from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from motcua.permissions import require
from motcua.scope import Scope

from dossiers.models import FeedbackTicket
from dossiers.tickets.services import STEPS


def tickets_for_user(user) -> QuerySet[FeedbackTicket]:
    """Tickets of the user's unit subtree (all of them for a superuser, none without a unit)."""
    return Scope.of(user).filter(FeedbackTicket.objects.all(), "unit")


def get_ticket_for_user(user, code: str, *, action: str | None = None) -> FeedbackTicket:
    """The ticket if it belongs to the user's unit or a unit below it (404 otherwise).

    With ``action`` (a step's name), the user must be allowed to take that step on it (403 otherwise).
    """
    ticket = (
        tickets_for_user(user)
        .select_related("unit", "agency", "procedure", "dossier", "entered_by")
        .filter(code=code)
        .first()
    )
    if ticket is None:
        raise Http404
    if action is not None:
        require(user, STEPS[action].permission, ticket)
    return ticket
