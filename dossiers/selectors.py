"""Reads behind the desk and processing screens: the board's panels, the desk search, the officer's
queue, what intake offers (procedures, handling units, the live due moment) and a dossier's page.

Every list starts from ``Dossier.objects.for_user`` (motcua.scope, in the form PostgreSQL serves
from the indexes) or the user's own unit, and every list selects its procedure and units in
the same query.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, time

from django.db import connection
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from motcua import deadlines
from motcua.deadlines import compute_due
from motcua.periods import day_bounds, local_day
from motcua.calendar import VN_TZ
from motcua.db import SearchKey
from motcua.models import LEVEL_RANK, AdministrativeUnit, Agency, StaffMembership, in_force_q
from motcua.permissions import RULES, handled_by
from motcua.scope import Scope
from motcua.selectors import work_calendar
from motcua.text import search_key, vn_moment

from procedures.models import Posting, Procedure
from procedures.services import procedure_terms_at

from .models import Dossier, Outcome, Pause, PauseKind, Status, overdue_condition

PANEL_SIZE = 20
PAGE_SIZE = 50
LIST_RELATED = ("procedure", "receiving_unit", "handling_unit", "officer")


# -- scope -----------------------------------------------------------------------------------------


# -- states shown beside a dossier ---------------------------------------------------------------

PAUSED_STATE = "paused"
STATE_LABELS = {
    Outcome.EARLY: gettext_lazy("Early"),
    Outcome.ON_TIME: gettext_lazy("On time"),
    Outcome.LATE: gettext_lazy("Late"),
    deadlines.WITHIN_TIME: gettext_lazy("Within time"),
    deadlines.OVERDUE: gettext_lazy("Overdue"),
    PAUSED_STATE: gettext_lazy("The clock is stopped"),  # beside the status "Paused": not the same word twice
}
# The stylesheet's classes: green for early / on time / within time, red for late / overdue.
STATE_CLASSES = {
    Outcome.EARLY: "ok", Outcome.ON_TIME: "ok", deadlines.WITHIN_TIME: "ok",
    Outcome.LATE: "error", deadlines.OVERDUE: "error", PAUSED_STATE: "warn",
}


def time_state(dossier: Dossier, now: datetime) -> str:
    """early / on_time / late once closed; within_time / overdue (or paused) while pending; '' if refused."""
    if dossier.outcome:
        return dossier.outcome
    if dossier.status == Status.PAUSED:
        return PAUSED_STATE
    if dossier.is_pending:
        return deadlines.pending_state(dossier.due_at, now)
    return ""


def with_states(dossiers, now: datetime) -> list[Dossier]:
    """The rows with ``state``, ``state_label`` and ``state_class`` set for the templates."""
    rows = list(dossiers)
    for dossier in rows:
        dossier.state = time_state(dossier, now)
        dossier.state_label = STATE_LABELS.get(dossier.state, "")
        dossier.state_class = STATE_CLASSES.get(dossier.state, "")
    return rows


# -- the desk board -------------------------------------------------------------------------------


@dataclass
class Panel:
    key: str
    title: str
    empty: str
    count: int
    rows: list[Dossier] = field(default_factory=list)


def _awaiting_supplements() -> Q:
    """Paused by a request for more papers (Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ) still open."""
    open_requests = Pause.objects.filter(kind=PauseKind.SUPPLEMENT, ended_at__isnull=True).values("dossier_id")
    return Q(status=Status.PAUSED) & Q(pk__in=open_requests)


def board_conditions(now: datetime) -> dict[str, Q]:
    """The one definition of each panel of the desk board, at ``now``: the board lists these and the
    desk's home counts them (``desk_counts``)."""
    day_start, day_end = day_bounds(local_day(now))
    soon = work_calendar().add_working_time(now, days=1)
    pending = Q(status__in=Status.pending())
    return {
        "today": Q(received_at__gte=day_start, received_at__lt=day_end) & ~Q(status=Status.REFUSED),
        "due-soon": pending & ~Q(status=Status.PAUSED) & Q(due_at__gte=now, due_at__lte=soon),
        # Dossier.objects.overdue: pending and overdue_condition.
        "overdue": pending & overdue_condition(now),
        "to-return": Q(status=Status.RESOLVED),
        "supplements": _awaiting_supplements(),
    }


