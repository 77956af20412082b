"""The one django-import-export resource for the catalogue, used by the admin, the UI and the
``import_procedures`` command. Cells are read by ``procedures.parsing``; every bad cell becomes a
Vietnamese message on its row, and the import runs in one transaction: all rows or none.

Who imports (``user``) is asked what the edit form asks: ``procedure.import`` for the file,
``posting.edit`` for the unit the rows are posted at, and ``procedure.edit`` for every row that
changes a procedure, on the stored procedure and on the level the row gives it (``procedure_save``
asks it: ``procedures.services.procedure_edit_refusal``); a row refused is a bad row like any other,
so the whole file is refused. A row that changes nothing is read back, not written (an exported
catalogue imports back). ``user=None`` is the installation itself (the command without ``--by``)."""
from __future__ import annotations

import re

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _
from import_export import fields, resources
from import_export.results import RowResult

from motcua.models import after_today
from motcua.permissions import can
from motcua.selectors import work_calendar
from motcua.tabular import cell_text
from motcua.text import search_key

from . import parsing
from .models import Procedure, ProcedureVersion
from .services import (
    CatalogueError,
    ProcedureRefused,
    components_of,
    fees_of,
    field_get_or_create,
    posting_open,
    procedure_save,
    stages_of,
)

REQUIRED_COLUMNS = ("code", "name", "field_code", "field_name", "level", "processing_days")
OPTIONAL_COLUMNS = (
    "sector", "agency", "fee", "online_level", "interconnected", "location_independent", "cutoff",
    "components", "result", "legal_basis", "decision_number", "decision_date", "status", "posted_on", "process",
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
# Columns a file may leave out without clearing what is stored (every other optional column empty clears it).
KEPT_WHEN_ABSENT = ("process",)

# Headings an officer would type, mapped to the columns (compared without diacritics or case).
HEADER_ALIASES = {
    "mã tthc": "code", "mã thủ tục": "code", "mã số tthc": "code", "mã số": "code", "mã": "code",
    "tên tthc": "name", "tên thủ tục": "name", "tên thủ tục hành chính": "name",
    "mã lĩnh vực": "field_code",
    "lĩnh vực": "field_name", "tên lĩnh vực": "field_name",
    "cấp thực hiện": "level", "cấp": "level", "cấp giải quyết": "level",
    "thời hạn giải quyết": "processing_days", "thời hạn giải quyết (ngày làm việc)": "processing_days",
    "thời hạn": "processing_days", "số ngày giải quyết": "processing_days",
    "ngành": "sector", "ngành dọc": "sector", "khối": "sector",
    "cơ quan thực hiện": "agency", "cơ quan giải quyết": "agency", "cơ quan": "agency",
    "phí, lệ phí": "fee", "phí/lệ phí": "fee", "phí lệ phí": "fee", "lệ phí": "fee", "phí": "fee", "fees": "fee",
    "mức độ dvc": "online_level", "mức độ dịch vụ công": "online_level", "dịch vụ công trực tuyến": "online_level",
    "dvctt": "online_level", "mức độ": "online_level",
    "liên thông": "interconnected",
    "không phụ thuộc địa giới hành chính": "location_independent", "phi địa giới": "location_independent",
    "giờ chốt": "cutoff", "thời điểm chốt": "cutoff", "same_day_cutoff": "cutoff",
    "thành phần hồ sơ": "components",
    "kết quả": "result", "kết quả thực hiện": "result",
    "căn cứ pháp lý": "legal_basis",
    "số quyết định": "decision_number", "quyết định công bố": "decision_number",
    "ngày quyết định": "decision_date", "ngày công bố": "decision_date", "ngày ban hành": "decision_date",
    "tình trạng": "status", "trạng thái": "status",
    "ngày niêm yết": "posted_on", "niêm yết từ ngày": "posted_on", "ngày niêm yết công khai": "posted_on",
    "thực hiện từ ngày": "posted_on",
    "quy trình nội bộ": "process", "quy trình": "process", "quy trình giải quyết": "process",
    "quy trình nội bộ giải quyết tthc": "process",
}
_ALIASES = {search_key(k): v for k, v in HEADER_ALIASES.items()}
# A procedure code, like a dossier code, is made of characters that need no escaping anywhere.
_SAFE_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]*")

COLUMN_LABELS = {
    "code": "Mã TTHC", "name": "Tên TTHC", "field_code": "Mã lĩnh vực", "field_name": "Lĩnh vực",
    "level": "Cấp thực hiện", "processing_days": "Thời hạn giải quyết", "sector": "Ngành",
    "agency": "Cơ quan thực hiện", "fee": "Phí, lệ phí", "online_level": "Mức độ DVC",
    "interconnected": "Liên thông", "location_independent": "Không phụ thuộc địa giới hành chính",
    "cutoff": "Giờ chốt", "components": "Thành phần hồ sơ", "result": "Kết quả", "legal_basis": "Căn cứ pháp lý",
    "decision_number": "Số quyết định", "decision_date": "Ngày quyết định", "status": "Tình trạng",
    "posted_on": "Ngày niêm yết", "process": "Quy trình nội bộ",
}


