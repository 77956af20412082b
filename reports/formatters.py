"""The report's formats: JSON, Excel (openpyxl) and the official PDF report (WeasyPrint).

Every format is drawn from one ``ReportData`` (reports.report.build_report); a view or a task only
chooses the formatter: ``FORMATTERS[fmt](data, **options)`` returns the file's bytes, served with
``CONTENT_TYPES[fmt]`` under a name ending in ``EXTENSIONS[fmt]``.

- Excel: sheet "Biểu 06" is the official table "Tình hình, kết quả giải quyết thủ tục hành chính"
  (Biểu số 06/VPCP/KSTT of the reporting circular) by field; "Theo đơn vị" the same by unit;
  "Tỷ lệ" the rates beside the province's targets; "Hài lòng - PAKN" satisfaction and feedback.
- PDF: the report in the Nghị định 30/2020 layout, its figures written into the sentences in the
  Vietnamese number format, the tables, and the officer's narrative paragraphs (``narrative``).

These are official Vietnamese documents: their text is written here in Vietnamese, not translated. The
names of the units, the heading and the legal bases come from ``motcua.documents``, for the window's last
day: a report on a window before 1/7/2025 cites the instruments then in force and names the units (the
report's unit is the version it refers to, with its own parent) as they were.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from io import BytesIO

from django.utils import timezone

from motcua.documents import (
    ONE_STOP, REPORTING, committee_name, committee_short, issuing_body, legal_basis, place_and_date, superior,
    unbroken,
)
from motcua.deadlines import DAY, MOMENT
from motcua.models import AdministrativeUnit
from motcua.numbers import percent
from motcua.pdf import render_pdf
from procedures.parsing import escape_formula
from procedures.review_exports import totals_sentence

from .numbers import as_of_line, as_of_moment, period_label, period_range, vn_date, vn_int, vn_percent
from .models import TargetKey
from .report import ReportData, to_json

PDF_TEMPLATE = "reports/pdf/report.html"

FORM_NUMBER = "Biểu số 06/VPCP/KSTT"
TABLE_TITLE = "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
REPORT_SUBJECT = (
    "tình hình, kết quả thực hiện công tác kiểm soát thủ tục hành chính, "
    "thực hiện cơ chế một cửa, một cửa liên thông"
)
OWN_ROW_MARK = "(trực tiếp)"

NARRATIVE_DEFAULTS = {
    "assessment": (
        "Trong kỳ báo cáo, việc tiếp nhận, giải quyết hồ sơ thủ tục hành chính được thực hiện theo cơ chế "
        "một cửa, một cửa liên thông; kết quả cụ thể theo số liệu tại Mục I và các biểu kèm theo."
    ),
    "tasks": (
        "Tiếp tục thực hiện nghiêm cơ chế một cửa, một cửa liên thông trong giải quyết thủ tục hành chính; "
        "cập nhật, niêm yết công khai đầy đủ thủ tục hành chính; đẩy mạnh tiếp nhận hồ sơ trực tuyến, số hoá "
        "hồ sơ, kết quả giải quyết và thanh toán trực tuyến; giải quyết hồ sơ đúng thời hạn, thực hiện xin lỗi "
        "tổ chức, cá nhân khi giải quyết hồ sơ quá hạn theo quy định."
    ),
    "proposals": "Không có.",
    "signer_title": "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH",
}

# How the resolved dossiers were judged (settings.OUTCOME_RULE): printed under every table of results.
OUTCOME_RULE_NOTES = {
    DAY: ("Ghi chú: hồ sơ giải quyết trước hạn là hồ sơ có kết quả trước ngày hẹn trả; đúng hạn là hồ sơ có "
          "kết quả trong ngày hẹn trả, không muộn hơn thời điểm hẹn; quá hạn là hồ sơ có kết quả sau thời điểm "
          "hẹn trả kết quả."),
    MOMENT: ("Ghi chú: hồ sơ giải quyết trước hạn là hồ sơ có kết quả trước thời điểm hẹn trả (tính đến phút); "
             "đúng hạn là hồ sơ có kết quả đúng thời điểm hẹn trả; quá hạn là hồ sơ có kết quả sau thời điểm "
             "hẹn trả kết quả."),
}


def outcome_rule_note(data: ReportData) -> str:
    return OUTCOME_RULE_NOTES[data.outcome_rule]


# Digitisation is measured from the files the portal holds (dossiers.files), not declared.
DIGITISATION_NOTE = (
    "Tỷ lệ số hoá thành phần hồ sơ và kết quả giải quyết được tính theo tệp lưu trên Hệ thống (thành phần hồ sơ "
    "có tệp; kết quả có tệp); hồ sơ nhập từ phần mềm trước đây giữ nguyên thông tin số hoá đã ghi nhận."
)


_SUBMISSION_WORDS = {"on_time": "gửi đúng hạn", "late": "gửi muộn", "missing": "chưa gửi báo cáo"}


def _sent_words(line) -> str:
    words = [_SUBMISSION_WORDS.get(line.state, line.state)]
    if line.submission is not None:
        words.insert(0, f"phiên bản {line.submission.version}")
        if line.submission.early:
            words.append(f"số liệu tính đến {vn_date(line.submission.as_of)}")
    return ", ".join(words)


def consolidation_notes(data: ReportData) -> list[str]:
    """For a report consolidated from the units' submissions: whose figures are as sent, whose as the
    records give them now (and why), and where the records now differ from what was sent."""
    consolidation = data.consolidation
    if consolidation is None:
        return []
    notes = []
    if consolidation.sent_lines:
        notes.append("Số liệu tổng hợp theo báo cáo đã gửi của: "
                     + "; ".join(f"{line.name} ({_sent_words(line)})" for line in consolidation.sent_lines) + ".")
    if consolidation.now_lines:
        notes.append("Số liệu lấy từ dữ liệu hiện tại trên Hệ thống của: " + "; ".join(
            f"{line.name} ({'chưa gửi báo cáo' if line.submission is None else 'đã gửi ' + _sent_words(line) + ', chọn số liệu hiện tại'})"
            for line in consolidation.now_lines) + ".")
    changed = [line for line in consolidation.sent_lines if line.differences]
    if changed:
        notes.append("Đơn vị có dữ liệu thay đổi sau khi gửi báo cáo: " + "; ".join(line.name for line in changed) + ".")
    notes.append("Đơn vị tổng hợp trực tiếp giải quyết hồ sơ, kết quả đánh giá sự hài lòng và phản ánh, kiến nghị: "
                 "theo dữ liệu hiện tại trên Hệ thống.")
    notes.append(f"Biểu theo cơ quan giải quyết: các cơ quan của {data.unit.name} đối với hồ sơ do {data.unit.name} trực tiếp "
                 "giải quyết, theo dữ liệu hiện tại trên Hệ thống; số liệu theo cơ quan của đơn vị cấp dưới xem tại báo "
                 "cáo của từng đơn vị.")
    return notes


def unit_assessments(data: ReportData) -> list[tuple[str, list[str]]]:
    """The units' own assessments, as they sent them, for the consolidated report's annex."""
    if data.consolidation is None:
        return []
    return [(line.name, _paragraphs(line.assessment)) for line in data.consolidation.lines if line.assessment]


# -- the units and the legal bases of the report ----------------------------------------------------------


def reference_day(data: ReportData) -> date:
    """The day whose units and legal bases the report speaks of: the window's last day."""
    return data.period.last_day


