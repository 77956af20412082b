"""Reads of the catalogue shared by screens, exports and the public pages."""
from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

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


def review_totals(rounds: QuerySet[ReviewRound]) -> dict:
    """Procedures reviewed, simplifications proposed, working days and fees cut (one query)."""
    from django.db.models import DecimalField, ExpressionWrapper, F

    simplify = Q(decision=ReviewItem.Decision.SIMPLIFY)
    items = ReviewItem.objects.filter(round__in=rounds)
    totals = items.aggregate(
        reviewed=Count("id", filter=Q(reviewed_at__isnull=False)),
        items=Count("id"),
        proposals=Count("id", filter=simplify),
        days_shortened=Sum(
            ExpressionWrapper(F("current_days") - F("proposed_days"), output_field=DecimalField(max_digits=8, decimal_places=2)),
            filter=simplify & Q(proposed_days__isnull=False),
        ),
        fee_cut=Sum(F("current_fee") - F("proposed_fee"), filter=simplify & Q(proposed_fee__isnull=False)),
        shortened=Count("id", filter=simplify & Q(proposed_days__isnull=False) & Q(proposed_days__lt=F("current_days"))),
        fee_lowered=Count("id", filter=simplify & Q(proposed_fee__isnull=False) & Q(proposed_fee__lt=F("current_fee"))),
        yearly_saving=Sum("yearly_saving", filter=simplify),
    )
    for key in ("days_shortened", "fee_cut", "yearly_saving"):
        totals[key] = totals[key] or 0
    return totals
