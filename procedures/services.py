"""Writes on the catalogue. Every change of a procedure goes through ``procedure_save``, which
numbers a new version, records who changed what and keeps the terms a dossier will snapshot."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from motcua.models import AdministrativeUnit, UnitLevel
from motcua.models import after_today
from motcua.models import today as local_today
from motcua.permissions import can
from motcua.selectors import work_calendar

from .models import (
    Field,
    Posting,
    Procedure,
    ProcedureComponent,
    ProcedureFee,
    ProcedureVersion,
    ReviewItem,
    ReviewRound,
)
from .parsing import (
    CellError, ComponentSpec, FeeSpec, StageSpec, check_stage_hours, format_components, format_days, format_fees,
    format_stages, parse_stages,
)

# The procedure's own columns that a version records (fees and components are added as text).
TRACKED_FIELDS = [
    "name", "field_id", "level", "sector", "agency", "processing_days", "cutoff_applies", "cutoff_time",
    "fee_text", "result", "legal_basis", "online_level", "interconnected_with", "location_independent",
    "decision_number", "decision_date", "decision_issuer", "status", "effective_from", "effective_until",
    "replaced_by_id",
]


class CatalogueError(Exception):
    """A change refused for a reason the officer must read (already translated)."""


class ProcedureRefused(PermissionDenied):
    """``procedure_save`` refused: ``by`` may not change this procedure (``str()`` says why, translated)."""


def _plain(value):
    if isinstance(value, Decimal):
        return format_days(value)
    if isinstance(value, (date, datetime)) or hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _state(procedure: Procedure, fees: list[FeeSpec], components: list[ComponentSpec]) -> dict:
    state = {name: _plain(getattr(procedure, name)) for name in TRACKED_FIELDS}
    state["fees"] = format_fees(fees)
    state["components"] = format_components(components)
    state["stages"] = format_stages(stages_of(procedure))
    return state


def fees_of(procedure: Procedure) -> list[FeeSpec]:
    return [FeeSpec(f.name, f.amount, f.note) for f in procedure.fees.all()]


def components_of(procedure: Procedure) -> list[ComponentSpec]:
    return [ComponentSpec(c.name, c.originals, c.copies, c.required) for c in procedure.components.all()]


def stages_of(procedure: Procedure) -> list[StageSpec]:
    """The procedure's internal process as it stands (empty: none)."""
    return [StageSpec.from_json(row) for row in procedure.stages or []]


def terms_of(procedure: Procedure, fees: list[FeeSpec]) -> dict:
    """What a dossier keeps of the procedure when it is received."""
    return {
        "processing_days": format_days(Decimal(procedure.processing_days)),
        "cutoff_applies": procedure.cutoff_applies,
        "cutoff_time": procedure.cutoff_time.strftime("%H:%M"),
        "fees": [{"name": f.name, "amount": f.amount, "note": f.note} for f in fees],
        "fee_total": sum(f.amount for f in fees),
        "fee_text": procedure.fee_text,
        "stages": [stage.as_json() for stage in stages_of(procedure)],
    }


@dataclass(frozen=True)
class ProcedureTerms:
    version: int
    processing_days: Decimal
    cutoff_applies: bool
    cutoff_time: str
    fees: list[dict] = field(default_factory=list)
    fee_total: int = 0
    stages: list[StageSpec] = field(default_factory=list)


def procedure_terms_at(*, procedure: Procedure, moment: datetime) -> ProcedureTerms:
    """The processing time, cut-off and fees of the version in force at ``moment``."""
    version = (
        procedure.versions.filter(valid_from__lte=moment).order_by("-valid_from", "-number").first()
        or procedure.versions.order_by("number").first()
    )
    if version is None:
        raise CatalogueError(_("The procedure %(code)s has no recorded version.") % {"code": procedure.code})
    terms = version.terms
    return ProcedureTerms(
        version=version.number,
        processing_days=Decimal(terms["processing_days"]),
        cutoff_applies=terms["cutoff_applies"],
        cutoff_time=terms["cutoff_time"],
        fees=terms["fees"],
        fee_total=terms["fee_total"],
        stages=[StageSpec.from_json(row) for row in terms.get("stages", [])],
    )