def board_panels(user, *, now: datetime) -> list[Panel]:
    """Received today, due within one working day, overdue, waiting for return, waiting for
    supplements: a count and the first rows.

    Each panel is one indexed query for its rows; the count is a second query only when the panel is full.
    """
    scope = Dossier.objects.for_user(user).select_related(*LIST_RELATED)
    conditions = board_conditions(now)
    specs = [
        ("today", _("Received today"), _("No dossier received today yet."), ("-received_at", "-id")),
        ("due-soon", _("Due within one working day"), _("No dossier falls due within one working day."), ("due_at", "id")),
        ("overdue", _("Overdue"), _("No dossier is overdue."), ("due_at", "id")),
        ("to-return", _("Waiting for return"), _("No result is waiting to be returned."), ("resolved_at", "id")),
        ("supplements", _("Waiting for supplements"), _("No dossier is waiting for more papers."), ("due_at", "id")),
    ]
    panels = []
    for key, title, empty, ordering in specs:
        queryset = scope.filter(conditions[key]).order_by(*ordering)
        rows = with_states(queryset[:PANEL_SIZE], now)
        count = len(rows) if len(rows) < PANEL_SIZE else queryset.order_by().count()
        panels.append(Panel(key=key, title=title, empty=empty, count=count, rows=rows))
    return panels


def desk_counts(user, *, now: datetime) -> dict[str, int]:
    """The board's panels counted in one query (the desk's home): the same conditions, the same scope."""
    terms = board_conditions(now)
    return Dossier.objects.for_user(user).order_by().aggregate(
        **{key.replace("-", "_"): Count("id", filter=condition) for key, condition in terms.items()}
    )


# -- the desk search ------------------------------------------------------------------------------

class Unaccent(SearchKey):
    """``search_key`` of any text in SQL; on SQLite computed by Python (no TRANSLATE there)."""

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite (the development database) has no TRANSLATE: the same key is computed by Python there.
        connection.ensure_connection()
        connection.connection.create_function("motcua_search_key", 1, _sqlite_search_key, deterministic=True)
        sql, params = compiler.compile(self.source_expressions[0])
        return f"motcua_search_key({sql})", params


def _sqlite_search_key(value):
    return search_key(value) if value is not None else None


_PHONE_PUNCTUATION = re.compile(r"[\s.\-()]")
# A Vietnamese phone number once normalised: 10 digits starting with 0 (the desk form's rule, and the SMS's).
PHONE_PATTERN = re.compile(r"^0\d{9}$")


