"""Staff screens of the yearly review (rà soát, đánh giá TTHC).

A unit's focal officer (or leader) opens the round for a year, records a decision on each procedure
and submits the round; the district reads every round of its subtree and downloads the overview.
Rounds are fetched through ``get_review_round_for_user`` only: another subtree's round answers 404,
a round of a unit below answers 403 on any change.
"""
from __future__ import annotations


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from motcua.access import workplace_of
from motcua.permissions import can
from motcua.scope import Scope

from .access import get_review_round_for_user
from .models import ReviewRound
from .review_exports import XLSX_CONTENT_TYPE, overview_workbook, round_workbook
from .review_forms import ReviewItemForm, ReviewOpenForm, current_year
from .selectors import review_totals, rounds_with_totals
from .services import CatalogueError, review_item_record, review_open, review_submit


def _rounds_in_scope(user) -> QuerySet[ReviewRound]:
    scope = Scope.of(user)
    scope.own_unit()  # an account without a unit has no rounds (403)
    return scope.filter(ReviewRound.objects.all(), "unit")


def _year(text: str | None, default: int) -> int:
    try:
        year = int(text or "")
    except ValueError:
        return default
    return year if 2000 <= year <= 2100 else default


def _round_list_page(request: HttpRequest, open_form: ReviewOpenForm) -> HttpResponse:
    rounds = _rounds_in_scope(request.user)
    years = set(rounds.order_by().values_list("year", flat=True).distinct())
    year = _year(request.GET.get("year"), default=max(years, default=current_year()))
    of_year = rounds.filter(year=year)
    own_unit = workplace_of(request.user)
    can_open = own_unit is not None and can(request.user, "review.edit", own_unit)
    context = {
        "year": year,
        "years": sorted(years | {year, current_year()}, reverse=True),
        "rounds": rounds_with_totals(of_year).select_related("unit").order_by("unit__path"),
        "totals": review_totals(of_year),
        "scope": Scope.of(request.user).own_unit(),
        "own_unit": own_unit,
        "open_form": open_form if can_open else None,
    }
    return render(request, "procedures/review/round_list.html", context)


@login_required
@require_safe
def round_list(request: HttpRequest) -> HttpResponse:
    return _round_list_page(request, ReviewOpenForm())


@login_required
@require_POST
def round_open(request: HttpRequest) -> HttpResponse:
    """Open the round of a year for the user's own unit, listing every procedure it posts."""
    unit = workplace_of(request.user)
    if unit is None or not can(request.user, "review.edit", unit):
        raise PermissionDenied
    form = ReviewOpenForm(request.POST)
    if not form.is_valid():
        return _round_list_page(request, form)
    year = form.cleaned_data["year"]
    existed = ReviewRound.objects.filter(unit=unit, year=year).exists()
    round_ = review_open(unit=unit, year=year, by=request.user)
    if existed:
        messages.info(request, _("The review round of %(year)s already exists.") % {"year": year})
    else:
        messages.success(
            request,
            _("The review round of %(year)s is open with %(count)s procedures.")
            % {"year": year, "count": round_.items.count()},
        )
    return redirect("reviews:round-detail", pk=round_.pk)


def _round_for(user, pk: int) -> tuple[ReviewRound, bool]:
    """The round and whether the user may change it (the access helper decides both)."""
    try:
        return get_review_round_for_user(user, pk, write=True), True
    except PermissionDenied:
        return get_review_round_for_user(user, pk), False


def _totals_of(round_: ReviewRound) -> dict:
    return review_totals(ReviewRound.objects.filter(pk=round_.pk))


@login_required
@require_safe
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    round_, may_write = _round_for(request.user, pk)
    is_open = round_.status == ReviewRound.Status.OPEN
    context = {
        "round": round_,
        "items": round_.items.select_related("procedure", "procedure__field"),
        "totals": _totals_of(round_),
        "can_change": is_open and may_write,
    }
    return render(request, "procedures/review/round_detail.html", context)


@login_required
@require_POST
def round_submit(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_review_round_for_user(request.user, pk, write=True)
    try:
        review_submit(round_=round_, by=request.user)
    except CatalogueError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The review round has been submitted; it can no longer change."))
    return redirect("reviews:round-detail", pk=round_.pk)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def item_edit(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    """Record the decision on one procedure; a submitted round is shown read-only."""
    round_ = get_review_round_for_user(request.user, pk, write=True)
    item = get_object_or_404(round_.items.select_related("procedure", "procedure__field"), pk=item_id)
    item.round = round_
    read_only = round_.status != ReviewRound.Status.OPEN
    if request.method == "POST":
        if read_only:
            raise PermissionDenied
        form = ReviewItemForm(request.POST)
        if form.is_valid():
            try:
                review_item_record(item=item, by=request.user, **form.cleaned_data)
            except CatalogueError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The review of %(code)s is saved.") % {"code": item.procedure.code})
                return redirect(reverse("reviews:round-detail", args=[round_.pk]) + f"#item-{item.pk}")
    else:
        form = ReviewItemForm(initial=ReviewItemForm.initial_for(item))
        if read_only:
            form.disable()
    return render(
        request,
        "procedures/review/item_edit.html",
        {"round": round_, "item": item, "form": form, "read_only": read_only},
    )


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
@require_safe
def round_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_review_round_for_user(request.user, pk)
    items = round_.items.select_related("procedure", "procedure__field")
    content = round_workbook(round_=round_, items=items, totals=_totals_of(round_))
    return _xlsx(content, f"ra-soat-tthc-{round_.unit.code}-{round_.year}.xlsx")


@login_required
@require_safe
def overview_xlsx(request: HttpRequest) -> HttpResponse:
    """One row per unit of the user's subtree with its round of the year (or none yet)."""
    scope = Scope.of(request.user).own_unit()
    year = _year(request.GET.get("year"), default=current_year())
    of_year = _rounds_in_scope(request.user).filter(year=year)
    rounds = {round_.unit_id: round_ for round_ in rounds_with_totals(of_year)}
    units = Scope.of(request.user).units()
    rows = [(unit, rounds.get(unit.pk)) for unit in units.order_by("path") if unit.is_active or unit.pk in rounds]
    content = overview_workbook(scope=scope, year=year, rows=rows, totals=review_totals(of_year))
    code = scope.code if scope else "toan-bo"
    return _xlsx(content, f"tong-hop-ra-soat-tthc-{code}-{year}.xlsx")
