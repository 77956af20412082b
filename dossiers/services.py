"""Every write on a dossier: one function per step, each atomic, each recording who, where and when.

The steps are one table (``STEPS``, at the end of this module): per step the states it starts from,
the state it leads to, who may take it (``motcua.permissions``), its form and its message. Every step
goes through ``STEPS.take`` (``dossiers.steps``), which locks the dossier, checks the step, writes the
state and records the event in one transaction; each service below keeps only what is its own. A
step not allowed from the current status raises TransitionError with a translated message and
changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import partial

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua import deadlines
from motcua.deadlines import compute_due
from motcua.models import AdministrativeUnit, Agency, membership_of
from motcua.periods import local_day
from motcua.selectors import work_calendar
from procedures.models import Procedure
from procedures.services import procedure_terms_at

from . import files as dossier_files
from . import forms
from . import stages as dossier_stages
from .models import Apology, Channel, Digitisation, Dossier, DossierEvent, Outcome, Pause, ReturnChannel, Status
from .numbering import allocate_code
from .steps import Step, StepTable, step_recorded

PENDING = frozenset(Status.pending())


class TransitionError(Exception):
    """A step refused; the message is for the officer."""


def allowed_actions(dossier: Dossier) -> list[str]:
    """The steps allowed from the dossier's state now (whoever takes them)."""
    return STEPS.allowed(dossier)


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
    notify_opt_out: bool = False  # asked at intake not to be told by SMS or e-mail (notices)


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
    components_received: dict[int, tuple[str, int]] | None = None,
) -> Dossier:
    """Take in a dossier: its code, the procedure's terms in force now, its due moment, the first event.
    ``components_received`` (catalogue component id → (form, number); absent: not received) records
    what the desk received of each component (dossiers.files.components_record)."""
    received_at = received_at or timezone.now()
    terms = procedure_terms_at(procedure=procedure, moment=received_at)
    cutoff = time.fromisoformat(terms.cutoff_time) if terms.cutoff_applies else None
    start, due = compute_due(received_at=received_at, processing_days=terms.processing_days, cutoff=cutoff)
    dossier = Dossier.objects.create(
        code=allocate_code(unit, local_day(received_at)),
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
        notify_opt_out=applicant.notify_opt_out,
        channel=channel,
        received_at=received_at,
        counting_from=start,
        due_at=due,
        components_digitised=components_digitised,
        paid_online=paid_online,
        notes=notes,
    )
    if components_received is not None:
        dossier_files.components_record(dossier=dossier, received=components_received)
    dossier_stages.stages_create(dossier, terms.stages, at=received_at)
    event = _record(dossier, action="receive", from_status="", by=by, at=received_at, unit=unit)
    step_recorded.send(sender=Dossier, event=event)  # the applicant is told (notices), as after every step
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
        code=allocate_code(unit, local_day(at)),
        receiving_unit=unit, handling_unit=unit, procedure=procedure, **snapshot_fields(terms),
        received_by=by if getattr(by, "pk", None) else None,
        applicant_kind=applicant.kind, applicant_name=applicant.name, applicant_id_number=applicant.id_number,
        applicant_phone=applicant.phone, applicant_address=applicant.address, applicant_email=applicant.email,
        channel=channel, received_at=at, counting_from=at, due_at=at, status=Status.REFUSED, notes=reason.strip(),
    )
    _record(dossier, action="refuse", from_status="", by=by, at=at, unit=unit, note=reason.strip())
    return dossier


def dossier_transfer(
    *, dossier: Dossier, by, to_unit: AdministrativeUnit | None = None, agency: Agency | None = None,
    officer=None, note: str = "", at: datetime | None = None,
) -> Dossier:
    """Hand the dossier to a processing agency / officer, or up to another level (liên thông)."""

    def change(dossier: Dossier, at: datetime) -> list[str]:
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
        return ["handling_unit", "agency", "officer"]

    return STEPS.take(dossier, "transfer", by=by, at=at, note=note, change=change,
                      event=lambda d: {"unit": d.handling_unit, "agency": d.agency})


