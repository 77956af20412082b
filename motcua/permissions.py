"""Who may do what: one table, one question.

Every view, template and service asks ``can(user, action, target)``; nothing else in the code holds
a set of roles. A row of ``RULES`` says which roles may take an action and where the target must lie
for them:

- ``IN_SCOPE``: anywhere in the person's own subtree (what they see);
- ``OWN_UNIT``: their own unit only (a report is submitted by the unit it is about);
- ``HANDLING``: the unit and agency that hold the dossier (a processing step belongs to the unit
  handling it; a staff member attached to an agency of that unit acts only on the dossiers of that
  agency or not yet assigned to one, and not while the desk or the leader holds the stage of its
  internal process, while the unit's staff without an agency or in its People's Committee — leader,
  desk — act on all of them). ``handled_by(user)`` is the same condition for a queryset (the processing queue);
- ``RECEIVING``: the unit whose desk received the dossier (intake, the return to the citizen);
- ``DOSSIER_SIDES``: either of those two (a transfer, a withdrawal, an apology); when one unit both
  received and handles the dossier, the handling side's agency condition decides;
- ``OWN_AGENCY``: their own agency only (an agency's focal officer submits its report to its unit);
- ``LEVEL``: a procedure at the person's unit's level or below (a commune edits commune procedures,
  the district district and commune ones).

Units have a history (motcua.models): the unit that took over another acts on its dossiers as its
own (the open dossiers of a commune that merged away are on its successor's desk), and a unit that
has ended takes nothing new: the rules marked ``new`` (intake, postings, counter tablets) refuse an
ended unit, for the superuser too. A member of a unit that ended has no scope until the
administrator places them in a unit in force.

A superuser may do everything else. An account without a unit may do nothing. The admin shows the table
read-only (``/quan-tri/phan-quyen/``).
"""
from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import LEVEL_RANK, AdministrativeUnit, AgencyKind, Role, membership_of
from .scope import Scope

__all__ = ["RULES", "Rule", "can", "require", "actions_of", "handled_by"]

IN_SCOPE = "in_scope"
OWN_UNIT = "own_unit"
HANDLING = "handling"
RECEIVING = "receiving"
DOSSIER_SIDES = "dossier_sides"
LEVEL = "level"
OWN_AGENCY = "own_agency"

WHERE_LABELS = {
    IN_SCOPE: _("in their unit or a unit below it"),
    OWN_UNIT: _("in their own unit only"),
    HANDLING: _("at the unit that handles the dossier, and in its agency if they belong to one"),
    RECEIVING: _("at the unit whose desk received the dossier"),
    DOSSIER_SIDES: _("at the receiving or the handling unit of the dossier"),
    LEVEL: _("for procedures at their unit's level or below"),
    OWN_AGENCY: _("for the agency they belong to only"),
}

DESK, PROCESSING, FOCAL = Role.DESK_OFFICER, Role.PROCESSING_OFFICER, Role.FOCAL_OFFICER
LEADER, OFFICE, ADMIN = Role.UNIT_LEADER, Role.DISTRICT_OFFICE, Role.ADMINISTRATOR
EVERY_ROLE = frozenset(Role.values)


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    where: str
    label: str
    new: bool = False  # starts something new at the target unit: refused at a unit that has ended


def _rule(label, roles, where=IN_SCOPE, *, new=False) -> Rule:
    return Rule(frozenset(roles), where, label, new)


