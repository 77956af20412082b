"""One access helper per entity: another unit's object answers 404, never 403.

Views fetch through these and nothing else, so the scoping rule lives in one place: a staff
member sees their own unit and every unit below it; a superuser sees everything.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import AdministrativeUnit, Agency, Role, membership_of

__all__ = ["membership_of", "workplace_of", "require_role", "get_unit_for_user", "get_agency_for_user"]


def workplace_of(user) -> AdministrativeUnit | None:
    membership = membership_of(user)
    return membership.unit if membership else None


def require_role(user, *roles: str) -> None:
    """Raise 403 unless the user holds one of ``roles`` (superusers always pass)."""
    if user.is_superuser:
        return
    membership = membership_of(user)
    if membership is None or membership.role not in roles:
        raise PermissionDenied


def get_unit_for_user(user, code: str, *, write: bool = False) -> AdministrativeUnit:
    if "\x00" in code:
        # Typed or posted by anyone (?unit=, the posting form's hidden field): PostgreSQL refuses a NUL
        # in a text parameter with an error (a 500), and no unit's code holds one.
        raise Http404
    unit = get_object_or_404(AdministrativeUnit.objects.for_user(user), code=code)
    if write and not user.is_superuser:
        require_role(user, Role.ADMINISTRATOR, Role.DISTRICT_OFFICE, Role.UNIT_LEADER)
    return unit


def get_agency_for_user(user, pk: int) -> Agency:
    try:
        return Agency.objects.for_user(user).select_related("unit").get(pk=pk)
    except Agency.DoesNotExist:
        raise Http404 from None


def staff_unit(user) -> AdministrativeUnit:
    """The user's own unit, or the top unit for a superuser without one; 403 for anyone else."""
    membership = membership_of(user)
    if membership is not None:
        return membership.unit
    if user.is_superuser:
        unit = AdministrativeUnit.objects.filter(parent__isnull=True).order_by("path").first()
        if unit is not None:
            return unit
    raise PermissionDenied


def unit_choices(user, unit: AdministrativeUnit) -> list[AdministrativeUnit]:
    """The units a selector offers: the user's unit and one level below, plus the unit on screen
    and its children."""
    if user.is_superuser and membership_of(user) is None:
        units = AdministrativeUnit.objects.filter(depth__lte=1)
    else:
        base = staff_unit(user)
        units = AdministrativeUnit.objects.subtree_of(base).filter(depth__lte=base.depth + 1)
    units = units | AdministrativeUnit.objects.filter(pk=unit.pk) | unit.children.all()
    return list(units.distinct().order_by("path")[:500])