def form_basis(day: date) -> str:
    """The line under the form's number: 'Ban hành kèm theo Thông tư số 01/2020/TT-VPCP ngày 21/10/2020 …'."""
    return f"Ban hành kèm theo {legal_basis(REPORTING, day).reference}"


def bases_line(day: date) -> str:
    """What the figures are counted under: the one-stop decree and the reporting regime of ``day``."""
    return (f"Căn cứ: {legal_basis(ONE_STOP, day).reference}; chế độ báo cáo định kỳ theo "
            f"{legal_basis(REPORTING, day).reference}.")


def reporting_unit(unit: AdministrativeUnit) -> str:
    """'UBND huyện Tứ Kỳ'."""
    return committee_short(unit)


def receiving_unit(unit: AdministrativeUnit) -> str:
    """Who the report goes to: the People's Committee above, 'UBND tỉnh Hải Dương'; a province reports to
    the Government Office."""
    parent = superior(unit)
    return committee_short(parent) if parent else "Văn phòng Chính phủ"


def report_filename(data: ReportData, fmt: str) -> str:
    """'bao-cao-298-2022-Q1.xlsx', 'bao-cao-298-nam-2022-03.pdf' (no ':' or '..' in a file name)."""
    key = data.period.key.replace("cal:", "nam-").replace("..", "_")
    return f"bao-cao-{data.unit.code}-{key}.{EXTENSIONS[fmt]}"


# -- the official table (Biểu số 06/VPCP/KSTT) ----------------------------------------------------


@dataclass(frozen=True)
class Heading:
    """A header cell of the official table: where it starts (row 0–2, column 0–12) and its span."""

    text: str
    row: int
    column: int
    rowspan: int = 1
    colspan: int = 1


COLUMNS = 13
HEADER_ROWS = 3


def table_headings(first: str) -> list[Heading]:
    """STT; the field (or unit); received — total, of which new online / new direct and postal /
    carried over; resolved — total, early, on time, late; pending — total, within time, overdue."""
    return [
        Heading("STT", 0, 0, rowspan=3),
        Heading(first, 0, 1, rowspan=3),
        Heading("Số hồ sơ nhận giải quyết", 0, 2, colspan=4),
        Heading("Số hồ sơ đã giải quyết", 0, 6, colspan=4),
        Heading("Số hồ sơ đang giải quyết", 0, 10, colspan=3),
        Heading("Tổng số", 1, 2, rowspan=2),
        Heading("Trong đó", 1, 3, colspan=3),
        Heading("Tổng số", 1, 6, rowspan=2),
        Heading("Trả trước hạn", 1, 7, rowspan=2),
        Heading("Trả đúng thời hạn", 1, 8, rowspan=2),
        Heading("Trả quá hạn", 1, 9, rowspan=2),
        Heading("Tổng số", 1, 10, rowspan=2),
        Heading("Trong hạn", 1, 11, rowspan=2),
        Heading("Quá hạn", 1, 12, rowspan=2),
        Heading("Số mới tiếp nhận trực tuyến", 2, 3),
        Heading("Số mới tiếp nhận trực tiếp và dịch vụ bưu chính", 2, 4),
        Heading("Số kỳ trước chuyển qua", 2, 5),
    ]


def table_values(figures: dict) -> list[int]:
    """Columns (3)–(13) of one row of the official table."""
    received, resolved, pending = figures["received"], figures["resolved"], figures["pending"]
    return [
        received["total"], received["online"], received["direct"] + received["postal"], received["carried_over"],
        resolved["total"], resolved["early"], resolved["on_time"], resolved["late"],
        pending["total"], pending["within_time"], pending["overdue"],
    ]


@dataclass(frozen=True)
class TableRow:
    number: int | None
    name: str
    values: list[int]


def field_rows(data: ReportData) -> list[TableRow]:
    return [TableRow(i, row["field_name"], table_values(row)) for i, row in enumerate(data.figures.by_field, start=1)]


def unit_rows(data: ReportData) -> list[TableRow]:
    return [
        TableRow(i, f"{row['unit_name']} {OWN_ROW_MARK}" if row["own"] else row["unit_name"], table_values(row))
        for i, row in enumerate(data.figures.by_unit, start=1)
    ]


def has_child_units(data: ReportData) -> bool:
    """by_unit holds one row per direct child (even without dossiers): any such row means children."""
    return any(not row["own"] for row in data.figures.by_unit)


def window_line(period) -> str:
    """'Kỳ báo cáo: năm 2022 (từ ngày 15/12/2021 đến ngày 14/12/2022)', and for a window not yet ended
    '…. Số liệu tính đến 14:05 ngày 04/12/2026'."""
    label = period_label(period)
    line = f"Kỳ báo cáo: {label}" if period.kind == "custom" else f"Kỳ báo cáo: {label} ({period_range(period)})"
    as_of = as_of_line(period)
    return f"{line}. {as_of}" if as_of else line


# -- rates ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateLine:
    name: str
    part: int | None
    whole: int
    rate: Decimal | None
    target: Decimal | None = None
    at_least: bool = True

    @property
    def verdict(self) -> str:
        if self.rate is None or self.target is None:
            return ""
        return "Đạt" if self.rate >= self.target else "Chưa đạt"


def rate_lines(data: ReportData) -> list[RateLine]:
    totals = data.figures.totals
    received, resolved, digitized, rates = totals["received"], totals["resolved"], totals["digitized"], totals["rates"]
    satisfaction = data.satisfaction
    satisfied = satisfaction["very_satisfied"] + satisfaction["satisfied"]
    land = satisfaction["land_construction_investment"]
    # The province's targets as the Target table holds them for the window's year (reports.report).
    targets = data.targets
    components = targets.get(TargetKey.COMPONENTS_DIGITISED)
    return [
        RateLine("Hồ sơ tiếp nhận trực tuyến", received["online"], received["new"], rates["online"],
                 targets.get(TargetKey.ONLINE_DOSSIERS)),
        RateLine("Hồ sơ có số hoá thành phần hồ sơ", digitized["components_any"], received["new"],
                 rates["components_digitized"], components, at_least=False),
        RateLine("Hồ sơ số hoá toàn bộ thành phần hồ sơ", digitized["components_full"], received["new"],
                 rates["components_fully_digitized"], components, at_least=False),
        RateLine("Hồ sơ có số hoá kết quả giải quyết", digitized["results"], resolved["total"],
                 rates["results_digitized"], targets.get(TargetKey.RESULTS_DIGITISED), at_least=False),
        RateLine("Hồ sơ thanh toán phí, lệ phí trực tuyến", totals["paid_online"], received["new"],
                 rates["paid_online"], targets.get(TargetKey.ONLINE_PAYMENT)),
        RateLine("Hồ sơ giải quyết trước hạn và đúng hạn", resolved["early"] + resolved["on_time"], resolved["total"],
                 rates["resolved_on_time"]),
        RateLine("Tổ chức, cá nhân hài lòng (rất hài lòng và hài lòng)", satisfied, satisfaction["ratings"],
                 satisfaction["rate"], satisfaction["target"]),
        # The land group's figures are its ratings and its rate: no count of satisfied ratings is shown.
        RateLine("Hài lòng với TTHC lĩnh vực đất đai, xây dựng, đầu tư", None, land["ratings"],
                 land["rate"], land["target"]),
    ]


