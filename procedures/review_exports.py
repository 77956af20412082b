"""The yearly review as Excel workbooks (openpyxl): a unit's review form and the district's overview.

The sheets are official forms sent up the hierarchy, so their labels are the Vietnamese terms the
offices use, verbatim, whatever the interface language. Every text cell goes through
``escape_formula``: a procedure name or a reason typed as ``=…`` stays text in the officer's Excel.
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from io import BytesIO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from motcua.models import AdministrativeUnit

from .models import ReviewItem, ReviewRound
from .parsing import escape_formula, format_days

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ROUND_TITLE = "BIỂU RÀ SOÁT, ĐÁNH GIÁ THỦ TỤC HÀNH CHÍNH NĂM {year}"
ROUND_COLUMNS = [
    ("STT", 6),
    ("Mã TTHC", 14),
    ("Tên TTHC", 48),
    ("Thời hạn hiện hành", 12),
    ("Phí hiện hành", 14),
    ("Đề xuất (giữ nguyên / đơn giản hóa)", 16),
    ("Thời hạn đề xuất", 12),
    ("Phí đề xuất", 14),
    ("Thành phần hồ sơ cắt giảm", 32),
    ("Lý do", 40),
    ("Chi phí tiết kiệm/năm", 16),
    ("Quy trình nội bộ đề xuất", 40),
]
OVERVIEW_TITLE = "TỔNG HỢP KẾT QUẢ RÀ SOÁT, ĐÁNH GIÁ THỦ TỤC HÀNH CHÍNH NĂM {year}"
OVERVIEW_COLUMNS = [
    ("STT", 6),
    ("Mã đơn vị", 12),
    ("Tên đơn vị", 36),
    ("Tình trạng", 18),
    ("Số TTHC rà soát", 12),
    ("Số TTHC đề xuất đơn giản hóa", 14),
    ("Số TTHC rút ngắn thời hạn", 14),
    ("Số ngày làm việc cắt giảm", 14),
    ("Số TTHC giảm phí, lệ phí", 14),
    ("Số tiền phí, lệ phí cắt giảm (đồng)", 18),
    ("Chi phí tiết kiệm/năm (đồng)", 18),
]
DECISIONS = {ReviewItem.Decision.KEEP: "Giữ nguyên", ReviewItem.Decision.SIMPLIFY: "Đơn giản hóa"}
ROUND_STATUSES = {ReviewRound.Status.OPEN: "Đang rà soát", ReviewRound.Status.SUBMITTED: "Đã gửi"}
NOT_OPENED = "Chưa mở đợt rà soát"

FONT = "Times New Roman"
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
MONEY = "#,##0"
DAYS = "General"  # 6 and 0,5 as they are; "0.##" would show "6."


def vn_number(value) -> str:
    """1639 → '1.639', Decimal('0.5') → '0,5' (for the sentences written into a sheet)."""
    if isinstance(value, Decimal):
        whole, _dot, fraction = format_days(value).partition(".")
        return vn_number(int(whole)) + ("," + fraction if fraction else "")
    return f"{int(value or 0):,}".replace(",", ".")


def totals_sentence(totals: dict) -> str:
    """The seeds' headline: '3 TTHC được rà soát; 3 TTHC đề xuất đơn giản hóa; cắt giảm 6 ngày làm việc …'."""
    return (
        f"Tổng số: {vn_number(totals['items'])} TTHC được rà soát; "
        f"{vn_number(totals['proposals'])} TTHC đề xuất đơn giản hóa; "
        f"rút ngắn thời hạn giải quyết {vn_number(totals['shortened'])} TTHC, "
        f"cắt giảm {vn_number(Decimal(totals['days_shortened']))} ngày làm việc; "
        f"giảm phí, lệ phí {vn_number(totals['fee_lowered'])} TTHC "
        f"({vn_number(totals['fee_cut'])} đồng); "
        f"chi phí tiết kiệm {vn_number(totals['yearly_saving'])} đồng/năm."
    )


def _days(value: Decimal | None):
    return None if value is None else value.normalize() if value % 1 else int(value)


