"""Feedback tickets (phản ánh, kiến nghị): the writes and their figures.

Tickets follow one table of steps (``STEPS``, the same ``dossiers.steps`` mechanism as dossiers) with a
10-working-day deadline; codes come from the daily counter of ``dossiers.numbering``.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dossiers.models import Dossier, FeedbackTicket, TicketClass, TicketEvent, TicketStatus
from dossiers.numbering import allocate_ticket_code
from dossiers.ratings.services import FeedbackError
from dossiers.steps import Step, StepTable
from dossiers.tickets import forms
from motcua.models import AdministrativeUnit, Agency
from motcua.periods import local_day
from motcua.numbers import percent
from motcua.scope import Scope
from motcua.selectors import work_calendar

TICKET_WORKING_DAYS = 10


def _ticket_event(ticket: FeedbackTicket, *, action: str, from_status: str, by, at: datetime, note: str = "") -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket, action=action, from_status=from_status, to_status=ticket.status, at=at,
        by=by if getattr(by, "pk", None) else None, note=note,
    )


def ticket_actions(ticket: FeedbackTicket) -> list[str]:
    return STEPS.allowed(ticket)


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
        code=allocate_ticket_code(unit, local_day(at)),
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
    """Move a ticket one step along STEPS, recording who and when."""
    values = {"classification": classification, "agency": agency, "forwarded_to": forwarded_to, "answer": answer}
    return STEPS.take(ticket, action, by=by, at=at, note=note or answer.strip() or forwarded_to.strip(),
                      change=lambda ticket, at: _CHANGES[action](ticket, at, **values))


# -- what each step changes besides the state --------------------------------------------------------


def _classify(ticket: FeedbackTicket, at: datetime, *, classification: str, **_values) -> list[str]:
    if classification not in TicketClass.values:
        raise FeedbackError(_("Choose the class of the ticket."))
    ticket.classification = classification
    return ["classification"]


def _assign(ticket: FeedbackTicket, at: datetime, *, agency: Agency | None, **_values) -> list[str]:
    if agency is None or not ticket.unit.contains(agency.unit):
        raise FeedbackError(_("Choose an agency of the unit."))
    ticket.agency = agency
    return ["agency"]


def _forward(ticket: FeedbackTicket, at: datetime, *, forwarded_to: str, **_values) -> list[str]:
    if not forwarded_to.strip():
        raise FeedbackError(_("Say where the ticket is forwarded."))
    ticket.forwarded_to = forwarded_to.strip()
    ticket.answered_at = at  # handled, as far as this unit goes
    return ["forwarded_to", "answered_at"]


def _answer(ticket: FeedbackTicket, at: datetime, *, answer: str, **_values) -> list[str]:
    if not answer.strip():
        raise FeedbackError(_("Write the answer."))
    ticket.answer = answer.strip()
    ticket.answered_at = at
    return ["answer", "answered_at"]


def _publish(ticket: FeedbackTicket, at: datetime, **_values) -> list[str]:
    ticket.published_at = at
    return ["published_at"]


def _close(ticket: FeedbackTicket, at: datetime, **_values) -> list[str]:
    ticket.closed_at = at
    if ticket.answered_at is None:
        ticket.answered_at = at
    return ["closed_at", "answered_at"]


_CHANGES = {"classify": _classify, "assign": _assign, "forward": _forward, "answer": _answer, "publish": _publish,
            "close": _close}


def _not_if_out_of_scope(ticket: FeedbackTicket) -> str | None:
    if ticket.classification == TicketClass.OUT_OF_SCOPE:
        return _("An out-of-scope ticket is closed or forwarded, not assigned.")
    return None


def _closed_unanswered_only_if_out_of_scope(ticket: FeedbackTicket) -> str | None:
    if ticket.status == TicketStatus.CLASSIFIED and ticket.classification != TicketClass.OUT_OF_SCOPE:
        return _("Only an out-of-scope ticket can be closed without an answer.")
    return None


# -- the steps -------------------------------------------------------------------------------------------
# Who may take a step: the row of motcua.permissions.RULES its ``permission`` names (answering and
# publishing speak for the unit: "ticket.answer"; every other step: "ticket.handle").

STEPS = StepTable(
    model=FeedbackTicket,
    record=_ticket_event,
    error=FeedbackError,
    refused=gettext_lazy("“%(action)s” is not possible for a ticket that is “%(status)s”."),
    steps=[
        Step("classify", gettext_lazy("Classify"), {TicketStatus.RECEIVED, TicketStatus.CLASSIFIED},
             TicketStatus.CLASSIFIED, "ticket.handle", forms.ClassifyForm, gettext_lazy("Ticket %(code)s is classified.")),
        Step("assign", gettext_lazy("Assign to the competent agency"), {TicketStatus.CLASSIFIED}, TicketStatus.ASSIGNED,
             "ticket.handle", forms.AssignForm, gettext_lazy("Ticket %(code)s is assigned to the competent agency."),
             guard=_not_if_out_of_scope),
        Step("forward", gettext_lazy("Forward outside"), {TicketStatus.CLASSIFIED}, TicketStatus.FORWARDED,
             "ticket.handle", forms.ForwardForm, gettext_lazy("Ticket %(code)s is forwarded.")),
        Step("answer", gettext_lazy("Answer"), {TicketStatus.ASSIGNED, TicketStatus.CLASSIFIED}, TicketStatus.ANSWERED,
             "ticket.answer", forms.AnswerForm,
             gettext_lazy("The answer to ticket %(code)s is recorded; print the answer letter.")),
        Step("publish", gettext_lazy("Publish the answer"), {TicketStatus.ANSWERED}, TicketStatus.PUBLISHED,
             "ticket.answer", forms.PublishForm, gettext_lazy("The answer to ticket %(code)s is published.")),
        Step("close", gettext_lazy("Close"),
             {TicketStatus.CLASSIFIED, TicketStatus.FORWARDED, TicketStatus.ANSWERED, TicketStatus.PUBLISHED},
             TicketStatus.CLOSED, "ticket.handle", forms.TicketStepForm, gettext_lazy("Ticket %(code)s is closed."),
             guard=_closed_unanswered_only_if_out_of_scope),
    ],
)


def tickets_in(unit: AdministrativeUnit, start: datetime, end: datetime) -> QuerySet[FeedbackTicket]:
    on = local_day(end - timedelta(microseconds=1))
    return Scope.below(unit, on=on).filter(FeedbackTicket.objects.filter(received_at__gte=start, received_at__lt=end), "unit")


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
