"""Reads of the catalogue shared by screens, exports and the public pages."""
from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from motcua.models import AdministrativeUnit

from .models import Posting, Procedure, ProcedureComponent, ProcedureFee, ReviewItem, ReviewRound


def postings_of_unit(unit: AdministrativeUnit) -> QuerySet[Posting]:
    """The unit's own active postings with everything a posting list prints (three queries)."""
    return (
        Posting.objects.filter(unit=unit, is_active=True)
        .select_related("procedure", "procedure__field")
        .prefetch_related(
            Prefetch("procedure__fees", queryset=ProcedureFee.objects.order_by("position", "id")),
            Prefetch("procedure__components", queryset=ProcedureComponent.objects.order_by("position", "id")),
        )
        .order_by("procedure__field__name", "procedure__code")
    )


def catalogue_counts(procedures: QuerySet[Procedure]) -> dict[str, int]:
    return procedures.order_by().counts()


def rounds_with_totals(rounds: QuerySet[ReviewRound]) -> QuerySet[ReviewRound]:
    """Each round with the figures of ``review_totals`` as annotations, in the same one query."""
    simplify = Q(items__decision=ReviewItem.Decision.SIMPLIFY)
    days = DecimalField(max_digits=8, decimal_places=2)
    return rounds.annotate(
        item_count=Count("items"),
        reviewed_count=Count("items", filter=Q(items__reviewed_at__isnull=False)),
        proposal_count=Count("items", filter=simplify),
        shortened_count=Count(
            "items", filter=simplify & Q(items__proposed_days__isnull=False, items__proposed_days__lt=F("items__current_days"))
        ),
        days_shortened=Coalesce(
            Sum(
                ExpressionWrapper(F("items__current_days") - F("items__proposed_days"), output_field=days),
                filter=simplify & Q(items__proposed_days__isnull=False),
            ),
            Value(Decimal(0)),
            output_field=days,
        ),
        fee_lowered_count=Count(
            "items", filter=simplify & Q(items__proposed_fee__isnull=False, items__proposed_fee__lt=F("items__current_fee"))
        ),
        fee_cut=Coalesce(
            Sum(F("items__current_fee") - F("items__proposed_fee"), filter=simplify & Q(items__proposed_fee__isnull=False)),
            0,
        ),
        yearly_saving=Coalesce(Sum("items__yearly_saving", filter=simplify), 0),
    )


def review_totals(rounds: QuerySet[ReviewRound]) -> dict:
    """Procedures reviewed, simplifications proposed, working days and fees cut, over the rounds:
    the sums of ``rounds_with_totals`` (one definition of each figure; one query)."""
    keys = {
        "items": "item_count", "reviewed": "reviewed_count", "proposals": "proposal_count",
        "shortened": "shortened_count", "days_shortened": "days_shortened", "fee_lowered": "fee_lowered_count",
        "fee_cut": "fee_cut", "yearly_saving": "yearly_saving",
    }
    totals = {key: 0 for key in keys}
    for row in rounds_with_totals(rounds.order_by()).values(*keys.values()):
        for key, column in keys.items():
            totals[key] += row[column] or 0
    return totals
