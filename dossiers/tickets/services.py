"""Feedback tickets (phản ánh, kiến nghị): the writes and their figures.

Tickets follow one transition table with a 10-working-day deadline.
"""
from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dossiers.models import Dossier, FeedbackTicket, TicketClass, TicketEvent, TicketStatus
from dossiers.ratings.services import FeedbackError, percent
from dossiers.services import Step
from motcua.models import AdministrativeUnit, Agency, membership_of
from motcua.selectors import work_calendar

TICKET_WORKING_DAYS = 10


# -- Feedback tickets ---------------------------------------------------------------------------


TICKET_STEPS: dict[str, Step] = {
    "classify": Step(gettext_lazy("Classify"), frozenset({TicketStatus.RECEIVED, TicketStatus.CLASSIFIED}), TicketStatus.CLASSIFIED),
    "assign": Step(gettext_lazy("Assign to the competent agency"), frozenset({TicketStatus.CLASSIFIED}), TicketStatus.ASSIGNED),
    "forward": Step(gettext_lazy("Forward outside"), frozenset({TicketStatus.CLASSIFIED}), TicketStatus.FORWARDED),
    "answer": Step(gettext_lazy("Answer"), frozenset({TicketStatus.ASSIGNED, TicketStatus.CLASSIFIED}), TicketStatus.ANSWERED),
    "publish": Step(gettext_lazy("Publish the answer"), frozenset({TicketStatus.ANSWERED}), TicketStatus.PUBLISHED),
    "close": Step(
        gettext_lazy("Close"),
        frozenset({TicketStatus.CLASSIFIED, TicketStatus.FORWARDED, TicketStatus.ANSWERED, TicketStatus.PUBLISHED}),
        TicketStatus.CLOSED,
    ),
}


def ticket_actions(ticket: FeedbackTicket) -> list[str]:
    return [name for name, step in TICKET_STEPS.items() if ticket.status in step.sources]


def _ticket_code(unit: AdministrativeUnit, day) -> str:
    # The unit row is locked for the rest of the transaction: two tickets of a day never share a number.
    AdministrativeUnit.objects.select_for_update().filter(pk=unit.pk).first()
    count = FeedbackTicket.objects.filter(unit=unit, code__contains=f"-{day:%y%m%d}-").count()
    return f"PAKN-{unit.code}-{day:%y%m%d}-{count + 1:03d}"


def _ticket_event(ticket: FeedbackTicket, *, action: str, from_status: str, by, at: datetime, note: str = "") -> None:
    TicketEvent.objects.create(
        ticket=ticket, action=action, from_status=from_status, to_status=ticket.status, at=at,
        by=by if getattr(by, "pk", None) else None, note=note,
    )


@transaction.atomic
def ticket_receive(
    *,
    unit: AdministrativeUnit,
    channel: str,
    sender_name: str,
    sender_contact: str,
    content: str,
    sender_address: str = "",
    procedure=None,
    dossier: Dossier | None = None,
    entered_by=None,
    at: datetime | None = None,
) -> FeedbackTicket:
    if not sender_name.strip() or not sender_contact.strip() or not content.strip():
        raise FeedbackError(_("Name, contact and content are required."))
    at = at or timezone.now()
    ticket = FeedbackTicket.objects.create(
        code=_ticket_code(unit, timezone.localtime(at).date()),
        unit=unit,
        channel=channel,
        sender_name=sender_name.strip(),
        sender_contact=sender_contact.strip(),
        sender_address=sender_address.strip(),
        content=content.strip(),
        procedure=procedure,
        dossier=dossier,
        received_at=at,
        due_at=work_calendar().add_working_time(at, days=TICKET_WORKING_DAYS),
        entered_by=entered_by if getattr(entered_by, "pk", None) else None,
    )
    _ticket_event(ticket, action="receive", from_status="", by=entered_by, at=at)
    return ticket