def procedure_edit_refusal(by, stored: Procedure | None, *, code: str, level: str | None) -> str | None:
    """Why ``by`` may not write the procedure ``code`` (a translated message), or None.

    Every write path asks this (the edit form, the import, the admin, the command with ``--by``):
    ``procedure.edit`` on the procedure as stored (``stored``; None for a new one) and on the level
    it is given (``level``; None when not known yet). ``by=None`` is the installation itself.
    """
    if by is None:
        return None
    if stored is not None and not can(by, "procedure.edit", stored):
        return _(
            "procedure %(code)s is a %(level)s procedure, which your account may not change (only "
            "procedures at your unit's level or below)"
        ) % {"code": code, "level": stored.get_level_display().lower()}
    if level and not can(by, "procedure.edit", Procedure(code=code, level=level)):
        label = UnitLevel(level).label.lower()
        if stored is None:
            return _(
                "your account may not add a %(level)s procedure (only procedures at your unit's level or below)"
            ) % {"level": label}
        return _("your account may not move procedure %(code)s up to the %(level)s level") % {
            "code": code, "level": label,
        }
    return None


@transaction.atomic
def procedure_save(
    *,
    procedure: Procedure,
    fees: list[FeeSpec] | None = None,
    components: list[ComponentSpec] | None = None,
    by=None,
    source: str = ProcedureVersion.Source.EDIT,
    at: datetime | None = None,
) -> bool:
    """Save a procedure with its fees and components; record a version if anything changed.

    ``fees``/``components`` of None keep the stored ones. Returns whether anything changed.
    A change ``by`` may not make raises ``ProcedureRefused`` (a PermissionDenied: 403 in a view) and
    writes nothing (``procedure_edit_refusal``; ``by=None`` is the installation itself: demo data,
    the command run without ``--by``).
    """
    at = at or timezone.now()
    is_new = procedure.pk is None
    stored = None if is_new else Procedure.objects.select_for_update().get(pk=procedure.pk)
    if is_new:
        before = {}
        old_fees, old_components = [], []
    else:
        old_fees, old_components = fees_of(stored), components_of(stored)
        before = _state(stored, old_fees, old_components)
    fees = old_fees if fees is None else fees
    components = old_components if components is None else components
    if fees and not procedure.fee_text:
        procedure.fee_text = format_fees(fees)
    after = _state(procedure, fees, components)
    changes = {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}
    if not is_new and not changes:
        return False  # nothing written: a procedure read back unchanged (an exported file) is no change
    refusal = procedure_edit_refusal(by, stored, code=procedure.code, level=procedure.level)
    if refusal:
        raise ProcedureRefused(refusal)

    procedure.refresh_search_text()
    if not is_new:
        procedure.version = (procedure.versions.aggregate(last=Max("number"))["last"] or 0) + 1
    procedure.save()
    if is_new or "fees" in changes:
        procedure.fees.all().delete()
        ProcedureFee.objects.bulk_create(
            ProcedureFee(procedure=procedure, name=f.name, amount=f.amount, note=f.note, position=i)
            for i, f in enumerate(fees)
        )
    if is_new or "components" in changes:
        procedure.components.all().delete()
        ProcedureComponent.objects.bulk_create(
            ProcedureComponent(
                procedure=procedure, name=c.name, originals=c.originals, copies=c.copies, required=c.required, position=i
            )
            for i, c in enumerate(components)
        )
    ProcedureVersion.objects.create(
        procedure=procedure,
        number=procedure.version,
        valid_from=at,
        terms=terms_of(procedure, fees),
        changes={} if is_new else changes,
        changed_by=by if getattr(by, "pk", None) else None,
        source=source,
    )
    return True


def field_get_or_create(*, code: str, name: str) -> Field:
    """A field by code (or by name when the file gives no code); created when unknown."""
    if code:
        found, _created = Field.objects.get_or_create(code=code, defaults={"name": name or code})
        return found
    found = Field.objects.filter(name__iexact=name).first()
    if found:
        return found
    base = "".join(word[0] for word in name.split() if word).upper()[:10] or "LV"
    code, n = base, 1
    while Field.objects.filter(code=code).exists():
        n += 1
        code = f"{base}{n}"
    return Field.objects.create(code=code, name=name)


def _day(value: date | None) -> date:
    """The day a change of a posting takes effect: the one given, today (Vietnam) by default; never later."""
    today = local_today()
    if value is None:
        return today
    if after_today(value):
        raise CatalogueError(after_today(value))
    return value


