"""Feedback tickets (phản ánh, kiến nghị về quy định hành chính), mounted at /phan-anh/.

Public, no sign-in: the form (``submit``; spam-resistant through ``dossiers.public.antispam``), its
confirmation, and the page of published answers (allow-listed fields only). Staff: the list with its
tabs, the entry of a ticket received by letter, phone, e-mail or in person, a ticket's page with one
form per step allowed now, each step's POST, the answer letter as PDF, and the figures.

Views stay thin: fetch through ``dossiers.tickets.access``, validate a form, call
the services, redirect by URL name.
"""
from __future__ import annotations

import math
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from motcua import tokens
from motcua.access import get_unit_for_user
from motcua.audit import log_access
from motcua.models import AdministrativeUnit
from motcua.pdf import pdf_response, render_pdf
from motcua.scope import Scope
from motcua.text import vn_moment
from motcua.periods import day_bounds

from dossiers.public import antispam
from dossiers.tickets import letter as ticket_letter
from dossiers.tickets import selectors as ticket_selectors
from dossiers.ratings.services import FeedbackError
from dossiers.tickets.services import STEPS, ticket_figures, ticket_receive, ticket_step, tickets_in
from dossiers.models import FeedbackTicket, TicketChannel, TicketEvent, TicketStatus
from dossiers.public.ratelimit import LOOKUP_PER_ADDRESS, TICKET_LOOKUP_PER_CODE, client_address, hit
from dossiers.public.forms import CODE_MAX_LENGTH, digits_match
from dossiers.tickets.access import get_ticket_for_user, tickets_for_user
from dossiers.tickets.forms import FiguresForm, PublicTicketForm, StaffTicketForm, TicketLookupForm, TicketStepForm

SENT_MAX_AGE = 24 * 60 * 60

SPAM_MESSAGES = {
    antispam.TOO_FAST: gettext_lazy("The form was sent too quickly. Please check what you wrote, wait a few seconds and send it again."),
    antispam.EXPIRED: gettext_lazy("The form was open for too long. Please check what you wrote and send it again."),
    antispam.USED: gettext_lazy("This form was already sent. To send another feedback, fill in the form again."),
}
SPAM_MESSAGE = gettext_lazy("The feedback could not be accepted. Please reload the page and send it again.")

EVENT_LABELS = {"receive": gettext_lazy("Received"), **{name: step.label for name, step in STEPS.items()}}


def _staff(user) -> AdministrativeUnit | None:
    """The staff member's unit (None for a superuser without one); an account without a unit gets 403."""
    return Scope.of(user).own_unit()


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


# -- public: the form ------------------------------------------------------------------------------


def _public_units():
    return AdministrativeUnit.objects.active()


def _too_many(request: HttpRequest, retry_after: int) -> HttpResponse:
    context = {"retry_after": retry_after, "retry_minutes": math.ceil(retry_after / 60)}
    response = render(request, "dossiers/tickets/rate_limited.html", context, status=429)
    response["Retry-After"] = str(retry_after)
    return _no_store(response)


def _submit_page(request: HttpRequest, form: PublicTicketForm, status: int = 200) -> HttpResponse:
    # A fresh token with every page: its age is the time the citizen spends on this page.
    context = {"form": form, "token": antispam.issue_token(), "honeypot": antispam.HONEYPOT_FIELD,
               "token_field": antispam.TOKEN_FIELD}
    return _no_store(render(request, "dossiers/tickets/submit.html", context, status=status))


def _refused(request: HttpRequest, form: PublicTicketForm, reason: str) -> HttpResponse:
    form.is_valid()  # the fields' own errors are shown too
    form.add_error(None, SPAM_MESSAGES.get(reason, SPAM_MESSAGE))
    return _submit_page(request, form, status=400)