BREAKDOWN_HEADINGS = (
    "Số mới tiếp nhận", "Trực tuyến", "Tỷ lệ trực tuyến", "Số hoá thành phần hồ sơ", "Số hoá toàn bộ thành phần hồ sơ",
    "Số hoá kết quả", "Thanh toán trực tuyến", "Giải quyết trước hạn, đúng hạn",
)


def breakdown_values(figures: dict) -> list:
    rates = figures["rates"]
    return [
        figures["received"]["new"], figures["received"]["online"], rates["online"], rates["components_digitized"],
        rates["components_fully_digitized"], rates["results_digitized"], rates["paid_online"], rates["resolved_on_time"],
    ]


# -- Excel --------------------------------------------------------------------------------------------

XLSX_FONT = "Times New Roman"


class _Sheet:
    """Writes cells with the document's fonts and borders; every text goes through escape_formula."""

    def __init__(self, sheet):
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        self.sheet = sheet
        thin = Side(style="thin", color="000000")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.font = Font(name=XLSX_FONT, size=12)
        self.bold = Font(name=XLSX_FONT, size=12, bold=True)
        self.italic = Font(name=XLSX_FONT, size=12, italic=True)
        self.title_font = Font(name=XLSX_FONT, size=14, bold=True)
        self.fill = PatternFill("solid", fgColor="E7EBF0")
        self.total_fill = PatternFill("solid", fgColor="F3F5F8")
        self.Alignment = Alignment

    def put(self, row: int, column: int, value, *, font=None, align: str = "left", wrap: bool = True,
            border: bool = False, number_format: str | None = None, fill=None, vertical: str = "center"):
        if isinstance(value, Decimal):
            value = float(value)
        cell = self.sheet.cell(row=row, column=column, value=escape_formula(value))
        cell.font = font or self.font
        cell.alignment = self.Alignment(horizontal=align, vertical=vertical, wrap_text=wrap)
        if border:
            cell.border = self.border
        if number_format:
            cell.number_format = number_format
        if fill is not None:
            cell.fill = fill
        return cell

    def merge(self, first_row: int, first_column: int, last_row: int, last_column: int) -> None:
        if (first_row, first_column) != (last_row, last_column):
            self.sheet.merge_cells(start_row=first_row, start_column=first_column, end_row=last_row, end_column=last_column)

    def line(self, row: int, first: int, last: int, text: str, **style) -> None:
        """A text across merged columns (titles, header lines)."""
        self.put(row, first, text, **style)
        self.merge(row, first, row, last)

    def boxed(self, row: int, first: int, last: int) -> None:
        """Border every cell of a merged range (openpyxl draws only the first one's)."""
        for column in range(first, last + 1):
            self.sheet.cell(row=row, column=column).border = self.border

    def widths(self, sizes: list[int]) -> None:
        from openpyxl.utils import get_column_letter

        for column, size in enumerate(sizes, start=1):
            self.sheet.column_dimensions[get_column_letter(column)].width = size

    def print_setup(self, *, landscape: bool, title_rows: str | None = None) -> None:
        setup = self.sheet.page_setup
        setup.orientation = "landscape" if landscape else "portrait"
        setup.paperSize = self.sheet.PAPERSIZE_A4
        setup.fitToWidth, setup.fitToHeight = 1, 0
        self.sheet.sheet_properties.pageSetUpPr.fitToPage = True
        self.sheet.print_options.horizontalCentered = True
        margins = self.sheet.page_margins
        margins.left, margins.right, margins.top, margins.bottom = 0.5, 0.4, 0.6, 0.6
        if title_rows:
            self.sheet.print_title_rows = title_rows


INT_FORMAT = "#,##0"
RATE_FORMAT = '0.00"%"'  # 71,02% as the seeds write it (the decimal comma is the reader's locale)
TARGET_AT_LEAST_FORMAT = '"≥ "0" %"'
TARGET_EXACT_FORMAT = '0" %"'


def _target_format(value: Decimal | None, at_least: bool = True) -> str:
    """The target cell's format: whole per cents as '≥ 90 %', a target with decimals as '≥ 87,50 %'."""
    number_format = TARGET_AT_LEAST_FORMAT if at_least else TARGET_EXACT_FORMAT
    return number_format if value is None or value == int(value) else number_format.replace("0", "0.00", 1)


def _signature_block(out: _Sheet, data: ReportData, row: int, *, narrative: dict | None, today: date | None) -> None:
    """Place and date, the signer's titles and name at the right, as the PDF prints them."""
    narrative = narrative or {}
    out.line(row, 10, COLUMNS, place_and_date(data.unit, today or timezone.localdate()), font=out.italic, align="center")
    lines = ["TM. ỦY BAN NHÂN DÂN", *_narrative(narrative, "signer_title")]
    for offset, line in enumerate(lines, start=1):
        out.line(row + offset, 10, COLUMNS, line, font=out.bold, align="center")
    name = str(narrative.get("signer_name") or "").strip()
    if name:
        out.line(row + len(lines) + 4, 10, COLUMNS, name, font=out.bold, align="center")


def _official_table(out: _Sheet, data: ReportData, *, title: str, first_heading: str, rows: list[TableRow],
                    form: bool, narrative: dict | None = None, today: date | None = None) -> None:
    """The header block, the two-level headings, the column numbers, the rows and 'Tổng cộng'."""
    unit = data.unit
    if form:
        out.line(1, 1, 4, FORM_NUMBER, font=out.bold)
        out.line(2, 1, 4, form_basis(reference_day(data)), font=out.italic)
    out.line(1, 10, COLUMNS, f"Đơn vị báo cáo: {reporting_unit(unit)}")
    out.line(2, 10, COLUMNS, f"Đơn vị nhận báo cáo: {receiving_unit(unit)}")
    out.sheet.row_dimensions[1].height = out.sheet.row_dimensions[2].height = 32
    out.line(3, 1, COLUMNS, title, font=out.title_font, align="center")
    out.sheet.row_dimensions[3].height = 24
    out.line(4, 1, COLUMNS, window_line(data.period), font=out.italic, align="center")
    if form:
        out.line(5, 1, 9, bases_line(reference_day(data)), font=out.italic)
        out.sheet.row_dimensions[5].height = 32
    out.line(5, 10, COLUMNS, "Đơn vị tính: hồ sơ", font=out.italic, align="right")

    top = 6
    for heading in table_headings(first_heading):
        row, column = top + heading.row, 1 + heading.column
        out.put(row, column, heading.text, font=out.bold, align="center", border=True, fill=out.fill)
        out.merge(row, column, row + heading.rowspan - 1, column + heading.colspan - 1)
        for r in range(row, row + heading.rowspan):
            out.boxed(r, column, column + heading.colspan - 1)
    for offset, height in enumerate((30, 24, 64)):
        out.sheet.row_dimensions[top + offset].height = height
    numbers_row = top + HEADER_ROWS
    for column in range(1, COLUMNS + 1):
        out.put(numbers_row, column, f"({column})", font=out.italic, align="center", border=True)

    row = numbers_row + 1
    for line in rows:
        out.put(row, 1, line.number, align="center", border=True)
        out.put(row, 2, line.name, border=True)
        for column, value in enumerate(line.values, start=3):
            out.put(row, column, value, align="right", border=True, number_format=INT_FORMAT)
        row += 1
    out.put(row, 1, None, border=True, fill=out.total_fill)
    out.put(row, 2, "Tổng cộng", font=out.bold, align="center", border=True, fill=out.total_fill)
    for column, value in enumerate(table_values(data.figures.totals), start=3):
        out.put(row, column, value, font=out.bold, align="right", border=True, number_format=INT_FORMAT,
                fill=out.total_fill)

    for note in [outcome_rule_note(data), DIGITISATION_NOTE, *consolidation_notes(data)]:
        row += 1
        out.line(row, 1, COLUMNS, note, font=out.italic)
        out.sheet.row_dimensions[row].height = 30
    _signature_block(out, data, row + 2, narrative=narrative, today=today)

    out.widths([6, 34] + [12] * (COLUMNS - 2))
    out.sheet.freeze_panes = out.sheet.cell(row=numbers_row + 1, column=3)
    out.print_setup(landscape=True, title_rows=f"{top}:{numbers_row}")