@transaction.atomic
def ticket_step(
    *,
    ticket: FeedbackTicket,
    action: str,
    by,
    note: str = "",
    classification: str = "",
    agency: Agency | None = None,
    forwarded_to: str = "",
    answer: str = "",
    at: datetime | None = None,
) -> FeedbackTicket:
    """Move a ticket one step along TICKET_STEPS, recording who and when."""
    ticket = FeedbackTicket.objects.select_for_update().get(pk=ticket.pk)
    step = TICKET_STEPS[action]
    if ticket.status not in step.sources:
        raise FeedbackError(
            _("“%(action)s” is not possible for a ticket that is “%(status)s”.")
            % {"action": step.label, "status": ticket.get_status_display()}
        )
    at = at or timezone.now()
    old = ticket.status
    if action == "classify":
        if classification not in TicketClass.values:
            raise FeedbackError(_("Choose the class of the ticket."))
        ticket.classification = classification
    elif action == "assign":
        if agency is None or not ticket.unit.contains(agency.unit):
            raise FeedbackError(_("Choose an agency of the unit."))
        if ticket.classification == TicketClass.OUT_OF_SCOPE:
            raise FeedbackError(_("An out-of-scope ticket is closed or forwarded, not assigned."))
        ticket.agency = agency
    elif action == "forward":
        if not forwarded_to.strip():
            raise FeedbackError(_("Say where the ticket is forwarded."))
        ticket.forwarded_to = forwarded_to.strip()
        ticket.answered_at = at  # handled, as far as this unit goes
    elif action == "answer":
        if not answer.strip():
            raise FeedbackError(_("Write the answer."))
        ticket.answer = answer.strip()
        ticket.answered_at = at
    elif action == "publish":
        ticket.published_at = at
    elif action == "close":
        if old == TicketStatus.CLASSIFIED and ticket.classification != TicketClass.OUT_OF_SCOPE:
            raise FeedbackError(_("Only an out-of-scope ticket can be closed without an answer."))
        ticket.closed_at = at
        if ticket.answered_at is None:
            ticket.answered_at = at
    ticket.status = step.target
    ticket.save()
    _ticket_event(ticket, action=action, from_status=old, by=by, at=at, note=note or answer or forwarded_to)
    return ticket


def tickets_in(unit: AdministrativeUnit, start: datetime, end: datetime) -> QuerySet[FeedbackTicket]:
    return FeedbackTicket.objects.filter(unit__path__startswith=unit.path, received_at__gte=start, received_at__lt=end)


def ticket_counts(at: datetime) -> dict:
    """The ticket figures as aggregates (handled = answered, forwarded or closed by ``at``), so the
    same definitions serve the totals and any grouping (by unit, by class)."""
    handled = Q(answered_at__isnull=False) & Q(answered_at__lte=at)
    pending = ~handled
    return {
        "received": Count("id"),
        "handled_on_time": Count("id", filter=handled & Q(answered_at__lte=F("due_at"))),
        "handled_late": Count("id", filter=handled & Q(answered_at__gt=F("due_at"))),
        "pending_within_time": Count("id", filter=pending & Q(due_at__gte=at)),
        "pending_overdue": Count("id", filter=pending & Q(due_at__lt=at)),
        "regulation": Count("id", filter=Q(classification=TicketClass.REGULATION)),
        "handling": Count("id", filter=Q(classification=TicketClass.HANDLING)),
        "out_of_scope": Count("id", filter=Q(classification=TicketClass.OUT_OF_SCOPE)),
        "unclassified": Count("id", filter=Q(classification="")),
    }


def ticket_figures(tickets: QuerySet[FeedbackTicket], *, at: datetime) -> dict:
    """Received, handled on time / late, pending within time / overdue, and by class (one query)."""
    figures = tickets.aggregate(**ticket_counts(at))
    figures["on_time_rate"] = percent(figures["handled_on_time"], figures["handled_on_time"] + figures["handled_late"])
    return figures


def can_manage_tickets(user, unit: AdministrativeUnit) -> bool:
    if user.is_superuser:
        return True
    membership = membership_of(user)
    return membership is not None and membership.unit.contains(unit)
