"""Reads for the feedback-ticket screens: the list's tabs and counts, the reporting window, figures by
direct child unit, and the allow-listed public view of answered tickets.

The counting rules of the figures are those of ``dossiers.tickets.services.ticket_figures``; the grouped
version here repeats them per child unit in one query (see ``dossiers.tickets.services.ticket_counts``), and a test checks that the
rows add up to ``ticket_figures`` for the whole unit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from motcua.models import AdministrativeUnit
from motcua.numbers import percent
from motcua.periods import local_day
from motcua.scope import Scope
from motcua.selectors import work_calendar


from dossiers.tickets.services import ticket_counts
from dossiers.models import FeedbackTicket, TicketStatus

PAGE_SIZE = 50
PUBLIC_PAGE_SIZE = 20
DUE_SOON_WORKING_DAYS = 2

# -- the staff list -------------------------------------------------------------------------------

HANDLED_STATUSES = (TicketStatus.ANSWERED, TicketStatus.PUBLISHED, TicketStatus.FORWARDED)


@dataclass(frozen=True)
class Tab:
    key: str
    label: str


TABS = (
    Tab("open", _("Open")),
    Tab("due-soon", _("Due soon")),
    Tab("overdue", _("Overdue")),
    Tab("answered", _("Answered")),
    Tab("closed", _("Closed")),
    Tab("all", _("All")),
)
TAB_KEYS = {tab.key for tab in TABS}
DEFAULT_TAB = "open"


def due_soon_limit(now: datetime) -> datetime:
    """Two working days from ``now``: an open ticket due by then is due soon."""
    return work_calendar().add_working_time(now, days=DUE_SOON_WORKING_DAYS)


def tab_filters(now: datetime, soon: datetime) -> dict[str, Q]:
    """The condition of each tab at ``now``: due soon is open and due between now and ``soon``."""
    is_open = Q(status__in=TicketStatus.open())
    return {
        "open": is_open,
        "due-soon": is_open & Q(due_at__gte=now, due_at__lte=soon),
        "overdue": is_open & Q(due_at__lt=now),
        "answered": Q(status__in=HANDLED_STATUSES),
        "closed": Q(status=TicketStatus.CLOSED),
        "all": Q(),
    }


def tab_counts(tickets: QuerySet[FeedbackTicket], filters: dict[str, Q]) -> dict[str, int]:
    """Every tab's count in one query."""
    return tickets.aggregate(**{key.replace("-", "_"): Count("id", filter=condition) for key, condition in filters.items()})


def search(tickets: QuerySet[FeedbackTicket], query: str) -> QuerySet[FeedbackTicket]:
    """By code or sender name (case-insensitive, part of either)."""
    if not query:
        return tickets
    return tickets.filter(Q(code__icontains=query) | Q(sender_name__icontains=query))


def list_rows(tickets: QuerySet[FeedbackTicket], *, newest_first: bool = False) -> QuerySet[FeedbackTicket]:
    """What a row shows, in one query: the ticket, its unit and its agency; the most urgent first
    (open tabs) or the newest first (answered, closed, all)."""
    order = ("-received_at", "-pk") if newest_first else ("due_at", "pk")
    return tickets.select_related("unit", "agency").order_by(*order)


# -- figures by direct child unit ---------------------------------------------------------------------


_EMPTY = dict.fromkeys(ticket_counts(datetime.min).keys(), 0)


@dataclass(frozen=True)
class BranchRow:
    """One line of the table by child unit: the unit itself (its own tickets) or a direct child."""

    unit: AdministrativeUnit
    own: bool
    figures: dict

    @property
    def on_time_rate(self):
        return percent(self.figures["handled_on_time"], self.figures["handled_on_time"] + self.figures["handled_late"])


def figures_by_child(tickets: QuerySet[FeedbackTicket], unit: AdministrativeUnit, *, at: datetime) -> list[BranchRow]:
    """The figures of ``unit``'s own tickets and of each direct child's subtree.

    Two queries whatever the number of children: the children, then one grouped aggregate where each
    ticket's branch is resolved in SQL (the children in force on ``at``'s day, each with what it took over).
    """
    day = local_day(at)
    children = list(AdministrativeUnit.objects.children_in_force(unit, day).order_by("path"))
    branch = Case(
        *[When(Scope.below(child, on=day).q("unit"), then=Value(child.code)) for child in children],
        default=Value(unit.code),
        output_field=CharField(),
    )
    grouped = tickets.order_by().annotate(branch=branch).values("branch").annotate(**ticket_counts(at))
    by_branch = {row.pop("branch"): row for row in grouped}
    rows = [BranchRow(unit=unit, own=True, figures=by_branch.get(unit.code, dict(_EMPTY)))]
    rows += [BranchRow(unit=child, own=False, figures=by_branch.get(child.code, dict(_EMPTY))) for child in children]
    return rows


# -- the public page -----------------------------------------------------------------------------------

# What the public may see of an answered ticket, and nothing else (the query selects only these):
# never the sender's name, contact or address, the dossier, the officers or the notes.
PUBLIC_TICKET_FIELDS = ("code", "unit__name", "received_at", "answered_at", "published_at", "content", "answer")


def published_tickets(unit: AdministrativeUnit | None = None) -> QuerySet:
    """Answered tickets whose answer was published, newest first, as allow-listed dicts."""
    tickets = FeedbackTicket.objects.filter(published_at__isnull=False).exclude(answer="")
    if unit is not None:
        tickets = Scope.below(unit).filter(tickets, "unit")
    return tickets.order_by("-published_at", "-pk").values(*PUBLIC_TICKET_FIELDS)
