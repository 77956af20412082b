"""What a person sees: one object, one way to filter any queryset by any of its unit fields.

Every list, every access helper and every figure asks a ``Scope`` which rows lie inside; nothing
else in the code writes a subtree condition. A scope is one of three things:

- everything (a superuser without a unit: the administrator of the whole installation);
- the subtree of one unit (a staff member's own unit and every unit below it; or the unit a report
  or a figure is about);
- nothing (a signed-in account that belongs to no unit: it sees no row, and a page that needs a
  unit answers 403 with a message saying so).

The subtree condition comes in two forms with the same rows:

- ``InSubtree`` (the default): ``<unit column> = ANY(ARRAY(SELECT id FROM units WHERE path LIKE
  'x/%'))``. PostgreSQL reads the subtree's ids once (an InitPlan, from the path index) and then
  uses the indexes that start with the unit column. On 2,000,000 dossiers this is what lets a
  commune's list use its index (docs/benchmarks.md); it is what lists and helpers use.
- ``joined=True``: ``<unit>__path__startswith``, a join on the units table. The one aggregation of
  the reports groups and filters on the joined unit anyway and reads the whole window in one
  parallel scan at province scope, so it keeps the join (the benchmark's SQL reference is that
  form).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, F, Func, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from . import models

if TYPE_CHECKING:
    from .models import AdministrativeUnit

__all__ = ["InSubtree", "Scope", "NoUnit"]


class NoUnit(PermissionDenied):
    """A page that works on the person's own unit, opened by an account attached to none."""

    message = _("Your account is not attached to any unit. Ask the administrator to assign you to one.")


class InSubtree(Func):
    """``<unit column> = ANY(ARRAY(SELECT id FROM units WHERE path LIKE '<unit's path>%'))``.

    The same rows as ``<unit>__path__startswith``, but PostgreSQL reads the subtree's ids once and
    then uses the indexes that start with the unit column; a join on the unit table, above all two
    of them under an OR as for dossiers, makes it read every row (measured on 2,000,000: see
    docs/benchmarks.md). SQLite gets ``IN (SELECT …)``.
    """

    output_field = BooleanField()

    def __init__(self, column: str, unit: AdministrativeUnit):
        units = models.AdministrativeUnit.objects.filter(path__startswith=unit.path).values("id")
        super().__init__(F(column), Subquery(units))

    def as_sql(self, compiler, connection, **extra_context):
        column, column_params = compiler.compile(self.source_expressions[0])
        ids, ids_params = compiler.compile(self.source_expressions[1])
        return f"{column} = ANY(ARRAY{ids})", (*column_params, *ids_params)

    def as_sqlite(self, compiler, connection, **extra_context):
        column, column_params = compiler.compile(self.source_expressions[0])
        ids, ids_params = compiler.compile(self.source_expressions[1])
        return f"{column} IN {ids}", (*column_params, *ids_params)


@dataclass(frozen=True)
class Scope:
    """Everything, one unit's subtree, or nothing. Build it with ``Scope.of(user)`` or
    ``Scope.below(unit)``; never by hand."""

    root: AdministrativeUnit | None = None
    everything: bool = False

    # -- building ------------------------------------------------------------------------------

    @classmethod
    def of(cls, user) -> Scope:
        """What ``user`` may see: a superuser without a unit sees everything, a staff member their
        unit's subtree, anyone else nothing."""
        membership = models.membership_of(user)
        if membership is not None:
            return cls(root=membership.unit)
        if getattr(user, "is_superuser", False):
            return cls(everything=True)
        return cls()

    @classmethod
    def below(cls, unit: AdministrativeUnit) -> Scope:
        """The subtree of ``unit``: what a report, a figure or a list about that unit covers."""
        return cls(root=unit)

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
        return unit.path.startswith(self.root.path)

    def home(self) -> AdministrativeUnit:
        """The unit a page about "my unit" opens on: the root, or the top of the tree for everything.
        Raises ``NoUnit`` (403) for an account that belongs to no unit."""
        if self.root is not None:
            return self.root
        if self.everything:
            top = models.AdministrativeUnit.objects.filter(parent__isnull=True).order_by("path").first()
            if top is not None:
                return top
        raise NoUnit(NoUnit.message)

    def own_unit(self) -> AdministrativeUnit | None:
        """The root, or None when the scope is everything; ``NoUnit`` (403) when it is nothing."""
        if self.is_empty:
            raise NoUnit(NoUnit.message)
        return self.root

    # -- filtering -----------------------------------------------------------------------------

    def q(self, field: str = "", *, joined: bool = False) -> Q:
        """The condition "``field`` (a foreign key to a unit) lies inside"; ``field=""`` for units
        themselves. ``joined`` writes it as a join on the units table (see the module's notes)."""
        if self.everything:
            return Q()
        if self.root is None:
            return Q(pk__in=[])
        if not field:
            return Q(path__startswith=self.root.path)
        if joined:
            return Q(**{f"{field}__path__startswith": self.root.path})
        return Q(InSubtree(field, self.root))

    def filter(self, queryset: QuerySet, *fields: str, joined: bool = False) -> QuerySet:
        """Rows of ``queryset`` whose unit (any of ``fields``, joined by OR) lies inside. With no
        field the queryset is of units themselves."""
        if self.everything:
            return queryset
        if self.root is None:
            return queryset.none()
        condition = Q()
        for field in fields or ("",):
            condition |= self.q(field, joined=joined)
        return queryset.filter(condition)

    def units(self) -> QuerySet[AdministrativeUnit]:
        return self.filter(models.AdministrativeUnit.objects.all())
