"""The printed forms of a dossier and the dossier register, as PDF (WeasyPrint) or printable HTML.

Every form is fetched through ``get_dossier_for_user`` (another unit's dossier answers 404) and built
by ``dossiers.printing.documents``; ``?format=html`` shows the same template in the browser. The responses hold
personal data, so none of them may be cached.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import partial
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from motcua.access import get_unit_for_user, workplace_of
from motcua.audit import log_access
from motcua.documents import desk_heading, desk_title, forms_basis, place_and_date, unbroken
from motcua.models import AdministrativeUnit
from motcua.pdf import pdf_response, render_pdf

from dossiers.printing import documents as printing
from dossiers.printing import register
from dossiers.access import get_dossier_for_user
from dossiers.models import Dossier


def _form(request: HttpRequest, code: str, template: str, slug: str, build: Callable[[Dossier], dict]) -> HttpResponse:
    """Fetch the dossier through the access helper, build the form, answer PDF or (?format=html) HTML."""
    dossier = get_dossier_for_user(request.user, code)
    try:
        context = build(dossier)
    except printing.FormNotApplicable:
        raise Http404 from None
    log_access(request=request, table=Dossier._meta.db_table, row_id=dossier.pk, action="export", detail={"form": slug})
    if request.GET.get("format") == "html":
        return render(request, template, {**context, "as_html": True})
    pdf = render_pdf(template, context, request=request)
    return pdf_response(pdf, f"{slug}-{dossier.code}.pdf")


@login_required
@require_safe
@never_cache
def receipt_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """Giấy tiếp nhận hồ sơ và hẹn trả kết quả, with the QR code of the public lookup."""
    build = partial(printing.receipt_context, request=request)
    return _form(request, code, "dossiers/print/receipt.html", "giay-tiep-nhan", build)


@login_required
@require_safe
@never_cache
def supplement_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (404 if the dossier was never asked for supplements)."""
    return _form(request, code, "dossiers/print/supplement.html", "phieu-yeu-cau-bo-sung", printing.supplement_context)


@login_required
@require_safe
@never_cache
def refusal_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """Phiếu từ chối tiếp nhận giải quyết hồ sơ (404 unless the dossier was refused)."""
    return _form(request, code, "dossiers/print/refusal.html", "phieu-tu-choi", printing.refusal_context)


@login_required
@require_safe
@never_cache
def control_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """Phiếu kiểm soát quá trình giải quyết hồ sơ, A4 landscape, from the recorded steps."""
    return _form(request, code, "dossiers/print/control.html", "phieu-kiem-soat", printing.control_context)


@login_required
@require_safe
@never_cache
def apology_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """Phiếu xin lỗi và hẹn lại ngày trả kết quả (404 without an apology); ``?so=2``: the dossier's second
    apology (one per late stage), the latest without it."""
    build = partial(printing.apology_context, number=request.GET.get("so"))
    return _form(request, code, "dossiers/print/apology.html", "phieu-xin-loi", build)


@login_required
@require_safe
@never_cache
def stop_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """Thông báo dừng giải quyết hồ sơ (withdrawn or returned without resolution; 404 otherwise)."""
    return _form(request, code, "dossiers/print/stop.html", "thong-bao-dung", printing.stop_context)


# -- the register ------------------------------------------------------------------------------------


def _register_scope(request: HttpRequest) -> tuple[register.RegisterFilterForm, AdministrativeUnit | None]:
    """The filter form and the chosen unit (404 for a unit outside the user's subtree)."""
    code = request.GET.get("unit", "").strip()
    unit = get_unit_for_user(request.user, code) if code else None
    units = AdministrativeUnit.objects.for_user(request.user)
    return register.RegisterFilterForm(request.GET, units=units), unit


def _register_selection(request: HttpRequest):
    """(form, unit, queryset or None when the filter is invalid)."""
    form, unit = _register_scope(request)
    if not form.is_valid():
        return form, unit, None
    data = form.cleaned_data
    dossiers = register.register_queryset(
        Dossier.objects.for_user(request.user), start=data["from"], end=data["to"], field=data["field"], unit=unit,
    )
    return form, unit, dossiers


def _register_heading(request: HttpRequest, form, unit: AdministrativeUnit | None) -> dict:
    """The register names the desk as it was at the period's end (today for a period not over yet)."""
    scope = unit or workplace_of(request.user)
    data = form.cleaned_data
    field = data.get("field")
    day = min(data["to"], timezone.localdate())
    return {
        "unit": scope,
        "day": day,
        "unit_line": desk_title(scope, day) if scope else "Toàn hệ thống",
        "period": register.period_text(data["from"], data["to"]),
        "field_line": f"Lĩnh vực: {field.name}" if field else "",
        "headings": register.HEADINGS,
    }