@require_http_methods(["GET", "POST"])
@never_cache
def submit(request: HttpRequest) -> HttpResponse:
    """The public form: no sign-in; honeypot, signed token, rate limits; a confirmation on success."""
    if request.method != "POST":
        initial = {"unit": request.GET.get("unit", "").strip()[:16]}
        return _submit_page(request, PublicTicketForm(initial=initial, units=_public_units()))
    address = client_address(request)
    retry_after = hit(antispam.ATTEMPTS_PER_ADDRESS, address)
    if retry_after:
        return _too_many(request, retry_after)
    form = PublicTicketForm(request.POST, units=_public_units())
    try:
        form.spam_check()
    except antispam.Suspicious as refused:
        return _refused(request, form, refused.reason)
    if not form.is_valid():
        if set(form.errors) == {"dossier_code"}:
            # A form refused only for its dossier code counts as a submission: looking up codes costs
            # the same as sending feedback.
            retry_after = hit(antispam.SUBMISSIONS_PER_ADDRESS, address)
            if retry_after:
                return _too_many(request, retry_after)
        return _submit_page(request, form, status=400)
    retry_after = hit(antispam.SUBMISSIONS_PER_ADDRESS, address)
    if retry_after:
        return _too_many(request, retry_after)
    data = form.cleaned_data
    try:
        antispam.claim(form.token)
    except antispam.Suspicious as refused:
        return _refused(request, form, refused.reason)
    try:
        ticket = ticket_receive(
            unit=form.chosen_unit(), channel=TicketChannel.WEBSITE, sender_name=data["sender_name"],
            sender_contact=data["sender_contact"], sender_address=data["sender_address"], content=data["content"],
            procedure=data["procedure"], dossier=data["dossier"],
        )
    except FeedbackError as error:
        form.add_error(None, str(error))
        return _submit_page(request, form, status=400)
    sent = tokens.sign(tokens.TICKET_SENT, ticket.code)
    return redirect(reverse("tickets:submitted") + "?" + urlencode({"t": sent}))


@require_safe
@never_cache
def submitted(request: HttpRequest) -> HttpResponse:
    """The confirmation with the code and the due date; reached only through the signed code of the redirect."""
    code = tokens.unsign(tokens.TICKET_SENT, request.GET.get("t", ""), max_age=SENT_MAX_AGE)
    if not isinstance(code, str):
        raise Http404
    ticket = (
        FeedbackTicket.objects.filter(code=code)
        .values("code", "unit__name", "unit__code", "received_at", "due_at")
        .first()
    )
    if ticket is None:
        raise Http404
    response = render(request, "dossiers/tickets/submitted.html", {"ticket": ticket})
    response["Referrer-Policy"] = "no-referrer"
    return _no_store(response)


# -- public: a sender follows a ticket ------------------------------------------------------------

def _public_ticket(code: str, phone4: str) -> dict | None:
    """The allow-listed view of the ticket with this code whose sender's phone ends with these digits:
    its status, unit, dates, steps (what and when, never who or the notes) and the answer once published."""
    row = (
        FeedbackTicket.objects.filter(code__in={code, code.upper()})
        .values("pk", "code", "sender_contact", "status", "unit__name", "received_at", "due_at", "answer", "published_at")
        .first()
    )
    # A contact that is an e-mail address has no digits: it is never matched.
    contact = None if row is None else "" if "@" in row["sender_contact"] else row["sender_contact"]
    if not digits_match(contact, phone4):
        return None
    # Each step as the state it led to ("Classified", "Answered"): the citizen's words, not the desk's.
    events = TicketEvent.objects.filter(ticket_id=row["pk"]).order_by("at", "id").values("to_status", "at")
    statuses = dict(TicketStatus.choices)
    published = row["published_at"] is not None
    return {
        "code": row["code"],
        "status_label": statuses.get(row["status"], row["status"]),
        "unit_name": row["unit__name"],
        "received_at": row["received_at"],
        "due_at": row["due_at"],
        "steps": [{"label": statuses.get(event["to_status"], ""), "at": event["at"]} for event in events],
        "answer": row["answer"] if published else "",
        "published_at": row["published_at"],
    }


