"""The dossier register (Sổ theo dõi hồ sơ): its filter, its one query, and its Excel writer.

The register lists the dossiers of the user's subtree received in a period (Vietnam time, both ends
inclusive), optionally of one field and one unit of that subtree, oldest first. Dossiers refused at
intake were never received and are left out. The same rows feed the HTML page (the first 500), the PDF
and the Excel workbook (streamed in write-only mode). A request's own work stays within a few seconds:
the rows are counted first (one query), and a selection over the PDF's or the workbook's limit is
refused before any row is loaded, with a message asking for a narrower period (``too_many_message``).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO

from django import forms
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.models import AdministrativeUnit, AgencyKind
from motcua.periods import day_bounds
from motcua.text import vn_moment
from procedures.models import Field
from procedures.parsing import escape_formula

from dossiers.models import Dossier, DossierEvent, Outcome, Pause, PauseKind, Status

HTML_LIMIT = 500
# WeasyPrint lays out about 60 register lines a second on our 2-core servers (300 lines took 5 s, the
# 2,000 of the former limit 46 s): 200 lines keep the PDF within about 3.5 s.
PDF_LIMIT = 200
# openpyxl writes about 1,500 lines a second (20,000 took 13.6 s): 5,000 keep the workbook within about 3.5 s.
XLSX_LIMIT = 5000
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

TITLE = "SỔ THEO DÕI HỒ SƠ"
HEADINGS = [
    "STT", "Mã hồ sơ", "Tên TTHC", "Số lượng hồ sơ (bộ)", "Tên cá nhân, tổ chức", "Địa chỉ", "Số điện thoại",
    "Cơ quan chủ trì giải quyết", "Nhận hồ sơ (ngày)", "Hẹn trả kết quả", "Chuyển hồ sơ đến cơ quan giải quyết",
    "Ngày có kết quả/YC bổ sung", "Trả kết quả (ngày)", "Ghi chú",
]
COLUMN_WIDTHS = [6, 27, 48, 10, 26, 32, 14, 28, 17, 17, 17, 17, 17, 32]
DATE_COLUMNS = {9, 10, 11, 12, 13}  # 1-based: received, due, transferred, result/supplement, returned
EXCEL_DATETIME = "dd/mm/yyyy hh:mm"

OUTCOME_NOTES = {Outcome.EARLY: "Trước hạn", Outcome.ON_TIME: "Đúng hạn", Outcome.LATE: "Quá hạn"}
STATUS_NOTES = {
    Status.RECEIVED: "Đang giải quyết",
    Status.TRANSFERRED: "Đang giải quyết",
    Status.IN_PROGRESS: "Đang giải quyết",
    Status.PAUSED: "Tạm dừng",
    Status.RESOLVED: "Chờ trả kết quả",
    Status.RETURNED_UNRESOLVED: "Trả hồ sơ không giải quyết",
    Status.WITHDRAWN: "Rút hồ sơ, dừng giải quyết",
}


# -- the filter -------------------------------------------------------------------------------------


def _date_field(label) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}),
        error_messages={
            "required": _("Enter a date as dd/mm/yyyy."),
            "invalid": _("Enter a date as dd/mm/yyyy, e.g. 14/03/2026."),
        },
    )


class PeriodForm(forms.Form):
    """A form with ``from`` and ``to`` dates: a start after the end is refused."""

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."), code="reversed")
        return cleaned


class RegisterFilterForm(PeriodForm):
    """?from=dd/mm/yyyy&to=dd/mm/yyyy&field=<code>&unit=<code>; without dates, this month so far."""

    def __init__(self, data, *, units: QuerySet[AdministrativeUnit], today: date | None = None):
        today = today or timezone.localdate()
        defaults = {"from": today.replace(day=1).strftime("%d/%m/%Y"), "to": today.strftime("%d/%m/%Y")}
        values = {**defaults, **{key: data.get(key, "") for key in ("from", "to", "field", "unit") if key in data}}
        super().__init__(values)
        self.fields["from"] = _date_field(_("From"))
        self.fields["to"] = _date_field(_("To"))
        self.fields["field"] = forms.ModelChoiceField(
            label=_("Field"), required=False, queryset=Field.objects.order_by("name"), to_field_name="code",
            empty_label=_("All"),
        )
        self.fields["unit"] = forms.ChoiceField(
            label=_("Unit"), required=False,
            choices=[("", _("All units in my scope"))] + [(u.code, u.name) for u in units.order_by("path")],
        )


# -- the rows -----------------------------------------------------------------------------------------


def register_queryset(
    dossiers: QuerySet[Dossier], *, start: date, end: date, field: Field | None = None,
    unit: AdministrativeUnit | None = None,
) -> QuerySet[Dossier]:
    """The register's dossiers out of ``dossiers`` (already scoped to the user), in one query."""
    low, high = day_bounds(start, end)
    qs = dossiers.exclude(status=Status.REFUSED).filter(received_at__gte=low, received_at__lt=high)
    if unit is not None:
        qs = qs.for_unit(unit)
    if field is not None:
        qs = qs.filter(procedure__field=field)
    first_transfer = DossierEvent.objects.filter(dossier=OuterRef("pk"), action="transfer").order_by("at", "pk")
    last_supplement = Pause.objects.filter(dossier=OuterRef("pk"), kind=PauseKind.SUPPLEMENT).order_by("-started_at", "-pk")
    return (
        qs.select_related("procedure", "handling_unit", "agency")
        .with_latest_apology()  # the appointment the citizen holds now: the latest apology's
        .annotate(
            transferred_at=Subquery(first_transfer.values("at")[:1]),
            supplement_at=Subquery(last_supplement.values("started_at")[:1]),
        )
        .order_by("received_at", "pk")
    )