def _titled(out: _Sheet, data: ReportData, title: str, last_column: int) -> None:
    out.line(1, 1, last_column, title, font=out.title_font, align="center")
    out.sheet.row_dimensions[1].height = 36
    out.line(2, 1, last_column, f"Đơn vị báo cáo: {reporting_unit(data.unit)} – {window_line(data.period)}",
             font=out.italic, align="center")


def _headings_row(out: _Sheet, row: int, headings: list[str]) -> None:
    for column, text in enumerate(headings, start=1):
        out.put(row, column, text, font=out.bold, align="center", border=True, fill=out.fill)
    out.sheet.row_dimensions[row].height = 48


def _rates_sheet(out: _Sheet, data: ReportData) -> None:
    last = 2 + len(BREAKDOWN_HEADINGS)
    _titled(out, data, "TỶ LỆ HỒ SƠ TRỰC TUYẾN, SỐ HOÁ, THANH TOÁN TRỰC TUYẾN, GIẢI QUYẾT ĐÚNG HẠN VÀ SỰ HÀI LÒNG", last)
    row = 4
    _headings_row(out, row, ["STT", "Chỉ tiêu", "Số hồ sơ, lượt", "Trên tổng số", "Tỷ lệ (%)", "Chỉ tiêu giao (%)",
                             "Đánh giá"])
    for number, line in enumerate(rate_lines(data), start=1):
        row += 1
        out.put(row, 1, number, align="center", border=True)
        out.put(row, 2, line.name, border=True)
        out.put(row, 3, line.part, align="right", border=True, number_format=INT_FORMAT)
        out.put(row, 4, line.whole, align="right", border=True, number_format=INT_FORMAT)
        _rate_cell(out, row, 5, line.rate)
        out.put(row, 6, line.target, align="right", border=True, number_format=_target_format(line.target, line.at_least))
        out.put(row, 7, line.verdict, align="center", border=True)

    for title, first, rows in (
        ("Tỷ lệ theo lĩnh vực", "Lĩnh vực", [(r["field_name"], r) for r in data.figures.by_field]),
        ("Tỷ lệ theo đơn vị", "Đơn vị",
         [(f"{r['unit_name']} {OWN_ROW_MARK}" if r["own"] else r["unit_name"], r) for r in data.figures.by_unit]),
    ):
        if not rows:
            continue
        row += 2
        out.line(row, 1, last, title, font=out.bold)
        row += 1
        _headings_row(out, row, ["STT", first, *BREAKDOWN_HEADINGS])
        for number, (name, figures) in enumerate(rows, start=1):
            row += 1
            out.put(row, 1, number, align="center", border=True)
            out.put(row, 2, name, border=True)
            for column, value in enumerate(breakdown_values(figures), start=3):
                if column in (3, 4):
                    out.put(row, column, value, align="right", border=True, number_format=INT_FORMAT)
                else:
                    _rate_cell(out, row, column, value)
    out.widths([6, 44] + [14] * len(BREAKDOWN_HEADINGS))
    out.print_setup(landscape=True)


def _rate_cell(out: _Sheet, row: int, column: int, value: Decimal | None) -> None:
    if value is None:
        out.put(row, column, "—", align="right", border=True)
    else:
        out.put(row, column, value, align="right", border=True, number_format=RATE_FORMAT)


_NO_SHARE = object()


def _satisfaction_sheet(out: _Sheet, data: ReportData) -> None:
    satisfaction, feedback = data.satisfaction, data.feedback
    land = satisfaction["land_construction_investment"]
    ratings = satisfaction["ratings"]
    satisfied = satisfaction["very_satisfied"] + satisfaction["satisfied"]
    _titled(out, data, "KẾT QUẢ ĐÁNH GIÁ SỰ HÀI LÒNG VÀ TIẾP NHẬN, XỬ LÝ PHẢN ÁNH, KIẾN NGHỊ", 6)
    row = 4
    _headings_row(out, row, ["STT", "Nội dung", "Số lượng", "Tỷ lệ (%)", "Chỉ tiêu giao (%)", "Đánh giá"])

    def section(numeral: str, title: str) -> None:
        nonlocal row
        row += 1
        out.put(row, 1, numeral, font=out.bold, align="center", border=True, fill=out.total_fill)
        out.put(row, 2, title, font=out.bold, border=True, fill=out.total_fill)
        for column in range(3, 7):
            out.put(row, column, None, border=True, fill=out.total_fill)

    def item(number: int, text: str, count: int | None, share=_NO_SHARE, target: Decimal | None = None):
        """One line; ``share`` left out for a plain count, None for a rate with nothing to divide ('—')."""
        nonlocal row
        row += 1
        out.put(row, 1, number, align="center", border=True)
        out.put(row, 2, text, border=True)
        out.put(row, 3, count, align="right", border=True, number_format=INT_FORMAT)
        if share is _NO_SHARE:
            share = None
            out.put(row, 4, None, border=True)
        else:
            _rate_cell(out, row, 4, share)
        out.put(row, 5, target, align="right", border=True, number_format=_target_format(target))
        verdict = RateLine(text, 0, 0, share, target).verdict
        out.put(row, 6, verdict, align="center", border=True)

    section("I", "Đánh giá sự hài lòng của tổ chức, cá nhân")
    item(1, "Tổng số lượt đánh giá", ratings)
    item(2, "Rất hài lòng", satisfaction["very_satisfied"], percent(satisfaction["very_satisfied"], ratings))
    item(3, "Hài lòng", satisfaction["satisfied"], percent(satisfaction["satisfied"], ratings))
    item(4, "Không hài lòng", satisfaction["unsatisfied"], percent(satisfaction["unsatisfied"], ratings))
    item(5, "Tỷ lệ hài lòng (rất hài lòng và hài lòng)", satisfied, satisfaction["rate"], satisfaction["target"])
    item(6, "Nhóm TTHC lĩnh vực đất đai, xây dựng, đầu tư: số lượt đánh giá và tỷ lệ hài lòng", land["ratings"],
         land["rate"], land["target"])

    section("II", "Tiếp nhận, xử lý phản ánh, kiến nghị")
    handled = feedback["handled_on_time"] + feedback["handled_late"]
    pending = feedback["pending_within_time"] + feedback["pending_overdue"]
    item(1, "Tổng số phản ánh, kiến nghị tiếp nhận", feedback["received"])
    item(2, "Đã xử lý", handled)
    item(3, "Trong đó: đúng hạn", feedback["handled_on_time"], feedback["on_time_rate"])
    item(4, "Trong đó: quá hạn", feedback["handled_late"])
    item(5, "Đang xử lý", pending)
    item(6, "Trong đó: trong hạn", feedback["pending_within_time"])
    item(7, "Trong đó: quá hạn", feedback["pending_overdue"])
    item(8, "Phân loại: về quy định hành chính", feedback["regulation"])
    item(9, "Phân loại: về hành vi của cán bộ, công chức, việc giải quyết hồ sơ", feedback["handling"])
    item(10, "Phân loại: không thuộc phạm vi xử lý", feedback["out_of_scope"])
    item(11, "Chưa phân loại", feedback["unclassified"])

    section("III", "Xin lỗi tổ chức, cá nhân do giải quyết hồ sơ quá hạn")
    item(1, "Số phiếu xin lỗi và hẹn lại ngày trả kết quả đã phát hành", data.apologies)
    out.widths([6, 60, 14, 14, 16, 12])
    out.print_setup(landscape=False)