RULES: dict[str, Rule] = {
    # Units and the catalogue
    "unit.edit": _rule(_("Change a unit's agencies and details"), {ADMIN, OFFICE, LEADER}),
    "procedure.edit": _rule(_("Change a procedure's terms"), {FOCAL, OFFICE, ADMIN}, LEVEL),
    "procedure.import": _rule(_("Import the procedure catalogue"), {FOCAL, OFFICE, ADMIN}),
    "posting.edit": _rule(_("Post procedures at a unit"), {FOCAL, OFFICE, LEADER, ADMIN}, new=True),
    "review.edit": _rule(_("Open and fill in a yearly review round"), {FOCAL, OFFICE, LEADER, ADMIN}, OWN_UNIT),
    # Dossiers: intake and the desk
    "dossier.receive": _rule(_("Receive a dossier at the desk"), {DESK, ADMIN}, OWN_UNIT, new=True),
    "dossier.refuse": _rule(_("Refuse a dossier at intake"), {DESK, ADMIN}, OWN_UNIT, new=True),
    "dossier.backdate": _rule(_("Enter a dossier received on an earlier day"), {ADMIN}, OWN_UNIT, new=True),
    "dossier.transfer": _rule(_("Transfer a dossier"), {DESK, PROCESSING, LEADER, ADMIN}, DOSSIER_SIDES),
    "dossier.return": _rule(_("Return the result to the citizen"), {DESK, ADMIN}, RECEIVING),
    # Dossiers: processing, by the unit that handles the dossier
    "dossier.start": _rule(_("Start processing a dossier"), {PROCESSING, LEADER, DESK, ADMIN}, HANDLING),
    "dossier.pause": _rule(_("Pause a dossier or request supplements"), {PROCESSING, LEADER, DESK, ADMIN}, HANDLING),
    "dossier.resume": _rule(_("Resume a paused dossier"), {PROCESSING, LEADER, DESK, ADMIN}, HANDLING),
    "dossier.hand_on": _rule(_("Hand a dossier on to the next stage of its process"), {PROCESSING, LEADER, DESK, ADMIN}, HANDLING),
    "dossier.resolve": _rule(_("Resolve a dossier"), {PROCESSING, LEADER, ADMIN}, HANDLING),
    "dossier.return_unresolved": _rule(
        _("Return a dossier without resolution"), {DESK, PROCESSING, LEADER, ADMIN}, HANDLING
    ),
    "dossier.withdraw": _rule(_("Record a withdrawal"), {DESK, PROCESSING, LEADER, ADMIN}, DOSSIER_SIDES),
    "dossier.files": _rule(
        _("Record a dossier's components received and attach their files"), {DESK, PROCESSING, LEADER, ADMIN}, DOSSIER_SIDES
    ),
    "dossier.hold": _rule(_("Be assigned a dossier to process"), {PROCESSING, LEADER}, HANDLING),
    "dossier.apologise": _rule(_("Apologise and set a new appointment"), {DESK, PROCESSING, LEADER, ADMIN}, DOSSIER_SIDES),
    # Satisfaction and feedback
    "kiosk.manage": _rule(_("Register and switch off counter tablets"), {ADMIN, LEADER}, new=True),
    "ticket.handle": _rule(_("Receive, classify, assign, forward and close feedback"), EVERY_ROLE),
    "ticket.answer": _rule(_("Answer feedback and publish the answer"), {LEADER, FOCAL, OFFICE, ADMIN}),
    # Reports
    "report.export": _rule(_("Export a report"), {LEADER, OFFICE, FOCAL, ADMIN}),
    "report.export_data": _rule(_("Export a report as data (JSON) for another system"), {OFFICE, ADMIN}),
    "report.submit": _rule(_("Submit a unit's report"), {LEADER, FOCAL, OFFICE, ADMIN}, OWN_UNIT),
    "report.submit_agency": _rule(_("Submit an agency's report to its unit"), {LEADER, FOCAL}, OWN_AGENCY),
    "report.prepare": _rule(_("Prepare the unit's report (reminded of a missing submission)"), {LEADER, FOCAL}, OWN_UNIT),
    "report.watch": _rule(
        _("Watch the units below: service index, late and missing reports, overdue without an apology"),
        {LEADER, OFFICE, ADMIN},
    ),
    # The administrative-reform index (cchc): the unit above owns the scheme and appraises; a unit scores itself
    "cchc.scheme.edit": _rule(_("Set up, open and publish the reform index of the units below"), {OFFICE, LEADER, ADMIN}),
    "cchc.appraise": _rule(_("Appraise the units' reform index scores"), {OFFICE, LEADER, ADMIN}),
    "cchc.export": _rule(_("Export the reform index results"), {OFFICE, LEADER, FOCAL, ADMIN}),
    "cchc.self_score": _rule(_("Score the unit's own reform index, with evidence"), {FOCAL, LEADER}, OWN_UNIT),
    # Inspections and self-checks: the inspecting unit plans and records; the inspected unit reports its fixes
    "cchc.inspect": _rule(_("Plan inspections and self-checks, record findings, close them"), {OFFICE, LEADER, FOCAL, ADMIN}),
    "cchc.fix": _rule(_("Report what the unit fixed after an inspection"), {FOCAL, LEADER}, OWN_UNIT),
    "cchc.register.edit": _rule(_("Record focal officers and the desk's duty roster, with their decisions"),
                                {OFFICE, LEADER, ADMIN}, new=True),
}


def _unit_of(target) -> AdministrativeUnit | None:
    if target is None or isinstance(target, AdministrativeUnit):
        return target
    return getattr(target, "unit", None)


