"""What a person sees and what a figure counts: one object, one way to filter any queryset by any of
its unit fields.

Every list, every access helper and every figure asks a ``Scope`` which rows lie inside; nothing
else in the code writes a subtree condition. A scope is one of three things:

- everything (a superuser without a unit: the administrator of the whole installation);
- the subtree of one unit, with everything its units took over (a staff member's own unit and every
  unit below it; or the unit a report or a figure is about);
- nothing (a signed-in account that belongs to no unit, or to a unit that has ended: it sees no row,
  and a page that needs a unit answers 403 with a message saying so).

Units have a history (motcua.models): a unit counts and sees, besides its own rows, those of every
unit it took over (``UnitLineage``, transitively). So the one condition is

    <unit column> = ANY(ARRAY(SELECT id FROM units WHERE <below the root>
                              UNION ALL
                              SELECT predecessor_id FROM lineage JOIN units WHERE <below the root>))

PostgreSQL reads the two short id lists once (an InitPlan, from the path index) and then uses the
indexes that start with the unit column; SQLite gets ``IN (SELECT … UNION ALL SELECT …)``. The number
of queries never depends on how many units were merged.

Two readings of "below the root":

- for seeing (``Scope.of(user)``, ``Scope.below(unit)``): every unit ever placed below it, ended or
  not, and what they took over: a district office still sees a commune that merged away, and the
  commune that took it over sees its dossiers (read-only where the permission table says so);
- for counting as of a day (``Scope.below(unit, on=day)``): the units below it *in force on that day*
  and what each had taken over by then, plus the unit itself and what it took over. A report's day is
  its window's last day (or the unit's own last day, if it ended before), so importing a later change
  never changes the figures of a window that ended before it, and a dossier of a unit split in two
  counts once, at the successor that took its dossiers.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, F, Func, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from . import models

if TYPE_CHECKING:
    from .models import AdministrativeUnit

__all__ = ["InSubtree", "Scope", "NoUnit"]


class NoUnit(PermissionDenied):
    """A page that works on the person's own unit, opened by an account attached to none."""

    message = _("Your account is not attached to any unit. Ask the administrator to assign you to one.")
    ended_message = _("Your unit, %(unit)s, ended on %(day)s with the reorganisation of administrative units. "
                      "Ask the administrator to place you in the unit you now work for.")

    @classmethod
    def for_scope(cls, scope: Scope) -> NoUnit:
        if scope.ended is not None:
            return cls(cls.ended_message % {"unit": scope.ended.name, "day": f"{scope.ended.valid_to:%d/%m/%Y}"})
        return cls(cls.message)


class InSubtree(Func):
    """``<unit column>`` is one of the units below ``unit`` (in force on ``on``, when given) or one they
    took over: see the module's notes for the SQL."""

    output_field = BooleanField()

    def __init__(self, column: str, unit: AdministrativeUnit, on: date | None = None, taken_over: bool = True):
        super().__init__(F(column))
        self.units = _units_below(unit, on)
        self.taken_over = taken_over

    def _ids_sql(self, compiler, connection):
        units = self.units.order_by().values("id")
        sql_a, params_a = units.query.get_compiler(connection=connection).as_sql()
        if not self.taken_over:
            return sql_a, params_a
        taken_over = models.UnitLineage.objects.filter(unit__in=units).order_by().values("predecessor_id")
        sql_b, params_b = taken_over.query.get_compiler(connection=connection).as_sql()
        return f"{sql_a} UNION ALL {sql_b}", (*params_a, *params_b)

    def as_sql(self, compiler, connection, **extra_context):
        column, column_params = compiler.compile(self.source_expressions[0])
        ids, ids_params = self._ids_sql(compiler, connection)
        return f"{column} = ANY(ARRAY({ids}))", (*column_params, *ids_params)

    def as_sqlite(self, compiler, connection, **extra_context):
        column, column_params = compiler.compile(self.source_expressions[0])
        ids, ids_params = self._ids_sql(compiler, connection)
        return f"{column} IN ({ids})", (*column_params, *ids_params)


def _units_below(unit: AdministrativeUnit, on: date | None) -> QuerySet:
    """The units whose rows (and whose predecessors' rows) a scope rooted at ``unit`` holds."""
    below = models.AdministrativeUnit.objects.filter(path__startswith=unit.path)
    if on is None:
        return below
    return below.filter(Q(pk=unit.pk) | models.in_force_q(on))