def _review_and_late_sheet(out: _Sheet, data: ReportData) -> None:
    """The year's review of procedures and the reasons of the late dossiers (from the apologies)."""
    review = data.review
    _titled(out, data, "RÀ SOÁT, ĐÁNH GIÁ THỦ TỤC HÀNH CHÍNH VÀ NGUYÊN NHÂN GIẢI QUYẾT HỒ SƠ QUÁ HẠN", 4)
    row = 4
    _headings_row(out, row, ["STT", f"Rà soát, đánh giá thủ tục hành chính năm {review.get('year', '')}", "Số lượng", "Đơn vị tính"])
    lines = [
        ("Đợt rà soát, đánh giá đã mở", review.get("rounds", 0), "đợt"),
        ("Đợt đã gửi kết quả", review.get("rounds_submitted", 0), "đợt"),
        ("TTHC được rà soát", review.get("items", 0), "thủ tục"),
        ("TTHC đề xuất đơn giản hóa", review.get("proposals", 0), "thủ tục"),
        ("TTHC đề xuất rút ngắn thời hạn giải quyết", review.get("shortened", 0), "thủ tục"),
        ("Số ngày làm việc cắt giảm", review.get("days_shortened", 0), "ngày"),
        ("TTHC đề xuất giảm phí, lệ phí", review.get("fee_lowered", 0), "thủ tục"),
        ("Phí, lệ phí cắt giảm", review.get("fee_cut", 0), "đồng"),
        ("Chi phí tuân thủ tiết kiệm", review.get("yearly_saving", 0), "đồng/năm"),
    ]
    for number, (text, value, unit_word) in enumerate(lines, start=1):
        row += 1
        out.put(row, 1, number, align="center", border=True)
        out.put(row, 2, text, border=True)
        out.put(row, 3, value, align="right", border=True, number_format="#,##0.##" if isinstance(value, Decimal) else INT_FORMAT)
        out.put(row, 4, unit_word, align="center", border=True)
    row += 2
    _headings_row(out, row, ["STT", "Nguyên nhân giải quyết hồ sơ quá hạn (theo phiếu xin lỗi)", "Số hồ sơ", ""])
    totals = data.figures.totals
    for number, (text, value) in enumerate([
        ("Hồ sơ giải quyết quá hạn trong kỳ", totals["resolved"]["late"]),
        ("Hồ sơ đang giải quyết quá hạn", totals["pending"]["overdue"]),
        ("Phiếu xin lỗi và hẹn lại ngày trả kết quả đã phát hành", data.apologies),
    ], start=1):
        row += 1
        out.put(row, 1, number, align="center", border=True)
        out.put(row, 2, text, font=out.bold, border=True)
        out.put(row, 3, value, align="right", border=True, number_format=INT_FORMAT)
        out.put(row, 4, None, border=True)
    for number, reason in enumerate(data.late_reasons, start=1):
        row += 1
        out.put(row, 1, f"3.{number}", align="center", border=True)
        out.put(row, 2, reason["reason"], border=True)
        out.put(row, 3, reason["count"], align="right", border=True, number_format=INT_FORMAT)
        out.put(row, 4, None, border=True)
    out.widths([8, 64, 14, 12])
    out.print_setup(landscape=False)


def _agency_sheet(out: _Sheet, data: ReportData) -> None:
    """The official table's columns by the agency holding each dossier, and the desk's work for others."""
    last = 2 + len(BREAKDOWN_AGENCY_HEADINGS)
    _titled(out, data, "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT HỒ SƠ THEO CƠ QUAN GIẢI QUYẾT", last)
    row = 4
    _headings_row(out, row, ["STT", "Cơ quan giải quyết", *BREAKDOWN_AGENCY_HEADINGS])
    for number, figures in enumerate(data.figures.by_agency, start=1):
        row += 1
        name = figures["agency_name"] or "Bộ phận một cửa, đơn vị trực tiếp giải quyết"
        if figures["agency_unit"] and has_child_units(data):
            name = f"{name} ({figures['agency_unit']})"
        out.put(row, 1, number, align="center", border=True)
        out.put(row, 2, name, border=True)
        values = [figures["received"]["total"], figures["resolved"]["total"], figures["resolved"]["early"],
                  figures["resolved"]["on_time"], figures["resolved"]["late"], figures["pending"]["total"],
                  figures["pending"]["overdue"]]
        for column, value in enumerate(values, start=3):
            out.put(row, column, value, align="right", border=True, number_format=INT_FORMAT)
    others = data.for_others or {}
    row += 2
    out.line(row, 1, last, "Hồ sơ tiếp nhận cho đơn vị khác (không tính vào số liệu giải quyết của đơn vị)", font=out.bold)
    for text, key in (("Tiếp nhận hồ sơ thuộc thẩm quyền của đơn vị khác", "received_for_others"),
                      ("Trả kết quả của đơn vị khác", "returned_for_others"),
                      ("Kết quả của đơn vị khác đã có, chờ trả", "waiting_to_return")):
        row += 1
        out.put(row, 2, text, border=True)
        out.put(row, 3, others.get(key, 0), align="right", border=True, number_format=INT_FORMAT)
    out.widths([6, 48] + [12] * len(BREAKDOWN_AGENCY_HEADINGS))
    out.print_setup(landscape=True)


STAGE_HEADINGS = ["Số bước đã xong", "Trước hạn", "Đúng hạn", "Quá thời gian của bước", "Đang thực hiện",
                  "Đang thực hiện quá thời gian"]


def _stage_sheet(out: _Sheet, data: ReportData) -> None:
    """The stages of the internal process by holder (reports.stages): who used more than their share."""
    last = 2 + len(STAGE_HEADINGS)
    _titled(out, data, "KẾT QUẢ THỰC HIỆN CÁC BƯỚC THEO QUY TRÌNH NỘI BỘ", last)
    row = 4
    _headings_row(out, row, ["STT", "Nơi thực hiện bước", *STAGE_HEADINGS])
    for number, stage in enumerate(data.stages, start=1):
        row += 1
        out.put(row, 1, number, align="center", border=True)
        out.put(row, 2, stage["holder_words"], border=True)
        for column, key in enumerate(("ended", "early", "on_time", "late", "held", "held_overdue"), start=3):
            out.put(row, column, stage[key], align="right", border=True, number_format=INT_FORMAT)
    row += 2
    out.line(row, 1, last, "Mỗi bước được đánh giá theo thời gian của bước trong quy trình nội bộ, tính từ khi nhận hồ sơ "
             "(đã cộng thời gian tạm dừng); hồ sơ của thủ tục chưa có quy trình nội bộ không có trong biểu này.")
    out.widths([6, 48] + [12] * len(STAGE_HEADINGS))
    out.print_setup(landscape=True)


