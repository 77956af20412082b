"""Every write on a dossier: one function per step, each atomic, each recording who, where and when.

The steps follow one table (TRANSITIONS); a step not allowed from the current status raises
TransitionError with a translated message and changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.calendar import WorkCalendar
from motcua.models import AdministrativeUnit, Agency, membership_of
from motcua.selectors import work_calendar
from procedures.models import Procedure
from procedures.services import procedure_terms_at

from . import deadlines
from .models import Apology, Channel, Digitisation, Dossier, DossierEvent, Outcome, Pause, ReturnChannel, Status
from .numbering import allocate_code

PENDING = set(Status.pending())


@dataclass(frozen=True)
class Step:
    label: str
    sources: frozenset[str]
    target: str


TRANSITIONS: dict[str, Step] = {
    "transfer": Step(gettext_lazy("Transfer"), frozenset({Status.RECEIVED, Status.TRANSFERRED, Status.IN_PROGRESS}), Status.TRANSFERRED),
    "start": Step(gettext_lazy("Start processing"), frozenset({Status.RECEIVED, Status.TRANSFERRED}), Status.IN_PROGRESS),
    "pause": Step(gettext_lazy("Pause"), frozenset({Status.RECEIVED, Status.TRANSFERRED, Status.IN_PROGRESS}), Status.PAUSED),
    "resume": Step(gettext_lazy("Resume"), frozenset({Status.PAUSED}), Status.IN_PROGRESS),
    "resolve": Step(gettext_lazy("Resolve"), frozenset({Status.RECEIVED, Status.TRANSFERRED, Status.IN_PROGRESS}), Status.RESOLVED),
    "return": Step(gettext_lazy("Return the result"), frozenset({Status.RESOLVED}), Status.RETURNED),
    "return_unresolved": Step(gettext_lazy("Return without resolution"), frozenset(PENDING), Status.RETURNED_UNRESOLVED),
    "withdraw": Step(gettext_lazy("Withdraw / stop processing"), frozenset(PENDING), Status.WITHDRAWN),
}


class TransitionError(Exception):
    """A step refused; the message is for the officer."""


def allowed_actions(dossier: Dossier) -> list[str]:
    return [name for name, step in TRANSITIONS.items() if dossier.status in step.sources]


def _record(dossier: Dossier, *, action: str, from_status: str, by, at: datetime, note: str = "", unit=None, agency=None) -> DossierEvent:
    if unit is None and by is not None:
        membership = membership_of(by)
        unit = membership.unit if membership else None
    return DossierEvent.objects.create(
        dossier=dossier,
        action=action,
        from_status=from_status,
        to_status=dossier.status,
        at=at,
        by=by if getattr(by, "pk", None) else None,
        unit=unit,
        agency=agency,
        note=note,
    )


def _step(dossier: Dossier, action: str) -> tuple[Dossier, str]:
    """Lock the dossier and check the step is allowed; returns the locked row and its old status."""
    locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
    step = TRANSITIONS[action]
    if locked.status not in step.sources:
        raise TransitionError(
            _("“%(action)s” is not possible for a dossier that is “%(status)s”.")
            % {"action": step.label, "status": locked.get_status_display()}
        )
    return locked, locked.status


def _check_moment(dossier: Dossier, at: datetime) -> None:
    if at < dossier.received_at:
        raise TransitionError(_("The time given is before the dossier was received."))
    if at > timezone.now() + timedelta(minutes=5):
        raise TransitionError(_("The time given is in the future."))


@dataclass(frozen=True)
class Applicant:
    name: str
    id_number: str = ""
    phone: str = ""
    address: str = ""
    email: str = ""
    kind: str = "person"


def snapshot_fields(terms) -> dict:
    """The procedure's terms a dossier keeps for good (from procedures.services.procedure_terms_at)."""
    cutoff = time.fromisoformat(terms.cutoff_time) if terms.cutoff_applies else None
    return {
        "procedure_version": terms.version,
        "processing_days": terms.processing_days,
        "cutoff_applies": terms.cutoff_applies,
        "cutoff_time": cutoff,
        "fees": terms.fees,
        "fee_total": terms.fee_total,
    }


def compute_due(
    *, received_at: datetime, processing_days: Decimal, cutoff: time | None, calendar: WorkCalendar | None = None,
    pauses=(), now: datetime | None = None,
) -> tuple[datetime, datetime]:
    """(counting start, due moment) for a receipt; what intake shows live and saves."""
    calendar = calendar or work_calendar()
    start = deadlines.counting_start(received_at, calendar, cutoff=cutoff)
    due = deadlines.due_moment(received_at, processing_days, calendar, cutoff=cutoff, pauses=pauses, now=now)
    return start, due