def normalise_phone(text: str) -> str:
    """'0912.345 678' → '0912345678'; '+84 912 345 678' → '0912345678'. Not validated here."""
    digits = _PHONE_PUNCTUATION.sub("", text or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits


def sms_phone(text: str) -> str | None:
    """The number an SMS goes to, as the gateway takes it ('0912345678'), from what a dossier or a ticket
    holds ('+84 912 345 678', '0912.345.678', '84912345678' from the old software); None when it is not
    a Vietnamese phone number (empty, an e-mail address, too short)."""
    phone = normalise_phone((text or "").strip())
    return phone if PHONE_PATTERN.match(phone) else None


def search_dossiers(user, query: str) -> QuerySet[Dossier]:
    """The desk search: an exact code, a CCCD (12 digits), a phone number, or the applicant's name
    with or without diacritics. Always within the user's scope, newest first."""
    query = unicodedata.normalize("NFC", query or "").strip()
    scope = Dossier.objects.for_user(user).select_related(*LIST_RELATED).order_by("-received_at", "-id")
    if not query:
        return scope.none()
    compact = _PHONE_PUNCTUATION.sub("", query)
    if "-" in query and not compact.lstrip("+").isdigit():
        return scope.filter(code__in={query, query.upper()})
    if compact.isdigit() and len(compact) == 12:
        return scope.filter(applicant_id_number=compact)
    phone = normalise_phone(query)
    if phone.isdigit():
        return scope.filter(Q(applicant_phone=phone) | Q(applicant_id_number=phone))
    key = search_key(query)
    if connection.vendor == "postgresql":
        # The stored key column and its trigram index (migration 0006) serve "contains" directly.
        return scope.filter(applicant_search__contains=key)
    # SQLite (development): its stored column is only lower-cased, so the key is computed by Python.
    return scope.annotate(name_key=Unaccent("applicant_name")).filter(
        Q(applicant_name__icontains=query) | Q(name_key__contains=key)
    )


@dataclass
class Slice:
    """One page of a list without counting it: the rows, and whether there is a page before or after."""

    rows: list
    number: int
    has_previous: bool
    has_next: bool

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next


def page_slice(queryset: QuerySet, page, *, size: int = PAGE_SIZE) -> Slice:
    try:
        number = max(int(page), 1)
    except (TypeError, ValueError):
        number = 1
    offset = (number - 1) * size
    rows = list(queryset[offset:offset + size + 1])
    return Slice(rows=rows[:size], number=number, has_previous=number > 1, has_next=len(rows) > size)


# -- the processing queue ---------------------------------------------------------------------------


def processing_queue(user) -> QuerySet[Dossier]:
    """Pending dossiers on the user's handling side (``motcua.permissions.handled_by``: the unit, and
    for an agency's officer that agency's dossiers and those not yet assigned to one): those assigned
    to the user first, then by due moment."""
    queryset = Dossier.objects.pending().filter(handled_by(user))
    return (
        queryset.select_related(*LIST_RELATED, "agency")
        .annotate(mine=Case(When(officer_id=user.pk, then=Value(0)), default=Value(1), output_field=IntegerField()))
        .order_by("mine", "due_at", "id")
    )


def my_dossiers(user) -> QuerySet[Dossier]:
    """"Hồ sơ của tôi": the pending dossiers of the processing queue assigned to the user, the least
    time left first."""
    return processing_queue(user).filter(officer_id=user.pk)


# -- intake ------------------------------------------------------------------------------------------


def _province_of(unit: AdministrativeUnit, ancestors: list[AdministrativeUnit] | None = None) -> AdministrativeUnit:
    """The top of the unit's tree (the province): the first of its ancestors, root first, or itself."""
    ancestors = ancestors if ancestors is not None else list(unit.ancestors()[:1])
    return ancestors[0] if ancestors else unit


def intake_procedures(unit: AdministrativeUnit | None) -> QuerySet[Procedure]:
    """The procedures a desk may take in, in force: posted at its unit (or below); posted at a unit above
    it and inter-connected with its level (liên thông: a commune's desk takes in the district's or the
    province's dossier and sends it up); or location-independent (không phụ thuộc địa giới hành chính)
    and posted anywhere in its province, to be handled by a unit that posts it (Nghị định 118/2025)."""
    procedures = Procedure.objects.in_force()
    if unit is None:
        return procedures
    ancestors = list(unit.ancestors())  # root first
    above = Posting.objects.in_force().filter(unit__in=ancestors).values("procedure_id")
    province = _province_of(unit, ancestors)
    return procedures.filter(
        Q(pk__in=Procedure.objects.posted_in(unit).values("pk"))
        | Q(interconnected_with=unit.level, pk__in=above)
        | Q(location_independent=True, pk__in=Procedure.objects.posted_in(province).values("pk"))
    )


def competent_units(unit: AdministrativeUnit, procedure: Procedure) -> list[AdministrativeUnit]:
    """For a location-independent procedure: the units of the desk's province in force that post it,
    the desk's own unit first, then by name (the desk chooses from the applicant's address)."""
    posting = Posting.objects.in_force().filter(procedure=procedure).values("unit_id")
    units = Scope.below(_province_of(unit), taken_over=False).units().filter(in_force_q(), pk__in=posting)
    return sorted(units, key=lambda u: (u.pk != unit.pk, u.name))


def procedure_options(unit: AdministrativeUnit | None) -> list[tuple[str, str]]:
    """(code, name) of every procedure intake offers, by code: what the procedure field's list holds."""
    return list(intake_procedures(unit).order_by("code").values_list("code", "name"))


def _top_rank(procedure: Procedure) -> int:
    ranks = [LEVEL_RANK[procedure.level]]
    if procedure.interconnected_with:
        ranks.append(LEVEL_RANK[procedure.interconnected_with])
    return min(ranks)


def handling_units_for(unit: AdministrativeUnit, procedure: Procedure | None) -> list[AdministrativeUnit]:
    """Where a dossier received at ``unit`` may be handled: the unit itself and, for an inter-connected
    procedure (or one of a higher level), its ancestors up to the procedure's level, nearest first."""
    units = [unit]
    if procedure is None:
        return units
    if procedure.location_independent:
        competent = competent_units(unit, procedure)
        if competent and competent != [unit]:
            return competent
    top = _top_rank(procedure)
    if procedure.interconnected_with or top < LEVEL_RANK[unit.level]:
        units += [a for a in reversed(list(unit.ancestors())) if LEVEL_RANK[a.level] >= top]
    return units


# The words a unit's name starts with that an address may leave out ("Thôn Đông, Tứ Kỳ").
UNIT_PREFIXES = ("xa ", "phuong ", "thi tran ", "dac khu ", "huyen ", "quan ", "thi xa ", "thanh pho ", "tinh ")


def unit_in_address(address: str, units: list[AdministrativeUnit]) -> AdministrativeUnit | None:
    """The unit among ``units`` the applicant's address names ("xóm 2, thị trấn Tứ Kỳ" → Thị trấn Tứ Kỳ),
    compared without diacritics, case or the unit's kind; the longest name wins; None when none is named."""
    words = f" {search_key(address)} ".replace(",", " ").replace(".", " ")
    words = " " + " ".join(words.split()) + " "
    found = []
    for unit in units:
        name = search_key(unit.name)
        bare = next((name[len(prefix):] for prefix in UNIT_PREFIXES if name.startswith(prefix)), name)
        if bare and f" {bare} " in words:
            found.append((len(name) if f" {name} " in words else len(bare), unit))
    return max(found, key=lambda item: item[0])[1] if found else None


def default_handling_unit(unit: AdministrativeUnit, procedure: Procedure, units: list[AdministrativeUnit] | None = None,
                          *, address: str = ""):
    """The user's unit; the parent unit for an inter-connected procedure (liên thông); for a location-
    independent procedure the desk's unit does not handle, the competent unit the applicant's address
    names, else the first."""
    units = units if units is not None else handling_units_for(unit, procedure)
    if unit not in units:  # a location-independent procedure the desk's unit does not handle
        return unit_in_address(address, units) or units[0]
    if procedure.interconnected_with and len(units) > 1:
        return units[1]
    if len(units) > 1 and LEVEL_RANK[procedure.level] < LEVEL_RANK[unit.level]:
        return units[1]
    return unit


MOMENT_FORMAT = r"H:i \n\g\à\y d/m/Y"


def format_moment(moment: datetime) -> str:
    """'16:00 ngày 21/01/2026 (Thứ tư)', as the working calendar shows a due moment."""
    local = timezone.localtime(moment, VN_TZ)
    return "%s (%s)" % (date_format(local, MOMENT_FORMAT), date_format(local, "l"))


def format_short(moment: datetime) -> str:
    return vn_moment(moment)


def format_days(days) -> str:
    if not days:
        return _("Same working day")
    return _("%(days)s working days") % {"days": number_format(days.normalize())}


def component_detail(component) -> str:
    parts = [ngettext("%(count)s original", "%(count)s originals", component.originals) % {"count": component.originals}]
    if component.copies:
        parts.append(ngettext("%(count)s copy", "%(count)s copies", component.copies) % {"count": component.copies})
    if not component.required:
        parts.append(_("if applicable"))
    return ", ".join(parts)


def procedure_components(procedure: Procedure) -> list[dict]:
    return [
        {"id": component.pk, "name": component.name, "detail": component_detail(component), "required": component.required}
        for component in procedure.components.order_by("position", "id")
    ]


def due_preview(*, procedure: Procedure, received_at: datetime, unit: AdministrativeUnit | None) -> dict:
    """What intake shows live for a procedure and a receipt moment (the JSON of ``dossiers:due-preview``).

    The terms are those in force at ``received_at``, exactly as ``dossier_receive`` will snapshot them.
    """
    terms = procedure_terms_at(procedure=procedure, moment=received_at)
    cutoff = time.fromisoformat(terms.cutoff_time) if terms.cutoff_applies else None
    start, due = compute_due(received_at=received_at, processing_days=terms.processing_days, cutoff=cutoff)
    data = {
        "procedure": procedure.code,
        "name": procedure.name,
        "received_at": timezone.localtime(received_at, VN_TZ).isoformat(),
        "start": timezone.localtime(start, VN_TZ).isoformat(),
        "due": timezone.localtime(due, VN_TZ).isoformat(),
        "start_display": format_short(start),
        "due_display": format_moment(due),
        "processing_days": format_days(terms.processing_days),
        "fee_total": terms.fee_total,
        "fee_display": _("%(amount)s đồng") % {"amount": number_format(terms.fee_total, force_grouping=True)}
        if terms.fee_total else _("Free of charge."),
        "components": procedure_components(procedure),
    }
    if unit is not None:
        units = handling_units_for(unit, procedure)
        default = default_handling_unit(unit, procedure, units)
        data["handling_units"] = [{"id": u.pk, "code": u.code, "name": u.name} for u in units]
        data["default_handling_unit"] = {"id": default.pk, "code": default.code, "name": default.name}
    return data


# -- one dossier --------------------------------------------------------------------------------------


EVENT_LABELS = {
    "receive": gettext_lazy("Received"),
    "refuse": gettext_lazy("Refused at intake"),
    "transfer": gettext_lazy("Transferred"),
    "start": gettext_lazy("Processing started"),
    "hand_on": gettext_lazy("Handed on to the next stage"),
    "pause": gettext_lazy("Paused"),
    "resume": gettext_lazy("Resumed"),
    "resolve": gettext_lazy("Resolved"),
    "return": gettext_lazy("Result returned"),
    "return_unresolved": gettext_lazy("Returned without resolution"),
    "withdraw": gettext_lazy("Withdrawn, processing stopped"),
    "apologise": gettext_lazy("Apology and new appointment"),
    "handover": gettext_lazy("Handed over on the reorganisation of administrative units"),
}


def dossier_events(dossier: Dossier) -> list:
    """The timeline, oldest first, each step with its label and the status it led to (one query)."""
    events = list(dossier.events.select_related("by", "unit", "agency").order_by("at", "id"))
    statuses = dict(Status.choices)
    for event in events:
        event.label = EVENT_LABELS.get(event.action, event.action)
        event.to_status_label = statuses.get(event.to_status, event.to_status)
        if str(event.to_status_label) == str(event.label):  # "Đã tiếp nhận / Đã tiếp nhận": said once
            event.to_status_label = ""
    return events


def transfer_units(dossier: Dossier) -> list[AdministrativeUnit]:
    """Where a transfer may send the dossier: its handling unit, up to the parent unit for an
    inter-connected procedure (liên thông), or back to the receiving unit."""
    handling, procedure = dossier.handling_unit, dossier.procedure
    units = [handling]
    top = _top_rank(procedure)
    if (procedure.interconnected_with or top < LEVEL_RANK[handling.level]) and handling.parent_id:
        parent = AdministrativeUnit.objects.filter(pk=handling.parent_id).first()
        if parent is not None and LEVEL_RANK[parent.level] >= top:
            units.append(parent)
    if dossier.receiving_unit_id != handling.pk:
        units.append(dossier.receiving_unit)
    return units


def agencies_of(units: list[AdministrativeUnit]) -> QuerySet[Agency]:
    return Agency.objects.filter(unit__in=units, is_active=True).select_related("unit").order_by("unit__path", "kind", "name")




def officers_of(units: list[AdministrativeUnit]) -> QuerySet[StaffMembership]:
    return (
        StaffMembership.objects.filter(unit__in=units, role__in=RULES["dossier.hold"].roles, user__is_active=True)
        .select_related("user", "unit", "agency")
        .order_by("unit__path", "user__last_name", "user__first_name", "user__username")
    )