def _sections_sheet(out: _Sheet, data: ReportData) -> None:
    """The sections other apps add (reports.extensions): each title, its figures, its sentences."""
    _titled(out, data, "CÁC NỘI DUNG KHÁC CỦA BÁO CÁO", 3)
    row = 3
    for section in data.sections.values():
        row += 1
        out.line(row, 1, 3, section["title"], font=out.bold)
        for name, value in (section.get("figures") or {}).items():
            row += 1
            out.put(row, 2, name, border=True)
            out.put(row, 3, value, align="right", border=True, number_format=INT_FORMAT)
        for line in section.get("lines") or []:
            row += 1
            out.line(row, 1, 3, line)
        row += 1
    out.widths([6, 70, 14])
    out.print_setup(landscape=False)


BREAKDOWN_AGENCY_HEADINGS = ["Tổng số tiếp nhận", "Đã giải quyết", "Trước hạn", "Đúng hạn", "Quá hạn",
                             "Đang giải quyết", "Đang giải quyết quá hạn"]


def to_xlsx(data: ReportData, *, narrative: dict | None = None, **options) -> bytes:
    """The workbook: Biểu 06 by field, the same by unit, the rates, satisfaction and feedback; the
    official tables end with the outcome rule, the place and date and the signer (``narrative``'s
    signer_title and signer_name, as in the PDF; ``today`` sets the date line)."""
    signed = {"narrative": narrative, "today": options.get("today")}
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.properties.creator = "Một Cửa"
    workbook.properties.title = f"{TABLE_TITLE} – {data.unit.name} – {period_label(data.period)}"

    by_field = workbook.active
    by_field.title = "Biểu 06"
    _official_table(_Sheet(by_field), data, title=TABLE_TITLE, first_heading="Lĩnh vực giải quyết",
                    rows=field_rows(data), form=True, **signed)
    _official_table(_Sheet(workbook.create_sheet("Theo đơn vị")), data, title=f"{TABLE_TITLE} THEO ĐƠN VỊ",
                    first_heading="Đơn vị giải quyết", rows=unit_rows(data), form=False, **signed)
    _rates_sheet(_Sheet(workbook.create_sheet("Tỷ lệ")), data)
    _satisfaction_sheet(_Sheet(workbook.create_sheet("Hài lòng - PAKN")), data)
    _review_and_late_sheet(_Sheet(workbook.create_sheet("Rà soát - Quá hạn")), data)
    _agency_sheet(_Sheet(workbook.create_sheet("Theo cơ quan")), data)
    if data.stages:
        _stage_sheet(_Sheet(workbook.create_sheet("Theo bước")), data)
    if data.sections:
        _sections_sheet(_Sheet(workbook.create_sheet("Kiểm tra - Khác")), data)

    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# -- PDF ------------------------------------------------------------------------------------------------


def _paragraphs(text) -> list[str]:
    """An officer's text → its non-empty lines, one paragraph each (a list is taken as given)."""
    if not text:
        return []
    lines = text if isinstance(text, (list, tuple)) else str(text).splitlines()
    return [line.strip() for line in lines if str(line).strip()]


def _narrative(narrative: dict | None, key: str) -> list[str]:
    return _paragraphs((narrative or {}).get(key)) or _paragraphs(NARRATIVE_DEFAULTS[key])


def _ratio(part: int, whole: int, value: Decimal | None, noun: str = "hồ sơ") -> str:
    """'1.161/1.639 hồ sơ, đạt 70,84 %', or '0 hồ sơ' when there is nothing to divide by."""
    if not whole:
        return f"{vn_int(part)} {noun}"
    return f"{vn_int(part)}/{vn_int(whole)} {noun}, đạt {vn_percent(value)}"


def _target(value: Decimal | None) -> str:
    """' (chỉ tiêu ≥ 90 %)'; a target with decimals keeps them (' (chỉ tiêu ≥ 87,50 %)')."""
    if value is None:
        return ""
    return f" (chỉ tiêu ≥ {vn_percent(value, 0 if value == int(value) else 2)})"


PROCEDURE_PARTS = (
    ("province", "cấp tỉnh"), ("district", "cấp huyện"), ("commune", "cấp xã"),
    ("social_insurance", "Bảo hiểm xã hội"), ("military", "Quân sự"), ("police", "Công an"),
    ("land_registration", "Văn phòng đăng ký đất đai"),
)


def procedures_sentence(counts: dict) -> str:
    """'Tổng số TTHC đang thực hiện: 503 thủ tục, trong đó: cấp huyện 340 (cấp huyện 269, Bảo hiểm xã hội 63,
    Công an 8); cấp xã 163 (cấp xã 137, Quân sự 14, Công an 12).' — each level with the vertical-sector
    procedures counted at it, as the seeds count them; a level of local procedures only is one number, and
    a report of one level lists its parts ('163 thủ tục, trong đó: cấp xã 137, Quân sự 14, Công an 12.')."""
    labels = dict(PROCEDURE_PARTS)
    sentence = f"Tổng số TTHC đang thực hiện: {vn_int(counts.get('total', 0))} thủ tục"
    by_level = counts.get("by_level")
    if by_level is None:  # a submission frozen before the counts had levels
        parts = [f"{label} {vn_int(counts[key])}" for key, label in PROCEDURE_PARTS if counts.get(key)]
        return f"{sentence}, trong đó: {', '.join(parts)}." if parts else f"{sentence}."
    levels, single = [], len([level for level in by_level if by_level[level]]) == 1
    for level in ("province", "district", "commune"):
        split = by_level.get(level)
        if not split:
            continue
        order = ["local"] + [key for key, _ in PROCEDURE_PARTS[3:]] + sorted(set(split) - set(labels) - {"local", "total"})
        parts = [(labels[level] if sector == "local" else labels.get(sector, sector), split[sector])
                 for sector in order if split.get(sector)]
        if single:  # one level: its parts are the sentence's
            levels.append(", ".join(f"{label} {vn_int(value)}" for label, value in parts))
        elif len(parts) == 1 and split.get("local"):
            levels.append(f"{labels[level]} {vn_int(split['total'])}")
        else:
            inner = ", ".join(f"{label} {vn_int(value)}" for label, value in parts)
            levels.append(f"{labels[level]} {vn_int(split['total'])} ({inner})")
    return f"{sentence}, trong đó: {'; '.join(levels)}." if levels else f"{sentence}."


