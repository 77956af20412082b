"""The public posting (niêm yết công khai): what a citizen reads before coming to the desk.

No sign-in, no JavaScript, a few queries, and responses any cache may keep for five minutes.
The pages are rendered without the request (no context processor, no query for a signed-in
officer) and only allow-listed fields reach the templates: nothing about staff, versions or
internal ids.
"""
from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from motcua.models import AdministrativeUnit

from .models import Posting, Procedure, ProcedureQuerySet
from .parsing import format_fees
from .selectors import postings_of_unit
from .services import fees_of

PUBLIC_MAX_AGE = 300
SEARCH_MAX_LENGTH = 100


def public_page(view):
    """Any cache may keep the page five minutes. A request carrying a session cookie (an officer
    signed in) gets ``private``: with SESSION_SAVE_EVERY_REQUEST its response sets the cookie
    again, and a shared cache must never keep and replay that."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            patch_cache_control(response, private=True, max_age=PUBLIC_MAX_AGE)
        else:
            patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
        return response

    return wrapped


def _render(template: str, context: dict) -> HttpResponse:
    return HttpResponse(render_to_string(template, context))


def _posting_unit(code: str) -> AdministrativeUnit:
    """An active unit by its code; a dissolved or unknown one answers 404."""
    return get_object_or_404(AdministrativeUnit.objects.active(), code=code)


def _postable() -> ProcedureQuerySet:
    """Procedures a citizen may still use: in force or amended, not replaced or abolished."""
    return Procedure.objects.in_force()


SEARCH_RESULTS = 100


@require_safe
@public_page
def unit_index(request: HttpRequest) -> HttpResponse:
    """Active units that post procedures, grouped by the unit above them (one query); with ``?q=`` (the
    front door's search), the procedures posted by any active unit that match it, with or without
    diacritics ("chung thuc" finds "Chứng thực"), each with the units that post it."""
    query = request.GET.get("q", "").strip()[:SEARCH_MAX_LENGTH]
    if query:
        postings = (
            Posting.objects.filter(is_active=True, unit__in=AdministrativeUnit.objects.active(),
                                   procedure__in=_postable().search(query))
            .select_related("procedure", "unit")
            .order_by("procedure__name", "procedure__code", "unit__path")[:SEARCH_RESULTS]
        )
        return _render("procedures/public/search.html", {"postings": list(postings), "query": query, "nav": "procedures",
                                                          "limit": SEARCH_RESULTS})
    posted = Q(postings__is_active=True, postings__procedure__in=_postable())
    units = (
        AdministrativeUnit.objects.active()
        .annotate(procedure_count=Count("postings", filter=posted))
        .filter(procedure_count__gt=0)
        .select_related("parent")
        .order_by("parent__path", "path")
    )
    return _render("procedures/public/unit_index.html", {"units": units, "nav": "procedures"})


@require_safe
@public_page
def unit_procedures(request: HttpRequest, unit_code: str) -> HttpResponse:
    """A unit's posted procedures grouped by field, searchable with or without diacritics."""
    unit = _posting_unit(unit_code)
    query = request.GET.get("q", "").strip()[:SEARCH_MAX_LENGTH]
    procedures = _postable()
    if query:
        procedures = procedures.search(query)
    postings = list(postings_of_unit(unit).filter(procedure__in=procedures))
    return _render(
        "procedures/public/unit_procedures.html",
        {"unit": unit, "postings": postings, "query": query, "nav": "procedures"},
    )


@require_safe
@public_page
def procedure_detail(request: HttpRequest, unit_code: str, code: str) -> HttpResponse:
    """One procedure as the unit posts it; 404 unless that unit actively posts it."""
    unit = _posting_unit(unit_code)
    posting = postings_of_unit(unit).filter(procedure__code=code, procedure__in=_postable()).first()
    if posting is None:
        raise Http404
    procedure = posting.procedure
    fees = fees_of(procedure)
    # The text as published, when it says more than the amounts (per page, ceilings, exemptions …).
    fee_text = procedure.fee_text.strip()
    posted_fee_text = fee_text if fee_text and fee_text not in {format_fees(fees), "Không"} else ""
    return _render(
        "procedures/public/procedure_detail.html",
        {
            "unit": unit,
            "procedure": procedure,
            "field": procedure.field,
            "fees": procedure.fees.all(),
            "posted_fee_text": posted_fee_text,
            "components": procedure.components.all(),
            "nav": "procedures",
        },
    )
