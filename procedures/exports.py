"""The catalogue on paper and in Excel: a unit's posting list (niêm yết) as XLSX and PDF, and the
catalogue file that imports back unchanged.

Printed documents are Vietnamese whatever the interface says: the national motto, the title and the
column headings are literal; the issuing body, the place and date and the desk's name are those of
``motcua.documents`` for the day the list is printed. Every text cell of a workbook goes through
``escape_formula``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from io import BytesIO

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from motcua.access import get_unit_for_user
from motcua.documents import desk_title, issuing_body, place_and_date
from motcua.scope import Scope
from motcua.models import AdministrativeUnit
from motcua.text import search_key

from .forms import CatalogueFilterForm
from .models import OnlineLevel, Posting, Procedure
from .parsing import escape_formula, format_days, format_fees
from .resources import COLUMN_LABELS, COLUMNS, ProcedureResource
from .selectors import postings_of_unit
from .services import fees_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TITLE = "DANH MỤC THỦ TỤC HÀNH CHÍNH"
HEADINGS = [
    "STT", "Mã TTHC", "Tên TTHC", "Lĩnh vực", "Thời hạn giải quyết", "Phí/lệ phí", "Mức độ DVC", "Ngày niêm yết",
]
ONLINE_LABELS = {OnlineLevel.FULL: "Toàn trình", OnlineLevel.PARTIAL: "Một phần", OnlineLevel.NONE: ""}


# -- what a posting list holds --------------------------------------------------------------------


@dataclass(frozen=True)
class PostingLine:
    number: int
    code: str
    name: str
    field: str
    processing_time: str
    fees: str
    online: str
    posted_on: date | None


@dataclass(frozen=True)
class FieldGroup:
    numeral: str
    title: str
    lines: list[PostingLine]


def processing_time_text(days: Decimal) -> str:
    """'Trong ngày', '0,5 ngày làm việc', '5 ngày làm việc'."""
    if not days:
        return "Trong ngày"
    return f"{format_days(Decimal(days)).replace('.', ',')} ngày làm việc"


def roman(number: int) -> str:
    numerals = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    text = ""
    for value, numeral in numerals:
        while number >= value:
            text, number = text + numeral, number - value
    return text


def field_title(name: str) -> str:
    return name if search_key(name).startswith("linh vuc") else f"Lĩnh vực {name}"


def posting_groups(postings: list[Posting]) -> list[FieldGroup]:
    """The unit's postings grouped by field (I, II, …), numbered 1…N across the whole list."""
    groups: list[FieldGroup] = []
    for number, posting in enumerate(postings, start=1):
        procedure = posting.procedure
        line = PostingLine(
            number=number,
            code=procedure.code,
            name=procedure.name,
            field=procedure.field.name,
            processing_time=processing_time_text(procedure.processing_days),
            fees=procedure.fee_text or format_fees(fees_of(procedure)),
            online=ONLINE_LABELS.get(procedure.online_level, ""),
            posted_on=posting.posted_at_desk or posting.posted_on_website,
        )
        if not groups or groups[-1].lines[0].field != line.field:
            groups.append(FieldGroup(numeral=roman(len(groups) + 1), title=field_title(line.field), lines=[]))
        groups[-1].lines.append(line)
    return groups


# -- XLSX ---------------------------------------------------------------------------------------


def posting_workbook(unit: AdministrativeUnit, groups: list[FieldGroup], today: date) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Niêm yết TTHC"
    width = len(HEADINGS)
    last = get_column_letter(width)
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap_top = Alignment(wrap_text=True, vertical="top")
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    total = sum(len(group.lines) for group in groups)

    def title_row(row: int, text: str, font: Font) -> None:
        cell = sheet.cell(row=row, column=1, value=escape_formula(text))
        cell.font, cell.alignment = font, centre
        sheet.merge_cells(f"A{row}:{last}{row}")

    title_row(1, TITLE, Font(name="Times New Roman", bold=True, size=14))
    title_row(2, f"Niêm yết tại {desk_title(unit, today)}", Font(name="Times New Roman", bold=True, size=12))
    title_row(
        3,
        f"{place_and_date(unit, today)} – tổng số {total} thủ tục",
        Font(name="Times New Roman", italic=True, size=12),
    )

    header_row = 5
    for column, heading in enumerate(HEADINGS, start=1):
        cell = sheet.cell(row=header_row, column=column, value=escape_formula(heading))
        cell.font = Font(name="Times New Roman", bold=True)
        cell.fill = PatternFill("solid", fgColor="E7EBF0")
        cell.alignment, cell.border = centre, border
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"

    row = header_row + 1
    body_font = Font(name="Times New Roman", size=12)
    for group in groups:
        cell = sheet.cell(row=row, column=1, value=escape_formula(f"{group.numeral}. {group.title}"))
        cell.font = Font(name="Times New Roman", bold=True, size=12)
        cell.alignment = Alignment(vertical="top")
        sheet.merge_cells(f"A{row}:{last}{row}")
        row += 1
        for line in group.lines:
            values = [
                line.number, line.code, line.name, line.field, line.processing_time, line.fees, line.online,
                line.posted_on,
            ]
            for column, value in enumerate(values, start=1):
                cell = sheet.cell(row=row, column=column, value=escape_formula(value))
                cell.font, cell.border, cell.alignment = body_font, border, wrap_top
                if isinstance(value, date):
                    cell.number_format = "DD/MM/YYYY"
            sheet.cell(row=row, column=1).alignment = Alignment(horizontal="center", vertical="top")
            row += 1

    for column, size in enumerate([6, 12, 60, 20, 16, 32, 12, 13], start=1):
        sheet.column_dimensions[get_column_letter(column)].width = size
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True

    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# -- PDF ----------------------------------------------------------------------------------------