def dossier_sentences(data: ReportData) -> list[str]:
    totals = data.figures.totals
    received, resolved, pending, rates = totals["received"], totals["resolved"], totals["pending"], totals["rates"]
    online = f"trực tuyến {vn_int(received['online'])} hồ sơ"
    if received["new"]:
        online += f", đạt {vn_percent(rates['online'])}"
    lines = [
        f"Tổng số hồ sơ tiếp nhận: {vn_int(received['total'])} hồ sơ, trong đó số mới tiếp nhận trong kỳ "
        f"{vn_int(received['new'])} hồ sơ ({online}; trực tiếp {vn_int(received['direct'])} hồ sơ; qua dịch vụ "
        f"bưu chính công ích {vn_int(received['postal'])} hồ sơ), số từ kỳ trước chuyển qua "
        f"{vn_int(received['carried_over'])} hồ sơ.",
    ]
    solved = (
        f"Số hồ sơ đã giải quyết: {vn_int(resolved['total'])} hồ sơ (trước hạn {vn_int(resolved['early'])}, "
        f"đúng hạn {vn_int(resolved['on_time'])}, quá hạn {vn_int(resolved['late'])})"
    )
    if resolved["total"]:
        solved += f"; tỷ lệ giải quyết trước hạn và đúng hạn đạt {vn_percent(rates['resolved_on_time'])}"
    side_exits = []
    if resolved["returned_unresolved"]:
        side_exits.append(f"{vn_int(resolved['returned_unresolved'])} hồ sơ trả lại không giải quyết")
    if resolved["withdrawn"]:
        side_exits.append(f"{vn_int(resolved['withdrawn'])} hồ sơ do tổ chức, cá nhân rút")
    if side_exits:
        solved += f" (trong đó có {' và '.join(side_exits)})"
    lines.append(solved + ".")
    lines.append(
        f"Số hồ sơ đang giải quyết: {vn_int(pending['total'])} hồ sơ (trong hạn {vn_int(pending['within_time'])}, "
        f"quá hạn {vn_int(pending['overdue'])})."
    )
    by_field = [row for row in data.figures.by_field if row["received"]["new"]]
    if by_field:
        parts = [
            f"{row['field_name']} {vn_int(row['received']['online'])}/{vn_int(row['received']['new'])} = "
            f"{vn_percent(row['rates']['online'])}"
            for row in by_field
        ]
        lines.append(f"Tỷ lệ hồ sơ tiếp nhận trực tuyến theo lĩnh vực: {'; '.join(parts)}.")
    lines.append(f"Số phiếu xin lỗi và hẹn lại ngày trả kết quả đã phát hành: {vn_int(data.apologies)} phiếu.")
    return lines


def digitisation_sentences(data: ReportData) -> list[str]:
    totals = data.figures.totals
    received, resolved, digitized, rates = totals["received"], totals["resolved"], totals["digitized"], totals["rates"]
    new = received["new"]
    return [
        f"Số hồ sơ có số hoá thành phần hồ sơ: {_ratio(digitized['components_any'], new, rates['components_digitized'])}; "
        f"trong đó số hoá toàn bộ thành phần hồ sơ: "
        f"{_ratio(digitized['components_full'], new, rates['components_fully_digitized'])}.",
        f"Số hồ sơ có số hoá kết quả giải quyết: "
        f"{_ratio(digitized['results'], resolved['total'], rates['results_digitized'])}.",
        f"Số hồ sơ thanh toán phí, lệ phí trực tuyến: {_ratio(totals['paid_online'], new, rates['paid_online'])}.",
        f"Số hồ sơ tái sử dụng thành phần hồ sơ đã số hoá: {_ratio(totals.get('reused', 0), new, rates.get('reused'))}.",
    ]


AGENCIES_NAMED = 10  # in the PDF's sentence; the workbook lists them all


def agency_sentences(data: ReportData) -> list[str]:
    """Where the late dossiers sat: the agencies with dossiers resolved late or pending overdue, most first
    (the full table by agency is the workbook's sheet), and the desk's work for others."""
    lines = []
    late = sorted((row for row in data.figures.by_agency if row["resolved"]["late"] or row["pending"]["overdue"]),
                  key=lambda row: (-(row["resolved"]["late"] + row["pending"]["overdue"]), row["agency_name"]))
    if late:
        shown = [f"{row['agency_name'] or 'bộ phận một cửa, đơn vị trực tiếp'}: quá hạn {vn_int(row['resolved']['late'])}"
                 f", đang giải quyết quá hạn {vn_int(row['pending']['overdue'])}" for row in late[:AGENCIES_NAMED]]
        more = f"; và {vn_int(len(late) - AGENCIES_NAMED)} cơ quan khác" if len(late) > AGENCIES_NAMED else ""
        lines.append("Hồ sơ quá hạn theo cơ quan giải quyết (chi tiết tại biểu theo cơ quan): " + "; ".join(shown) + more + ".")
    late_stages = [row for row in data.stages if row["late"] or row["held_overdue"]]  # most late first (reports.stages)
    if late_stages:
        shown = [f"{row['holder_words']}: {vn_int(row['late'])} bước chậm, {vn_int(row['held_overdue'])} bước đang quá thời gian"
                 for row in late_stages[:AGENCIES_NAMED]]
        more = f"; và {vn_int(len(late_stages) - AGENCIES_NAMED)} nơi khác" if len(late_stages) > AGENCIES_NAMED else ""
        lines.append("Theo quy trình nội bộ, các bước dùng quá thời gian được giao (chi tiết tại biểu theo bước): "
                     + "; ".join(shown) + more + ".")
    others = data.for_others
    if others and any(others.values()):
        lines.append(
            f"Tiếp nhận hồ sơ thuộc thẩm quyền của đơn vị khác: {vn_int(others['received_for_others'])} hồ sơ; trả kết quả "
            f"của đơn vị khác: {vn_int(others['returned_for_others'])} hồ sơ; kết quả đã có, chờ trả: "
            f"{vn_int(others['waiting_to_return'])} hồ sơ (không tính vào số liệu giải quyết của đơn vị)."
        )
    return lines


def review_sentences(data: ReportData) -> list[str]:
    """The year's review of procedures (rà soát, đánh giá TTHC), as procedures' review screens word it."""
    review = data.review
    year = review.get("year", data.period.last_day.year)
    if not review.get("rounds"):
        return [f"Năm {year}: chưa có đợt rà soát, đánh giá thủ tục hành chính nào trên Hệ thống."]
    return [f"Năm {year}: {vn_int(review['rounds'])} đợt rà soát, đánh giá thủ tục hành chính "
            f"({vn_int(review['rounds_submitted'])} đợt đã gửi kết quả). {totals_sentence(review)}"]


def late_sentences(data: ReportData) -> list[str]:
    """The late dossiers, the apologies issued for them and the reasons the apologies give."""
    totals = data.figures.totals
    lines = [
        f"Số hồ sơ giải quyết quá hạn: {vn_int(totals['resolved']['late'])} hồ sơ; số hồ sơ đang giải quyết quá hạn: "
        f"{vn_int(totals['pending']['overdue'])} hồ sơ; đã phát hành {vn_int(data.apologies)} phiếu xin lỗi và hẹn lại "
        "ngày trả kết quả."
    ]
    if data.late_reasons:
        lines.append("Nguyên nhân (theo phiếu xin lỗi): " + "; ".join(
            f"{row['reason']} ({vn_int(row['count'])} hồ sơ)" for row in data.late_reasons) + ".")
    return lines


