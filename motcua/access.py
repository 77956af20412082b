"""One access helper per entity of motcua: another unit's object answers 404, never 403.

Views fetch through these and nothing else. What a person sees is ``motcua.scope.Scope``; what a
person may do is ``motcua.permissions.can``. The helpers of the other apps follow the same shape.
"""
from __future__ import annotations

from django.http import Http404

from .models import AdministrativeUnit, Agency, membership_of
from .permissions import require
from .scope import Scope

__all__ = ["membership_of", "workplace_of", "staff_unit", "unit_choices", "get_unit_for_user", "get_agency_for_user"]


def workplace_of(user) -> AdministrativeUnit | None:
    """The user's own unit (None for a superuser outside the tree or an account without a unit)."""
    return Scope.of(user).root


def staff_unit(user) -> AdministrativeUnit:
    """The unit a page about "my unit" opens on: the user's own unit, the top of the tree for a
    superuser without one, 403 (``NoUnit``) for an account without a unit."""
    return Scope.of(user).home()


def get_unit_for_user(user, code: str, *, write: bool = False) -> AdministrativeUnit:
    if "\x00" in code:
        # Typed or posted by anyone (?unit=, the posting form's hidden field): PostgreSQL refuses a NUL
        # in a text parameter with an error (a 500), and no unit's code holds one.
        raise Http404
    # A code names the unit in force with it (else its latest version); ``code~YYYYMMDD`` an ended one.
    unit = Scope.of(user).units().by_key(code)
    if unit is None:
        raise Http404
    if write:
        require(user, "unit.edit", unit)
    return unit


def get_agency_for_user(user, pk: int) -> Agency:
    try:
        return Scope.of(user).filter(Agency.objects.select_related("unit"), "unit").get(pk=pk)
    except Agency.DoesNotExist:
        raise Http404 from None


def unit_choices(user, unit: AdministrativeUnit) -> list[AdministrativeUnit]:
    """The units a selector offers: the user's unit and one level below (the top two levels for a
    superuser without a unit), plus the unit on screen and its children."""
    scope = Scope.of(user)
    if scope.everything:
        units = AdministrativeUnit.objects.filter(depth__lte=1)
    else:
        base = scope.home()
        units = Scope.below(base).units().filter(depth__lte=base.depth + 1)
    units = units.in_force() | AdministrativeUnit.objects.filter(pk=unit.pk) | AdministrativeUnit.objects.children_in_force(unit)
    return list(units.distinct().order_by("path")[:500])