def _refuse_every_url():
    """A WeasyPrint fetcher that loads nothing: a printed list must not reach outside the server."""
    from weasyprint.urls import URLFetcher

    class RefuseEveryURL(URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError(f"external resources are not loaded: {url}")

    return RefuseEveryURL()


def posting_pdf_bytes(unit: AdministrativeUnit, groups: list[FieldGroup], today: date) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "procedures/posting_pdf.html",
        {
            "unit": unit,
            "issuer": issuing_body(unit),
            "desk": desk_title(unit, today),
            "place_and_date": place_and_date(unit, today),
            "groups": groups,
            "total": sum(len(group.lines) for group in groups),
            "headings": HEADINGS,
        },
    )
    return HTML(string=html, base_url=None, url_fetcher=_refuse_every_url()).write_pdf()


# -- views --------------------------------------------------------------------------------------


def _posting_unit(request: HttpRequest) -> AdministrativeUnit:
    """The unit named by ?unit=CODE (404 outside the user's subtree), by default the user's own."""
    code = request.GET.get("unit", "").strip()
    if code:
        return get_unit_for_user(request.user, code)
    unit = Scope.of(request.user).own_unit()
    if unit is None:
        raise Http404
    return unit


def _file_response(content: bytes, content_type: str, filename: str, *, inline: bool = False) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, filename)
    return response


def _posting_list(request: HttpRequest) -> tuple[AdministrativeUnit, list[FieldGroup], date]:
    """The unit asked for, its posting list and today's date: what both printed forms take."""
    unit = _posting_unit(request)
    return unit, posting_groups(list(postings_of_unit(unit))), timezone.localdate()


@login_required
@require_GET
def posting_xlsx(request: HttpRequest) -> HttpResponse:
    unit, groups, today = _posting_list(request)
    content = posting_workbook(unit, groups, today)
    return _file_response(content, XLSX, f"niem-yet-{unit.code}-{today:%Y%m%d}.xlsx")


@login_required
@require_GET
def posting_pdf(request: HttpRequest) -> HttpResponse:
    unit, groups, today = _posting_list(request)
    content = posting_pdf_bytes(unit, groups, today)
    return _file_response(content, "application/pdf", f"niem-yet-{unit.code}-{today:%Y%m%d}.pdf", inline=True)


@login_required
@require_GET
def catalogue_xlsx(request: HttpRequest) -> HttpResponse:
    """The list's current selection as the catalogue file (Vietnamese headings; it imports back)."""
    form = CatalogueFilterForm(request.GET, unit=Scope.of(request.user).own_unit())
    procedures = (
        form.filter(Procedure.objects.all())
        .select_related("field")
        .prefetch_related("fees", "components")
        .order_by("field__name", "code")
    )
    dataset = ProcedureResource().export(procedures)
    dataset.headers = [COLUMN_LABELS.get(header, header) for header in dataset.headers]
    dataset.title = "Danh mục TTHC"
    content = dataset.export("xlsx")
    return _file_response(content, XLSX, f"danh-muc-tthc-{timezone.localdate():%Y%m%d}.xlsx")


# The example row of the import template: a real procedure (the commune's birth registration) written as
# officers write it, so that the template imports as it is and shows every column's format.
TEMPLATE_EXAMPLE = {
    "code": "1.001193", "name": "Thủ tục đăng ký khai sinh", "field_code": "HT", "field_name": "Hộ tịch",
    "level": "Cấp xã", "processing_days": "Trong ngày", "sector": "", "agency": "UBND cấp xã",
    "fee": "Miễn lệ phí", "online_level": "Toàn trình", "interconnected": "", "location_independent": "Không",
    "cutoff": "15:00",
    "components": "Tờ khai đăng ký khai sinh (1 bản chính, 0 bản sao) ; Giấy chứng sinh (1 bản chính, 0 bản sao)",
    "result": "Giấy khai sinh (bản chính)", "legal_basis": "Luật Hộ tịch năm 2014",
    "decision_number": "", "decision_date": "", "status": "Còn hiệu lực",
}


def import_template_workbook() -> bytes:
    """The catalogue import template: the Vietnamese headings of every column, in the importer's order,
    and one example row (it imports as it is)."""
    import tablib

    dataset = tablib.Dataset(headers=[COLUMN_LABELS.get(column, column) for column in COLUMNS], title="Danh mục TTHC")
    dataset.append([TEMPLATE_EXAMPLE.get(column, "") for column in COLUMNS])
    return dataset.export("xlsx")


@login_required
@require_GET
def import_template_xlsx(request: HttpRequest) -> HttpResponse:
    """“Tải tệp mẫu” on the import page."""
    return _file_response(import_template_workbook(), XLSX, "mau-danh-muc-tthc.xlsx")