def dossier_start(*, dossier: Dossier, by, at: datetime | None = None) -> Dossier:
    def change(dossier: Dossier, at: datetime) -> list[str]:
        _check_moment(dossier, at)
        if dossier.officer_id is None and getattr(by, "pk", None):
            dossier.officer = by
        return ["officer"]

    return STEPS.take(dossier, "start", by=by, at=at, change=change)


def dossier_hand_on(*, dossier: Dossier, by, note: str = "", at: datetime | None = None) -> Dossier:
    """End the stage of the internal process being held and begin the next (the agency proposes to the
    leader, the leader's decision goes back to the desk …); the state stays."""

    def change(dossier: Dossier, at: datetime) -> list[str]:
        _check_moment(dossier, at)
        return []

    return STEPS.take(dossier, "hand_on", by=by, at=at, note=note, change=change,
                      event=lambda d: {"unit": d.handling_unit, "agency": d.agency})


def _hand_on_refusal(dossier: Dossier) -> str | None:
    """A hand-on needs a next stage to go to."""
    held = dossier_stages.held_stage(dossier)
    if held is None or not dossier.stages.filter(started_at__isnull=True, position__gt=held.position).exists():
        return _("This dossier has no next stage of its internal process to hand on to.")
    return None


def dossier_pause(*, dossier: Dossier, by, kind: str, reason: str, at: datetime | None = None) -> Pause:
    """Stop the clock: waiting for supplements, another agency's verification, or a legal pause."""
    pauses = []

    def change(dossier: Dossier, at: datetime) -> list[str]:
        _check_moment(dossier, at)
        if not reason.strip():
            raise TransitionError(_("Give the reason for the pause."))
        pauses.append(Pause.objects.create(dossier=dossier, kind=kind, reason=reason.strip(), started_at=at))
        return []

    STEPS.take(dossier, "pause", by=by, at=at, note=reason.strip(), change=change)
    return pauses[0]


def _recompute_due(dossier: Dossier, *, now: datetime) -> datetime:
    cutoff = dossier.cutoff_time if dossier.cutoff_applies else None
    pauses = list(dossier.pauses.values_list("started_at", "ended_at"))
    return deadlines.due_moment(
        dossier.received_at, dossier.processing_days, work_calendar(), cutoff=cutoff, pauses=pauses, now=now
    )


def dossier_resume(*, dossier: Dossier, by, at: datetime | None = None) -> Dossier:
    """Restart the clock; the due moment moves by the working time the pause took."""

    def change(dossier: Dossier, at: datetime) -> list[str]:
        pause = dossier.pauses.get(ended_at__isnull=True)
        if at < pause.started_at:
            raise TransitionError(_("The dossier cannot resume before its pause started."))
        pause.ended_at = at
        pause.save(update_fields=["ended_at"])
        dossier.due_at = _recompute_due(dossier, now=at)
        return ["due_at"]

    return STEPS.take(dossier, "resume", by=by, at=at, change=change)


def _close(dossier: Dossier, *, at: datetime) -> list[str]:
    dossier.resolved_at = at
    dossier.outcome = deadlines.classify_outcome(at, dossier.due_at, work_calendar())
    return ["resolved_at", "outcome"]


def dossier_resolve(
    *, dossier: Dossier, by, at: datetime | None = None, result_digitised: bool = False, note: str = "",
    result_file: dossier_files.Prepared | None = None, sign_result: bool = False,
) -> Dossier:
    """The result is ready; the outcome (early / on time / late) is fixed against the due moment.

    ``result_file`` (checked by ``dossiers.files.prepare_result``) is stored as the result, signed first
    with the handling unit's certificate when ``sign_result``, and makes the result digitised (measured); ``result_digitised`` without a file is for demo data and imports only."""

    def change(dossier: Dossier, at: datetime) -> list[str]:
        _check_moment(dossier, at)
        if result_file is not None:
            try:
                dossier_files.store_result(dossier=dossier, prepared=result_file, by=by, sign=sign_result)
            except dossier_files.FileRefused as refused:
                raise TransitionError(str(refused)) from None
        dossier.result_digitised = result_digitised or result_file is not None
        return [*_close(dossier, at=at), "result_digitised"]

    with dossier_files.removed_on_error():
        return STEPS.take(dossier, "resolve", by=by, at=at, note=note, change=change)


