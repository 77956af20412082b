"""Satisfaction ratings: the writes and their figures.

Three ways in for a rating (the counter tablet, online by dossier code, paper forms typed in by
staff), one model.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.models import AdministrativeUnit
from motcua.numbers import percent
from motcua.periods import local_day
from motcua.scope import Scope

from dossiers.models import (
    Dossier,
    KioskDevice,
    Rating,
    RatingChannel,
    RatingCriterion,
    RatingLevel,
)

# The province's targets (90 % satisfied overall, 85 % for land, construction and investment by
# default) are rows of reports.models.Target, read through motcua.targets.
LAND_GROUP_FIELD_WORDS = ("đất đai", "xây dựng", "đầu tư")


class FeedbackError(Exception):
    """Refused; the message is for the person in front of the screen."""


# -- Kiosk devices ------------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def kiosk_register(*, unit: AdministrativeUnit, name: str) -> tuple[KioskDevice, str]:
    """Register a counter tablet; returns the device and its token (shown once, stored hashed)."""
    token = secrets.token_urlsafe(32)
    device = KioskDevice.objects.create(unit=unit, name=name, token_hash=_hash(token))
    return device, token


def kiosk_authenticate(token: str | None) -> KioskDevice | None:
    if not token:
        return None
    device = KioskDevice.objects.select_related("unit").filter(token_hash=_hash(token), is_active=True).first()
    if device is not None:
        KioskDevice.objects.filter(pk=device.pk).update(last_seen_at=timezone.now())
    return device


# -- Ratings ------------------------------------------------------------------------------------


def _clean_criteria(criteria: dict | None) -> dict:
    cleaned = {}
    for key, value in (criteria or {}).items():
        if key not in RatingCriterion.values or value not in RatingLevel.values:
            raise FeedbackError(_("An evaluation criterion or its level is not recognised."))
        cleaned[key] = value
    return cleaned


@transaction.atomic
def rating_record(
    *,
    level: str,
    channel: str,
    unit: AdministrativeUnit | None = None,
    dossier: Dossier | None = None,
    criteria: dict | None = None,
    comment: str = "",
    device: KioskDevice | None = None,
    entered_by=None,
    at: datetime | None = None,
) -> Rating:
    """Record a rating. A rating tied to a dossier takes its unit, procedure, field and desk officer;
    a dossier can be rated online once."""
    if level not in RatingLevel.values:
        raise FeedbackError(_("Choose a level of satisfaction."))
    if channel not in RatingChannel.values:
        raise ValueError(channel)
    if channel == RatingChannel.ONLINE and dossier is None:
        raise FeedbackError(_("An online rating needs a dossier code."))
    if dossier is not None:
        unit = dossier.receiving_unit
    if device is not None:
        unit = device.unit
    if unit is None:
        raise FeedbackError(_("The rated unit is missing."))
    rating = Rating(
        unit=unit,
        dossier=dossier,
        procedure=dossier.procedure if dossier else None,
        field_id=dossier.procedure.field_id if dossier else None,
        officer_id=dossier.received_by_id if dossier else None,
        channel=channel,
        level=level,
        criteria=_clean_criteria(criteria),
        comment=comment.strip()[:2000],
        device=device,
        entered_by=entered_by if getattr(entered_by, "pk", None) else None,
        rated_at=at or timezone.now(),
    )
    try:
        with transaction.atomic():
            rating.save()
    except IntegrityError:
        raise FeedbackError(_("This dossier has already been rated online. Thank you.")) from None
    return rating


@dataclass(frozen=True)
class SatisfactionFigures:
    total: int
    very_satisfied: int
    satisfied: int
    unsatisfied: int

    @property
    def satisfied_total(self) -> int:
        return self.very_satisfied + self.satisfied

    @property
    def rate(self) -> Decimal | None:
        return percent(self.satisfied_total, self.total)


_SATISFACTION_COUNTS = {
    "total": Count("id"),
    "very_satisfied": Count("id", filter=Q(level=RatingLevel.VERY_SATISFIED)),
    "satisfied": Count("id", filter=Q(level=RatingLevel.SATISFIED)),
    "unsatisfied": Count("id", filter=Q(level=RatingLevel.UNSATISFIED)),
}


def land_group_filter(prefix: str = "field__name") -> Q:
    """Ratings about land, construction and investment: the group with its own 85 % target."""
    condition = Q()
    for word in LAND_GROUP_FIELD_WORDS:
        condition |= Q(**{f"{prefix}__icontains": word})
    return condition


def ratings_in(unit: AdministrativeUnit, start: datetime, end: datetime) -> QuerySet[Rating]:
    """Ratings of the unit's subtree with rated_at in [start, end)."""
    on = local_day(end - timedelta(microseconds=1))
    return Scope.below(unit, on=on).filter(Rating.objects.filter(rated_at__gte=start, rated_at__lt=end), "unit")


def satisfaction_figures(ratings: QuerySet[Rating]) -> SatisfactionFigures:
    return SatisfactionFigures(**ratings.aggregate(**_SATISFACTION_COUNTS))


def satisfaction_by(ratings: QuerySet[Rating], *keys: str) -> list[dict]:
    """Counts per group (e.g. "unit__code", "unit__name"; "field__name"; "officer__username"), one query."""
    rows = ratings.order_by().values(*keys).annotate(**_SATISFACTION_COUNTS).order_by(*keys)
    for row in rows:
        row["rate"] = percent(row["very_satisfied"] + row["satisfied"], row["total"])
    return list(rows)