def satisfaction_sentences(data: ReportData) -> list[str]:
    satisfaction, feedback = data.satisfaction, data.feedback
    lines = []
    if satisfaction["ratings"]:
        lines.append(
            f"Tổng số lượt đánh giá sự hài lòng: {vn_int(satisfaction['ratings'])} lượt (rất hài lòng "
            f"{vn_int(satisfaction['very_satisfied'])}, hài lòng {vn_int(satisfaction['satisfied'])}, không hài lòng "
            f"{vn_int(satisfaction['unsatisfied'])}); tỷ lệ hài lòng đạt {vn_percent(satisfaction['rate'])}"
            f"{_target(satisfaction['target'])}."
        )
        land = satisfaction["land_construction_investment"]
        if land["ratings"]:
            lines.append(
                f"Nhóm thủ tục hành chính lĩnh vực đất đai, xây dựng, đầu tư: {vn_int(land['ratings'])} lượt đánh giá, "
                f"tỷ lệ hài lòng đạt {vn_percent(land['rate'])}{_target(land['target'])}."
            )
    else:
        lines.append("Trong kỳ chưa ghi nhận lượt đánh giá sự hài lòng nào của tổ chức, cá nhân.")
    if feedback["received"]:
        handled = feedback["handled_on_time"] + feedback["handled_late"]
        pending = feedback["pending_within_time"] + feedback["pending_overdue"]
        sentence = (
            f"Tiếp nhận {vn_int(feedback['received'])} phản ánh, kiến nghị; đã xử lý {vn_int(handled)} "
            f"(đúng hạn {vn_int(feedback['handled_on_time'])}, quá hạn {vn_int(feedback['handled_late'])}); "
            f"đang xử lý {vn_int(pending)} (trong hạn {vn_int(feedback['pending_within_time'])}, quá hạn "
            f"{vn_int(feedback['pending_overdue'])})"
        )
        classes = [
            f"{label} {vn_int(feedback[key])}"
            for key, label in (("regulation", "về quy định hành chính"),
                               ("handling", "về hành vi của cán bộ, công chức, việc giải quyết hồ sơ"),
                               ("out_of_scope", "không thuộc phạm vi xử lý"))
            if feedback.get(key)
        ]
        if classes:
            sentence += f"; phân loại: {', '.join(classes)}"
        lines.append(sentence + ".")
    else:
        lines.append("Trong kỳ không tiếp nhận phản ánh, kiến nghị nào về quy định hành chính và việc giải quyết "
                     "thủ tục hành chính.")
    return lines


def _html_headings(first: str) -> list[list[Heading]]:
    rows: list[list[Heading]] = [[] for _ in range(HEADER_ROWS)]
    for heading in sorted(table_headings(first), key=lambda h: (h.row, h.column)):
        rows[heading.row].append(heading)
    return rows


def _html_table(title: str, first: str, rows: list[TableRow], totals: dict) -> dict:
    return {
        "title": title,
        "heading_rows": _html_headings(first),
        "numbers": [f"({n})" for n in range(1, COLUMNS + 1)],
        # Columns (3)–(6) carry the longest headings; with STT 5 % and the name 15 % they add up to 100 %.
        "widths": ["8"] * 4 + ["6.857"] * 7,
        "rows": [{"number": row.number, "name": row.name, "values": [vn_int(v) for v in row.values]} for row in rows],
        "total": [vn_int(v) for v in table_values(totals)],
    }


def _number(narrative: dict) -> str:
    number = str(narrative.get("number") or "").strip()
    if not number:
        return "Số:\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0/BC-UBND"
    return f"Số: {number}" if "/" in number else f"Số: {number}/BC-UBND"


def _recipients(unit: AdministrativeUnit, narrative: dict) -> list[str]:
    given = _paragraphs(narrative.get("recipients"))
    if given:
        return [line if line.startswith(("-", "–", "+")) else f"- {line}" for line in given]
    parent = superior(unit)
    return ([f"- {committee_short(parent)};"] if parent else []) + ["- Lưu: VT."]


def pdf_context(data: ReportData, *, narrative: dict | None = None, today: date | None = None) -> dict:
    """Everything the template prints, already worded and formatted."""
    narrative = narrative or {}
    unit, period = data.unit, data.period
    day = reference_day(data)
    today = today or timezone.localdate()
    label = period_label(period)
    window = label if period.kind == "custom" else f"{label} ({period_range(period)})"
    as_of = as_of_line(period)
    if as_of:
        window = f"{window}, số liệu tính đến {as_of_moment(period)}"
    committee = committee_name(unit)
    tables = [
        _html_table("Biểu 1. Tình hình, kết quả giải quyết thủ tục hành chính theo lĩnh vực", "Lĩnh vực giải quyết",
                    field_rows(data), data.figures.totals),
    ]
    if has_child_units(data):
        tables.append(_html_table("Biểu 2. Tình hình, kết quả giải quyết thủ tục hành chính theo đơn vị",
                                  "Đơn vị giải quyết", unit_rows(data), data.figures.totals))
    generated = timezone.localtime(data.generated_at)
    return {
        "title": f"Báo cáo {REPORT_SUBJECT} {label} – {unit.name}",
        "issuer": issuing_body(unit),
        "number": _number(narrative),
        "place_and_date": place_and_date(unit, today),
        "subject": f"{REPORT_SUBJECT[0].upper()}{REPORT_SUBJECT[1:]} {label}",
        "intro": unbroken(
            f"Thực hiện {legal_basis(ONE_STOP, day).reference} và chế độ báo cáo định kỳ theo quy định tại "
            f"{legal_basis(REPORTING, day).reference}, {committee} báo cáo {REPORT_SUBJECT} {window} như sau:"
        ),
        "procedures": [procedures_sentence(data.procedures)],
        "dossiers": dossier_sentences(data),
        "digitisation": digitisation_sentences(data),
        "satisfaction": satisfaction_sentences(data),
        "review": review_sentences(data),
        "agencies": agency_sentences(data),
        "late": late_sentences(data),
        "sections": list(data.sections.values()),
        "tables": tables,
        "as_of": as_of,
        "outcome_rule_note": outcome_rule_note(data),
        "digitisation_note": DIGITISATION_NOTE,
        "consolidation_notes": consolidation_notes(data),
        "unit_assessments": unit_assessments(data),
        "source_note": (
            f"Số liệu tổng hợp từ Hệ thống thông tin một cửa điện tử lúc {generated:%H:%M} ngày {vn_date(generated)}."
        ),
        "assessment": _narrative(narrative, "assessment"),
        "tasks": _narrative(narrative, "tasks"),
        "proposals": _narrative(narrative, "proposals"),
        "closing": f"Trên đây là báo cáo {REPORT_SUBJECT} {label} của {committee}./.",
        "recipients": _recipients(unit, narrative),
        "signer_lines": ["TM. ỦY BAN NHÂN DÂN", *_narrative(narrative, "signer_title")],
        "signer_name": str(narrative.get("signer_name") or "").strip(),
    }


def to_pdf(data: ReportData, *, narrative: dict | None = None, **options) -> bytes:
    """The official report (Nghị định 30/2020 layout) as PDF; ``today`` sets the date line (tests)."""
    return render_pdf(PDF_TEMPLATE, pdf_context(data, narrative=narrative, today=options.get("today")))


FORMATTERS = {"json": to_json, "xlsx": to_xlsx, "pdf": to_pdf}
CONTENT_TYPES = {
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
EXTENSIONS = {"json": "json", "xlsx": "xlsx", "pdf": "pdf"}