@require_safe
def ticket_lookup(request: HttpRequest) -> HttpResponse:
    """The sender's follow-up: the ticket code and the phone digits, with the dossier lookup's rules (the
    same answer for "no such code" and "wrong digits", rate limits per address and per code)."""
    submitted_form = "phone4" in request.GET
    prefill = request.GET.get("code", "").strip()[:CODE_MAX_LENGTH]
    form = TicketLookupForm(request.GET if submitted_form else None, initial={"code": prefill})
    context = {"form": form, "searched": False, "ticket": None, "nav": "feedback"}
    if submitted_form and form.is_valid():
        code, phone4 = form.cleaned_data["code"], form.cleaned_data["phone4"]
        retry_after = hit(LOOKUP_PER_ADDRESS, client_address(request)) or hit(TICKET_LOOKUP_PER_CODE, code.upper())
        if retry_after:
            return _too_many(request, retry_after)
        context["searched"] = True
        context["ticket"] = _public_ticket(code, phone4)
    # Rendered without the request: no session, no CSRF token, nothing about a signed-in officer.
    response = HttpResponse(render_to_string("dossiers/tickets/public_lookup.html", context))
    response["Referrer-Policy"] = "no-referrer"
    return _no_store(response)


# -- public: the answers ---------------------------------------------------------------------------


@require_safe
def public(request: HttpRequest) -> HttpResponse:
    """Published answers, newest first, optionally of one unit's subtree; nothing personal."""
    code = request.GET.get("unit", "").strip()[:16]
    unit = AdministrativeUnit.objects.by_key(code) if code else None
    if code and unit is None:
        raise Http404
    paginator = Paginator(ticket_selectors.published_tickets(unit), ticket_selectors.PUBLIC_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context = {"page": page, "rows": list(page.object_list), "unit": unit, "units": _public_units().order_by("path")}
    return render(request, "dossiers/tickets/public.html", context)


# -- staff: the list -----------------------------------------------------------------------------------


@login_required
@require_safe
def ticket_list(request: HttpRequest) -> HttpResponse:
    unit = _staff(request.user)
    now = timezone.now()
    soon = ticket_selectors.due_soon_limit(now)
    tab = request.GET.get("tab", "")
    if tab not in ticket_selectors.TAB_KEYS:
        tab = ticket_selectors.DEFAULT_TAB
    query = request.GET.get("q", "").strip()[:100]
    tickets = ticket_selectors.search(tickets_for_user(request.user), query)
    filters = ticket_selectors.tab_filters(now, soon)
    counts = ticket_selectors.tab_counts(tickets, filters)
    rows = ticket_selectors.list_rows(tickets.filter(filters[tab]), newest_first=tab in ("answered", "closed", "all"))
    paginator = Paginator(rows, ticket_selectors.PAGE_SIZE)
    paginator.count = counts[tab.replace("-", "_")]  # already counted with the tabs: no second COUNT query
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "unit": unit,
        "tabs": [{"key": t.key, "label": t.label, "count": counts[t.key.replace("-", "_")]} for t in ticket_selectors.TABS],
        "tab": tab,
        "query": query,
        "page": page,
        "rows": page.object_list,
        "now": now,
        "soon": soon,
        "open_statuses": TicketStatus.open(),
    }
    return render(request, "dossiers/tickets/list.html", context)


# -- staff: entering a ticket -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def ticket_new(request: HttpRequest) -> HttpResponse:
    """A ticket received by letter, phone, e-mail or in person, entered by staff for a unit in scope."""
    unit = _staff(request.user)
    units = AdministrativeUnit.objects.for_user(request.user).active()
    if request.method == "POST":
        form = StaffTicketForm(request.POST, units=units)
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = ticket_receive(
                    unit=data["unit"], channel=data["channel"], sender_name=data["sender_name"],
                    sender_contact=data["sender_contact"], sender_address=data["sender_address"],
                    content=data["content"], procedure=data["procedure"], dossier=data["dossier"],
                    entered_by=request.user,
                )
            except FeedbackError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("Ticket %(code)s is received; the answer is due at %(due)s.")
                    % {"code": ticket.code, "due": vn_moment(ticket.due_at)},
                )
                return redirect("tickets:detail", code=ticket.code)
        status = 400
    else:
        form = StaffTicketForm(initial={"unit": unit.code if unit else None}, units=units)
        status = 200
    return render(request, "dossiers/tickets/new.html", {"form": form, "unit": unit}, status=status)


# -- staff: one ticket --------------------------------------------------------------------------------


def _step_form(action: str, ticket: FeedbackTicket, data=None) -> TicketStepForm:
    return STEPS[action].form(data, ticket=ticket, prefix=action)