@dataclass(frozen=True)
class RegisterRow:
    number: int
    code: str
    procedure: str
    count: int
    applicant: str
    address: str
    phone: str
    processing_body: str
    received_at: datetime
    due_at: datetime
    transferred_at: datetime | None
    result_at: datetime | None
    returned_at: datetime | None
    note: str

    def values(self) -> list:
        return [
            self.number, self.code, self.procedure, self.count, self.applicant, self.address, self.phone,
            self.processing_body, self.received_at, self.due_at, self.transferred_at, self.result_at,
            self.returned_at, self.note,
        ]


def _note(dossier: Dossier) -> str:
    parts = []
    if dossier.status in (Status.RESOLVED, Status.RETURNED, Status.RETURNED_UNRESOLVED, Status.WITHDRAWN):
        if dossier.status != Status.RETURNED:
            parts.append(STATUS_NOTES[dossier.status])
        if dossier.outcome:
            parts.append(OUTCOME_NOTES.get(dossier.outcome, ""))
    else:
        parts.append(STATUS_NOTES.get(dossier.status, ""))
    if dossier.resolved_at is None and dossier.supplement_at is not None:
        parts.append(f"Yêu cầu bổ sung {vn_moment(dossier.supplement_at)}")
    if dossier.latest_new_due_at is not None:
        parts.append(f"Xin lỗi, hẹn lại {vn_moment(dossier.latest_new_due_at)}")
    if dossier.is_interconnected:
        parts.append("Liên thông")
    return "; ".join(part for part in parts if part)


def _body(dossier: Dossier) -> str:
    agency = dossier.agency
    if agency is not None and agency.kind != AgencyKind.PEOPLES_COMMITTEE:
        return agency.name
    return dossier.handling_unit.name


def register_rows(dossiers: Iterable[Dossier], *, first: int = 1) -> Iterator[RegisterRow]:
    """One register line per dossier of ``register_queryset``, numbered from ``first``."""
    for number, dossier in enumerate(dossiers, start=first):
        yield RegisterRow(
            number=number,
            code=dossier.code,
            procedure=dossier.procedure.name,
            count=1,
            applicant=dossier.applicant_name,
            address=dossier.applicant_address,
            phone=dossier.applicant_phone,
            processing_body=_body(dossier),
            received_at=timezone.localtime(dossier.received_at),
            due_at=timezone.localtime(dossier.due_at),
            transferred_at=_local(dossier.transferred_at),
            result_at=_local(dossier.resolved_at or dossier.supplement_at),
            returned_at=_local(dossier.returned_at),
            note=_note(dossier),
        )


def _local(moment: datetime | None) -> datetime | None:
    return timezone.localtime(moment) if moment is not None else None


def too_many_message(*, total: int, limit: int, fmt: str) -> str:
    """Why a PDF or a workbook of ``total`` lines is refused, and what to do instead."""
    from django.utils.formats import number_format
    from django.utils.translation import gettext

    values = {"total": number_format(total, force_grouping=True), "limit": number_format(limit, force_grouping=True)}
    if fmt == "pdf":
        return gettext(
            "The selection holds %(total)s dossiers and the printed register at most %(limit)s: narrow the period "
            "(or choose one field or one unit) and print it part by part, or download the Excel file."
        ) % values
    return gettext(
        "The selection holds %(total)s dossiers and the Excel file at most %(limit)s: narrow the period (or choose "
        "one field or one unit) and download it part by part, for example month by month."
    ) % values


def period_text(start: date, end: date) -> str:
    return f"Từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}"


# -- Excel ----------------------------------------------------------------------------------------------


def register_workbook(rows: Iterable[RegisterRow], *, unit_line: str, period: str, field_line: str = "") -> bytes:
    """The register as an .xlsx, streamed (write-only): title, unit, period, a frozen header row,
    real Excel dates shown dd/mm/yyyy hh:mm, and every text through ``escape_formula``."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Sổ theo dõi hồ sơ")
    for column, width in enumerate(COLUMN_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    title_lines = [line for line in (TITLE, unit_line, period, field_line) if line]
    header_row = len(title_lines) + 2
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = "9"  # A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True

    def cell(value, *, font=None, number_format=None, alignment=None, border=None, fill=None):
        item = WriteOnlyCell(sheet, value=value)
        if font is not None:
            item.font = font
        if number_format is not None:
            item.number_format = number_format
        if alignment is not None:
            item.alignment = alignment
        if border is not None:
            item.border = border
        if fill is not None:
            item.fill = fill
        return item

    for index, line in enumerate(title_lines):
        font = Font(name="Times New Roman", bold=index < 2, size=14 if index == 0 else 12, italic=index >= 2)
        sheet.append([cell(escape_formula(line), font=font)])
    sheet.append([])

    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    heading_font = Font(name="Times New Roman", bold=True, size=11)
    heading_fill = PatternFill("solid", fgColor="E7EBF0")
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.append([
        cell(escape_formula(text), font=heading_font, alignment=centre, border=border, fill=heading_fill)
        for text in HEADINGS
    ])

    body_font = Font(name="Times New Roman", size=11)
    wrap_top = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        line = []
        for column, value in enumerate(row.values(), start=1):
            if isinstance(value, datetime):
                value = timezone.localtime(value).replace(tzinfo=None)  # Excel has no time zones
                line.append(cell(value, font=body_font, number_format=EXCEL_DATETIME, alignment=wrap_top, border=border))
            else:
                line.append(cell(escape_formula(value), font=body_font, alignment=wrap_top, border=border))
        sheet.append(line)

    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