@login_required
@require_safe
@never_cache
def register_page(request: HttpRequest) -> HttpResponse:
    """The register on screen: the filter and the first 500 lines, with links to Excel and PDF."""
    form, unit, dossiers = _register_selection(request)
    return render(request, "dossiers/print/register.html", _register_context(request, form, unit, dossiers))


def _register_context(request: HttpRequest, form, unit, dossiers, *, total: int | None = None) -> dict:
    """The page: the filter, the count, the first HTML_LIMIT lines, and which downloads the count allows."""
    context = {"form": form, "rows": [], "total": 0, "limit": register.HTML_LIMIT}
    if dossiers is not None:
        context.update(_register_heading(request, form, unit))
        context["total"] = total = dossiers.count() if total is None else total
        context["rows"] = list(register.register_rows(dossiers[: register.HTML_LIMIT]))
        if total > register.PDF_LIMIT:
            context["pdf_too_many"] = register.too_many_message(total=total, limit=register.PDF_LIMIT, fmt="pdf")
        if total > register.XLSX_LIMIT:
            context["xlsx_too_many"] = register.too_many_message(total=total, limit=register.XLSX_LIMIT, fmt="xlsx")
        context["query"] = urlencode({key: value for key, value in form.data.items() if value})
    return context


def _log_register(request: HttpRequest, form, unit, fmt: str) -> None:
    """The register carries applicants' names, addresses and phones: its export is logged."""
    data = form.cleaned_data
    log_access(
        request=request, table=Dossier._meta.db_table, row_id="register", action="export",
        detail={"format": fmt, "from": data["from"].isoformat(), "to": data["to"].isoformat(),
                "unit": unit.code if unit else None, "field": getattr(data.get("field"), "code", data.get("field")) or None},
    )


def _invalid_filter(request: HttpRequest, form) -> HttpResponse:
    """A download with a bad filter shows the page with the message instead of an empty file."""
    return render(
        request, "dossiers/print/register.html", {"form": form, "rows": [], "total": 0, "limit": register.HTML_LIMIT},
        status=400,
    )


def _too_many(request: HttpRequest, form, unit, dossiers, *, total: int, limit: int, fmt: str) -> HttpResponse:
    """A download over its limit is refused before its rows are loaded: the register page (its first
    HTML_LIMIT lines) says why and what to do."""
    context = _register_context(request, form, unit, dossiers, total=total)
    context["too_many"] = register.too_many_message(total=total, limit=limit, fmt=fmt)
    return render(request, "dossiers/print/register.html", context, status=400)


@login_required
@require_safe
@never_cache
def register_xlsx(request: HttpRequest) -> HttpResponse:
    """Every line of the selection as an Excel workbook, streamed row by row (at most XLSX_LIMIT lines)."""
    form, unit, dossiers = _register_selection(request)
    if dossiers is None:
        return _invalid_filter(request, form)
    total = dossiers.order_by().count()
    if total > register.XLSX_LIMIT:
        return _too_many(request, form, unit, dossiers, total=total, limit=register.XLSX_LIMIT, fmt="xlsx")
    heading = _register_heading(request, form, unit)
    content = register.register_workbook(
        register.register_rows(dossiers.iterator(chunk_size=2000)),
        unit_line=heading["unit_line"], period=heading["period"], field_line=heading["field_line"],
    )
    data = form.cleaned_data
    _log_register(request, form, unit, "xlsx")
    response = HttpResponse(content, content_type=register.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, f'so-theo-doi-ho-so-{data["from"]:%Y%m%d}-{data["to"]:%Y%m%d}.xlsx'
    )
    return response


@login_required
@require_safe
@never_cache
def register_pdf(request: HttpRequest) -> HttpResponse:
    """The register on A4 landscape, at most PDF_LIMIT lines (counted before any is loaded; a longer
    selection is refused with the way out: a narrower period, or the Excel file)."""
    form, unit, dossiers = _register_selection(request)
    if dossiers is None:
        return _invalid_filter(request, form)
    total = dossiers.order_by().count()
    if total > register.PDF_LIMIT:
        return _too_many(request, form, unit, dossiers, total=total, limit=register.PDF_LIMIT, fmt="pdf")
    heading = _register_heading(request, form, unit)
    _log_register(request, form, unit, "pdf")
    rows = list(register.register_rows(dossiers))
    scope, day = heading["unit"], heading["day"]
    context = {
        **heading,
        "rows": rows,
        "total": total,
        "limit": register.PDF_LIMIT,
        "issuer": desk_heading(scope, day) if scope else None,
        "place_and_date": place_and_date(scope, timezone.localdate()) if scope else "",
        "basis": unbroken(forms_basis(day)),
    }
    data = form.cleaned_data
    pdf = render_pdf("dossiers/print/register_pdf.html", context, request=request)
    return pdf_response(pdf, f"so-theo-doi-ho-so-{data['from']:%Y%m%d}-{data['to']:%Y%m%d}.pdf")