@transaction.atomic
def dossier_receive(
    *,
    unit: AdministrativeUnit,
    procedure: Procedure,
    applicant: Applicant,
    by,
    channel: str = Channel.DIRECT,
    received_at: datetime | None = None,
    handling_unit: AdministrativeUnit | None = None,
    agency: Agency | None = None,
    components_digitised: str = Digitisation.NONE,
    paid_online: bool = False,
    notes: str = "",
) -> Dossier:
    """Take in a dossier: its code, the procedure's terms in force now, its due moment, the first event."""
    received_at = received_at or timezone.now()
    terms = procedure_terms_at(procedure=procedure, moment=received_at)
    cutoff = time.fromisoformat(terms.cutoff_time) if terms.cutoff_applies else None
    start, due = compute_due(received_at=received_at, processing_days=terms.processing_days, cutoff=cutoff)
    local_day = timezone.localtime(received_at).date()
    dossier = Dossier.objects.create(
        code=allocate_code(unit, local_day),
        receiving_unit=unit,
        handling_unit=handling_unit or unit,
        procedure=procedure,
        **snapshot_fields(terms),
        agency=agency,
        received_by=by if getattr(by, "pk", None) else None,
        applicant_kind=applicant.kind,
        applicant_name=applicant.name,
        applicant_id_number=applicant.id_number,
        applicant_phone=applicant.phone,
        applicant_address=applicant.address,
        applicant_email=applicant.email,
        channel=channel,
        received_at=received_at,
        counting_from=start,
        due_at=due,
        components_digitised=components_digitised,
        paid_online=paid_online,
        notes=notes,
    )
    _record(dossier, action="receive", from_status="", by=by, at=received_at, unit=unit)
    return dossier


@transaction.atomic
def dossier_refuse(
    *, unit: AdministrativeUnit, procedure: Procedure, applicant: Applicant, by, reason: str,
    channel: str = Channel.DIRECT, at: datetime | None = None,
) -> Dossier:
    """Refuse at intake (Phiếu từ chối): recorded with a code for the slip, never counted as received."""
    if not reason.strip():
        raise TransitionError(_("Give the reason for the refusal."))
    at = at or timezone.now()
    terms = procedure_terms_at(procedure=procedure, moment=at)
    dossier = Dossier.objects.create(
        code=allocate_code(unit, timezone.localtime(at).date()),
        receiving_unit=unit, handling_unit=unit, procedure=procedure, **snapshot_fields(terms),
        received_by=by if getattr(by, "pk", None) else None,
        applicant_kind=applicant.kind, applicant_name=applicant.name, applicant_id_number=applicant.id_number,
        applicant_phone=applicant.phone, applicant_address=applicant.address, applicant_email=applicant.email,
        channel=channel, received_at=at, counting_from=at, due_at=at, status=Status.REFUSED, notes=reason.strip(),
    )
    _record(dossier, action="refuse", from_status="", by=by, at=at, unit=unit, note=reason.strip())
    return dossier


@transaction.atomic
def dossier_transfer(
    *, dossier: Dossier, by, to_unit: AdministrativeUnit | None = None, agency: Agency | None = None,
    officer=None, note: str = "", at: datetime | None = None,
) -> Dossier:
    """Hand the dossier to a processing agency / officer, or up to another level (liên thông)."""
    dossier, old = _step(dossier, "transfer")
    at = at or timezone.now()
    _check_moment(dossier, at)
    if to_unit is not None and to_unit.pk != dossier.handling_unit_id:
        # Moving to another unit: the old unit's agency and officer no longer handle it.
        dossier.handling_unit = to_unit
        dossier.agency = dossier.officer = None
    if agency is not None:
        if agency.unit_id != dossier.handling_unit_id:
            raise TransitionError(_("The agency must belong to the unit that handles the dossier."))
        dossier.agency = agency
    if officer is not None:
        dossier.officer = officer
    dossier.status = Status.TRANSFERRED
    dossier.save(update_fields=["handling_unit", "agency", "officer", "status", "updated_at"])
    _record(dossier, action="transfer", from_status=old, by=by, at=at, note=note, unit=dossier.handling_unit, agency=dossier.agency)
    return dossier


@transaction.atomic
def dossier_start(*, dossier: Dossier, by, at: datetime | None = None) -> Dossier:
    dossier, old = _step(dossier, "start")
    at = at or timezone.now()
    _check_moment(dossier, at)
    dossier.status = Status.IN_PROGRESS
    if dossier.officer_id is None and getattr(by, "pk", None):
        dossier.officer = by
    dossier.save(update_fields=["status", "officer", "updated_at"])
    _record(dossier, action="start", from_status=old, by=by, at=at)
    return dossier


@transaction.atomic
def dossier_pause(*, dossier: Dossier, by, kind: str, reason: str, at: datetime | None = None) -> Pause:
    """Stop the clock: waiting for supplements, another agency's verification, or a legal pause."""
    dossier, old = _step(dossier, "pause")
    at = at or timezone.now()
    _check_moment(dossier, at)
    if not reason.strip():
        raise TransitionError(_("Give the reason for the pause."))
    pause = Pause.objects.create(dossier=dossier, kind=kind, reason=reason.strip(), started_at=at)
    dossier.status = Status.PAUSED
    dossier.save(update_fields=["status", "updated_at"])
    _record(dossier, action="pause", from_status=old, by=by, at=at, note=reason.strip())
    return pause


