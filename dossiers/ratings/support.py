"""What the satisfaction screens read (and the one write dossiers/ratings/services.py does not have yet).

The reads (the default window is the reporting quarter, motcua.periods.quarter_containing): a dossier
by code for a rating, the tablets of a subtree, and the figures of
the leader's page, one SQL query per breakdown. Writes of ratings go through dossiers/ratings/services.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from motcua.scope import Scope
from motcua.models import AdministrativeUnit
from motcua.numbers import percent
from motcua.periods import local_day
from motcua.targets import LAND_GROUP_SATISFACTION, SATISFACTION, province_targets

from dossiers.ratings.services import SatisfactionFigures, land_group_filter, ratings_in, satisfaction_by, satisfaction_figures
from dossiers.public.forms import digits_match
from dossiers.models import Dossier, KioskDevice, Rating, RatingChannel, RatingCriterion, RatingLevel, Status

# -- the unit a staff page opens on -----------------------------------------------------------------


# -- dossiers and tablets ---------------------------------------------------------------------------


def normalise_code(code: str) -> str:
    return re.sub(r"\s+", "", code or "")


def dossier_of_unit(unit: AdministrativeUnit, code: str) -> Dossier | None:
    """The dossier with this code received by the unit or a unit below it (None otherwise)."""
    code = normalise_code(code)
    if not code:
        return None
    return (
        Scope.below(unit).filter(Dossier.objects.filter(code__in={code, code.upper()}), "receiving_unit")
        .select_related("procedure", "receiving_unit")
        .first()
    )


def dossier_for_citizen(code: str, phone4: str) -> Dossier | None:
    """The dossier with this code whose phone ends with these digits, or None.

    As in the public lookup, one query runs whether or not the code exists and the digits are
    compared in constant time against a placeholder when it does not: both failures cost the same.
    """
    dossier = (
        Dossier.objects.filter(code__in={code, code.upper()})
        .exclude(status=Status.REFUSED)
        .select_related("procedure", "receiving_unit")
        .first()
    )
    if not digits_match(dossier.applicant_phone if dossier else None, phone4):
        return None
    return dossier


def may_be_rated_online(dossier: Dossier) -> bool:
    """Only a dossier whose handling has ended: resolved or returned, or closed unresolved."""
    return dossier.status in Status.closed_as_resolved()


def rated_online(dossier: Dossier) -> bool:
    return Rating.objects.filter(dossier=dossier, channel=RatingChannel.ONLINE).exists()


def devices_of(unit: AdministrativeUnit) -> QuerySet[KioskDevice]:
    """The counter tablets of the unit's subtree, with how many ratings each has recorded."""
    return (
        Scope.below(unit).filter(KioskDevice.objects.select_related("unit"), "unit")
        .annotate(rating_count=Count("ratings"))
        .order_by("unit__path", "name", "pk")
    )


def get_device_for_user(user, pk: int) -> KioskDevice:
    """A tablet of the user's subtree; another unit's tablet answers 404."""
    devices = Scope.of(user).filter(KioskDevice.objects.select_related("unit"), "unit")
    device = devices.filter(pk=pk).first()
    if device is None:
        raise Http404
    return device


def kiosk_deactivate(*, device: KioskDevice) -> KioskDevice:
    """Switch a tablet off: its token no longer authenticates. (Belongs in dossiers/ratings/services.py.)"""
    KioskDevice.objects.filter(pk=device.pk).update(is_active=False)
    device.is_active = False
    return device


# -- the figures ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    figures: SatisfactionFigures
    target: object  # Decimal, None when the year has no target

    @property
    def achieved(self) -> bool | None:
        """None when nothing was rated or there is no target: neither achieved nor missed."""
        rate = self.figures.rate
        return None if rate is None or self.target is None else rate >= self.target