def _sheet(title: str, heading: list[str], columns: list[tuple[str, int]]):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    last = get_column_letter(len(columns))
    for row, text in enumerate(heading, start=1):
        sheet.cell(row=row, column=1, value=escape_formula(text))
        sheet.merge_cells(f"A{row}:{last}{row}")
        sheet.cell(row=row, column=1).font = Font(name=FONT, size=14 if row == 1 else 12, bold=row == 1)
        sheet.cell(row=row, column=1).alignment = Alignment(horizontal="center")
    header_row = len(heading) + 2
    for column, (label, width) in enumerate(columns, start=1):
        cell = sheet.cell(row=header_row, column=column, value=label)
        cell.font = Font(name=FONT, size=12, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BORDER
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{header_row}:{header_row}"
    return workbook, sheet, header_row


def _write_row(sheet, row: int, values: list, formats: dict[int, str], *, bold: bool = False) -> None:
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=column, value=escape_formula(value))
        cell.font = Font(name=FONT, size=12, bold=bold)
        cell.alignment = Alignment(vertical="top", wrap_text=isinstance(value, str))
        cell.border = _BORDER
        if column in formats and value is not None:
            cell.number_format = formats[column]


def _write_totals(sheet, row: int, values: list, formats: dict[int, str], totals: dict) -> None:
    """The bold totals row, then the headline sentence two rows below it, across every column."""
    _write_row(sheet, row, values, formats, bold=True)
    sentence_row = row + 2
    sheet.cell(row=sentence_row, column=1, value=escape_formula(totals_sentence(totals))).font = Font(name=FONT, size=12)
    sheet.merge_cells(start_row=sentence_row, start_column=1, end_row=sentence_row, end_column=len(values))


def _save(workbook: Workbook) -> bytes:
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def round_workbook(*, round_: ReviewRound, items: Iterable[ReviewItem], totals: dict) -> bytes:
    """A unit's review form: one row per procedure, a totals row and the headline sentence."""
    status = ROUND_STATUSES.get(round_.status, round_.status)
    if round_.submitted_at:
        status += f" ngày {timezone.localtime(round_.submitted_at):%d/%m/%Y}"
    workbook, sheet, header_row = _sheet(
        f"Rà soát {round_.year}",
        [ROUND_TITLE.format(year=round_.year), f"Đơn vị: {round_.unit.name}", f"Tình trạng: {status}"],
        ROUND_COLUMNS,
    )
    formats = {4: DAYS, 5: MONEY, 7: DAYS, 8: MONEY, 11: MONEY}
    row = header_row
    for number, item in enumerate(items, start=1):
        row += 1
        simplify = item.decision == ReviewItem.Decision.SIMPLIFY
        _write_row(
            sheet,
            row,
            [
                number,
                item.procedure.code,
                item.procedure.name,
                _days(item.current_days),
                item.current_fee,
                DECISIONS.get(item.decision, item.decision),
                _days(item.proposed_days) if simplify else None,
                item.proposed_fee if simplify else None,
                item.components_removed or None,
                item.reason or None,
                item.yearly_saving if simplify else None,
                item.proposed_stages or None,
            ],
            formats,
        )
    # Under the proposal columns: how many proposals, the working days and the fees cut, the saving.
    _write_totals(
        sheet,
        row + 1,
        [
            None,
            None,
            "Tổng cộng",
            None,
            None,
            totals["proposals"],
            _days(Decimal(totals["days_shortened"])),
            totals["fee_cut"],
            None,
            None,
            totals["yearly_saving"],
        ],
        formats,
        totals,
    )
    return _save(workbook)


def overview_workbook(
    *, scope: AdministrativeUnit | None, year: int, rows: Iterable[tuple[AdministrativeUnit, ReviewRound | None]], totals: dict
) -> bytes:
    """The district's overview: one row per unit of its subtree with its round's totals (annotated)."""
    heading = [OVERVIEW_TITLE.format(year=year)]
    if scope is not None:
        heading.append(f"Đơn vị tổng hợp: {scope.name}")
    workbook, sheet, header_row = _sheet(f"Tổng hợp {year}", heading, OVERVIEW_COLUMNS)
    formats = {8: DAYS, 10: MONEY, 11: MONEY}
    row = header_row
    for number, (unit, round_) in enumerate(rows, start=1):
        row += 1
        if round_ is None:
            values = [number, unit.code, unit.name, NOT_OPENED] + [None] * 7
        else:
            values = [
                number,
                unit.code,
                unit.name,
                ROUND_STATUSES.get(round_.status, round_.status),
                round_.item_count,
                round_.proposal_count,
                round_.shortened_count,
                _days(round_.days_shortened),
                round_.fee_lowered_count,
                round_.fee_cut,
                round_.yearly_saving,
            ]
        _write_row(sheet, row, values, formats)
    _write_totals(
        sheet,
        row + 1,
        [
            None,
            None,
            "Tổng cộng",
            None,
            totals["items"],
            totals["proposals"],
            totals["shortened"],
            _days(Decimal(totals["days_shortened"])),
            totals["fee_lowered"],
            totals["fee_cut"],
            totals["yearly_saving"],
        ],
        formats,
        totals,
    )
    return _save(workbook)
