"""Satisfaction ratings and feedback tickets (phản ánh, kiến nghị): the writes and their figures.

Three ways in for a rating (the counter tablet, online by dossier code, paper forms typed in by
staff), one model; tickets follow one transition table with a 10-working-day deadline.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.models import AdministrativeUnit, Agency, membership_of
from motcua.selectors import work_calendar

from .models import (
    Dossier,
    FeedbackTicket,
    KioskDevice,
    Rating,
    RatingChannel,
    RatingCriterion,
    RatingLevel,
    TicketClass,
    TicketEvent,
    TicketStatus,
)
from .services import Step

TICKET_WORKING_DAYS = 10
# The province's targets: 90 % satisfied overall, 85 % for land, construction and investment.
SATISFACTION_TARGET = Decimal(90)
LAND_GROUP_TARGET = Decimal(85)
LAND_GROUP_FIELD_WORDS = ("đất đai", "xây dựng", "đầu tư")


class FeedbackError(Exception):
    """Refused; the message is for the person in front of the screen."""


def percent(part: int, whole: int) -> Decimal | None:
    """part / whole as a percentage with two decimals (None when there is nothing to divide)."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# -- Kiosk devices ------------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def kiosk_register(*, unit: AdministrativeUnit, name: str) -> tuple[KioskDevice, str]:
    """Register a counter tablet; returns the device and its token (shown once, stored hashed)."""
    token = secrets.token_urlsafe(32)
    device = KioskDevice.objects.create(unit=unit, name=name, token_hash=_hash(token))
    return device, token


def kiosk_authenticate(token: str | None) -> KioskDevice | None:
    if not token:
        return None
    device = KioskDevice.objects.select_related("unit").filter(token_hash=_hash(token), is_active=True).first()
    if device is not None:
        KioskDevice.objects.filter(pk=device.pk).update(last_seen_at=timezone.now())
    return device


# -- Ratings ------------------------------------------------------------------------------------


def _clean_criteria(criteria: dict | None) -> dict:
    cleaned = {}
    for key, value in (criteria or {}).items():
        if key not in RatingCriterion.values or value not in RatingLevel.values:
            raise FeedbackError(_("An evaluation criterion or its level is not recognised."))
        cleaned[key] = value
    return cleaned


@transaction.atomic
def rating_record(
    *,
    level: str,
    channel: str,
    unit: AdministrativeUnit | None = None,
    dossier: Dossier | None = None,
    criteria: dict | None = None,
    comment: str = "",
    device: KioskDevice | None = None,
    entered_by=None,
    at: datetime | None = None,
) -> Rating:
    """Record a rating. A rating tied to a dossier takes its unit, procedure, field and desk officer;
    a dossier can be rated online once."""
    if level not in RatingLevel.values:
        raise FeedbackError(_("Choose a level of satisfaction."))
    if channel not in RatingChannel.values:
        raise ValueError(channel)
    if channel == RatingChannel.ONLINE and dossier is None:
        raise FeedbackError(_("An online rating needs a dossier code."))
    if dossier is not None:
        unit = dossier.receiving_unit
    if device is not None:
        unit = device.unit
    if unit is None:
        raise FeedbackError(_("The rated unit is missing."))
    rating = Rating(
        unit=unit,
        dossier=dossier,
        procedure=dossier.procedure if dossier else None,
        field_id=dossier.procedure.field_id if dossier else None,
        officer_id=dossier.received_by_id if dossier else None,
        channel=channel,
        level=level,
        criteria=_clean_criteria(criteria),
        comment=comment.strip()[:2000],
        device=device,
        entered_by=entered_by if getattr(entered_by, "pk", None) else None,
        rated_at=at or timezone.now(),
    )
    try:
        with transaction.atomic():
            rating.save()
    except IntegrityError:
        raise FeedbackError(_("This dossier has already been rated online. Thank you.")) from None
    return rating


@dataclass(frozen=True)
class SatisfactionFigures:
    total: int
    very_satisfied: int
    satisfied: int
    unsatisfied: int

    @property
    def satisfied_total(self) -> int:
        return self.very_satisfied + self.satisfied

    @property
    def rate(self) -> Decimal | None:
        return percent(self.satisfied_total, self.total)


_SATISFACTION_COUNTS = {
    "total": Count("id"),
    "very_satisfied": Count("id", filter=Q(level=RatingLevel.VERY_SATISFIED)),
    "satisfied": Count("id", filter=Q(level=RatingLevel.SATISFIED)),
    "unsatisfied": Count("id", filter=Q(level=RatingLevel.UNSATISFIED)),
}


def land_group_filter(prefix: str = "field__name") -> Q:
    """Ratings about land, construction and investment: the group with its own 85 % target."""
    condition = Q()
    for word in LAND_GROUP_FIELD_WORDS:
        condition |= Q(**{f"{prefix}__icontains": word})
    return condition


def ratings_in(unit: AdministrativeUnit, start: datetime, end: datetime) -> QuerySet[Rating]:
    """Ratings of the unit's subtree with rated_at in [start, end)."""
    return Rating.objects.filter(unit__path__startswith=unit.path, rated_at__gte=start, rated_at__lt=end)


def satisfaction_figures(ratings: QuerySet[Rating]) -> SatisfactionFigures:
    return SatisfactionFigures(**ratings.aggregate(**_SATISFACTION_COUNTS))


def satisfaction_by(ratings: QuerySet[Rating], *keys: str) -> list[dict]:
    """Counts per group (e.g. "unit__code", "unit__name"; "field__name"; "officer__username"), one query."""
    rows = ratings.order_by().values(*keys).annotate(**_SATISFACTION_COUNTS).order_by(*keys)
    for row in rows:
        row["rate"] = percent(row["very_satisfied"] + row["satisfied"], row["total"])
    return list(rows)


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