def criteria_figures(ratings: QuerySet[Rating]) -> list[dict]:
    """Per criterion: how many rated it and at which level, and the satisfied share (one query)."""
    aggregates = {}
    for i, criterion in enumerate(RatingCriterion.values):
        for j, level in enumerate(RatingLevel.values):
            aggregates[f"c{i}_{j}"] = Count("id", filter=Q(**{f"criteria__{criterion}": level}))
    counts = ratings.order_by().aggregate(**aggregates)
    rows = []
    for i, (criterion, label) in enumerate(RatingCriterion.choices):
        by_level = {level: counts[f"c{i}_{j}"] for j, level in enumerate(RatingLevel.values)}
        total = sum(by_level.values())
        satisfied = by_level[RatingLevel.VERY_SATISFIED] + by_level[RatingLevel.SATISFIED]
        rows.append({
            "key": criterion, "label": label, "total": total,
            "very_satisfied": by_level[RatingLevel.VERY_SATISFIED], "satisfied": by_level[RatingLevel.SATISFIED],
            "unsatisfied": by_level[RatingLevel.UNSATISFIED], "rate": percent(satisfied, total),
        })
    return rows


def _officer_name(row: dict) -> str:
    # Vietnamese order: family and middle names, then the given name (as on the printed forms).
    name = f"{row['officer__last_name'] or ''} {row['officer__first_name'] or ''}".strip()
    return name or row["officer__username"] or ""


def _labelled(rows: list[dict], key: str, label) -> list[dict]:
    for row in rows:
        row["key"] = row[key]
        row["label"] = label(row)
    return rows


def satisfaction_page(unit: AdministrativeUnit, start: datetime, end: datetime) -> dict:
    """Everything the leader's page shows but the list of unsatisfied ratings: one query each.

    Every breakdown row has ``key``, ``label`` (None for ratings not tied to a dossier), the counts
    per level and ``rate``."""
    ratings = ratings_in(unit, start, end)
    # The province's targets of the year the window ends in, from the one table (motcua.targets).
    targets = province_targets(unit, local_day(end - timedelta(microseconds=1)).year)
    channels = dict(RatingChannel.choices)
    by_channel = _labelled(satisfaction_by(ratings, "channel"), "channel", lambda row: channels.get(row["channel"], row["channel"]))
    by_unit = _labelled(satisfaction_by(ratings, "unit__code", "unit__name"), "unit__code", lambda row: row["unit__name"])
    by_field = _labelled(satisfaction_by(ratings, "field__name"), "field__name", lambda row: row["field__name"])
    by_field.sort(key=lambda row: (row["label"] is None, row["label"] or ""))
    by_officer = _labelled(
        satisfaction_by(ratings, "officer__username", "officer__last_name", "officer__first_name"),
        "officer__username", lambda row: _officer_name(row) if row["officer__username"] else None,
    )
    by_officer.sort(key=lambda row: (row["label"] is None, row["label"] or ""))
    return {
        "overall": Target(satisfaction_figures(ratings), targets.get(SATISFACTION)),
        "land": Target(satisfaction_figures(ratings.filter(land_group_filter())), targets.get(LAND_GROUP_SATISFACTION)),
        "by_channel": by_channel,
        "by_unit": by_unit,
        "by_field": by_field,
        "by_officer": by_officer,
        "by_criterion": criteria_figures(ratings),
    }


def unsatisfied_ratings(unit: AdministrativeUnit, start: datetime, end: datetime) -> QuerySet[Rating]:
    """The "Không hài lòng" ratings of the window, newest first, for the leader to act on."""
    return (
        ratings_in(unit, start, end)
        .filter(level=RatingLevel.UNSATISFIED)
        .select_related("unit", "procedure", "dossier", "officer")
        .order_by("-rated_at", "-id")
    )


def recent_paper_forms(unit: AdministrativeUnit, user, *, limit: int = 10) -> list[Rating]:
    """The last paper forms this officer typed in for the unit's subtree: to check what was entered."""
    return list(
        Scope.below(unit).filter(Rating.objects.filter(channel=RatingChannel.PAPER, entered_by_id=user.pk), "unit")
        .select_related("unit", "dossier")
        .order_by("-id")[:limit]
    )