def dossier_return(*, dossier: Dossier, by, channel: str = ReturnChannel.DESK, at: datetime | None = None) -> Dossier:
    """Hand the result to the citizen; this also closes the dossier (no 'returned but still open')."""

    def change(dossier: Dossier, at: datetime) -> list[str]:
        if at < dossier.resolved_at:
            raise TransitionError(_("The result cannot be returned before it was resolved."))
        dossier.returned_at = at
        dossier.return_channel = channel
        return ["returned_at", "return_channel"]

    return STEPS.take(dossier, "return", by=by, at=at, change=change, event=lambda d: {"unit": d.receiving_unit})


def dossier_stop(*, dossier: Dossier, by, action: str, reason: str, at: datetime | None = None) -> Dossier:
    """Return without resolution or record a withdrawal: counted as resolved, classified by time."""
    if action not in ("return_unresolved", "withdraw"):
        raise ValueError(action)

    def change(dossier: Dossier, at: datetime) -> list[str]:
        _check_moment(dossier, at)
        if not reason.strip():
            raise TransitionError(_("Give the reason."))
        dossier.pauses.filter(ended_at__isnull=True).update(ended_at=at)
        return _close(dossier, at=at)

    return STEPS.take(dossier, action, by=by, at=at, note=reason.strip(), change=change)


STAGES_APOLOGISED = gettext_lazy("Every stage of this dossier that ran late already has its apology.")


def dossier_apologise(*, dossier: Dossier, by, reason: str, new_due_at: datetime, at: datetime | None = None) -> Apology:
    """The apology with a new appointment; the outcome is still judged on the old due moment. Without an
    internal process: one per dossier, issued by the handling unit. With one: one per stage that ran (or
    is about to run) late, issued by the unit and agency that held it (``dossiers.stages.apology_stage``)."""
    apologies = []

    def change(dossier: Dossier, at: datetime) -> list[str]:
        if not reason.strip():
            raise TransitionError(_("Give the reason for the delay."))
        latest = dossier.apology
        appointment = max(dossier.due_at, latest.new_due_at) if latest is not None else dossier.due_at
        if new_due_at <= at or new_due_at <= appointment:
            raise TransitionError(_("The new appointment must be later than now and than the original one."))
        refusal = _apology_quota_refusal(dossier, at)
        if refusal:
            raise TransitionError(refusal)
        stage = dossier_stages.apology_stage(dossier, at)
        unit, agency = (stage.unit, stage.agency) if stage is not None else (dossier.handling_unit, dossier.agency)
        apologies.append(Apology.objects.create(
            dossier=dossier, stage=stage, unit=unit, agency=agency, reason=reason.strip(), new_due_at=new_due_at,
            issued_at=at, issued_by=by))
        return []

    STEPS.take(dossier, "apologise", by=by, at=at, note=reason.strip(), change=change)
    return apologies[0]


def _apology_refusal(dossier: Dossier) -> str | None:
    """The apology's eligibility beyond the state: a resolved dossier only if late; a pending one from
    one working day before its appointment (the apology is sent at the latest the day before the
    dossier falls late), not while it is comfortably on time; one per dossier, or, with an internal
    process, one per late stage."""
    now = timezone.now()
    if dossier.status == Status.RESOLVED and dossier.outcome != Outcome.LATE:
        return _("An apology is issued for a dossier that is or will be late, before its result is returned.")
    if dossier.status in PENDING and work_calendar().add_working_time(now, days=1) < dossier.due_at:
        return _("This dossier is on time: an apology is issued from one working day before its appointment, "
                 "when it will be late.")
    return _apology_quota_refusal(dossier, now)