def canonical_header(text: str) -> str:
    key = search_key(str(text or ""))
    return _ALIASES.get(key, key)


class ProcedureResource(resources.ModelResource):
    """Columns as in COLUMNS. On import: ``unit`` posts every row at that unit, ``user`` is recorded."""

    code = fields.Field(attribute="code", column_name="code")
    name = fields.Field(attribute="name", column_name="name")
    field_code = fields.Field(attribute="field__code", column_name="field_code", readonly=True)
    field_name = fields.Field(attribute="field__name", column_name="field_name", readonly=True)
    level = fields.Field(attribute="level", column_name="level")
    processing_days = fields.Field(column_name="processing_days", readonly=True)
    sector = fields.Field(attribute="sector", column_name="sector")
    agency = fields.Field(attribute="agency", column_name="agency")
    fee = fields.Field(column_name="fee", readonly=True)
    online_level = fields.Field(attribute="online_level", column_name="online_level")
    interconnected = fields.Field(attribute="interconnected_with", column_name="interconnected")
    location_independent = fields.Field(column_name="location_independent", readonly=True)
    cutoff = fields.Field(column_name="cutoff", readonly=True)
    components = fields.Field(column_name="components", readonly=True)
    result = fields.Field(attribute="result", column_name="result")
    legal_basis = fields.Field(attribute="legal_basis", column_name="legal_basis")
    decision_number = fields.Field(attribute="decision_number", column_name="decision_number")
    decision_date = fields.Field(column_name="decision_date", readonly=True)
    status = fields.Field(attribute="status", column_name="status")
    # The day the unit imported at posted the procedure (its posting's first day; empty: the import's day).
    posted_on = fields.Field(column_name="posted_on", readonly=True)
    # The internal process (parsing.format_stages); a file without the column keeps the stored stages.
    process = fields.Field(column_name="process", readonly=True)

    class Meta:
        model = Procedure
        import_id_fields = ["code"]
        fields = COLUMNS
        export_order = COLUMNS
        clean_model_instances = False
        skip_diff = True
        use_transactions = True

    def __init__(self, *, unit=None, user=None, source: str = ProcedureVersion.Source.IMPORT, lines=None, **kwargs):
        super().__init__(**kwargs)
        self.unit = unit
        self.user = user
        self.source = source
        self.lines = lines or {}  # dataset row number → line in the officer's file
        self.seen_codes: dict[str, int] = {}
        self.unchanged: set[str] = set()

    # -- import ------------------------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        # The admin hands over the file as read; rename Vietnamese headings to the columns.
        dataset.headers = [canonical_header(h) for h in dataset.headers]
        missing = [c for c in REQUIRED_COLUMNS if c not in dataset.headers]
        if missing:
            raise ValidationError(_("Missing column(s): %(columns)s.")
                                  % {"columns": ", ".join(COLUMN_LABELS.get(column, column) for column in missing)})
        self.seen_codes.clear()
        self.unchanged.clear()
        if self.user is not None:
            if not can(self.user, "procedure.import"):
                raise ValidationError(_("Your account may not import the procedure catalogue."))
            if self.unit is not None and not can(self.user, "posting.edit", self.unit):
                raise ValidationError(
                    _("Your account may not post procedures at %(unit)s.") % {"unit": self.unit.name}
                )

    def line_of(self, number: int) -> int:
        return self.lines.get(number, number + 1)

    def get_instance(self, instance_loader, row):
        code = cell_text(row.get("code"))
        return Procedure.objects.filter(code=code).first() if code else None

    def import_instance(self, instance, row, **kwargs):
        """Read every cell; collect each problem under its column; set the instance's values."""
        cell = {column: cell_text(row.get(column)) for column in COLUMNS}
        errors: dict[str, list[str]] = {}

        def read(column: str, reader, *, required: bool = False):
            text = cell[column]
            if required and not text:
                errors.setdefault(column, []).append(_("empty"))
                return None
            try:
                return reader(text)
            except parsing.CellError as exc:
                errors.setdefault(column, []).append(str(exc))
                return None

        number = kwargs.get("row_number", 0)
        code = cell["code"]
        if not code:
            errors["code"] = [_("empty")]
        elif len(code) > 32 or not _SAFE_CODE.fullmatch(code):  # it goes into addresses: no "/", space or quote
            errors["code"] = [_("the code “%(code)s” is not a procedure code like 1.001193") % {"code": code}]
        elif code in self.seen_codes:
            errors["code"] = [
                _("the code %(code)s is already on line %(line)s") % {"code": code, "line": self.seen_codes[code]}
            ]
        else:
            self.seen_codes[code] = self.line_of(number)
        if not cell["name"]:
            errors["name"] = [_("empty")]
        if not cell["field_code"] and not cell["field_name"]:
            errors["field_name"] = [_("the field is empty (give the field code or its name)")]

        level = read("level", parsing.parse_level, required=True)
        days = read("processing_days", parsing.parse_days, required=True)
        sector = read("sector", parsing.parse_sector)
        online = read("online_level", parsing.parse_online_level)
        interconnected = read("interconnected", parsing.parse_interconnected)
        independent = read("location_independent", parsing.parse_bool)
        cutoff = read("cutoff", parsing.parse_cutoff)
        fees = read("fee", parsing.parse_fees)
        components = read("components", parsing.parse_components)
        decision_date = read("decision_date", parsing.parse_date)
        status = read("status", parsing.parse_status)
        posted_on = read("posted_on", parsing.parse_date)
        stages = read("process", parsing.parse_stages) if "process" in row else None
        if stages and days is not None:
            try:
                parsing.check_stage_hours(stages, days, work_calendar().hours_per_day)
            except parsing.CellError as exc:
                errors.setdefault("process", []).append(str(exc))
        if after_today(posted_on):
            errors.setdefault("posted_on", []).append(after_today(posted_on))
        if errors:
            raise ValidationError(errors)

        instance.code = code
        instance.name = cell["name"]
        instance.field = field_get_or_create(code=cell["field_code"], name=cell["field_name"])
        instance.level, instance.processing_days, instance.sector = level, days, sector
        instance.agency = cell["agency"]
        instance.online_level = online
        instance.interconnected_with = interconnected
        instance.location_independent = independent
        instance.cutoff_applies = cutoff is not None
        if cutoff is not None:
            instance.cutoff_time = cutoff
        instance.fee_text = "" if not fees else cell["fee"]
        instance.result, instance.legal_basis = cell["result"], cell["legal_basis"]
        instance.decision_number, instance.decision_date = cell["decision_number"], decision_date
        instance.status = status
        instance._fees, instance._components = fees, components
        if stages is not None:
            instance.stages = [stage.as_json() for stage in stages]
        instance._posted_on = posted_on

    def save_instance(self, instance, is_create, row, **kwargs):
        try:
            changed = procedure_save(
                procedure=instance, fees=instance._fees, components=instance._components, by=self.user,
                source=self.source,
            )
        except ProcedureRefused as refused:
            # The edit form's question, asked by the one save (a bad row: the whole file is refused).
            raise ValidationError({NON_FIELD_ERRORS: [str(refused)]}) from None
        if not changed:
            self.unchanged.add(instance.code)
        if self.unit is not None and not instance.postings.filter(unit=self.unit, is_active=True).exists():
            # Posted from the row's day (also the day posted at the desk), else from the import's day; a
            # posting in force is left as it is (a file imported again changes nothing).
            posted_on = getattr(instance, "_posted_on", None)
            try:
                posting_open(unit=self.unit, procedure=instance, since=posted_on, posted_at_desk=posted_on)
            except CatalogueError as refused:
                raise ValidationError({"posted_on": [str(refused)]}) from None

    def after_import_row(self, row, row_result, **kwargs):
        if row_result.import_type == RowResult.IMPORT_TYPE_UPDATE and cell_text(row.get("code")) in self.unchanged:
            row_result.import_type = RowResult.IMPORT_TYPE_SKIP

    # -- export ------------------------------------------------------------------------------

    def export_field(self, field, instance, **kwargs):
        return parsing.escape_formula(super().export_field(field, instance, **kwargs))

    def dehydrate_processing_days(self, procedure):
        return parsing.format_days(procedure.processing_days)

    def dehydrate_fee(self, procedure):
        return procedure.fee_text or parsing.format_fees(fees_of(procedure))

    def dehydrate_components(self, procedure):
        return parsing.format_components(components_of(procedure))

    def dehydrate_process(self, procedure):
        return parsing.format_stages(stages_of(procedure))

    def dehydrate_location_independent(self, procedure):
        return "yes" if procedure.location_independent else "no"

    def dehydrate_cutoff(self, procedure):
        return procedure.cutoff_time.strftime("%H:%M") if procedure.cutoff_applies else ""

    def dehydrate_decision_date(self, procedure):
        return procedure.decision_date.strftime("%d/%m/%Y") if procedure.decision_date else ""

    def dehydrate_posted_on(self, procedure):
        """The first day of the posting in force at the resource's unit (empty without a unit)."""
        if self.unit is None:
            return ""
        posting = procedure.postings.filter(unit=self.unit, is_active=True).first()
        return posting.valid_from.strftime("%d/%m/%Y") if posting and posting.valid_from else ""