@transaction.atomic
def posting_set(
    *,
    unit: AdministrativeUnit,
    procedure: Procedure,
    is_active: bool = True,
    posted_at_desk: date | None = None,
    posted_on_website: date | None = None,
    since: date | None = None,
    until: date | None = None,
) -> Posting | None:
    """What the posting form says: the unit handles the procedure (``is_active``), posted at the desk and
    online on those days, or no longer does. Posting opens a posting from ``since`` (today by default)
    unless one is in force, whose dates are then updated (``since``, when given, corrects its first
    day); withdrawing ends the one in force on ``until`` (today by default). The rows kept are the
    history: a report of a past window counts those in force on its last day (Procedure.posted_in).
    Returns the posting written (None when nothing was posted to withdraw). A day after today, or one
    that would make two postings overlap, raises CatalogueError (translated) and writes nothing."""
    if not is_active:
        return posting_withdraw(unit=unit, procedure=procedure, on=until)
    return posting_open(unit=unit, procedure=procedure, since=since, posted_at_desk=posted_at_desk,
                        posted_on_website=posted_on_website, dates=True)


@transaction.atomic
def posting_open(
    *,
    unit: AdministrativeUnit,
    procedure: Procedure,
    since: date | None = None,
    posted_at_desk: date | None = None,
    posted_on_website: date | None = None,
    dates: bool = False,
) -> Posting:
    """The unit handles the procedure from ``since`` (today by default). A posting in force is kept
    (its first day corrected to ``since`` when given, its desk and website days replaced when ``dates``);
    one that ended the day before ``since`` or later is reopened (the withdrawal undone: the posting went
    on); else a new row starts on ``since``, after the last one ended."""
    postings = Posting.objects.select_for_update().filter(unit=unit, procedure=procedure)
    rows = sorted(postings, key=lambda p: (p.valid_to is None, p.valid_to or date.min))
    current = rows[-1] if rows and rows[-1].valid_to is None else None
    ended = [row for row in rows if row.valid_to is not None]
    previous = ended[-1] if ended else None
    start = None if since is None and current is not None else _day(since)

    def check_after_previous(first_day: date | None, previous: Posting | None) -> None:
        if previous is not None and (first_day is None or first_day <= previous.valid_to):
            raise CatalogueError(
                _("%(unit)s handled this procedure until %(day)s: the new posting must start after that day.")
                % {"unit": unit.name, "day": f"{previous.valid_to:%d/%m/%Y}"}
            )

    if current is None and previous is not None and start is not None and start - timedelta(days=1) <= previous.valid_to:
        if previous.valid_from is not None and start < previous.valid_from:
            raise CatalogueError(
                _("%(unit)s handled this procedure from %(start)s to %(end)s: post it again from a day in that "
                  "stretch or after it.") % {"unit": unit.name, "start": f"{previous.valid_from:%d/%m/%Y}",
                                              "end": f"{previous.valid_to:%d/%m/%Y}"})
        current, start = previous, None  # the withdrawal undone: the posting goes on from its first day
        current.valid_to = None
        earlier = ended[:-1]
        previous = earlier[-1] if earlier else None
    if current is None:
        check_after_previous(start, previous)
        current = Posting(unit=unit, procedure=procedure, valid_from=start)
    elif start is not None:
        check_after_previous(start, previous)
        current.valid_from = start
    if dates or current.pk is None:
        current.posted_at_desk, current.posted_on_website = posted_at_desk, posted_on_website
    current.save()
    current.refresh_from_db(fields=["is_active"])
    return current


@transaction.atomic
def posting_withdraw(*, unit: AdministrativeUnit, procedure: Procedure, on: date | None = None) -> Posting | None:
    """The unit no longer handles the procedure: its posting in force ends on ``on`` (today by default),
    its last day. None when nothing was posted there."""
    current = Posting.objects.select_for_update().filter(unit=unit, procedure=procedure, valid_to__isnull=True).first()
    if current is None:
        return None
    day = _day(on)
    if current.valid_from is not None and day < current.valid_from:
        raise CatalogueError(
            _("The posting at %(unit)s started on %(start)s: it cannot end before that day.")
            % {"unit": unit.name, "start": f"{current.valid_from:%d/%m/%Y}"}
        )
    current.valid_to = day
    current.save(update_fields=["valid_to", "updated_at"])
    current.refresh_from_db(fields=["is_active"])
    return current