def reference_day(unit: AdministrativeUnit, day: date) -> date:
    """The day a unit's figures are read as of: ``day``, or the unit's last day if it ended before."""
    if unit.valid_to is not None and unit.valid_to < day:
        return unit.valid_to
    return day


@dataclass(frozen=True)
class Scope:
    """Everything, one unit's subtree, or nothing. Build it with ``Scope.of(user)`` or
    ``Scope.below(unit)``; never by hand."""

    root: AdministrativeUnit | None = None
    everything: bool = False
    on: date | None = None
    ended: AdministrativeUnit | None = None  # the person's unit, which has ended (the scope is then empty)
    taken_over: bool = True

    # -- building ------------------------------------------------------------------------------

    @classmethod
    def of(cls, user) -> Scope:
        """What ``user`` may see: a superuser without a unit sees everything, a staff member their
        unit's subtree, anyone else nothing."""
        membership = models.membership_of(user)
        if membership is not None:
            # The unit ended: its people wait for the administrator to place them in a unit in force.
            return cls(ended=membership.unit) if membership.unit.valid_to is not None else cls(root=membership.unit)
        if getattr(user, "is_superuser", False):
            return cls(everything=True)
        return cls()

    @classmethod
    def below(cls, unit: AdministrativeUnit, on: date | None = None, *, taken_over: bool = True) -> Scope:
        """The subtree of ``unit`` and what it took over: what a list about that unit covers; with
        ``on``, what its figures as of that day count (see the module's notes). ``taken_over=False``
        leaves out the units taken over: for what a unit *has* on a day (its postings), not what it
        inherited (dossiers, ratings, tickets)."""
        return cls(root=unit, on=None if on is None else reference_day(unit, on), taken_over=taken_over)

    # -- asking --------------------------------------------------------------------------------

    @property
    def is_empty(self) -> bool:
        return self.root is None and not self.everything

    def contains(self, unit: AdministrativeUnit | None) -> bool:
        """Whether ``unit`` lies inside (no query)."""
        if self.everything:
            return True
        if self.root is None or unit is None:
            return False
        if unit.path.startswith(self.root.path) and (self.on is None or unit.in_force_on(self.on)):
            return True
        # A unit taken over by one inside (one query, only for units that ended or lie elsewhere).
        return models.UnitLineage.objects.filter(
            predecessor_id=unit.pk, unit__in=_units_below(self.root, self.on)
        ).exists()

    def home(self) -> AdministrativeUnit:
        """The unit a page about "my unit" opens on: the root, or the top of the tree for everything.
        Raises ``NoUnit`` (403) for an account that belongs to no unit."""
        if self.root is not None:
            return self.root
        if self.everything:
            top = models.AdministrativeUnit.objects.filter(parent__isnull=True).order_by(
                F("valid_to").desc(nulls_first=True), "path").first()
            if top is not None:
                return top
        raise NoUnit.for_scope(self)

    def own_unit(self) -> AdministrativeUnit | None:
        """The root, or None when the scope is everything; ``NoUnit`` (403) when it is nothing."""
        if self.is_empty:
            raise NoUnit.for_scope(self)
        return self.root

    # -- filtering -----------------------------------------------------------------------------

    def q(self, field: str = "") -> Q:
        """The condition "``field`` (a foreign key to a unit) lies inside"; ``field=""`` for units
        themselves."""
        if self.everything:
            return Q()
        if self.root is None:
            return Q(pk__in=[])
        return Q(InSubtree(field or "pk", self.root, self.on, self.taken_over))

    def filter(self, queryset: QuerySet, *fields: str) -> QuerySet:
        """Rows of ``queryset`` whose unit (any of ``fields``, joined by OR) lies inside. With no
        field the queryset is of units themselves."""
        if self.everything:
            return queryset
        if self.root is None:
            return queryset.none()
        condition = Q()
        for field in fields or ("",):
            condition |= self.q(field)
        return queryset.filter(condition)

    def units(self) -> QuerySet[AdministrativeUnit]:
        return self.filter(models.AdministrativeUnit.objects.all())