# The stages an agency's member may act in (dossiers.stages): none held (no internal process, or between
# stages) or an agency's own stage; not the desk's, the leader's or the competent unit's.
AGENCY_STAGES = ("", *(kind for kind in AgencyKind.values if kind != AgencyKind.PEOPLES_COMMITTEE))


def _in_an_agency(membership) -> bool:
    """A member of one of the unit's agencies (a phòng, a vertical-sector agency). The People's Committee is
    the unit itself: its members (the chairman, the desk) act on all the unit's dossiers."""
    return membership.agency_id is not None and membership.agency.kind != AgencyKind.PEOPLES_COMMITTEE


def _handling_terms(membership) -> dict[str, tuple]:
    """The one condition of the handling side, as ``{dossier field: allowed values}``: the dossier is
    handled by the member's unit and, for a member of one of its agencies, assigned to that agency or
    to none yet, and not in a stage of its internal process held by the desk or the leader. Asked of one
    dossier by ``can`` and turned into a queryset filter by ``handled_by``."""
    terms = {"handling_unit_id": _own_units(membership)}
    if _in_an_agency(membership):
        terms["agency_id"] = (None, membership.agency_id)
        terms["stage_holder"] = AGENCY_STAGES
    return terms


def _own_units(membership) -> tuple[int, ...]:
    """The member's unit and every unit it took over (their dossiers are its own)."""
    return (membership.unit_id, *membership.unit.taken_over)


def _terms_hold(terms: dict[str, tuple], target) -> bool:
    return all(getattr(target, name) in values for name, values in terms.items())


def _terms_q(terms: dict[str, tuple]) -> Q:
    condition = Q()
    for name, values in terms.items():
        field = name.removesuffix("_id")
        either = Q()
        for value in values:
            either |= Q(**{f"{field}__isnull": True}) if value is None else Q(**{name: value})
        condition &= either
    return condition


def handled_by(user) -> Q:
    """Dossiers on whose handling side ``user`` stands (``HANDLING``), as a queryset condition: the
    processing queue lists these. Everything for a superuser without a unit, nothing without a unit."""
    membership = membership_of(user)
    if membership is None:
        return Q() if getattr(user, "is_superuser", False) else Q(pk__in=[])
    return _terms_q(_handling_terms(membership))


def _where_holds(where: str, membership, target) -> bool:
    unit = membership.unit
    if where == LEVEL:
        return LEVEL_RANK[target.level] >= LEVEL_RANK[unit.level]
    if where == OWN_AGENCY:  # the target is an agency (motcua.models.Agency): the member's own, not the committee
        return _in_an_agency(membership) and membership.agency_id == target.pk and target.unit_id == unit.pk
    if where in (HANDLING, RECEIVING, DOSSIER_SIDES):
        handles = _terms_hold(_handling_terms(membership), target)
        receives = target.receiving_unit_id in _own_units(membership)
        if where == HANDLING:
            return handles
        if where == RECEIVING:
            return receives
        # Either side; the receiving side alone only when another unit handles the dossier, so that
        # an agency's officer at a unit that both received and handles it acts only as its handler.
        return handles or (receives and target.handling_unit_id not in _own_units(membership))
    target_unit = _unit_of(target)
    if target_unit is None:
        return True
    if where == OWN_UNIT:
        return target_unit.pk == unit.pk
    return Scope.below(unit).contains(target_unit)


def can(user, action: str, target=None) -> bool:
    """Whether ``user`` may take ``action`` (a key of ``RULES``) on ``target``: a unit, a dossier, a
    procedure, or anything with a ``unit``. Without a target only the role is asked (which buttons
    and menus to show before a target is chosen)."""
    rule = RULES[action]
    if rule.new and _unit_of(target) is not None and not _unit_of(target).is_active:
        return False
    if getattr(user, "is_superuser", False):
        return True
    membership = membership_of(user)
    if membership is None or membership.role not in rule.roles:
        return False
    if target is None:
        return True
    return _where_holds(rule.where, membership, target)


def require(user, action: str, target=None) -> None:
    """``can`` or 403."""
    if not can(user, action, target):
        raise PermissionDenied


def actions_of(user, prefix: str, target=None) -> set[str]:
    """The actions under ``prefix`` (``"dossier."``) the user may take on ``target``, without the prefix."""
    return {name[len(prefix):] for name in RULES if name.startswith(prefix) and can(user, name, target)}