def _apology_quota_refusal(dossier: Dossier, at: datetime) -> str | None:
    """With an internal process, one apology per stage that ran late (``dossiers.stages.apology_stage``);
    without one (or when no stage ran late although the dossier did), one per dossier, by the handling unit."""
    if dossier_stages.apology_stage(dossier, at) is not None:
        return None
    if dossier.stages.filter(outcome=Outcome.LATE).exists():
        return str(STAGES_APOLOGISED)
    if Apology.objects.filter(dossier_id=dossier.pk, stage__isnull=True).exists():
        return _("This dossier already has an apology; only one is allowed.")
    return None


# -- the steps -------------------------------------------------------------------------------------
# Who may take a step: the row of motcua.permissions.RULES its ``permission`` names.

_OPEN = {Status.RECEIVED, Status.TRANSFERRED, Status.IN_PROGRESS}

STEPS = StepTable(
    model=Dossier,
    record=_record,
    error=TransitionError,
    refused=gettext_lazy("“%(action)s” is not possible for a dossier that is “%(status)s”."),
    touch=("updated_at",),
    follow=dossier_stages.follow,
    steps=[
        Step("transfer", gettext_lazy("Transfer"), _OPEN, Status.TRANSFERRED, "dossier.transfer",
             forms.TransferForm, gettext_lazy("Dossier %(code)s was transferred."), service=dossier_transfer),
        Step("start", gettext_lazy("Start processing"), {Status.RECEIVED, Status.TRANSFERRED}, Status.IN_PROGRESS,
             "dossier.start", forms.StepForm, gettext_lazy("Processing of dossier %(code)s has started."),
             service=dossier_start),
        Step("hand_on", gettext_lazy("Hand on to the next stage"), _OPEN - {Status.RECEIVED}, None, "dossier.hand_on",
             forms.HandOnForm, gettext_lazy("Dossier %(code)s was handed on to the next stage of its process."),
             guard=_hand_on_refusal, service=dossier_hand_on),
        Step("pause", gettext_lazy("Pause"), _OPEN, Status.PAUSED, "dossier.pause",
             forms.PauseForm, gettext_lazy("Dossier %(code)s is paused: the clock is stopped."), service=dossier_pause),
        Step("resume", gettext_lazy("Resume"), {Status.PAUSED}, Status.IN_PROGRESS, "dossier.resume",
             forms.StepForm, gettext_lazy("Dossier %(code)s resumed; the due moment is now %(due)s."),
             service=dossier_resume),
        Step("resolve", gettext_lazy("Resolve"), _OPEN, Status.RESOLVED, "dossier.resolve",
             forms.ResolveForm, gettext_lazy("Dossier %(code)s is resolved; the result waits to be returned."),
             service=dossier_resolve),
        Step("return", gettext_lazy("Return the result"), {Status.RESOLVED}, Status.RETURNED, "dossier.return",
             forms.ReturnForm, gettext_lazy("The result of dossier %(code)s was returned and the dossier is closed."),
             service=dossier_return),
        Step("return_unresolved", gettext_lazy("Return without resolution"), PENDING, Status.RETURNED_UNRESOLVED,
             "dossier.return_unresolved", forms.StopForm,
             gettext_lazy("Dossier %(code)s was returned without resolution."),
             service=partial(dossier_stop, action="return_unresolved")),
        Step("withdraw", gettext_lazy("Withdraw / stop processing"), PENDING, Status.WITHDRAWN, "dossier.withdraw",
             forms.StopForm, gettext_lazy("Dossier %(code)s was withdrawn; processing stopped."),
             service=partial(dossier_stop, action="withdraw")),
        # The state stays; one apology per dossier (per late stage with an internal process), while pending
        # or resolved late and not yet returned.
        Step("apologise", gettext_lazy("Apologise and set a new appointment"), {*PENDING, Status.RESOLVED}, None,
             "dossier.apologise", forms.ApologyForm,
             gettext_lazy("The apology for dossier %(code)s is recorded with its new appointment."),
             guard=_apology_refusal, service=dossier_apologise),
    ],
)