def postings_end_with_units(*, handovers: list[tuple[AdministrativeUnit, AdministrativeUnit]], **kwargs) -> int:
    """The postings of units that ended in a reorganisation end on the unit's last day: kept as history
    (a report of a window before still counts them), never handed over (the successor posts its own
    list). A posting that would only have started after that day never was in force and goes. Connected
    to motcua.services.units_reorganised; returns the number of postings ended."""
    ended = 0
    for unit, _successor in handovers:
        last_day = unit.valid_to
        if last_day is None:
            continue
        Posting.objects.filter(unit=unit, valid_to__isnull=True, valid_from__gt=last_day).delete()
        ended += Posting.objects.filter(unit=unit, valid_to__isnull=True).update(valid_to=last_day, updated_at=timezone.now())
    return ended


@transaction.atomic
def review_open(*, unit: AdministrativeUnit, year: int, by) -> ReviewRound:
    """Open the unit's review round for a year, listing every procedure the unit handles."""
    round_, created = ReviewRound.objects.get_or_create(unit=unit, year=year, defaults={"opened_by": by})
    if not created:
        return round_
    procedures = Procedure.objects.filter(postings__unit=unit, postings__is_active=True).prefetch_related("fees")
    ReviewItem.objects.bulk_create(
        ReviewItem(
            round=round_,
            procedure=p,
            current_days=p.processing_days,
            current_fee=sum(f.amount for f in p.fees.all()),
        )
        for p in procedures
    )
    return round_


@transaction.atomic
def review_item_record(
    *,
    item: ReviewItem,
    decision: str,
    by,
    proposed_days: Decimal | None = None,
    proposed_fee: int | None = None,
    components_removed: str = "",
    proposed_stages: str = "",
    reason: str = "",
    yearly_saving: int | None = None,
) -> ReviewItem:
    if item.round.status != ReviewRound.Status.OPEN:
        raise CatalogueError(_("This review round has been submitted and can no longer change."))
    if decision == ReviewItem.Decision.SIMPLIFY:
        if proposed_days is None and proposed_fee is None and not components_removed.strip() and not proposed_stages:
            raise CatalogueError(_("A simplification must propose a shorter time, a lower fee, fewer components or "
                                   "shorter stages."))
        if proposed_stages:
            stages, days = parse_stages(proposed_stages), item.current_days if proposed_days is None else proposed_days
            try:
                check_stage_hours(stages, days, work_calendar().hours_per_day)
            except CellError as error:
                raise CatalogueError(capfirst(str(error)) + ".") from None
            current = stages_of(item.procedure)
            if current and sum(s.hours for s in stages) > sum(s.hours for s in current):
                raise CatalogueError(_("The proposed stages cannot take longer than the current ones."))
        if proposed_days is not None and proposed_days > item.current_days:
            raise CatalogueError(_("The proposed time cannot be longer than the current one."))
        if proposed_fee is not None and proposed_fee > item.current_fee:
            raise CatalogueError(_("The proposed fee cannot be higher than the current one."))
        if not reason.strip():
            raise CatalogueError(_("Give the reason for the simplification."))
    else:
        proposed_days = proposed_fee = yearly_saving = None
        components_removed = proposed_stages = ""
    item.decision = decision
    item.proposed_days = proposed_days
    item.proposed_fee = proposed_fee
    item.components_removed = components_removed.strip()
    item.proposed_stages = proposed_stages
    item.reason = reason.strip()
    item.yearly_saving = yearly_saving
    item.reviewed_by = by
    item.reviewed_at = timezone.now()
    item.save()
    return item


@transaction.atomic
def review_submit(*, round_: ReviewRound, by) -> ReviewRound:
    round_ = ReviewRound.objects.select_for_update().get(pk=round_.pk)
    if round_.status != ReviewRound.Status.OPEN:
        raise CatalogueError(_("This review round has already been submitted."))
    round_.status = ReviewRound.Status.SUBMITTED
    round_.submitted_by = by
    round_.submitted_at = timezone.now()
    round_.save(update_fields=["status", "submitted_by", "submitted_at"])
    return round_