def _recompute_due(dossier: Dossier, *, now: datetime) -> datetime:
    cutoff = dossier.cutoff_time if dossier.cutoff_applies else None
    pauses = list(dossier.pauses.values_list("started_at", "ended_at"))
    return deadlines.due_moment(
        dossier.received_at, dossier.processing_days, work_calendar(), cutoff=cutoff, pauses=pauses, now=now
    )


@transaction.atomic
def dossier_resume(*, dossier: Dossier, by, at: datetime | None = None) -> Dossier:
    """Restart the clock; the due moment moves by the working time the pause took."""
    dossier, old = _step(dossier, "resume")
    at = at or timezone.now()
    pause = dossier.pauses.get(ended_at__isnull=True)
    if at < pause.started_at:
        raise TransitionError(_("The dossier cannot resume before its pause started."))
    pause.ended_at = at
    pause.save(update_fields=["ended_at"])
    dossier.due_at = _recompute_due(dossier, now=at)
    dossier.status = Status.IN_PROGRESS
    dossier.save(update_fields=["due_at", "status", "updated_at"])
    _record(dossier, action="resume", from_status=old, by=by, at=at)
    return dossier


def _close(dossier: Dossier, *, at: datetime) -> None:
    dossier.resolved_at = at
    dossier.outcome = deadlines.classify_outcome(at, dossier.due_at, work_calendar())


@transaction.atomic
def dossier_resolve(*, dossier: Dossier, by, at: datetime | None = None, result_digitised: bool = False, note: str = "") -> Dossier:
    """The result is ready; the outcome (early / on time / late) is fixed against the due moment."""
    dossier, old = _step(dossier, "resolve")
    at = at or timezone.now()
    _check_moment(dossier, at)
    _close(dossier, at=at)
    dossier.status = Status.RESOLVED
    dossier.result_digitised = result_digitised
    dossier.save(update_fields=["resolved_at", "outcome", "status", "result_digitised", "updated_at"])
    _record(dossier, action="resolve", from_status=old, by=by, at=at, note=note)
    return dossier


@transaction.atomic
def dossier_return(*, dossier: Dossier, by, channel: str = ReturnChannel.DESK, at: datetime | None = None) -> Dossier:
    """Hand the result to the citizen; this also closes the dossier (no 'returned but still open')."""
    dossier, old = _step(dossier, "return")
    at = at or timezone.now()
    if at < dossier.resolved_at:
        raise TransitionError(_("The result cannot be returned before it was resolved."))
    dossier.status = Status.RETURNED
    dossier.returned_at = at
    dossier.return_channel = channel
    dossier.save(update_fields=["status", "returned_at", "return_channel", "updated_at"])
    _record(dossier, action="return", from_status=old, by=by, at=at, unit=dossier.receiving_unit)
    return dossier


@transaction.atomic
def dossier_stop(*, dossier: Dossier, by, action: str, reason: str, at: datetime | None = None) -> Dossier:
    """Return without resolution or record a withdrawal: counted as resolved, classified by time."""
    if action not in ("return_unresolved", "withdraw"):
        raise ValueError(action)
    dossier, old = _step(dossier, action)
    at = at or timezone.now()
    _check_moment(dossier, at)
    if not reason.strip():
        raise TransitionError(_("Give the reason."))
    dossier.pauses.filter(ended_at__isnull=True).update(ended_at=at)
    _close(dossier, at=at)
    dossier.status = TRANSITIONS[action].target
    dossier.save(update_fields=["resolved_at", "outcome", "status", "updated_at"])
    _record(dossier, action=action, from_status=old, by=by, at=at, note=reason.strip())
    return dossier


@transaction.atomic
def dossier_apologise(*, dossier: Dossier, by, reason: str, new_due_at: datetime, at: datetime | None = None) -> Apology:
    """The apology with a new appointment: one per dossier; the outcome is still judged on the old due moment."""
    dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
    at = at or timezone.now()
    if Apology.objects.filter(dossier=dossier).exists():
        raise TransitionError(_("This dossier already has an apology; only one is allowed."))
    if not (dossier.status in PENDING or (dossier.status == Status.RESOLVED and dossier.outcome == Outcome.LATE)):
        raise TransitionError(_("An apology is issued for a dossier that is or will be late, before its result is returned."))
    if not reason.strip():
        raise TransitionError(_("Give the reason for the delay."))
    if new_due_at <= at or new_due_at <= dossier.due_at:
        raise TransitionError(_("The new appointment must be later than now and than the original one."))
    apology = Apology.objects.create(dossier=dossier, reason=reason.strip(), new_due_at=new_due_at, issued_at=at, issued_by=by)
    _record(dossier, action="apologise", from_status=dossier.status, by=by, at=at, note=reason.strip())
    return apology