def _detail_context(request: HttpRequest, ticket: FeedbackTicket, *, bound: TicketStepForm | None = None) -> dict:
    now = timezone.now()
    steps = []
    for name in STEPS.permitted(request.user, ticket):
        form = bound if bound is not None and bound.prefix == name else _step_form(name, ticket)
        steps.append({"name": name, "label": STEPS[name].label, "form": form, "open": form is bound})
    events = [
        {"label": EVENT_LABELS.get(event.action, event.action), "event": event,
         "to_status_label": TicketStatus(event.to_status).label if event.to_status in TicketStatus.values else event.to_status}
        for event in ticket.events.select_related("by").order_by("at", "pk")
    ]
    return {
        "ticket": ticket,
        "events": events,
        "steps": steps,
        "is_open": ticket.status in TicketStatus.open(),
        "overdue": ticket.status in TicketStatus.open() and ticket.due_at < now,
        "has_letter": ticket.status in ticket_letter.LETTER_STATUSES and bool(ticket.answer.strip()),
        "now": now,
    }


@login_required
@require_safe
def ticket_detail(request: HttpRequest, code: str) -> HttpResponse:
    ticket = get_ticket_for_user(request.user, code)
    log_access(request=request, table=FeedbackTicket._meta.db_table, row_id=ticket.pk)  # the sender's personal data
    return render(request, "dossiers/tickets/detail.html", _detail_context(request, ticket))


@login_required
@require_POST
def ticket_step_view(request: HttpRequest, code: str, action: str) -> HttpResponse:
    if action not in STEPS:
        raise Http404
    ticket = get_ticket_for_user(request.user, code, action=action)
    form = _step_form(action, ticket, request.POST)
    if not form.is_valid():
        return render(request, "dossiers/tickets/detail.html", _detail_context(request, ticket, bound=form), status=400)
    try:
        ticket_step(ticket=ticket, action=action, by=request.user, **form.arguments())
    except FeedbackError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, str(STEPS[action].done) % {"code": ticket.code})
    return redirect("tickets:detail", code=ticket.code)


@login_required
@require_safe
@never_cache
def answer_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """The answer letter (công văn trả lời) as PDF; 404 for a ticket without an answer."""
    ticket = get_ticket_for_user(request.user, code)
    try:
        context = ticket_letter.answer_letter_context(ticket)
    except ticket_letter.LetterNotApplicable:
        raise Http404 from None
    log_access(request=request, table=FeedbackTicket._meta.db_table, row_id=ticket.pk, action="export",
               detail={"form": "answer"})
    if request.GET.get("format") == "html":
        return _no_store(render(request, "dossiers/print/ticket_answer.html", {**context, "as_html": True}))
    pdf = render_pdf("dossiers/print/ticket_answer.html", context, request=request)
    return _no_store(pdf_response(pdf, f"tra-loi-{ticket.code}.pdf"))


# -- staff: the figures ---------------------------------------------------------------------------------


@login_required
@require_safe
def figures(request: HttpRequest) -> HttpResponse:
    """Received, handled on time / late, pending within time / overdue and by class, for a unit in scope
    and a date range (the reporting quarter by default), with the same by direct child unit."""
    workplace = _staff(request.user)
    if request.GET.get("unit", "").strip():
        get_unit_for_user(request.user, request.GET["unit"].strip())  # another unit's figures: 404
    units = AdministrativeUnit.objects.for_user(request.user)
    default = workplace or units.order_by("depth", "path").first()
    form = FiguresForm(request.GET, units=units, default_unit=default)
    context = {"form": form, "unit": None}
    if form.is_valid():
        data = form.cleaned_data
        unit = get_unit_for_user(request.user, data["unit"])
        start, end = day_bounds(data["from"], data["to"])
        now = timezone.now()
        at = min(now, end)  # a window still running is counted as of now
        tickets = tickets_in(unit, start, end)
        context.update({
            "unit": unit,
            "start": data["from"],
            "end": data["to"],
            "at": at,
            "totals": ticket_figures(tickets, at=at),
            "rows": ticket_selectors.figures_by_child(tickets, unit, at=at),
        })
    return render(request, "dossiers/tickets/figures.html", context, status=200 if form.is_valid() else 400)