# -- units that end ------------------------------------------------------------------------------

HANDOVER_NOTE = gettext_lazy("Handed over on the reorganisation of administrative units: %(ended)s → %(successor)s")


def dossiers_hand_over(
    *, handovers: list[tuple[AdministrativeUnit, AdministrativeUnit]], effective, dossiers=None, **kwargs
) -> int:
    """Record, on every dossier still open at a unit that ended (not resolved, or resolved and not yet
    returned to the citizen), the step "handed over" to the unit that took over its dossiers: dated the
    first moment of the effective day, by no one (the unit tree's import), with both units named.
    The dossier keeps its units and its due moment (its agency and officer, gone with the unit, are
    cleared so that the successor's people may act on it): the successor holds it through the unit history
    (motcua.scope, motcua.permissions) and the figures of the windows before stay as they were.
    Connected to motcua.services.units_reorganised; returns the number of steps recorded. ``dossiers`` (ids)
    limits it to those: import_dossiers hands over the open dossiers it brings of a unit that ended before."""
    from motcua.periods import day_bounds

    at = day_bounds(effective)[0]
    events = []
    handed_over: list[int] = []
    for ended, successor in handovers:
        held = [ended.pk, *ended.taken_over]  # its own and those it had taken over before
        open_here = (
            Dossier.objects.filter(status__in=[*Status.pending(), Status.RESOLVED])
            .filter(Q(handling_unit_id__in=held) | Q(receiving_unit_id__in=held))
            .values_list("pk", "status")
        )
        if dossiers is not None:
            open_here = open_here.filter(pk__in=list(dossiers))
        note = HANDOVER_NOTE % {"ended": ended.name, "successor": successor.name}
        for pk, status in open_here:
            events.append(DossierEvent(dossier_id=pk, action="handover", from_status=status, to_status=status, at=at,
                                       unit=successor, note=str(note)))
            handed_over.append(pk)
    DossierEvent.objects.bulk_create(events, batch_size=1000)
    # The agency and the officer of the unit that ended are gone with it: the successor's leader assigns
    # the dossier again (until then every processing officer of the successor may take it).
    Dossier.objects.filter(pk__in=handed_over).update(agency=None, officer=None)
    return len(events)


def kiosks_switch_off_ended(*, handovers, **kwargs) -> int:
    """A unit that ended takes no ratings: its counter tablets are switched off (units_reorganised)."""
    from .models import KioskDevice

    return KioskDevice.objects.filter(unit__in=[ended for ended, _successor in handovers], is_active=True).update(
        is_active=False
    )


# -- the outcome rule -------------------------------------------------------------------------------

RECOMPUTE_BATCH = 5000


@transaction.atomic
def dossiers_recompute_outcomes(*, rule: str | None = None) -> tuple[int, int]:
    """Judge every closed dossier again by ``rule`` (the install's OUTCOME_RULE when not given), with the
    one function that judges them at resolution (motcua.deadlines.classify_outcome), against the same
    due moment. All rows or none; only the rows whose outcome changes are written. Returns (dossiers
    judged, outcomes changed)."""
    rule = rule or deadlines.configured_outcome_rule()
    calendar = work_calendar()
    judged, changed = 0, []
    rows = (
        Dossier.objects.filter(resolved_at__isnull=False, due_at__isnull=False).exclude(status=Status.REFUSED)
        .only("id", "resolved_at", "due_at", "outcome").order_by("id")
    )
    for dossier in rows.iterator(chunk_size=RECOMPUTE_BATCH):
        judged += 1
        outcome = deadlines.classify_outcome(dossier.resolved_at, dossier.due_at, calendar, rule)
        if outcome != dossier.outcome:
            dossier.outcome = outcome
            changed.append(dossier)
    Dossier.objects.bulk_update(changed, ["outcome"], batch_size=RECOMPUTE_BATCH)
    return judged, len(changed)
