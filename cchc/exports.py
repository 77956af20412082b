"""The index's results as an Excel workbook (openpyxl) and as the PDF annex of the decision that publishes
them (WeasyPrint through motcua.pdf.render_pdf, in the layout of Nghị định 30/2020/NĐ-CP, names from
motcua.documents). Official documents sent up and down the hierarchy: Vietnamese labels, verbatim."""
from __future__ import annotations

from decimal import Decimal
from io import BytesIO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from motcua import documents
from motcua.models import today
from motcua.pdf import render_pdf
from procedures.parsing import escape_formula

from reports.numbers import vn_decimal

from .models import Scheme
from .selectors import UnitResult, class_counts

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FONT = "Times New Roman"
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
TITLE = "KẾT QUẢ XÁC ĐỊNH CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM {year}"
BLANK = "\u00a0" * 8  # the number left blank until the decision is signed, as the seed's "Số:         /BC-UBND"


def results_filename(scheme: Scheme, extension: str) -> str:
    return f"chi-so-cchc-{scheme.year}-{scheme.unit.code}.{extension}"


def _columns(scheme: Scheme, areas) -> list[tuple[str, int]]:
    columns = [("Xếp hạng", 9), ("Đơn vị", 28)]
    columns += [(f"{area.code}. {area.name} ({vn_decimal(area.max_points)} điểm)", 14) for area in areas]
    columns += [("Tổng điểm", 11), ("Chỉ số (%)", 11), ("Xếp loại", 26), ("Lĩnh vực chưa đạt mức tối thiểu", 30),
                (f"Chỉ số năm {scheme.year - 1} (%)", 12), ("Tăng/giảm (%)", 11)]
    return columns


def results_workbook(scheme: Scheme, rows: list[UnitResult]) -> bytes:
    areas = list(scheme.areas.order_by("position"))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"Chỉ số CCHC {scheme.year}"
    columns = _columns(scheme, areas)
    last = get_column_letter(len(columns))
    heading = [TITLE.format(year=scheme.year), f"của {documents.committee_short(scheme.unit)}"
               + (f" (theo {scheme.decision})" if scheme.decision else "")]
    for number, text in enumerate(heading, start=1):
        cell = sheet.cell(row=number, column=1, value=escape_formula(text))
        cell.font = Font(name=FONT, size=14 if number == 1 else 12, bold=number == 1)
        cell.alignment = Alignment(horizontal="center")
        sheet.merge_cells(f"A{number}:{last}{number}")
    header_row = len(heading) + 2
    for column, (label, width) in enumerate(columns, start=1):
        cell = sheet.cell(row=header_row, column=column, value=label)
        cell.font = Font(name=FONT, size=11, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BORDER
        sheet.column_dimensions[get_column_letter(column)].width = width
    for offset, row in enumerate(rows, start=1):
        held = row.held_back_area
        values = [row.rank, row.unit.name, *[area.points for area in row.areas], row.points, row.percent, row.band_name,
                  f"{held.area.name} ({vn_decimal(held.percent)} %)" if held else "",
                  row.previous.percent if row.previous else None, row.change]
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=header_row + offset, column=column,
                              value=float(value) if isinstance(value, Decimal) else escape_formula(value))
            cell.font = Font(name=FONT, size=11)
            cell.border = _BORDER
            cell.alignment = Alignment(vertical="top", wrap_text=isinstance(value, str))
            if isinstance(value, Decimal):
                cell.number_format = "0.00"
    summary = header_row + len(rows) + 2
    for offset, (name, count) in enumerate(class_counts(rows, scheme)):
        sheet.cell(row=summary + offset, column=2, value=escape_formula(f"{name}: {count}/{len(rows)} đơn vị")).font = Font(name=FONT, size=12)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=3)
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def pdf_context(scheme: Scheme, rows: list[UnitResult], *, day=None) -> dict:
    day = day or (timezone.localdate(scheme.published_at) if scheme.published_at else today())
    areas = list(scheme.areas.order_by("position"))
    return {
        "title": TITLE.format(year=scheme.year),
        "issuer": documents.issuing_body(scheme.unit),
        "place_and_date": documents.place_and_date(scheme.unit, day),
        "annex_of": f"(Kèm theo Quyết định số {BLANK}/QĐ-UBND {documents.official_date(day)} của {documents.committee_name(scheme.unit)})",
        "basis": scheme.decision,
        "areas": [{"code": area.code, "name": area.name, "max": vn_decimal(area.max_points)} for area in areas],
        "rows": [{
            "rank": row.rank, "name": row.unit.name, "areas": [vn_decimal(area.points) for area in row.areas],
            "points": vn_decimal(row.points), "percent": vn_decimal(row.percent), "band": row.band_name,
            "held": f"{row.held_back_area.area.name} ({vn_decimal(row.held_back_area.percent)} %)" if row.held_back_area else "",
            "previous": vn_decimal(row.previous.percent) if row.previous else "—",
        } for row in rows],
        "counts": [(name, count) for name, count in class_counts(rows, scheme)],
        "total": len(rows),
        "previous_year": str(scheme.year - 1),
    }


def results_pdf(scheme: Scheme, rows: list[UnitResult]) -> bytes:
    return render_pdf("cchc/annex_pdf.html", pdf_context(scheme, rows))


TEMPLATE_HEADER = ("Mã", "Nội dung", "Điểm tối đa", "Cách chấm", "Chỉ tiêu tự động", "Quy tắc tính điểm", "Khi không có số liệu")


def scheme_template_workbook() -> bytes:
    """An example file for cchc.importing: the seven fields of reform, a criterion scored by the unit, one by
    the unit above and two computed from the records (their keys listed on a second sheet)."""
    from .importing import REFORM_AREAS
    from .metrics import METRICS

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Bộ tiêu chí"
    sheet.append(["BỘ TIÊU CHÍ XÁC ĐỊNH CHỈ SỐ CẢI CÁCH HÀNH CHÍNH CẤP XÃ"])
    sheet.append(list(TEMPLATE_HEADER))
    examples = {
        1: [("1.1", "Kế hoạch CCHC năm", 2, "Đơn vị tự chấm", "", "", ""),
            ("1.2", "Báo cáo CCHC định kỳ gửi đúng hạn", 2, "Tự động", "reports_on_time", "100=1; 75=0,5", "0 điểm")],
        3: [("3.1", "Tỷ lệ hồ sơ giải quyết đúng hạn", 3, "Tự động", "resolved_on_time", "100", "Đủ điểm"),
            ("3.2", "Công khai TTHC đầy đủ, đúng quy định", 1, "Cấp trên chấm", "", "", "")],
    }
    for number, name in enumerate(REFORM_AREAS, start=1):
        rows = examples.get(number, [(f"{number}.1", f"Tiêu chí của lĩnh vực {number}", 2, "Đơn vị tự chấm", "", "", "")])
        sheet.append([str(number), name, sum(row[2] for row in rows), "", "", "", ""])
        for row in rows:
            sheet.append(list(row))
    for column, width in zip("ABCDEFG", (8, 60, 12, 18, 20, 20, 18)):
        sheet.column_dimensions[column].width = width
    keys = workbook.create_sheet("Chỉ tiêu tự động")
    keys.append(["Chỉ tiêu tự động", "Nội dung"])
    for key, metric in METRICS.items():
        keys.append([key, str(metric.label)])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
